//! `alerter post MESSAGE`.

use std::process::ExitCode;

use alerter::Delivered;
use clap::Args;

use super::{CommandResult, Context};
use crate::args::{text_or_stdin, MessageArgs, TargetArgs};
use crate::output::{explain, out};

/// Post a message through an alerter; exits 0 only if the service accepted it.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  alerter post \"Nightly training finished\" --level success --meta accuracy=0.93 --meta run=42
  alerter post \"Loss curve attached\" --attach loss.png --attach train.log
  alerter post \"Disk almost full\" --level warning --set channel_id=C0OPS   # this call only
  alerter post \"Release 3.1 is out\" --alerter ops-slack --alerter ops-discord  # or a group
  alerter post - < report.txt                                                # body from stdin
  alerter post \"see blocks\" --raw blocks.json                                # flavor-specific payload

Attachments: at most 10 MiB each and 25 MiB together. An alerter that cannot attach
files posts the message with a note naming them instead of failing.

Several alerters (--alerter repeated, or a group): posted to each in parallel, one line
per alerter. Exit 0 when all succeeded, 4 when some failed, 3 when all failed. A rate
limit is waited out and retried for the alerter that hit it only.")]
pub struct PostCommand {
    /// The message text (`-` reads it from stdin).
    message: String,
    #[command(flatten)]
    content: MessageArgs,
    /// Post as a reply in the thread of this message reference.
    #[arg(long, value_name = "REF")]
    thread: Option<String>,
    #[command(flatten)]
    target: TargetArgs,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

impl PostCommand {
    /// Runs the command.
    pub async fn execute(self, ctx: &Context) -> CommandResult {
        let mut message = self.content.message(text_or_stdin(self.message, "the message")?)?;
        message.thread = self.thread;
        let mut targets = self.target.targets(&ctx.host).await?;
        if targets.len() == 1 {
            let alerter = targets.remove(0).alerter?;
            let delivered = alerter.deliver(&message).await?;
            let flavor = &alerter.flavor().info().name;
            note_left_out(alerter.name(), &delivered);
            if self.json {
                out!("{}", result_json(alerter.name(), flavor, &delivered));
            } else {
                let sent = &delivered.sent;
                out!(
                    "posted via \"{}\" ({flavor}): {}",
                    alerter.name(),
                    sent.link.as_deref().unwrap_or(&sent.reference)
                );
            }
            return Ok(ExitCode::SUCCESS);
        }

        let ready: Vec<&alerter::Alerter> = targets.iter().filter_map(|t| t.alerter.as_ref().ok()).collect();
        let mut results = alerter::post_all(&ready, &message).await.into_iter();
        let (mut ok, mut failed, mut lines) = (0, 0, Vec::new());
        for t in &targets {
            let result = match &t.alerter {
                Ok(a) => results.next().map(|r| (a.flavor().info().name.clone(), r)),
                Err(_) => None,
            };
            match (result, &t.alerter) {
                (Some((flavor, Ok(delivered))), _) => {
                    ok += 1;
                    note_left_out(&t.name, &delivered);
                    let sent = &delivered.sent;
                    if !self.json {
                        out!(
                            "posted via \"{}\" ({flavor}): {}",
                            t.name,
                            sent.link.as_deref().unwrap_or(&sent.reference)
                        );
                    }
                    lines.push(result_json(&t.name, &flavor, &delivered));
                }
                (Some((flavor, Err(e))), _) => {
                    failed += 1;
                    eprintln!("error: via \"{}\": {}", t.name, explain(&e));
                    lines.push(failure_json(&t.name, Some(&flavor), &e));
                }
                (None, Err(e)) => {
                    failed += 1;
                    eprintln!("error: via \"{}\": {}", t.name, explain(e));
                    lines.push(failure_json(&t.name, None, e));
                }
                (None, Ok(_)) => unreachable!("every ready alerter has a result"),
            }
        }
        let code = alerter::fan_out_exit_code(ok, failed);
        if self.json {
            out!("{}", serde_json::json!({ "targets": lines, "posted": ok, "failed": failed }));
        } else if failed > 0 {
            eprintln!("posted via {ok} of {} alerters", targets.len());
        }
        Ok(ExitCode::from(code))
    }
}

/// Says on stderr which attachments the alerter left out.
fn note_left_out(alerter: &str, delivered: &Delivered) {
    if !delivered.not_attached.is_empty() {
        eprintln!(
            "note: \"{alerter}\" cannot attach files; posted with a note instead of {}",
            delivered.not_attached.join(", ")
        );
    }
}

fn result_json(alerter: &str, flavor: &str, delivered: &Delivered) -> serde_json::Value {
    serde_json::json!({
        "alerter": alerter,
        "flavor": flavor,
        "ok": true,
        "reference": delivered.sent.reference,
        "link": delivered.sent.link,
        "not_attached": delivered.not_attached,
    })
}

fn failure_json(alerter: &str, flavor: Option<&str>, e: &alerter::Error) -> serde_json::Value {
    serde_json::json!({
        "alerter": alerter,
        "flavor": flavor,
        "ok": false,
        "error": explain(e),
        "exit_code": e.exit_code(),
    })
}
