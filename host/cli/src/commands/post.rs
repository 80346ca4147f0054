//! `alerter post MESSAGE`.

use std::process::ExitCode;

use clap::Args;

use super::{CommandResult, Context};
use crate::args::{text_or_stdin, MessageArgs, TargetArgs};
use crate::output::out;

/// Post a message through an alerter; exits 0 only if the service accepted it.
#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  alerter post \"Nightly training finished\" --level success --meta accuracy=0.93 --meta run=42
  alerter post \"Disk almost full\" --level warning --set channel_id=C0OPS   # this call only
  alerter post - < report.txt                                                # body from stdin
  alerter post \"see blocks\" --raw blocks.json                                # flavor-specific payload")]
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
        let alerter = self.target.alerter(&ctx.host).await?;
        let sent = alerter.post(&message).await?;
        let flavor = &alerter.flavor().info().name;
        if self.json {
            let v = serde_json::json!({
                "alerter": alerter.name(),
                "flavor": flavor,
                "reference": sent.reference,
                "link": sent.link,
            });
            out!("{v}");
        } else {
            out!("posted via \"{}\" ({flavor}): {}", alerter.name(), sent.link.as_deref().unwrap_or(&sent.reference));
        }
        Ok(ExitCode::SUCCESS)
    }
}
