//! `ask` through the real chat flavors: `alerter ask` run by the real
//! binary with the built-in `slack` and `discord` wasm flavors against their
//! stand-ins (`alerter_tests::slack`, `alerter_tests::discord`).
//!
//! Every case is written once, generic over [`Chat`], and run for each
//! service; the service-specific parts (how people reply, where a thread
//! lives, which request is "a poll") are the two `Chat` implementations at
//! the bottom. The pattern is ask.rs's: spawn `alerter ask`,
//! wait until the question is at the stand-in, then add what people say.

use std::time::{Duration, Instant};

use alerter_tests::chat::{Author, Seen};
use alerter_tests::cli::{Alerter, Run};
use alerter_tests::discord::{self, DiscordService};
use alerter_tests::slack::{self, SlackService, CHANNEL};
use alerter_tests::wait_for;
use serde_json::Value;

/// Longest any single `alerter` run may take here before it is killed.
const RUN_LIMIT: Duration = Duration::from_secs(40);

/// A fresh `alerter` home whose runs are killed after [`RUN_LIMIT`].
fn alerter() -> Alerter {
    let mut a = alerter_tests::alerter!();
    a.timeout(RUN_LIMIT);
    a
}

fn json_of(run: &Run) -> Value {
    serde_json::from_str(run.stdout.trim())
        .unwrap_or_else(|e| panic!("--json output is not JSON ({e}): {}", run.stdout))
}

// ---------------------------------------------------------------------------
// What a test needs from a chat service and its stand-in.

/// Someone in the chat: the id the service reports and the name `ask` shows.
#[derive(Debug, Clone)]
struct Person {
    id: String,
    shown: String,
}

trait Chat: Sized {
    /// Starts the stand-in.
    fn start() -> Self;
    /// A fresh home with one bot-mode alerter on the stand-in.
    fn bot_alerter(&self) -> Alerter;
    /// A fresh home with one webhook-mode (post-only) alerter.
    fn webhook_alerter(&self) -> Alerter;
    /// A person called `name` (lowercase).
    fn person(&self, name: &str) -> Person;
    /// Waits until the bot's question `text` is in the channel; its id
    /// (Slack: ts; Discord: message id).
    fn question(&self, text: &str) -> String;
    /// The alerter reference of question `q` (`CHANNEL:ID`).
    fn reference(&self, q: &str) -> String;
    /// `who` says `text` at top level in the channel.
    fn say(&self, who: &Person, text: &str);
    /// `who` says `text` in the thread of question `q`.
    fn say_in_thread(&self, q: &str, who: &Person, text: &str);
    /// Another bot says `text` at top level.
    fn bot_says(&self, text: &str);
    /// When the flavor read the channel for replies (one per poll).
    fn polls(&self) -> Vec<Instant>;
    /// Makes a later read of replies (a poll during the wait) answer 429 with
    /// a retry-after of `secs`.
    fn rate_limit_a_poll(&self, secs: u64);
    /// The one 429 answered (what and when) and every request after it.
    fn limited(&self) -> ((String, Instant), Vec<(String, Instant)>);
    /// The follow-up under question `q`: asserts it is threaded under `q` the
    /// service's way and is the only one; returns its text.
    fn follow_up(&self, q: &str) -> String;
    /// Posts made through a webhook, and requests to the bot API.
    fn webhook_traffic(&self) -> (usize, usize);
    /// Every request conformed to the service's spec.
    fn assert_clean(&self);
}

/// Waits until the flavor polls after `since` (so what was said before it
/// has been seen by the ask).
fn wait_for_poll_after<C: Chat>(chat: &C, since: Instant) {
    wait_for("a poll after the reply", || chat.polls().into_iter().any(|t| t > since).then_some(()));
}

// ---------------------------------------------------------------------------
// The cases, once for both services.

/// A human's top-level `LGTM` after the question approves (exit 0), and the
/// outcome is posted in the question's thread.
fn lgtm_at_top_level_approves<C: Chat>() {
    let chat = C::start();
    let a = chat.bot_alerter();
    let alice = chat.person("alice");
    let asking = a.spawn(&["ask", "Deploy model v3?", "--timeout", "20"]);
    let q = chat.question("Deploy model v3?");
    chat.say(&alice, "LGTM");
    let run = asking.finish().ok();
    let summary = format!("Approved by {} (\"LGTM\")", alice.shown);
    assert_eq!(run.stdout.trim(), summary);
    let follow = chat.follow_up(&q);
    assert!(follow.ends_with(&summary), "follow-up {follow:?} should state {summary:?}");
    chat.assert_clean();
}

/// A `yes` inside the question's thread approves; `--json` says it came from
/// the thread and who sent it.
fn yes_in_the_thread_approves<C: Chat>() {
    let chat = C::start();
    let a = chat.bot_alerter();
    let bob = chat.person("bob");
    let asking = a.spawn(&["ask", "Promote to prod?", "--timeout", "20", "--json"]);
    let q = chat.question("Promote to prod?");
    chat.say_in_thread(&q, &bob, "yes");
    let run = asking.finish().ok();
    let v = json_of(&run);
    assert_eq!(v["outcome"], "approved", "{v}");
    assert_eq!(v["by_id"], bob.id.as_str(), "{v}");
    assert_eq!(v["by_name"], bob.shown.as_str(), "{v}");
    assert_eq!(v["text"], "yes", "{v}");
    assert_eq!(v["in_thread"], true, "{v}");
    assert_eq!(v["question"]["reference"], chat.reference(&q).as_str(), "{v}");
    let follow = chat.follow_up(&q);
    assert!(follow.ends_with(&format!("Approved by {} (\"yes\")", bob.shown)), "{follow:?}");
    chat.assert_clean();
}

/// `no` declines (exit 1) at the next poll, and says so in the thread.
fn no_declines<C: Chat>() {
    let chat = C::start();
    let a = chat.bot_alerter();
    let carol = chat.person("carol");
    let asking = a.spawn(&["ask", "Drop the staging table?", "--timeout", "30"]);
    let q = chat.question("Drop the staging table?");
    chat.say(&carol, "no");
    let said = Instant::now();
    let run = asking.finish().expect_code(1);
    let took = said.elapsed();
    let summary = format!("Declined by {} (\"no\")", carol.shown);
    assert_eq!(run.stdout.trim(), summary);
    assert!(took < Duration::from_secs(20), "decided at a poll, long before the deadline; took {took:?}");
    let follow = chat.follow_up(&q);
    assert!(follow.ends_with(&summary), "{follow:?}");
    chat.assert_clean();
}

/// A `yes` from before the question and another bot's `yes` after it never
/// count: the ask times out (124) and says so in the thread.
fn early_and_bot_yes_time_out<C: Chat>() {
    let chat = C::start();
    let a = chat.bot_alerter();
    chat.say(&chat.person("early"), "yes");
    let started = Instant::now();
    let asking = a.spawn(&["ask", "Rotate the keys?", "--timeout", "3"]);
    let q = chat.question("Rotate the keys?");
    chat.bot_says("yes");
    let bot_said = Instant::now();
    let run = asking.finish().expect_code(124);
    assert_eq!(run.stdout.trim(), "No answer within 3 s");
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(3) && took < Duration::from_secs(30), "took {took:?}");
    // Not vacuous: the bot's `yes` was there for at least one poll.
    assert!(chat.polls().iter().any(|t| *t > bot_said), "no poll after the bot's yes: {:?}", chat.polls());
    let follow = chat.follow_up(&q);
    assert!(follow.ends_with("No answer within 3 s"), "{follow:?}");
    chat.assert_clean();
}

/// With `--approver`, someone else's `yes` is ignored (even alone, for a
/// whole poll) and the approver's `reject` decides.
fn only_approvers_decide<C: Chat>() {
    let chat = C::start();
    let a = chat.bot_alerter();
    let (alice, boss) = (chat.person("alice"), chat.person("boss"));
    let asking = a.spawn(&["ask", "Release 2.0?", "--timeout", "20", "--approver", &boss.id, "--json"]);
    let q = chat.question("Release 2.0?");
    chat.say(&alice, "yes");
    wait_for_poll_after(&chat, Instant::now());
    chat.say_in_thread(&q, &boss, "reject");
    let run = asking.finish().expect_code(1);
    let v = json_of(&run);
    assert_eq!(v["outcome"], "declined", "{v}");
    assert_eq!(v["by_id"], boss.id.as_str(), "{v}");
    assert_eq!(v["text"], "reject", "{v}");
    let follow = chat.follow_up(&q);
    assert!(follow.ends_with(&format!("Declined by {} (\"reject\")", boss.shown)), "{follow:?}");
    chat.assert_clean();
}

/// A 429 with a retry-after while waiting does not end the ask: it still
/// decides, and nothing reaches the service before the retry-after elapsed.
fn rate_limited_poll_is_waited_out<C: Chat>() {
    // Longer than the back-off alone would wait after the first polls
    // (1 s, 1.5 s, 2.25 s, 3.4 s), so only honouring it passes.
    const RETRY_AFTER: Duration = Duration::from_secs(5);
    let chat = C::start();
    let a = chat.bot_alerter();
    let dana = chat.person("dana");
    let asking = a.spawn(&["ask", "Scale down the cluster?", "--timeout", "30"]);
    let q = chat.question("Scale down the cluster?");
    chat.rate_limit_a_poll(RETRY_AFTER.as_secs());
    chat.say(&dana, "yes");
    let run = asking.finish().ok();
    assert_eq!(run.stdout.trim(), format!("Approved by {} (\"yes\")", dana.shown));
    let ((what, limited_at), after) = chat.limited();
    assert!(!after.is_empty(), "nothing after the 429 ({what})");
    for (line, at) in &after {
        let gap = at.duration_since(limited_at);
        assert!(gap >= RETRY_AFTER, "`{line}` {gap:?} after the 429 on `{what}` (retry-after {RETRY_AFTER:?})");
    }
    assert!(chat.polls().iter().any(|t| *t > limited_at), "polled again after the 429");
    chat.follow_up(&q);
}

/// A webhook (post-only) alerter cannot ask: exit 2 with a clear message,
/// at once, and without reaching for the bot API.
fn webhook_alerter_cannot_ask<C: Chat>() {
    let chat = C::start();
    let a = chat.webhook_alerter();
    let started = Instant::now();
    let asking = a.spawn(&["ask", "Deploy?", "--timeout", "60"]);
    let run = asking.finish().expect_code(2);
    let took = started.elapsed();
    assert!(run.stderr.contains("this alerter cannot read replies"), "{}", run.stderr);
    // The flavor's own reason, and nothing about waiting.
    assert!(run.stderr.contains("webhook mode cannot read replies"), "{}", run.stderr);
    assert!(!run.stderr.contains("waiting up to"), "{}", run.stderr);
    assert!(took < Duration::from_secs(20), "refused at once, not after the 60 s timeout; took {took:?}");
    assert!(run.stderr.contains("alerter \"hook\""), "{}", run.stderr);
    let (webhook_posts, api_requests) = chat.webhook_traffic();
    // The host asks the flavor what it can do with these settings before
    // posting: nothing is posted at all.
    assert_eq!(webhook_posts, 0, "no unanswerable question is left behind");
    assert_eq!(api_requests, 0, "no bot API request in webhook mode");
}

/// One `#[test]` per case and service.
macro_rules! for_both {
    ($($case:ident => $slack:ident, $discord:ident;)*) => {
        $(
            #[test]
            fn $slack() {
                $case::<Slack>();
            }
            #[test]
            fn $discord() {
                $case::<Discord>();
            }
        )*
    };
}

for_both! {
    lgtm_at_top_level_approves => slack_lgtm_at_top_level_approves, discord_lgtm_at_top_level_approves;
    yes_in_the_thread_approves => slack_yes_in_the_thread_approves, discord_yes_in_the_thread_approves;
    no_declines => slack_no_declines, discord_no_declines;
    early_and_bot_yes_time_out => slack_early_and_bot_yes_time_out, discord_early_and_bot_yes_time_out;
    only_approvers_decide => slack_only_approvers_decide, discord_only_approvers_decide;
    rate_limited_poll_is_waited_out => slack_rate_limited_poll_is_waited_out, discord_rate_limited_poll_is_waited_out;
    webhook_alerter_cannot_ask => slack_webhook_alerter_cannot_ask, discord_webhook_alerter_cannot_ask;
}

// ---------------------------------------------------------------------------
// Slack: top-level answers come from conversations.history, thread answers
// from conversations.replies; a follow-up has `thread_ts` = the question's ts.

struct Slack(SlackService);

impl Chat for Slack {
    fn start() -> Self {
        Slack(SlackService::start())
    }

    fn bot_alerter(&self) -> Alerter {
        let s = &self.0;
        let a = alerter();
        a.run(&s.bot_args("slack", &s.token())).ok();
        a
    }

    fn webhook_alerter(&self) -> Alerter {
        let s = &self.0;
        let a = alerter();
        a.run(&s.webhook_args("slack")).ok();
        a
    }

    fn person(&self, name: &str) -> Person {
        // The stand-in reports only the user id, which the flavor shows.
        let id = format!("U0{}", name.to_uppercase());
        Person { shown: id.clone(), id }
    }

    fn question(&self, text: &str) -> String {
        wait_for("the question at the Slack stand-in", || {
            self.0
                .messages(CHANNEL)
                .into_iter()
                .find(|m| m.bot_id.as_deref() == Some(slack::BOT_ID) && m.thread_ts.is_none() && m.text == text)
                .map(|m| m.ts)
        })
    }

    fn reference(&self, q: &str) -> String {
        format!("{CHANNEL}:{q}")
    }

    fn say(&self, who: &Person, text: &str) {
        self.0.say(CHANNEL, &who.id, text);
    }

    fn say_in_thread(&self, q: &str, who: &Person, text: &str) {
        self.0.say_in_thread(CHANNEL, q, &who.id, text);
    }

    fn bot_says(&self, text: &str) {
        self.0.bot_says(CHANNEL, "B0OTHERBOT", text, None);
    }

    fn polls(&self) -> Vec<Instant> {
        self.0.seen_op("conversations.history").into_iter().map(|s| s.at).collect()
    }

    fn rate_limit_a_poll(&self, secs: u64) {
        self.0.rate_limit_next("conversations.history", 1, secs as f64);
    }

    fn limited(&self) -> ((String, Instant), Vec<(String, Instant)>) {
        let seen = self.0.seen();
        let limited: Vec<usize> = (0..seen.len()).filter(|i| seen[*i].status == 429).collect();
        assert_eq!(
            limited.len(),
            1,
            "one 429: {:?}",
            seen.iter().map(|s| (&s.operation, s.status)).collect::<Vec<_>>()
        );
        let i = limited[0];
        // Slack limits each method on its own: a 429 on one method holds back
        // only that method (the flavor still reads the others in the poll).
        let after = seen[i + 1..]
            .iter()
            .filter(|s| s.operation == seen[i].operation)
            .map(|s| (format!("{} {}", s.method, s.operation), s.at))
            .collect();
        ((seen[i].operation.clone(), seen[i].at), after)
    }

    fn follow_up(&self, q: &str) -> String {
        let mine: Vec<slack::SlackMessage> =
            self.0.messages(CHANNEL).into_iter().filter(|m| m.bot_id.as_deref() == Some(slack::BOT_ID)).collect();
        assert_eq!(mine.len(), 2, "the question and one follow-up: {mine:#?}");
        let follow = &mine[1];
        assert_eq!(follow.thread_ts.as_deref(), Some(q), "the follow-up is in the question's thread: {follow:#?}");
        assert_ne!(follow.ts, q);
        follow.text.clone()
    }

    fn webhook_traffic(&self) -> (usize, usize) {
        let seen = self.0.seen();
        let hooks = seen.iter().filter(|s| s.operation == "webhook").count();
        (hooks, seen.len() - hooks)
    }

    fn assert_clean(&self) {
        let problems = slack::spec::check(&slack::spec::load(), &self.0.seen());
        assert!(problems.is_empty(), "requests that do not match the Slack spec:\n{}", problems.join("\n"));
    }
}

// ---------------------------------------------------------------------------
// Discord: answers come from the channel after the question and from the
// thread started from it (whose id is the question's); a follow-up is a
// Discord reply (`message_reference`) to the question.

struct Discord(DiscordService);

impl Discord {
    fn channel_messages_path(&self) -> String {
        format!("/api/v10/channels/{}/messages", self.0.channel())
    }

    fn author(who: &Person) -> Author {
        Author::human(&who.id, &who.shown)
    }
}

impl Chat for Discord {
    fn start() -> Self {
        Discord(DiscordService::start())
    }

    fn bot_alerter(&self) -> Alerter {
        let s = &self.0;
        let a = alerter();
        a.run(&s.bot_args("discord", discord::TOKEN)).ok();
        a
    }

    fn webhook_alerter(&self) -> Alerter {
        let s = &self.0;
        let a = alerter();
        a.run(&s.webhook_args("discord")).ok();
        a
    }

    fn person(&self, name: &str) -> Person {
        let id = match name {
            "alice" => "3000",
            "bob" => "3001",
            "carol" => "3002",
            "dana" => "3003",
            "boss" => "3900",
            _ => "3999",
        };
        Person { id: id.into(), shown: name.into() }
    }

    fn question(&self, text: &str) -> String {
        wait_for("the question at the Discord stand-in", || {
            self.0
                .messages(&self.0.channel())
                .into_iter()
                .find(|m| {
                    m["author"]["id"] == discord::BOT_USER_ID
                        && m["message_reference"].is_null()
                        && m["content"].as_str().is_some_and(|c| c.ends_with(text))
                })
                .and_then(|m| m["id"].as_str().map(str::to_string))
        })
    }

    fn reference(&self, q: &str) -> String {
        format!("{}:{q}", self.0.channel())
    }

    fn say(&self, who: &Person, text: &str) {
        self.0.post(&self.0.channel(), &Self::author(who), text, None);
    }

    fn say_in_thread(&self, q: &str, who: &Person, text: &str) {
        self.0.post_in_thread(&self.0.channel(), q, &Self::author(who), text);
    }

    fn bot_says(&self, text: &str) {
        self.0.post(&self.0.channel(), &Author::bot("3500", "ci-bot"), text, None);
    }

    fn polls(&self) -> Vec<Instant> {
        let path = self.channel_messages_path();
        self.0.seen().into_iter().filter(|r| r.method == "GET" && r.path == path).map(|r| r.at).collect()
    }

    fn rate_limit_a_poll(&self, secs: u64) {
        // The stand-in limits whatever request comes next, and posting the
        // question is followed by a GET of the channel (its guild): wait
        // until the first poll read both the channel and the thread, so the
        // next request is a read of a later poll.
        let q_messages = |r: &Seen| r.method == "GET" && r.path.ends_with("/messages");
        wait_for("the first poll", || (self.0.seen().iter().filter(|r| q_messages(r)).count() >= 2).then_some(()));
        self.0.rate_limit_next("list_messages", 1, secs as f64);
    }

    fn limited(&self) -> ((String, Instant), Vec<(String, Instant)>) {
        let requests = self.0.seen();
        let limited: Vec<usize> = (0..requests.len()).filter(|i| requests[*i].status == 429).collect();
        assert_eq!(
            limited.len(),
            1,
            "one 429: {:?}",
            requests.iter().map(|r| (r.line(), r.status)).collect::<Vec<_>>()
        );
        let i = limited[0];
        let hit = &requests[i];
        assert!(hit.method == "GET" && hit.path.ends_with("/messages"), "the 429 hit a poll, not {}", hit.line());
        let after = requests[i + 1..].iter().map(|r| (r.line(), r.at)).collect();
        ((hit.line(), hit.at), after)
    }

    fn follow_up(&self, q: &str) -> String {
        let c = self.0.channel();
        let mine: Vec<Value> =
            self.0.messages(&c).into_iter().filter(|m| m["author"]["id"] == discord::BOT_USER_ID).collect();
        assert_eq!(mine.len(), 2, "the question and one follow-up: {mine:#?}");
        let follow = &mine[1];
        assert_eq!(follow["type"], 19, "a Discord reply: {follow:#}");
        assert_eq!(follow["message_reference"]["message_id"], q, "replies to the question: {follow:#}");
        assert_eq!(follow["message_reference"]["channel_id"], c.as_str(), "{follow:#}");
        follow["content"].as_str().unwrap_or_default().to_string()
    }

    fn webhook_traffic(&self) -> (usize, usize) {
        let requests = self.0.seen();
        let hooks = requests.iter().filter(|r| r.path.starts_with("/api/webhooks/")).count();
        (hooks, requests.len() - hooks)
    }

    fn assert_clean(&self) {
        assert_eq!(self.0.violations(), Vec::<String>::new(), "request bodies broke the spec or docs");
    }
}
