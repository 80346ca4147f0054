//! `alerter cache [info|prune]`: the compile cache of flavors.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::{CommandResult, Context};
use crate::output::{bytes, out};

/// Show the compile cache (`info`, the default) or prune it.
#[derive(Args, Debug)]
#[command(after_help = "\
Compiling a flavor takes from milliseconds (Rust, C) to seconds (Python, JavaScript),
so each flavor is compiled once per version and kept in the cache. `flavor register`
and `flavor remove` prune it automatically; `prune` does it now.")]
pub struct CacheCommand {
    #[command(subcommand)]
    action: Option<CacheAction>,
}

#[derive(Subcommand, Debug)]
enum CacheAction {
    /// Where the cache is, and what each file holds.
    Info,
    /// Remove what no registered or built-in flavor needs; print what was freed.
    Prune,
}

impl CacheCommand {
    /// Runs the command.
    pub async fn execute(self, ctx: &Context) -> CommandResult {
        match self.action.unwrap_or(CacheAction::Info) {
            CacheAction::Info => {
                let info = ctx.host.cache()?;
                let total: u64 = info.entries.iter().map(|e| e.bytes).sum();
                out!("compile cache: {} ({} files, {})", info.dir.display(), info.entries.len(), bytes(total));
                for e in &info.entries {
                    let owner = if !e.current_engine {
                        "another engine (unused)".to_string()
                    } else if e.flavors.is_empty() {
                        "no flavor (unused)".to_string()
                    } else {
                        e.flavors.join(", ")
                    };
                    let name = e.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    out!("  {name}\t{}\t{owner}", bytes(e.bytes));
                }
            }
            CacheAction::Prune => {
                let pruned = ctx.host.prune_cache()?;
                for e in &pruned.removed {
                    out!("removed {} ({})", e.path.display(), bytes(e.bytes));
                }
                out!("freed {} bytes ({}) in {} file(s)", pruned.freed, bytes(pruned.freed), pruned.removed.len());
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
