//! `alerter use NAME`.

use std::process::ExitCode;

use clap::Args;

use super::{CommandResult, Context};
use crate::output::out;

/// Make an alerter the default for post/ask/run.
#[derive(Args, Debug)]
pub struct UseCommand {
    /// Alerter name.
    name: String,
}

impl UseCommand {
    /// Runs the command.
    pub async fn execute(self, ctx: &Context) -> CommandResult {
        ctx.host.use_alerter(&self.name)?;
        out!("alerter \"{}\" is now active", self.name);
        Ok(ExitCode::SUCCESS)
    }
}
