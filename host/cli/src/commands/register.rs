//! `alerter register NAME --flavor FLAVOR [--set K=V]... [--allow-host ORIGIN]...`.

use std::process::ExitCode;

use alerter::{LimitOverrides, NewAlerter};
use clap::Args;

use super::{CommandResult, Context};
use crate::args::pairs;
use crate::output::{out, warn, CliError};

/// Create an alerter: a flavor plus its settings and network grants.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  alerter register ops --flavor slack --set token=xoxb-... --set channel_id=C0123
  alerter register ci --flavor slack --set 'webhook_url={{ci.slack_webhook}}'
  alerter register local --flavor echo --set url=http://127.0.0.1:8080 --allow-host http://127.0.0.1:8080

A literal value for a secret setting is moved into the secret store (owner-only file)
and replaced by a reference {{ALERTER.SETTING}}. A reference {{name.key}} is read at
call time from $ALERTER_SECRET_<NAME>_<KEY> or from `alerter secret set`.

Network: a built-in flavor's declared https hosts are granted by default, and so is an
https URL you give a setting the flavor's hosts name (e.g. api_base). The hosts a flavor
registered from a file declares are granted only with --allow-host (each) or
--trust-declared-hosts (all its declared https hosts, as they are now). Plain http and
internal addresses always need --allow-host. The first alerter registered becomes active.

--limit KEY=VALUE changes one of this alerter's limits (memory_bytes, cpu_ms, ...; see
README, Limits).")]
pub struct RegisterCommand {
    /// Alerter name.
    name: String,
    /// Flavor to use (built-in `slack`, `discord`, or a registered one).
    #[arg(long)]
    flavor: String,
    /// A setting, KEY=VALUE (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Grant an origin (repeatable).
    #[arg(long = "allow-host", value_name = "SCHEME://HOST[:PORT]")]
    allow_host: Vec<String>,
    /// Grant the declared https hosts of a flavor registered from a file.
    #[arg(long)]
    trust_declared_hosts: bool,
    /// Change one of this alerter's limits, KEY=VALUE (repeatable).
    #[arg(long = "limit", value_name = "KEY=VALUE")]
    limit: Vec<String>,
}

impl RegisterCommand {
    /// Runs the command.
    pub async fn execute(self, ctx: &Context) -> CommandResult {
        let settings = pairs(&self.set, "--set")?;
        let limits = LimitOverrides::parse_pairs(&pairs(&self.limit, "--limit")?)
            .map_err(|e| CliError::Usage(format!("--limit: {e}")))?;
        let new = NewAlerter {
            name: self.name.clone(),
            flavor: self.flavor,
            settings,
            allow_hosts: self.allow_host,
            trust_declared_hosts: self.trust_declared_hosts,
            limits,
        };
        let saved = ctx.host.register_alerter(new).await?;
        for w in &saved.warnings {
            warn(&self.name, w);
        }
        out!(
            "registered alerter \"{}\" (flavor \"{}\" {}){}",
            self.name,
            saved.flavor,
            saved.flavor_version,
            if saved.became_active { "; it is now active" } else { "" }
        );
        Ok(ExitCode::SUCCESS)
    }
}
