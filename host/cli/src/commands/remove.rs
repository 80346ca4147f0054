//! `alerter remove NAME`.

use std::process::ExitCode;

use clap::Args;

use super::{CommandResult, Context};
use crate::output::out;

/// Delete an alerter (its stored secrets stay; see `alerter secret`).
#[derive(Args, Debug)]
pub struct RemoveCommand {
    /// Alerter name.
    name: String,
}

impl RemoveCommand {
    /// Runs the command.
    pub async fn execute(self, ctx: &Context) -> CommandResult {
        ctx.host.remove_alerter(&self.name)?;
        out!("removed alerter \"{}\"", self.name);
        Ok(ExitCode::SUCCESS)
    }
}
