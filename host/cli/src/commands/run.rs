//! `alerter run -- CMD [ARGS...]`: alert when a command fails (or succeeds).

use std::process::ExitCode;

use alerter::On;
use clap::{Args, ValueEnum};

use super::{CommandResult, Context};
use crate::output::explain;

/// Run a command and alert when it fails (or succeeds); exits with its exit code.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  alerter run -- python train.py --epochs 10          # alert if training fails
  alerter run --on always --tail 100 -- make nightly   # alert either way, last 100 lines
The command's output passes through unchanged. The alert carries the exit code or
signal, the duration, the host name and the last lines of output. A failure to alert
(even a misconfigured alerter) is reported on stderr but never stops the command or
changes the exit code, which is the command's own.")]
pub struct RunCommand {
    /// When to alert.
    #[arg(long, value_enum, default_value_t = OnArg::Failure)]
    on: OnArg,
    /// Title of the alert (default: "`CMD` failed" / "`CMD` succeeded").
    #[arg(long)]
    title: Option<String>,
    /// Lines of output to include.
    #[arg(long, default_value_t = 50, value_name = "N")]
    tail: usize,
    #[command(flatten)]
    target: crate::args::TargetArgs,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    command: Vec<String>,
}

/// `--on` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum OnArg {
    Failure,
    Success,
    Always,
}

impl RunCommand {
    /// Runs the command.
    pub async fn execute(self, ctx: &Context) -> CommandResult {
        let on = match self.on {
            OnArg::Failure => On::Failure,
            OnArg::Success => On::Success,
            OnArg::Always => On::Always,
        };
        // Resolve the alerter first, so a misconfiguration shows before a
        // long job rather than after; the command runs either way.
        let alerter = match self.target.alerter(&ctx.host).await {
            Ok(alerter) => Some(alerter),
            Err(e) => {
                eprintln!("alerter: cannot alert ({}); running the command anyway", e.text());
                None
            }
        };
        let finished = alerter::run_command(&self.command, self.tail.max(1)).await?;
        if let Some(alerter) = alerter.filter(|_| on.wants(finished.succeeded())) {
            if let Err(e) = alerter.post(&alerter::command_alert(&finished, self.title.as_deref())).await {
                eprintln!("alerter: could not send the alert: {}", explain(&e));
            }
        }
        Ok(ExitCode::from(finished.exit_code().clamp(0, 255) as u8))
    }
}
