//! `alerter ask QUESTION`: an approval gate; the exit code is the answer.

use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use alerter::{AskOptions, Progress, Sent};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::{CommandResult, Context};
use crate::args::{MessageArgs, TargetArgs};
use crate::output::{out, CliError};

/// Ask a question and wait for a human to approve or decline it.
#[derive(Args, Debug)]
#[command(after_help = "\
Exit codes: 0 approved, 1 declined, 124 no answer in time, 130 cancelled (Ctrl-C),
2 bad input (or the alerter cannot read replies), 3 the flavor or the service failed.
So this is an approval gate in any shell or CI job:
  alerter ask \"Deploy model v3 to production?\" --timeout 600 && ./deploy.sh

A reply decides when its whole text, trimmed, equals a word of the lists, ignoring
case unless --case-sensitive (`LGTM!` or `yes please` do not). Approve words are
checked first. Replies in the question's thread count; bots never do. A mention of
the bot is ignored, so `@alerter approve` approves.
Default approve words: approve, LGTM, ok, yes. Default decline words: decline,
disapprove, no, reject. --approve/--disapprove replace a list (repeat the flag).
Reactions on the question decide too, with the same approver and bot rules:
+1 thumbsup white_check_mark heavy_check_mark 👍 ✅ ✔️ approve; -1 thumbsdown x
no_entry 👎 ❌ decline. --approve-reaction/--disapprove-reaction replace a list.
Afterwards the question shows the outcome (\"✅ Approved by …\") where the service can
edit messages, and the outcome is posted in its thread; --no-update skips the edit,
--no-follow-up skips both.
With several alerters (--alerter repeated, or a group) the question goes to each; the
first answer that decides, through any of them, wins, and every copy shows it.
Polling starts every second and backs off to every 10 s while nothing new arrives.
The host never sends more than 30 requests a minute per API method, holds a method
back while the service's Retry-After runs, and after the first rate limit never polls
faster than that Retry-After again.

Trust: the flavor reports who replied and what they wrote, so an approval gate is only
as trustworthy as the flavor. `ask` therefore needs a built-in flavor (slack, discord)
or one registered with `alerter flavor register FILE --trusted` (or trusted later with
`alerter flavor trust NAME`); otherwise it exits 2 before posting anything.")]
pub struct AskCommand {
    /// The question.
    question: String,
    #[command(flatten)]
    content: MessageArgs,
    /// Seconds to wait for a decision.
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    timeout: u64,
    /// A reply that approves (repeatable; replaces the defaults).
    #[arg(long, value_name = "WORD")]
    approve: Vec<String>,
    /// A reply that declines (repeatable; replaces the defaults).
    #[arg(long, value_name = "WORD")]
    disapprove: Vec<String>,
    /// A reaction that approves, by name (`+1`, `rocket`) or emoji (repeatable; replaces the defaults).
    #[arg(long, value_name = "NAME")]
    approve_reaction: Vec<String>,
    /// A reaction that declines (repeatable; replaces the defaults).
    #[arg(long, value_name = "NAME")]
    disapprove_reaction: Vec<String>,
    /// Only this user id may decide (repeatable; default: anyone but bots).
    #[arg(long, value_name = "ID")]
    approver: Vec<String>,
    /// Match replies case-sensitively.
    #[arg(long)]
    case_sensitive: bool,
    /// Do not show the outcome: no reply in the question's thread, no edit of the question.
    #[arg(long)]
    no_follow_up: bool,
    /// Do not edit the question to show the outcome (the thread reply stays).
    #[arg(long)]
    no_update: bool,
    #[command(flatten)]
    target: TargetArgs,
    /// Print the outcome as JSON.
    #[arg(long)]
    json: bool,
}

impl AskCommand {
    /// Runs the command.
    pub async fn execute(self, ctx: &Context) -> CommandResult {
        let question = self.content.message(self.question)?;
        if self.timeout == 0 {
            return Err(CliError::Usage("--timeout must be at least 1 second".into()));
        }
        let mut opts = AskOptions {
            timeout: Duration::from_secs(self.timeout),
            case_sensitive: self.case_sensitive,
            approvers: self.approver,
            follow_up: !self.no_follow_up,
            update: !self.no_update,
            ..AskOptions::default()
        };
        if !self.approve.is_empty() {
            opts.approve = self.approve;
        }
        if !self.disapprove.is_empty() {
            opts.disapprove = self.disapprove;
        }
        if !self.approve_reaction.is_empty() {
            opts.approve_reactions = self.approve_reaction;
        }
        if !self.disapprove_reaction.is_empty() {
            opts.disapprove_reactions = self.disapprove_reaction;
        }
        let mut alerters = Vec::new();
        for t in self.target.targets(&ctx.host).await? {
            alerters.push(t.alerter?);
        }
        // Ctrl-C is caught from here on, before anything is posted.
        let cancel = cancelled()?;
        let display = Waiting::default();
        let refs: Vec<&alerter::Alerter> = alerters.iter().collect();
        let asked = alerter::ask_all(&refs, &question, &opts, &display, cancel).await;
        display.finish();
        let asked = asked?;
        if self.json {
            let mut v = serde_json::to_value(&asked.outcome).map_err(|e| CliError::Other(e.into()))?;
            v["question"] = serde_json::json!({"reference": asked.question.reference, "link": asked.question.link});
            if asked.questions.len() > 1 {
                v["questions"] = serde_json::to_value(&asked.questions).map_err(|e| CliError::Other(e.into()))?;
            }
            v["polls"] = asked.polls.into();
            v["notices"] = asked.notices.clone().into();
            out!("{v}");
        } else {
            out!("{}", asked.summary());
        }
        Ok(ExitCode::from(asked.outcome.exit_code()))
    }
}

/// A future that resolves on Ctrl-C (SIGINT), its handler registered now.
fn cancelled() -> Result<impl std::future::Future<Output = ()>, CliError> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut sigint = signal(SignalKind::interrupt())
            .map_err(|e| CliError::Other(anyhow::anyhow!("cannot catch Ctrl-C: {e}")))?;
        Ok(async move {
            sigint.recv().await;
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// Shows the wait once the question is posted: a spinner with the time left
/// on a terminal, else one line on stderr.
#[derive(Default)]
struct Waiting {
    spinner: Mutex<Option<(ProgressBar, tokio::task::JoinHandle<()>)>>,
}

impl Progress for Waiting {
    fn posted(&self, _question: &Sent, opts: &AskOptions) {
        if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            eprintln!(
                "waiting up to {} s for a reply (approve: {}, or react {}; decline: {}, or react {})",
                opts.timeout.as_secs(),
                opts.approve.join(", "),
                opts.approve_reactions.join(" "),
                opts.disapprove.join(", "),
                opts.disapprove_reactions.join(" ")
            );
            return;
        }
        let pb = ProgressBar::new_spinner();
        pb.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({prefix})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        pb.enable_steady_tick(Duration::from_millis(120));
        let deadline = Instant::now() + opts.timeout;
        let ticking = pb.clone();
        let ticker = tokio::spawn(async move {
            loop {
                let left = deadline.saturating_duration_since(Instant::now()).as_secs();
                ticking.set_message(format!("waiting for an answer: {}:{:02} left", left / 60, left % 60));
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        });
        *self.spinner.lock().unwrap_or_else(|e| e.into_inner()) = Some((pb, ticker));
    }

    fn notice(&self, alerter: &str, text: &str) {
        self.line(&format!("note: \"{alerter}\": {text}"));
    }

    fn warning(&self, alerter: &str, text: &str) {
        self.line(&format!("warning: \"{alerter}\": {text}"));
    }

    fn waiting(&self, _left: Duration, polls: u32) {
        if let Some((pb, _)) = &*self.spinner.lock().unwrap_or_else(|e| e.into_inner()) {
            pb.set_prefix(format!("{polls} polls"));
        }
    }
}

impl Waiting {
    /// One line on stderr, above the spinner when there is one.
    fn line(&self, text: &str) {
        match &*self.spinner.lock().unwrap_or_else(|e| e.into_inner()) {
            Some((pb, _)) => pb.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        }
    }

    fn finish(&self) {
        if let Some((pb, ticker)) = self.spinner.lock().unwrap_or_else(|e| e.into_inner()).take() {
            ticker.abort();
            pb.finish_and_clear();
        }
    }
}
