//! `alerter run -- CMD [ARGS...]`: alert when a command fails (or succeeds).

use std::process::ExitCode;

use std::path::PathBuf;

use alerter::{Alerter, Attachment, Message, On};
use clap::{Args, ValueEnum};

use super::{CommandResult, Context};
use crate::output::explain;

/// Run a command and alert when it fails (or succeeds); exits with its exit code.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  alerter run -- python train.py --epochs 10          # alert if training fails
  alerter run --on always --tail 100 -- make nightly   # alert either way, last 100 lines
  alerter run --attach-on-failure train.log --attach-on-failure loss.png -- python train.py
The command's output passes through unchanged. The alert carries the exit code or
signal, the duration, the host name and the last lines of output. A failure to alert
(even a misconfigured alerter) is reported on stderr but never stops the command or
changes the exit code, which is the command's own. Files given with --attach-on-failure
are attached when the command failed; one that is missing or too large is named in the
alert instead. With several alerters (--alerter repeated, or a group) the alert goes to
each.")]
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
    /// Attach this file to the alert when the command failed (repeatable): a log, a plot.
    #[arg(long, value_name = "PATH")]
    attach_on_failure: Vec<PathBuf>,
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
        // Resolve the alerters first, so a misconfiguration shows before a
        // long job rather than after; the command runs either way.
        let alerters: Vec<Alerter> = match self.target.targets(&ctx.host).await {
            Ok(targets) => targets
                .into_iter()
                .filter_map(|t| match t.alerter {
                    Ok(a) => Some(a),
                    Err(e) => {
                        eprintln!(
                            "alerter: cannot alert via \"{}\" ({}); running the command anyway",
                            t.name,
                            explain(&e)
                        );
                        None
                    }
                })
                .collect(),
            Err(e) => {
                eprintln!("alerter: cannot alert ({}); running the command anyway", e.text());
                Vec::new()
            }
        };
        let finished = alerter::run_command(&self.command, self.tail.max(1)).await?;
        if !alerters.is_empty() && on.wants(finished.succeeded()) {
            let mut alert = alerter::command_alert(&finished, self.title.as_deref());
            if !finished.succeeded() {
                attach_files(&mut alert, &self.attach_on_failure);
            }
            let refs: Vec<&Alerter> = alerters.iter().collect();
            for (a, result) in alerters.iter().zip(alerter::post_all(&refs, &alert).await) {
                match result {
                    Ok(d) if !d.not_attached.is_empty() => eprintln!(
                        "alerter: \"{}\" cannot attach files; the alert names {} instead",
                        a.name(),
                        d.not_attached.join(", ")
                    ),
                    Ok(_) => {}
                    Err(e) if refs.len() > 1 => {
                        eprintln!("alerter: could not send the alert via \"{}\": {}", a.name(), explain(&e));
                    }
                    Err(e) => eprintln!("alerter: could not send the alert: {}", explain(&e)),
                }
            }
        }
        Ok(ExitCode::from(finished.exit_code().clamp(0, 255) as u8))
    }
}

/// Attaches the files that exist and fit the caps; the others are named
/// in a note at the end of the alert (a failed job may not have written its
/// log, and the alert matters more than the file).
fn attach_files(alert: &mut Message, paths: &[PathBuf]) {
    let mut missing = Vec::new();
    let mut total = 0usize;
    for path in paths {
        match Attachment::from_path(path) {
            Ok(a) if total + a.data.len() > alerter::MAX_ATTACHMENTS_BYTES => {
                missing.push(format!("{} (over the 25 MiB per alert)", a.name));
            }
            Ok(a) => {
                total += a.data.len();
                alert.attachments.push(a);
            }
            Err(e) => {
                eprintln!("alerter: not attaching {}: {e}", path.display());
                let name =
                    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
                let why = match e {
                    alerter::Error::AttachmentTooLarge { .. } => "over the 10 MiB per file",
                    _ => "cannot be read",
                };
                missing.push(format!("{name} ({why})"));
            }
        }
    }
    if !missing.is_empty() {
        alert.body = format!("{}\n\n(not attached: {})", alert.body.trim_end(), missing.join(", "));
    }
}
