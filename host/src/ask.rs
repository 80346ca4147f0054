//! `ask`: a human approval gate, owned by the host and the same for every
//! flavor.
//!
//! The host posts the question through the flavor, then polls the flavor's
//! `replies` until a reply decides, the deadline passes, or the wait is
//! cancelled. Matching follows ZenML's Slack rules for every flavor: the
//! whole reply, trimmed, case-insensitive by default; approve is checked
//! before disapprove; bots never count. Unlike ZenML, replies in the
//! question's thread count too, so do reactions on the question (👍
//! approves, 👎 declines), a mention of the bot is ignored (`@alerter
//! approve` approves), approvers can be restricted, and the outcome says
//! *why* (declined, timed out, failed) instead of a bare `false`.
//!
//! Afterwards the question shows its outcome: the host edits it in place
//! ("✅ Approved by …") where the flavor can, and replies in its thread.
//! Asked through several alerters, the question goes to each, the first
//! decisive answer wins, and every copy shows the outcome.

use std::collections::{BTreeSet, HashSet, VecDeque};
use std::future::Future;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::alerter::Alerter;
use crate::error::Error;
use crate::fanout::join_all;
use crate::flavor::{CallError, Capabilities, FlavorError, Level, Message, Reply, ReplyKind, Sent};

/// Words that approve by default (ZenML's list).
pub const DEFAULT_APPROVE: &[&str] = &["approve", "LGTM", "ok", "yes"];
/// Words that decline by default (ZenML's list).
pub const DEFAULT_DISAPPROVE: &[&str] = &["decline", "disapprove", "no", "reject"];
/// Reactions that approve by default: Slack's names and the emoji
/// themselves (Discord's).
pub const DEFAULT_APPROVE_REACTIONS: &[&str] =
    &["+1", "thumbsup", "white_check_mark", "heavy_check_mark", "👍", "✅", "✔️"];
/// Reactions that decline by default.
pub const DEFAULT_DISAPPROVE_REACTIONS: &[&str] = &["-1", "thumbsdown", "x", "no_entry", "👎", "❌"];

/// How an ask decides.
#[derive(Debug, Clone)]
pub struct AskOptions {
    /// How long to wait for a decision (default 300 s, as ZenML).
    pub timeout: Duration,
    /// Replies that approve (replaces the defaults when set).
    pub approve: Vec<String>,
    /// Replies that decline (replaces the defaults when set).
    pub disapprove: Vec<String>,
    /// Reactions that approve: names without colons (`+1`) or emoji (`👍`).
    pub approve_reactions: Vec<String>,
    /// Reactions that decline.
    pub disapprove_reactions: Vec<String>,
    /// Match case exactly (default: ignore case).
    pub case_sensitive: bool,
    /// Only these author ids decide; empty means anyone (but bots).
    pub approvers: Vec<String>,
    /// Show the outcome: reply in the question's thread and (with
    /// [`AskOptions::update`]) edit the question. `false` turns both off.
    pub follow_up: bool,
    /// Edit the question in place to show the outcome, where the flavor can
    /// (`capabilities.update`).
    pub update: bool,
    /// Polling cadence.
    pub cadence: Cadence,
}

impl Default for AskOptions {
    fn default() -> Self {
        AskOptions {
            timeout: Duration::from_secs(300),
            approve: DEFAULT_APPROVE.iter().map(|s| s.to_string()).collect(),
            disapprove: DEFAULT_DISAPPROVE.iter().map(|s| s.to_string()).collect(),
            approve_reactions: DEFAULT_APPROVE_REACTIONS.iter().map(|s| s.to_string()).collect(),
            disapprove_reactions: DEFAULT_DISAPPROVE_REACTIONS.iter().map(|s| s.to_string()).collect(),
            case_sensitive: false,
            approvers: Vec::new(),
            follow_up: true,
            update: true,
            cadence: Cadence::default(),
        }
    }
}

/// Polling cadence: poll once right after posting, then start fast, back
/// off while nothing new arrives, and never exceed a per-minute budget of
/// polls (the host's request budget also caps each API route at 30 requests
/// a minute, see `budget.rs`). Once the service rate-limits a poll, never
/// poll faster than its last `Retry-After` again.
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
    /// The last `Retry-After` the service gave: never poll faster again.
    floor: Duration,
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
        Schedule { cadence, interval, recent: VecDeque::new(), floor: Duration::ZERO }
    }

    /// Records a poll made at `now` (time since the question was posted) and
    /// what it saw; returns when (since the question) the next poll may run.
    pub fn next(&mut self, now: Duration, seen: PollResult) -> Duration {
        self.recent.push_back(now);
        while self.recent.front().is_some_and(|t| now.saturating_sub(*t) >= Duration::from_secs(60)) {
            self.recent.pop_front();
        }
        if let PollResult::RateLimited(after) = seen {
            self.floor = after;
        }
        let floor = self.floor;
        let grow = |d: Duration, c: &Cadence| d.mul_f64(c.factor).min(c.max.max(floor));
        let mut wait = match seen {
            PollResult::Activity => {
                self.interval = self.cadence.initial.max(floor);
                self.interval
            }
            PollResult::Quiet | PollResult::Failed => {
                let w = self.interval.max(floor);
                self.interval = grow(self.interval, &self.cadence);
                w
            }
            PollResult::RateLimited(after) => {
                self.interval = grow(self.interval, &self.cadence).max(floor);
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

/// What decided: a message or a reaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerKind {
    /// A reply (top level or in the thread).
    Message,
    /// A reaction on the question.
    Reaction,
}

/// Who decided and how.
#[derive(Debug, Clone, Serialize)]
pub struct Decision {
    /// Author id.
    pub by_id: String,
    /// Author display name.
    pub by_name: String,
    /// Their reply as matched (mentions of the bot removed), or the
    /// reaction's name.
    pub text: String,
    /// A message or a reaction.
    pub kind: AnswerKind,
    /// When it was posted (ms since the epoch), when the service says.
    pub at_ms: Option<u64>,
    /// It was a reply in the question's thread.
    pub in_thread: bool,
    /// The alerter the answer came through.
    pub alerter: String,
}

impl Decision {
    /// `("LGTM")` for a message, `(reacted :+1:)` or `(reacted 👍)` for a
    /// reaction.
    fn quoted(&self) -> String {
        match self.kind {
            AnswerKind::Message => format!("(\"{}\")", self.text.trim()),
            AnswerKind::Reaction => format!("(reacted {})", shown_reaction(&self.text)),
        }
    }
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

    /// One line for people: `Approved by alice ("LGTM")`.
    pub fn summary(&self) -> String {
        match self {
            Outcome::Approved(d) => format!("Approved by {} {}", d.by_name, d.quoted()),
            Outcome::Declined(d) => format!("Declined by {} {}", d.by_name, d.quoted()),
            Outcome::TimedOut { waited_s } => format!("No answer within {waited_s} s"),
            Outcome::Failed { error } => format!("Could not read replies: {error}"),
            Outcome::Cancelled => "Cancelled before anyone answered".to_string(),
        }
    }

    /// The line a question shows once decided: `✅ Approved by alice`,
    /// `❌ Declined by bob`, `⌛ No answer within 300 s`; `with_alerter`
    /// adds the alerter the answer came through (`via "ops"`).
    pub fn status_line(&self, with_alerter: bool) -> String {
        let via = |d: &Decision| match with_alerter {
            true => format!(" via \"{}\"", d.alerter),
            false => String::new(),
        };
        match self {
            Outcome::Approved(d) => format!("✅ Approved by {}{}", d.by_name, via(d)),
            Outcome::Declined(d) => format!("❌ Declined by {}{}", d.by_name, via(d)),
            Outcome::TimedOut { waited_s } => format!("⌛ No answer within {waited_s} s"),
            Outcome::Failed { .. } => "⚠️ No decision: replies could not be read".to_string(),
            Outcome::Cancelled => "⏹️ Cancelled before anyone answered".to_string(),
        }
    }

    /// The level of the question once it shows this outcome.
    pub fn level(&self) -> Level {
        match self {
            Outcome::Approved(_) => Level::Success,
            Outcome::Declined(_) => Level::Failure,
            _ => Level::Info,
        }
    }
}

/// What an ask reports to a progress display, in order: the question was
/// posted (the alerter can read replies, so the wait begins), then each
/// poll, and each notice as it first arrives.
pub trait Progress {
    /// The question is posted; the wait for a decision begins.
    fn posted(&self, question: &Sent, opts: &AskOptions) {
        let _ = (question, opts);
    }

    /// Called after each poll with the time left.
    fn waiting(&self, left: Duration, polls: u32) {
        let _ = (left, polls);
    }

    /// A flavor says something the user should know ("replies arrive
    /// without their text: …"); each distinct text once.
    fn notice(&self, alerter: &str, text: &str) {
        let _ = (alerter, text);
    }

    /// Something went wrong with one alerter of several, and the ask goes
    /// on with the others (its question could not be posted, its replies
    /// cannot be read).
    fn warning(&self, alerter: &str, text: &str) {
        let _ = (alerter, text);
    }
}

impl Progress for () {}

/// The question as posted through one alerter.
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    /// The alerter.
    pub alerter: String,
    /// Its reference, when it was posted.
    pub reference: Option<String>,
    /// Its link, when the service has one.
    pub link: Option<String>,
    /// Why it was not posted, or why its replies could not be read.
    pub error: Option<String>,
}

/// The result of [`ask`]: the question as posted and the outcome.
#[derive(Debug, Clone)]
pub struct Asked {
    /// The posted question (the first one, with several alerters).
    pub question: Sent,
    /// The question as posted through each alerter, in order.
    pub questions: Vec<Question>,
    /// How it ended.
    pub outcome: Outcome,
    /// How many times replies were polled (all alerters together).
    pub polls: u32,
    /// The flavors' notices, each once, in the order they came.
    pub notices: Vec<String>,
}

impl Asked {
    /// One line for people: the outcome's summary, with the alerter it
    /// came through when there were several.
    pub fn summary(&self) -> String {
        match &self.outcome {
            Outcome::Approved(d) | Outcome::Declined(d) if self.questions.len() > 1 => {
                format!("{} via \"{}\"", self.outcome.summary(), d.alerter)
            }
            _ => self.outcome.summary(),
        }
    }
}

/// A reaction name as compared: no colons around it, no skin tone
/// (`+1::skin-tone-3`, `👍🏽`), no emoji variation selector, lowercase.
fn norm_reaction(name: &str) -> String {
    let name = name.trim().trim_matches(':');
    let name = name.split("::").next().unwrap_or(name);
    name.chars()
        .filter(|c| !matches!(*c, '\u{fe0f}' | '\u{fe0e}' | '\u{1f3fb}'..='\u{1f3ff}'))
        .collect::<String>()
        .to_lowercase()
}

/// `:name:` for a named reaction, the emoji itself otherwise.
fn shown_reaction(name: &str) -> String {
    let n = name.trim().trim_matches(':');
    if !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || "+-_:".contains(c)) {
        format!(":{n}:")
    } else {
        n.to_string()
    }
}

/// The reply's text with every mention of the bot (and the space around
/// it) removed: `<@123> approve` reads as `approve`.
pub fn without_mentions(text: &str, mentions: &[String]) -> String {
    let mut t = text.to_string();
    for m in mentions.iter().filter(|m| !m.is_empty()) {
        t = t.replace(m.as_str(), " ");
    }
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `reply` decides, under `opts`: `Some(true)` approves,
/// `Some(false)` declines.
pub fn judge(reply: &Reply, opts: &AskOptions) -> Option<bool> {
    if reply.is_bot {
        return None;
    }
    if !opts.approvers.is_empty() && !opts.approvers.iter().any(|a| a == &reply.author_id) {
        tracing::debug!("ignoring a reply from {} ({}): not an approver", reply.author_name, reply.author_id);
        return None;
    }
    if reply.kind == ReplyKind::Reaction {
        let r = norm_reaction(&reply.text);
        if opts.approve_reactions.iter().any(|w| norm_reaction(w) == r) {
            return Some(true);
        }
        if opts.disapprove_reactions.iter().any(|w| norm_reaction(w) == r) {
            return Some(false);
        }
        return None;
    }
    let norm = |s: &str| if opts.case_sensitive { s.trim().to_string() } else { s.trim().to_lowercase() };
    let text = norm(&without_mentions(&reply.text, &reply.bot_mentions));
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
            // A code is an HTTP status only when the flavor gave no status
            // and it looks like one (Discord's 50001 is no 5xx).
            r.status.is_some_and(|s| s >= 500)
                || (r.status.is_none() && r.code.parse::<u16>().is_ok_and(|c| (500..600).contains(&c)))
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
    ask_all(&[alerter], question, opts, progress, cancel).await
}

/// One alerter's part in an ask.
struct Asking<'a> {
    alerter: &'a Alerter,
    capabilities: Capabilities,
    sent: Sent,
    schedule: Schedule,
    next_at: Duration,
    cursor: Option<String>,
    /// The last poll's error, while polls fail.
    last_error: Option<String>,
    /// Reactions seen, by (author, reaction): each counts once.
    reactions: HashSet<(String, String)>,
    /// Why this alerter is out of the ask (its replies cannot be read).
    out: Option<String>,
}

/// [`ask`] through several alerters: the question is posted to each (in
/// parallel), replies are polled on each with its own cadence, and the
/// first reply that decides, through any of them, decides. Every copy of the
/// question then shows the outcome. Every alerter must be able to read
/// replies, or nothing is posted; a copy that cannot be posted is left out
/// (with [`Progress::warning`]) unless none can.
pub async fn ask_all(
    alerters: &[&Alerter],
    question: &Message,
    opts: &AskOptions,
    progress: &dyn Progress,
    cancel: impl Future<Output = ()>,
) -> Result<Asked, Error> {
    let several = alerters.len() > 1;
    // Sized once: thousands of asks may be pending in one process.
    let mut capabilities = Vec::with_capacity(alerters.len());
    for a in alerters {
        a.check_trusted_for_ask()?;
        capabilities.push(a.capabilities_to_ask().await?);
    }
    let posted = join_all(alerters.iter().map(|a| a.post(question)).collect()).await;
    let mut questions = Vec::with_capacity(alerters.len());
    let mut targets: Vec<Asking<'_>> = Vec::with_capacity(alerters.len());
    let mut first_error = None;
    for ((alerter, caps), result) in alerters.iter().zip(capabilities).zip(posted) {
        match result {
            Ok(sent) => {
                questions.push(Question {
                    alerter: alerter.name().to_string(),
                    reference: Some(sent.reference.clone()),
                    link: sent.link.clone(),
                    error: None,
                });
                targets.push(Asking {
                    alerter,
                    capabilities: caps,
                    sent,
                    schedule: Schedule::new(opts.cadence.clone()),
                    // The first poll right away: it finds out at once if the
                    // alerter cannot read replies after all, and costs one request.
                    next_at: Duration::ZERO,
                    cursor: None,
                    last_error: None,
                    reactions: HashSet::new(),
                    out: None,
                });
            }
            Err(e) if several => {
                progress.warning(alerter.name(), &format!("could not post the question: {e}"));
                questions.push(Question {
                    alerter: alerter.name().to_string(),
                    reference: None,
                    link: None,
                    error: Some(e.to_string()),
                });
                first_error.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    if targets.is_empty() {
        return Err(first_error.unwrap_or(Error::NoActiveAlerter));
    }
    let first = targets[0].sent.clone();
    progress.posted(&first, opts);
    let started = Instant::now();
    let mut polls = 0u32;
    let mut notices: Vec<String> = Vec::new();
    let mut noticed: BTreeSet<String> = BTreeSet::new();
    tokio::pin!(cancel);

    let outcome = 'wait: loop {
        let active: Vec<usize> = (0..targets.len()).filter(|i| targets[*i].out.is_none()).collect();
        if active.is_empty() {
            let errors: Vec<String> = targets.iter().filter_map(|t| t.out.clone()).collect();
            break Outcome::Failed { error: errors.join("; ") };
        }
        let next_at = active.iter().map(|i| targets[*i].next_at).min().unwrap_or_default();
        let left = opts.timeout.saturating_sub(started.elapsed());
        let wait = next_at.saturating_sub(started.elapsed()).min(left);
        tokio::select! {
            _ = &mut cancel => break Outcome::Cancelled,
            _ = tokio::time::sleep(wait) => {}
        }
        if started.elapsed() >= opts.timeout {
            let failing: Vec<String> = active.iter().filter_map(|i| targets[*i].last_error.clone()).collect();
            break if failing.len() == active.len() {
                Outcome::Failed { error: failing.join("; ") }
            } else {
                Outcome::TimedOut { waited_s: opts.timeout.as_secs() }
            };
        }
        let now = started.elapsed();
        let due: Vec<usize> = active.into_iter().filter(|i| targets[*i].next_at <= now).collect();
        polls += due.len() as u32;
        let calls = due
            .iter()
            .map(|i| {
                let t = &targets[*i];
                t.alerter.replies(&t.sent.reference, t.cursor.as_deref())
            })
            .collect();
        let pages = tokio::select! {
            _ = &mut cancel => break Outcome::Cancelled,
            pages = join_all(calls) => pages,
        };
        for (i, page) in due.into_iter().zip(pages) {
            let t = &mut targets[i];
            let name = t.alerter.name();
            let seen = match page {
                Ok(page) => {
                    t.last_error = None;
                    for n in &page.notices {
                        if noticed.insert(n.clone()) {
                            progress.notice(name, n);
                            notices.push(n.clone());
                        }
                    }
                    let mut new = false;
                    for reply in &page.replies {
                        if reply.kind == ReplyKind::Reaction
                            && !t.reactions.insert((reply.author_id.clone(), norm_reaction(&reply.text)))
                        {
                            continue;
                        }
                        new = true;
                        if let Some(approve) = judge(reply, opts) {
                            let d = Decision {
                                by_id: reply.author_id.clone(),
                                by_name: reply.author_name.clone(),
                                text: match reply.kind {
                                    ReplyKind::Reaction => reply.text.clone(),
                                    ReplyKind::Message => without_mentions(&reply.text, &reply.bot_mentions),
                                },
                                kind: match reply.kind {
                                    ReplyKind::Reaction => AnswerKind::Reaction,
                                    ReplyKind::Message => AnswerKind::Message,
                                },
                                at_ms: reply.posted_at_ms,
                                in_thread: reply.in_thread,
                                alerter: name.to_string(),
                            };
                            break 'wait if approve { Outcome::Approved(d) } else { Outcome::Declined(d) };
                        }
                    }
                    if page.cursor.is_some() {
                        t.cursor = page.cursor;
                    }
                    if new {
                        PollResult::Activity
                    } else {
                        PollResult::Quiet
                    }
                }
                Err(CallError::Flavor(FlavorError::Unsupported(m))) if !several => {
                    return Err(t.alerter.cannot_read_replies(&m));
                }
                Err(e) if is_transient(&e) => {
                    let text = t.alerter.error_text(&e);
                    tracing::warn!("{text}; still waiting");
                    match e.retry_after() {
                        // Told to slow down is not failing to read: it does
                        // not turn a wait that ends unanswered into a failure.
                        Some(after) => PollResult::RateLimited(after),
                        None => {
                            t.last_error = Some(text);
                            PollResult::Failed
                        }
                    }
                }
                Err(e) if !several => break 'wait Outcome::Failed { error: t.alerter.error_text(&e) },
                Err(e) => {
                    let text = t.alerter.error_text(&e);
                    progress.warning(name, &format!("cannot read replies any more: {text}"));
                    if let Some(q) = questions.iter_mut().find(|q| q.alerter == name) {
                        q.error = Some(text.clone());
                    }
                    t.out = Some(text);
                    continue;
                }
            };
            t.next_at = t.schedule.next(started.elapsed(), seen);
        }
        progress.waiting(opts.timeout.saturating_sub(started.elapsed()), polls);
    };

    if opts.follow_up {
        let mut shown = question.clone();
        shown.body = crate::attach::with_note(&question.body, &outcome.status_line(several));
        shown.level = outcome.level();
        shown.attachments.clear();
        shown.thread = None;
        let mut note = Message::text(match &outcome {
            Outcome::Approved(d) | Outcome::Declined(d) if several => {
                format!("{} via \"{}\"", outcome.summary(), d.alerter)
            }
            _ => outcome.summary(),
        });
        note.level = match outcome {
            Outcome::Approved(_) => Level::Success,
            Outcome::Declined(_) => Level::Warning,
            _ => Level::Info,
        };
        let shows = targets.iter().map(|t| show_outcome(t, &shown, &note, opts.update)).collect();
        join_all(shows).await;
    }
    Ok(Asked { question: first, questions, outcome, polls, notices })
}

/// Shows the outcome on one copy of the question: edits it (`shown`) where
/// the flavor can and `update` is on, and replies `note` in its thread.
async fn show_outcome(t: &Asking<'_>, shown: &Message, note: &Message, update: bool) {
    if update && t.capabilities.update {
        if let Err(e) = t.alerter.update(&t.sent.reference, shown).await {
            tracing::warn!("could not update the question through \"{}\": {e}", t.alerter.name());
        }
    }
    if t.capabilities.threads {
        let mut note = note.clone();
        note.thread = Some(t.sent.reference.clone());
        if let Err(e) = t.alerter.post(&note).await {
            tracing::warn!("could not post the follow-up through \"{}\": {e}", t.alerter.name());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_server_errors_and_rate_limits_are_worth_another_poll() {
        let rejected = |code: &str, status: Option<u16>| {
            CallError::Flavor(FlavorError::Rejected(crate::Rejection {
                code: code.into(),
                message: "m".into(),
                status,
            }))
        };
        for (e, transient) in [
            (rejected("50001", Some(403)), false),
            (rejected("50013", None), false),
            (rejected("channel_not_found", Some(200)), false),
            (rejected("internal_error", Some(503)), true),
            (rejected("502", None), true),
            (rejected("404", None), false),
            (rejected("ratelimited", Some(429)), true),
            (CallError::Timeout(Duration::from_secs(1)), true),
        ] {
            assert_eq!(is_transient(&e), transient, "{e:?}");
        }
    }

    fn reply(text: &str, author: &str, bot: bool) -> Reply {
        Reply {
            author_id: author.into(),
            author_name: author.into(),
            is_bot: bot,
            text: text.into(),
            bot_mentions: Vec::new(),
            kind: ReplyKind::Message,
            in_thread: false,
            id: "1".into(),
            posted_at_ms: None,
        }
    }

    fn reaction(name: &str, author: &str) -> Reply {
        Reply { kind: ReplyKind::Reaction, ..reply(name, author, false) }
    }

    #[test]
    fn reactions_decide_by_name_or_emoji_and_mentions_of_the_bot_are_ignored() {
        let o = AskOptions::default();
        for yes in [
            "+1",
            "thumbsup",
            "white_check_mark",
            "heavy_check_mark",
            "👍",
            "✅",
            "✔️",
            "✔",
            ":+1:",
            "+1::skin-tone-4",
            "👍🏽",
        ] {
            assert_eq!(judge(&reaction(yes, "u"), &o), Some(true), "{yes}");
        }
        for no in ["-1", "thumbsdown", "x", "no_entry", "👎", "❌", "-1::skin-tone-2"] {
            assert_eq!(judge(&reaction(no, "u"), &o), Some(false), "{no}");
        }
        for neither in ["tada", "🎉", "eyes", "ok", "yes"] {
            assert_eq!(judge(&reaction(neither, "u"), &o), None, "{neither}");
        }
        // A reaction is not a word and a word is not a reaction.
        assert_eq!(judge(&reply("+1", "u", false), &o), None);
        // The same approver and bot rules.
        assert_eq!(judge(&Reply { is_bot: true, ..reaction("+1", "b") }, &o), None);
        let only = AskOptions { approvers: vec!["U1".into()], ..AskOptions::default() };
        assert_eq!(judge(&reaction("+1", "U2"), &only), None);
        assert_eq!(judge(&reaction("+1", "U1"), &only), Some(true));
        // Custom lists replace the defaults.
        let custom = AskOptions { approve_reactions: vec![":rocket:".into()], ..AskOptions::default() };
        assert_eq!(judge(&reaction("rocket", "u"), &custom), Some(true));
        assert_eq!(judge(&reaction("+1", "u"), &custom), None);

        let mention =
            |text: &str| Reply { bot_mentions: vec!["<@42>".into(), "<@!42>".into()], ..reply(text, "u", false) };
        assert_eq!(judge(&mention("<@42> approve"), &o), Some(true));
        assert_eq!(judge(&mention("<@!42>   LGTM  "), &o), Some(true));
        assert_eq!(judge(&mention("no <@42>"), &o), Some(false));
        assert_eq!(judge(&mention("<@43> approve"), &o), None, "only the bot's own mentions are removed");
        assert_eq!(without_mentions("<@42>approve", &["<@42>".into()]), "approve");
        assert_eq!(shown_reaction("+1"), ":+1:");
        assert_eq!(shown_reaction("👍"), "👍");
    }

    #[test]
    fn outcome_lines_for_the_updated_question() {
        let d = Decision {
            by_id: "U1".into(),
            by_name: "alice".into(),
            text: "+1".into(),
            kind: AnswerKind::Reaction,
            at_ms: None,
            in_thread: false,
            alerter: "ops".into(),
        };
        assert_eq!(Outcome::Approved(d.clone()).status_line(false), "✅ Approved by alice");
        assert_eq!(Outcome::Declined(d.clone()).status_line(true), "❌ Declined by alice via \"ops\"");
        assert_eq!(Outcome::TimedOut { waited_s: 300 }.status_line(false), "⌛ No answer within 300 s");
        assert_eq!(Outcome::Approved(d.clone()).summary(), "Approved by alice (reacted :+1:)");
        assert_eq!(Outcome::Approved(d).level(), Level::Success);
    }

    #[test]
    fn after_a_rate_limit_polls_never_come_faster_than_its_retry_after() {
        let mut s = Schedule::new(Cadence::default());
        let mut t = Duration::ZERO;
        t = s.next(t, PollResult::Quiet);
        t = s.next(t, PollResult::RateLimited(Duration::from_secs(20)));
        let mut last = t;
        for seen in [PollResult::Activity, PollResult::Quiet, PollResult::Failed, PollResult::Activity] {
            let next = s.next(last, seen);
            assert!(next - last >= Duration::from_secs(20), "{seen:?}: {:?} after the last poll", next - last);
            last = next;
        }
        // Slack's non-Marketplace regime: one request a minute.
        let mut s = Schedule::new(Cadence::default());
        let at = s.next(Duration::ZERO, PollResult::RateLimited(Duration::from_secs(60)));
        assert_eq!(at, Duration::from_secs(60));
        assert_eq!(s.next(at, PollResult::Activity), Duration::from_secs(120));
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
