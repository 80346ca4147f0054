//! `ask`: a human approval gate, owned by the host and the same for every
//! flavor.
//!
//! The host posts the question through the flavor, then polls the flavor's
//! `replies` until a reply decides, the deadline passes, or the wait is
//! cancelled. Matching follows ZenML's Slack rules for every flavor: the
//! whole reply, trimmed, case-insensitive by default; approve is checked
//! before disapprove; bots never count. Unlike ZenML, replies in the
//! question's thread count too, approvers can be restricted, and the outcome
//! says *why* (declined, timed out, failed) instead of a bare `false`.

use std::collections::VecDeque;
use std::future::Future;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::alerter::Alerter;
use crate::error::Error;
use crate::flavor::{CallError, FlavorError, Message, Reply, Sent};

/// Words that approve by default (ZenML's list).
pub const DEFAULT_APPROVE: &[&str] = &["approve", "LGTM", "ok", "yes"];
/// Words that decline by default (ZenML's list).
pub const DEFAULT_DISAPPROVE: &[&str] = &["decline", "disapprove", "no", "reject"];

/// How an ask decides.
#[derive(Debug, Clone)]
pub struct AskOptions {
    /// How long to wait for a decision (default 300 s, as ZenML).
    pub timeout: Duration,
    /// Replies that approve (replaces the defaults when set).
    pub approve: Vec<String>,
    /// Replies that decline (replaces the defaults when set).
    pub disapprove: Vec<String>,
    /// Match case exactly (default: ignore case).
    pub case_sensitive: bool,
    /// Only these author ids decide; empty means anyone (but bots).
    pub approvers: Vec<String>,
    /// Reply in the question's thread with the outcome.
    pub follow_up: bool,
    /// Polling cadence.
    pub cadence: Cadence,
}

impl Default for AskOptions {
    fn default() -> Self {
        AskOptions {
            timeout: Duration::from_secs(300),
            approve: DEFAULT_APPROVE.iter().map(|s| s.to_string()).collect(),
            disapprove: DEFAULT_DISAPPROVE.iter().map(|s| s.to_string()).collect(),
            case_sensitive: false,
            approvers: Vec::new(),
            follow_up: true,
            cadence: Cadence::default(),
        }
    }
}

/// Polling cadence: poll once right after posting, then start fast, back off while nothing new arrives, and
/// never exceed a per-minute budget (Slack's Tier 3 allows 50 calls per
/// minute per method; the default stays well under it).
#[derive(Debug, Clone)]
pub struct Cadence {
    /// First delay after posting, and the delay after new activity.
    pub initial: Duration,
    /// Longest delay between polls.
    pub max: Duration,
    /// Multiplier applied while nothing new arrives.
    pub factor: f64,
    /// Most polls in any 60-second window.
    pub per_minute: usize,
}

impl Default for Cadence {
    fn default() -> Self {
        Cadence { initial: Duration::from_secs(1), max: Duration::from_secs(10), factor: 1.5, per_minute: 30 }
    }
}

/// Decides when the next poll may run. Pure: time is passed in, so the
/// schedule can be checked over a simulated wait.
#[derive(Debug, Clone)]
pub struct Schedule {
    cadence: Cadence,
    interval: Duration,
    recent: VecDeque<Duration>,
}

/// What the last poll saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollResult {
    /// Nothing new.
    Quiet,
    /// New replies, none deciding.
    Activity,
    /// The poll failed; retry with back-off.
    Failed,
    /// The service asked to wait this long.
    RateLimited(Duration),
}

impl Schedule {
    /// A schedule for `cadence`.
    pub fn new(cadence: Cadence) -> Self {
        let interval = cadence.initial;
        Schedule { cadence, interval, recent: VecDeque::new() }
    }

    /// Records a poll made at `now` (time since the question was posted) and
    /// what it saw; returns when (since the question) the next poll may run.
    pub fn next(&mut self, now: Duration, seen: PollResult) -> Duration {
        self.recent.push_back(now);
        while self.recent.front().is_some_and(|t| now.saturating_sub(*t) >= Duration::from_secs(60)) {
            self.recent.pop_front();
        }
        let grow = |d: Duration, c: &Cadence| d.mul_f64(c.factor).min(c.max);
        let mut wait = match seen {
            PollResult::Activity => {
                self.interval = self.cadence.initial;
                self.interval
            }
            PollResult::Quiet | PollResult::Failed => {
                let w = self.interval;
                self.interval = grow(self.interval, &self.cadence);
                w
            }
            PollResult::RateLimited(after) => {
                self.interval = grow(self.interval, &self.cadence);
                after.max(self.interval)
            }
        };
        // Budget: the poll `per_minute` polls ago must be a minute old first.
        if self.recent.len() >= self.cadence.per_minute.max(1) {
            let oldest = self.recent[self.recent.len() - self.cadence.per_minute.max(1)];
            let earliest = oldest + Duration::from_secs(60);
            wait = wait.max(earliest.saturating_sub(now));
        }
        now + wait
    }
}

/// Who decided and how.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// Author id.
    pub by_id: String,
    /// Author display name.
    pub by_name: String,
    /// Their reply as written.
    pub text: String,
    /// When it was posted (ms since the epoch), when the service says.
    pub at_ms: Option<u64>,
    /// It was a reply in the question's thread.
    pub in_thread: bool,
}

/// How an ask ended.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Someone allowed to decide approved.
    Approved(Decision),
    /// Someone allowed to decide declined.
    Declined(Decision),
    /// No decision before the deadline.
    TimedOut {
        /// Seconds waited.
        waited_s: u64,
    },
    /// Polling kept failing until the deadline, or failed for good.
    Failed {
        /// The last error.
        error: String,
    },
    /// The wait was cancelled (Ctrl-C).
    Cancelled,
}

impl Outcome {
    /// ZenML's boolean: `true` only when approved.
    pub fn approved(&self) -> bool {
        matches!(self, Outcome::Approved(_))
    }

    /// Exit code: 0 approved, 1 declined, 124 timed out, 130 cancelled, 3 failed.
    pub fn exit_code(&self) -> u8 {
        match self {
            Outcome::Approved(_) => 0,
            Outcome::Declined(_) => 1,
            Outcome::TimedOut { .. } => 124,
            Outcome::Cancelled => 130,
            Outcome::Failed { .. } => crate::error::ErrorClass::Failure.exit_code(),
        }
    }

    /// One line for people.
    pub fn summary(&self) -> String {
        match self {
            Outcome::Approved(d) => format!("Approved by {} (\"{}\")", d.by_name, d.text.trim()),
            Outcome::Declined(d) => format!("Declined by {} (\"{}\")", d.by_name, d.text.trim()),
            Outcome::TimedOut { waited_s } => format!("No answer within {waited_s} s"),
            Outcome::Failed { error } => format!("Could not read replies: {error}"),
            Outcome::Cancelled => "Cancelled before anyone answered".to_string(),
        }
    }
}

/// What an ask reports to a progress display, in order: the question was
/// posted (the alerter can read replies, so the wait begins), then each poll.
pub trait Progress {
    /// The question is posted; the wait for a decision begins.
    fn posted(&self, question: &Sent, opts: &AskOptions) {
        let _ = (question, opts);
    }

    /// Called after each poll with the time left.
    fn waiting(&self, left: Duration, polls: u32) {
        let _ = (left, polls);
    }
}

impl Progress for () {}

/// The result of [`ask`]: the question as posted and the outcome.
#[derive(Debug, Clone)]
pub struct Asked {
    /// The posted question.
    pub question: Sent,
    /// How it ended.
    pub outcome: Outcome,
    /// How many times replies were polled.
    pub polls: u32,
}

/// Whether `reply` decides, under `opts`.
pub fn judge(reply: &Reply, opts: &AskOptions) -> Option<bool> {
    if reply.is_bot {
        return None;
    }
    if !opts.approvers.is_empty() && !opts.approvers.iter().any(|a| a == &reply.author_id) {
        tracing::debug!("ignoring a reply from {} ({}): not an approver", reply.author_name, reply.author_id);
        return None;
    }
    let norm = |s: &str| if opts.case_sensitive { s.trim().to_string() } else { s.trim().to_lowercase() };
    let text = norm(&reply.text);
    if opts.approve.iter().any(|w| norm(w) == text) {
        return Some(true);
    }
    if opts.disapprove.iter().any(|w| norm(w) == text) {
        return Some(false);
    }
    None
}

/// Fatal poll errors end the ask at once; the rest are retried.
fn is_transient(e: &CallError) -> bool {
    match e {
        CallError::Timeout(_) => true,
        CallError::Flavor(FlavorError::RateLimited(_)) | CallError::Flavor(FlavorError::Internal(_)) => true,
        CallError::Flavor(FlavorError::Rejected(r)) => {
            r.status.is_some_and(|s| s >= 500)
                || r.code.parse::<u16>().is_ok_and(|c| c >= 500)
                || r.code == "ratelimited"
        }
        _ => false,
    }
}

/// Posts `question` and waits for a decision. `cancel` resolving ends the
/// wait as [`Outcome::Cancelled`]. Errors are returned only for what makes
/// asking impossible (bad input, the question could not be posted, the
/// alerter cannot read replies: [`Error::CannotReadReplies`], found out
/// before anything is posted); everything after that is an [`Outcome`].
///
/// The flavor reports who replied, so an approval gate is only as
/// trustworthy as the flavor: `ask` needs a built-in flavor or one
/// registered with `--trusted` ([`Error::UntrustedFlavor`] otherwise).
pub async fn ask(
    alerter: &Alerter,
    question: &Message,
    opts: &AskOptions,
    progress: &dyn Progress,
    cancel: impl Future<Output = ()>,
) -> Result<Asked, Error> {
    alerter.check_trusted_for_ask()?;
    let capabilities = alerter.capabilities_to_ask().await?;
    let sent = alerter.post(question).await?;
    progress.posted(&sent, opts);
    let started = Instant::now();
    let mut schedule = Schedule::new(opts.cadence.clone());
    // The first poll right away: it finds out at once if the alerter cannot
    // read replies (webhook mode), and costs one request.
    let mut next_at = Duration::ZERO;
    let mut cursor: Option<String> = None;
    let mut polls = 0u32;
    let mut last_error: Option<String> = None;
    tokio::pin!(cancel);

    let outcome = loop {
        let left = opts.timeout.saturating_sub(started.elapsed());
        let wait = next_at.saturating_sub(started.elapsed()).min(left);
        tokio::select! {
            _ = &mut cancel => break Outcome::Cancelled,
            _ = tokio::time::sleep(wait) => {}
        }
        if started.elapsed() >= opts.timeout {
            break match last_error.take() {
                Some(error) => Outcome::Failed { error },
                None => Outcome::TimedOut { waited_s: opts.timeout.as_secs() },
            };
        }
        polls += 1;
        let page = tokio::select! {
            _ = &mut cancel => break Outcome::Cancelled,
            page = alerter.replies(&sent.reference, cursor.as_deref()) => page,
        };
        let seen = match page {
            Ok(page) => {
                last_error = None;
                let mut decided = None;
                for reply in &page.replies {
                    if let Some(approve) = judge(reply, opts) {
                        let d = Decision {
                            by_id: reply.author_id.clone(),
                            by_name: reply.author_name.clone(),
                            text: reply.text.clone(),
                            at_ms: reply.posted_at_ms,
                            in_thread: reply.in_thread,
                        };
                        decided = Some(if approve { Outcome::Approved(d) } else { Outcome::Declined(d) });
                        break;
                    }
                }
                if let Some(o) = decided {
                    break o;
                }
                let new = !page.replies.is_empty();
                if page.cursor.is_some() {
                    cursor = page.cursor;
                }
                if new {
                    PollResult::Activity
                } else {
                    PollResult::Quiet
                }
            }
            Err(CallError::Flavor(FlavorError::Unsupported(m))) => {
                return Err(alerter.cannot_read_replies(&m));
            }
            Err(e) if is_transient(&e) => {
                let text = alerter.error_text(&e);
                tracing::warn!("{text}; still waiting");
                last_error = Some(text);
                match e.retry_after() {
                    Some(after) => PollResult::RateLimited(after),
                    None => PollResult::Failed,
                }
            }
            Err(e) => break Outcome::Failed { error: alerter.error_text(&e) },
        };
        next_at = schedule.next(started.elapsed(), seen);
        progress.waiting(opts.timeout.saturating_sub(started.elapsed()), polls);
    };

    if opts.follow_up && capabilities.threads {
        let mut note = Message::text(outcome.summary());
        note.thread = Some(sent.reference.clone());
        note.level = match outcome {
            Outcome::Approved(_) => crate::flavor::Level::Success,
            Outcome::Declined(_) => crate::flavor::Level::Warning,
            _ => crate::flavor::Level::Info,
        };
        if let Err(e) = alerter.post(&note).await {
            tracing::warn!("could not post the follow-up: {e}");
        }
    }
    Ok(Asked { question: sent, outcome, polls })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(text: &str, author: &str, bot: bool) -> Reply {
        Reply {
            author_id: author.into(),
            author_name: author.into(),
            is_bot: bot,
            text: text.into(),
            bot_mentions: Vec::new(),
            kind: crate::flavor::ReplyKind::Message,
            in_thread: false,
            id: "1".into(),
            posted_at_ms: None,
        }
    }

    #[test]
    fn matching_follows_the_rules() {
        let o = AskOptions::default();
        assert_eq!(judge(&reply("LGTM", "u", false), &o), Some(true));
        assert_eq!(judge(&reply("  Approve ", "u", false), &o), Some(true));
        assert_eq!(judge(&reply("lgtm", "u", false), &o), Some(true));
        assert_eq!(judge(&reply("no", "u", false), &o), Some(false));
        assert_eq!(judge(&reply("LGTM!", "u", false), &o), None);
        assert_eq!(judge(&reply("yes please", "u", false), &o), None);
        assert_eq!(judge(&reply("yes", "bot", true), &o), None);
        let cs = AskOptions { case_sensitive: true, ..AskOptions::default() };
        assert_eq!(judge(&reply("lgtm", "u", false), &cs), None);
        assert_eq!(judge(&reply("LGTM", "u", false), &cs), Some(true));
        let custom = AskOptions { approve: vec!["Y".into()], ..AskOptions::default() };
        assert_eq!(judge(&reply("y", "u", false), &custom), Some(true));
        assert_eq!(judge(&reply("yes", "u", false), &custom), None);
        let both = AskOptions { approve: vec!["go".into()], disapprove: vec!["go".into()], ..AskOptions::default() };
        assert_eq!(judge(&reply("go", "u", false), &both), Some(true), "approve is checked first");
        let only = AskOptions { approvers: vec!["U1".into()], ..AskOptions::default() };
        assert_eq!(judge(&reply("yes", "U2", false), &only), None);
        assert_eq!(judge(&reply("yes", "U1", false), &only), Some(true));
    }

    /// Polls over a simulated 300 s wait, worst cases included, stay within
    /// Slack's Tier-3 budget of 50 per minute.
    #[test]
    fn cadence_stays_within_the_slack_budget_over_300_seconds() {
        for seen in [PollResult::Quiet, PollResult::Activity, PollResult::Failed] {
            let mut s = Schedule::new(Cadence::default());
            let mut t = Cadence::default().initial;
            let mut polls = Vec::new();
            while t < Duration::from_secs(300) {
                polls.push(t);
                t = s.next(t, seen);
            }
            for (i, start) in polls.iter().enumerate() {
                let in_window = polls[i..].iter().take_while(|p| **p < *start + Duration::from_secs(60)).count();
                assert!(in_window <= 50, "{seen:?}: {in_window} polls in the minute after {start:?}");
            }
            if seen == PollResult::Quiet {
                assert!(polls.len() <= 40, "quiet wait backs off: {} polls", polls.len());
                assert!(polls.windows(2).all(|w| w[1] - w[0] <= Duration::from_secs(10)), "cap of 10 s between polls");
            }
        }
        let mut s = Schedule::new(Cadence::default());
        assert_eq!(
            s.next(Duration::from_secs(1), PollResult::RateLimited(Duration::from_secs(7))),
            Duration::from_secs(8)
        );
    }
}
