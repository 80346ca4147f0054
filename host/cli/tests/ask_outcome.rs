//! `alerter ask` beyond words, through the real binary, the `echo` wasm
//! flavor and its stand-in: reactions decide, mentions of the bot are
//! ignored, notices are shown once, the question is edited to show its
//! outcome, and the host's request budget and rate-limit holds.

use std::time::{Duration, Instant};

use alerter_tests::cli::Run;
use alerter_tests::echo::{EchoService, Stored};
use alerter_tests::wait_for;
use serde_json::Value;

mod echo_common;
use echo_common::setup;

/// The bot's question `text`, once it is at the stand-in.
fn question(svc: &EchoService, text: &str) -> Stored {
    wait_for("the question", || {
        svc.messages().into_iter().find(|m| m.bot && m.thread.is_none() && m.text.starts_with(text))
    })
}

/// What the bot posted in the thread of `q`.
fn follow_ups(svc: &EchoService, q: &str) -> Vec<String> {
    svc.messages().into_iter().filter(|m| m.bot && m.thread.as_deref() == Some(q)).map(|m| m.text).collect()
}

fn replies_polls(svc: &EchoService) -> Vec<Instant> {
    svc.seen_op("list_replies").into_iter().filter(|s| !s.faulted).map(|s| s.at).collect()
}

fn json_of(run: &Run) -> Value {
    serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout))
}

#[test]
fn a_thumbs_up_approves_and_the_question_shows_who_approved() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    let asking = a.spawn(&["ask", "Deploy model v3?", "--timeout", "20", "--json"]);
    let q = question(&svc, "Deploy model v3?");
    svc.react(&q.id, "U1", "+1", false);
    let run = asking.finish().ok();
    let v = json_of(&run);
    assert_eq!(v["outcome"], "approved");
    assert_eq!(
        (v["by_id"].as_str(), v["kind"].as_str(), v["text"].as_str()),
        (Some("U1"), Some("reaction"), Some("+1"))
    );
    let q = svc.message(&q.id).unwrap();
    assert_eq!(q.edits, 1, "edited once");
    assert_eq!(q.text, "Deploy model v3?\n\n✅ Approved by user U1");
    assert_eq!(q.body.as_ref().unwrap()["level"], "success");
    assert_eq!(follow_ups(&svc, &q.id), ["Approved by user U1 (reacted :+1:)"]);
    assert!(svc.violations().is_empty(), "{:?}", svc.violations());
}

#[test]
fn a_thumbs_down_emoji_declines_and_other_reactions_bots_and_non_approvers_do_not_count() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    let asking = a.spawn(&["ask", "Ship it?", "--timeout", "20", "--approver", "LEAD"]);
    let q = question(&svc, "Ship it?");
    svc.react(&q.id, "LEAD", "tada", false);
    svc.react(&q.id, "BOT2", "-1", true);
    svc.react(&q.id, "U9", "👎", false);
    let since = Instant::now();
    wait_for("a poll that saw them", || replies_polls(&svc).into_iter().any(|t| t > since).then_some(()));
    svc.react(&q.id, "LEAD", "👎", false);
    let run = asking.finish().expect_code(1);
    assert_eq!(run.stdout.trim(), "Declined by user LEAD (reacted 👎)");
    let q = svc.message(&q.id).unwrap();
    assert_eq!(q.text, "Ship it?\n\n❌ Declined by user LEAD");
    assert_eq!(q.body.as_ref().unwrap()["level"], "failure");
}

#[test]
fn custom_reaction_lists_replace_the_defaults() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    let asking = a.spawn(&["ask", "Launch?", "--timeout", "20", "--approve-reaction", ":rocket:"]);
    let q = question(&svc, "Launch?");
    svc.react(&q.id, "U1", "+1", false);
    let since = Instant::now();
    wait_for("a poll that saw the +1", || replies_polls(&svc).into_iter().any(|t| t > since).then_some(()));
    svc.react(&q.id, "U2", "rocket", false);
    let run = asking.finish().ok();
    assert_eq!(run.stdout.trim(), "Approved by user U2 (reacted :rocket:)");
}

/// A flavor that lists the reactions on every page (as Slack's
/// `reactions.get` does) must not look like new activity at each poll:
/// each reaction counts once, so the cadence still backs off.
#[test]
fn each_reaction_counts_once_so_the_wait_still_backs_off() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    let asking = a.spawn(&["ask", "Anyone?", "--timeout", "9", "--no-follow-up"]);
    let q = question(&svc, "Anyone?");
    svc.react(&q.id, "U1", "eyes", false);
    asking.finish().expect_code(124);
    let polls = replies_polls(&svc);
    // Backing off: about 0, 1, 2.5, 4.75, 8.1 s (with the reaction first seen at the
    // first or second poll, one more 1 s gap); counted as new at every poll it would be
    // a poll every second, 9 or 10 of them.
    assert!(polls.len() <= 6, "{} polls in 9 s", polls.len());
    let gaps: Vec<Duration> = polls.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.iter().any(|g| *g >= Duration::from_millis(2200)), "backed off: {gaps:?}");
}

#[test]
fn a_mention_of_the_bot_is_ignored_when_matching() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    let asking = a.spawn(&["ask", "Merge?", "--timeout", "20"]);
    let q = question(&svc, "Merge?");
    svc.reply("U1", "<@B0T> maybe", None, false);
    svc.reply("U2", "  <@B0T>   approve ", Some(&q.id), false);
    let run = asking.finish().ok();
    assert_eq!(run.stdout.trim(), "Approved by user U2 (\"approve\")");
}

#[test]
fn hidden_replies_give_one_notice_and_a_mention_still_decides() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    svc.hide_text(true);
    let asking = a.spawn(&["ask", "Release?", "--timeout", "20", "--json"]);
    let q = question(&svc, "Release?");
    svc.reply("U1", "approve", None, false);
    let since = Instant::now();
    wait_for("a poll that saw it", || replies_polls(&svc).into_iter().any(|t| t > since).then_some(()));
    svc.reply("U2", "yes", Some(&q.id), false);
    let since = Instant::now();
    wait_for("a poll that saw it", || replies_polls(&svc).into_iter().any(|t| t > since).then_some(()));
    svc.reply("U3", "<@B0T> approve", None, false);
    let run = asking.finish().ok();
    let notice = "replies arrive without their text: the service hides it from this bot; \
                  answer by mentioning the bot (<@BOT> approve) or with a reaction";
    assert_eq!(run.stderr.matches(notice).count(), 1, "once:\n{}", run.stderr);
    assert!(run.stderr.contains(&format!("note: \"e\": {notice}\n")), "{}", run.stderr);
    let v = json_of(&run);
    assert_eq!(v["by_id"], "U3");
    assert_eq!(v["notices"], serde_json::json!([notice]));
}

#[test]
fn no_answer_shows_on_the_question_and_no_update_keeps_it_as_it_was() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    let run = a.run(&["ask", "Quick?", "--timeout", "2"]).expect_code(124);
    assert_eq!(run.stdout.trim(), "No answer within 2 s");
    let q = question(&svc, "Quick?");
    assert_eq!(q.text, "Quick?\n\n⌛ No answer within 2 s");
    assert_eq!(q.body.as_ref().unwrap()["level"], "info");
    assert_eq!(follow_ups(&svc, &q.id), ["No answer within 2 s"]);

    a.run(&["ask", "Again?", "--timeout", "1", "--no-update"]).expect_code(124);
    let q = question(&svc, "Again?");
    assert_eq!((q.text.as_str(), q.edits), ("Again?", 0));
    assert_eq!(follow_ups(&svc, &q.id), ["No answer within 1 s"], "the thread reply stays");

    a.run(&["ask", "Quiet?", "--timeout", "1", "--no-follow-up"]).expect_code(124);
    let q = question(&svc, "Quiet?");
    assert_eq!((q.text.as_str(), q.edits), ("Quiet?", 0));
    assert!(follow_ups(&svc, &q.id).is_empty(), "neither");
    assert!(svc.seen_op("update_message").len() == 1, "one edit in all");
}

#[test]
fn a_flavor_that_cannot_update_only_replies_in_the_thread() {
    let svc = EchoService::start();
    let a = setup(&svc, &["features=reactions"]);
    let asking = a.spawn(&["ask", "Proceed?", "--timeout", "20"]);
    let q = question(&svc, "Proceed?");
    svc.reply("U1", "ok", None, false);
    asking.finish().ok();
    assert!(svc.seen_op("update_message").is_empty(), "no edit attempted");
    assert_eq!(svc.message(&q.id).unwrap().text, "Proceed?");
    assert_eq!(follow_ups(&svc, &q.id), ["Approved by user U1 (\"ok\")"]);
}

/// The README's promise, in requests per API method: a flavor that reads
/// ten pages a poll hits the host's budget of 30 requests a minute on that
/// route at its fourth poll; the host holds the rest back, sends nothing,
/// and the wait goes on.
#[test]
fn never_more_than_30_requests_a_minute_per_api_method() {
    let svc = EchoService::start();
    let a = setup(&svc, &["page_size=1", "max_pages=10"]);
    let asking = a.spawn(&["ask", "Budget?", "--timeout", "8", "--no-follow-up"]);
    let q = question(&svc, "Budget?");
    for i in 0..80 {
        svc.reply(&format!("U{i}"), "hmm", Some(&q.id), false);
    }
    let run = asking.finish().expect_code(124);
    let reads = svc.seen_op("list_replies");
    assert_eq!(reads.len(), 30, "exactly the budget, never more");
    assert!(reads.last().unwrap().at - reads[0].at < Duration::from_secs(60));
    assert!(
        run.stderr.contains("30 requests in the last minute, the host's budget"),
        "the hold is reported:\n{}",
        run.stderr
    );
    assert!(run.stderr.contains(&format!("GET {}/messages/{}/replies", svc.origin(), q.id)), "{}", run.stderr);
}

/// After a 429 the host holds its route back until the Retry-After passes,
/// even from a flavor that retries at once; the post then goes through.
#[test]
fn a_route_that_got_429_is_held_back_even_from_a_careless_flavor() {
    let svc = EchoService::start();
    let a = setup(&svc, &["careless_retries=5"]);
    svc.rate_limit_next("post_message", 1, 2.0);
    let run = a.run(&["post", "Held?", "-v"]).ok();
    let posts = svc.seen_op("post_message");
    assert_eq!(
        posts.len(),
        2,
        "the 429, then one retry after it: {:?}",
        posts.iter().map(|p| p.status).collect::<Vec<_>>()
    );
    assert_eq!((posts[0].status, posts[1].status), (429, 200));
    assert!(posts[1].at - posts[0].at >= Duration::from_millis(1950), "{:?}", posts[1].at - posts[0].at);
    assert!(run.stderr.contains("the host held a retry back"), "{}", run.stderr);
}

/// The first rate limit tunes the cadence: no later poll comes sooner than
/// its Retry-After after the one before.
#[test]
fn after_a_rate_limited_poll_no_poll_comes_faster_than_its_retry_after() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    let asking = a.spawn(&["ask", "Slowly?", "--timeout", "14", "--no-follow-up"]);
    let q = question(&svc, "Slowly?");
    svc.rate_limit_next("list_replies", 1, 3.0);
    let limited = wait_for("the 429", || svc.seen_op("list_replies").into_iter().find(|s| s.faulted).map(|s| s.at));
    // New replies would bring the 1 s cadence back, were it not for the floor.
    for i in 0..3 {
        svc.reply("U1", &format!("thinking {i}"), Some(&q.id), false);
        std::thread::sleep(Duration::from_millis(1500));
    }
    asking.finish().expect_code(124);
    let after: Vec<Instant> = replies_polls(&svc).into_iter().filter(|t| *t > limited).collect();
    assert!(after.len() >= 2, "polls went on: {}", after.len());
    let mut last = limited;
    for t in after {
        assert!(t - last >= Duration::from_millis(2950), "a poll {:?} after the one before", t - last);
        last = t;
    }
}

#[test]
fn five_hundreds_and_timeouts_while_polling_do_not_end_the_wait() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    let asking = a.spawn(&["ask", "Patience?", "--timeout", "50"]);
    question(&svc, "Patience?");
    svc.error_next("list_replies", "503");
    svc.error_next("list_replies", "500");
    let faulted = || svc.seen_op("list_replies").into_iter().filter(|s| s.faulted).count();
    wait_for("two failed polls", || (faulted() == 2).then_some(()));
    // Longer than the 20 s a request may take: the next poll times out.
    svc.stall_next("list_replies", Duration::from_secs(25));
    let polls = svc.seen_op("list_replies").len();
    wait_for("the stalled poll", || (svc.seen_op("list_replies").len() > polls).then_some(()));
    svc.reply("U1", "yes", None, false);
    let run = asking.finish().ok();
    assert_eq!(run.stdout.trim(), "Approved by user U1 (\"yes\")");
    assert!(run.stderr.contains("HTTP 503") && run.stderr.contains("still waiting"), "{}", run.stderr);
    assert!(run.stderr.contains("timed out"), "{}", run.stderr);
}

#[test]
fn replies_that_cannot_be_read_until_the_deadline_exit_3() {
    let svc = EchoService::start();
    let a = setup(&svc, &[]);
    for _ in 0..30 {
        svc.error_next("list_replies", "500");
    }
    let run = a.run(&["ask", "Broken?", "--timeout", "4", "--json"]).expect_code(3);
    let v = json_of(&run);
    assert_eq!(v["outcome"], "failed");
    assert!(v["error"].as_str().unwrap().contains("HTTP 500"), "{v}");
    let q = question(&svc, "Broken?");
    assert_eq!(follow_ups(&svc, &q.id).len(), 1);
    assert!(
        follow_ups(&svc, &q.id)[0].starts_with("Could not read replies: flavor \"echo\""),
        "{:?}",
        follow_ups(&svc, &q.id)
    );
}
