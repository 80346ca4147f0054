//! `alerter group set|list|remove`: named groups of alerters, usable
//! wherever an alerter name is (`--alerter release`).

use std::process::ExitCode;

use alerter::GroupChange;
use clap::Subcommand;

use super::{CommandResult, Context};
use crate::output::out;

/// Manage groups of alerters: `--alerter GROUP` posts (asks, alerts) through each member.
#[derive(Subcommand, Debug)]
pub enum GroupCommand {
    /// Create a group, or replace its members.
    #[command(after_help = "\
Example:
  alerter group set release ops-slack ops-discord
  alerter post \"Release 3.1 is out\" --alerter release   # to both, in parallel")]
    Set {
        /// Group name (not an alerter's name).
        name: String,
        /// Its alerters.
        #[arg(required = true, value_name = "ALERTER")]
        members: Vec<String>,
    },
    /// List the groups and their alerters.
    List,
    /// Delete a group (its alerters stay).
    Remove {
        /// Group name.
        name: String,
    },
}

impl GroupCommand {
    /// Runs the command.
    pub async fn execute(self, ctx: &Context) -> CommandResult {
        match self {
            GroupCommand::Set { name, members } => {
                let verb = match ctx.host.set_group(&name, &members)? {
                    GroupChange::Added => "created",
                    GroupChange::Replaced => "replaced",
                };
                out!("{verb} group \"{name}\": {}", members.join(", "));
            }
            GroupCommand::List => {
                let groups = ctx.host.groups()?;
                if groups.is_empty() {
                    out!("no groups yet; create one with `alerter group set NAME ALERTER...`");
                }
                let alerters: Vec<String> = ctx.host.alerters()?.into_iter().map(|a| a.name).collect();
                for (name, members) in groups {
                    let shown: Vec<String> = members
                        .iter()
                        .map(|m| if alerters.contains(m) { m.clone() } else { format!("{m} (removed)") })
                        .collect();
                    out!("{name}\t{}", shown.join(", "));
                }
            }
            GroupCommand::Remove { name } => {
                ctx.host.remove_group(&name)?;
                out!("removed group \"{name}\"");
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
