//! `alerter update NAME [--flavor F] [--set K=V]... [--unset K]... [--allow-host O]... [--revoke-host O]...`.

use std::process::ExitCode;

use alerter::{AlerterChanges, LimitOverrides};
use clap::Args;

use super::{CommandResult, Context};
use crate::args::pairs;
use crate::output::{out, warn, CliError};

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
    /// Grant the declared https hosts of a flavor registered from a file (as they are now).
    #[arg(long, conflicts_with = "untrust_declared_hosts")]
    trust_declared_hosts: bool,
    /// Withdraw --trust-declared-hosts.
    #[arg(long)]
    untrust_declared_hosts: bool,
    /// Change one of this alerter's limits, KEY=VALUE (repeatable).
    #[arg(long = "limit", value_name = "KEY=VALUE")]
    limit: Vec<String>,
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
            trust_declared_hosts: match (self.trust_declared_hosts, self.untrust_declared_hosts) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
            limits: LimitOverrides::parse_pairs(&pairs(&self.limit, "--limit")?)
                .map_err(|e| CliError::Usage(format!("--limit: {e}")))?,
        };
        let saved = ctx.host.update_alerter(&self.name, changes).await?;
        for w in &saved.warnings {
            warn(&self.name, w);
        }
        out!("updated alerter \"{}\"", self.name);
        Ok(ExitCode::SUCCESS)
    }
}
