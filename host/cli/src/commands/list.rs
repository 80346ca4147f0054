//! `alerter list`.

use std::process::ExitCode;

use clap::Args;

use super::{CommandResult, Context};
use crate::output::out;

/// List alerters (the active one is marked with *).
#[derive(Args, Debug)]
pub struct ListCommand {}

impl ListCommand {
    /// Runs the command.
    pub async fn execute(self, ctx: &Context) -> CommandResult {
        let alerters = ctx.host.alerters()?;
        if alerters.is_empty() {
            out!("no alerters yet; create one with `alerter register NAME --flavor FLAVOR`");
        }
        for a in alerters {
            out!("{} {}\t{}", if a.active { "*" } else { " " }, a.name, a.flavor);
        }
        Ok(ExitCode::SUCCESS)
    }
}
