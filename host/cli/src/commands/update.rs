//! `alerter update NAME [--flavor F] [--set K=V]... [--unset K]... [--allow-host O]... [--revoke-host O]...`.

use std::process::ExitCode;

use alerter::AlerterChanges;
use clap::Args;

use super::{CommandResult, Context};
use crate::args::pairs;
use crate::output::{out, warn};

/// Change an alerter's settings or grants.
#[derive(Args, Debug)]
pub struct UpdateCommand {
    /// Alerter name.
    name: String,
    /// Switch to another flavor.
    #[arg(long)]
    flavor: Option<String>,
    /// Set or change a setting, KEY=VALUE (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Remove a setting (repeatable).
    #[arg(long = "unset", value_name = "KEY")]
    unset: Vec<String>,
    /// Grant an origin (repeatable).
    #[arg(long = "allow-host", value_name = "SCHEME://HOST[:PORT]")]
    allow_host: Vec<String>,
    /// Withdraw a grant (repeatable).
    #[arg(long = "revoke-host", value_name = "SCHEME://HOST[:PORT]")]
    revoke_host: Vec<String>,
}

impl UpdateCommand {
    /// Runs the command.
    pub async fn execute(self, ctx: &Context) -> CommandResult {
        let changes = AlerterChanges {
            flavor: self.flavor,
            set: pairs(&self.set, "--set")?,
            unset: self.unset,
            allow_hosts: self.allow_host,
            revoke_hosts: self.revoke_host,
        };
        let saved = ctx.host.update_alerter(&self.name, changes).await?;
        for w in &saved.warnings {
            warn(&self.name, w);
        }
        out!("updated alerter \"{}\"", self.name);
        Ok(ExitCode::SUCCESS)
    }
}
