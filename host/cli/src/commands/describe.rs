//! `alerter describe NAME`.

use std::process::ExitCode;

use clap::Args;

use super::{CommandResult, Context};
use crate::output::out;

/// Show an alerter's flavor, settings (secrets hidden) and network grants.
#[derive(Args, Debug)]
pub struct DescribeCommand {
    /// Alerter name.
    name: String,
}

impl DescribeCommand {
    /// Runs the command.
    pub async fn execute(self, ctx: &Context) -> CommandResult {
        let d = ctx.host.describe_alerter(&self.name).await?;
        let list = |items: Vec<String>| if items.is_empty() { "none".to_string() } else { items.join(", ") };
        out!("alerter:  {}{}", d.name, if d.active { " (active)" } else { "" });
        match &d.flavor_version {
            Some(v) => out!("flavor:   {} {v}", d.flavor),
            None => out!("flavor:   {} (cannot be loaded)", d.flavor),
        }
        out!("settings:");
        for (k, v) in &d.settings {
            out!("  {k} = {v}");
        }
        if d.flavor_version.is_some() {
            out!("declared hosts: {}", list(d.declared.iter().map(ToString::to_string).collect()));
            out!("granted:        {}", list(d.granted.iter().map(ToString::to_string).collect()));
        }
        out!("explicit grants (--allow-host): {}", list(d.explicit));
        if !d.trusted_hosts.is_empty() {
            out!("trusted declared hosts (--trust-declared-hosts): {}", list(d.trusted_hosts));
        }
        out!(
            "can ask:  {}",
            if d.flavor_trusted { "yes (flavor built in or trusted)" } else { "no (flavor not trusted)" }
        );
        if !d.limits.is_empty() {
            out!("limits:   {}", serde_json::to_string(&d.limits).unwrap_or_default());
        }
        Ok(ExitCode::SUCCESS)
    }
}
