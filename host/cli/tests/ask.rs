//! `alerter ask` and `alerter run` with the real binary, the `echo` wasm
//! flavor and the generic stand-in. (The Slack and Discord flavors are asked
//! through the same host code in ask_chat.rs.)

use std::time::{Duration, Instant};

use alerter_test_artifacts as flavors;
use alerter_tests::cli::{Alerter, Run};
use alerter_tests::echo::EchoService;

fn setup(svc: &EchoService) -> Alerter {
    let a = alerter_tests::alerter!();
    // `ask` trusts the flavor to say who replied: it must be trusted.
    a.run(&["flavor", "register", flavors::ECHO, "--trusted"]).ok();
    let origin = svc.origin();
    a.run(&["register", "e", "--flavor", "echo", "--set", &format!("url={origin}"), "--allow-host", &origin]).ok();
    a
}

/// Waits until the question (the first message the flavor posts after
/// `already` messages) is at the stand-in; returns its id.
fn question_id(svc: &EchoService, already: usize) -> String {
    let t = Instant::now();
    loop {
        let posted: Vec<_> = svc.messages().into_iter().filter(|m| m.body.is_some()).collect();
        if posted.len() > already {
            return posted[already].id.clone();
        }
        assert!(t.elapsed() < Duration::from_secs(20), "the question never arrived");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Asks, then posts `replies` (author, text, in thread, bot) once the
/// question is up; returns how the ask ended and how long it took from the
/// last reply.
fn ask(svc: &EchoService, a: &Alerter, extra: &[&str], replies: &[(&str, &str, bool, bool)]) -> (Run, Duration) {
    let already = svc.posted().len();
    let mut args = vec!["ask", "Deploy model v3?"];
    args.extend_from_slice(extra);
    let child = a.spawn(&args);
    let q = question_id(svc, already);
    for (author, text, thread, bot) in replies {
        svc.reply(author, text, thread.then_some(q.as_str()), *bot);
    }
    let t = Instant::now();
    let run = child.finish();
    (run, t.elapsed())
}

#[test]
fn approve_words_decide_with_exit_zero() {
    let svc = EchoService::start();
    let a = setup(&svc);
    let (run, _) = ask(&svc, &a, &["--timeout", "20"], &[("U1", "LGTM", false, false)]);
    let run = run.ok();
    assert_eq!(run.stdout.trim(), "Approved by user U1 (\"LGTM\")");
    let (run, _) = ask(&svc, &a, &["--timeout", "20"], &[("U1", "  Approve ", false, false)]);
    run.ok();
    let (run, _) = ask(&svc, &a, &["--timeout", "20"], &[("U1", "lgtm", false, false)]);
    run.ok();
    // A reply in the question's thread counts (ZenML misses these).
    let (run, _) = ask(&svc, &a, &["--timeout", "20"], &[("U1", "yes", true, false)]);
    run.ok();
}

#[test]
fn decline_is_exit_one_at_the_first_poll_that_sees_it() {
    let svc = EchoService::start();
    let a = setup(&svc);
    let (run, took) = ask(&svc, &a, &["--timeout", "60"], &[("U1", "no", false, false)]);
    let run = run.expect_code(1);
    assert!(run.stdout.contains("Declined by user U1"), "{}", run.stdout);
    assert!(took < Duration::from_secs(20), "decided at a poll, long before the 60 s deadline; took {took:?}");
}

#[test]
fn non_matching_bot_and_old_replies_time_out_with_124() {
    let svc = EchoService::start();
    let a = setup(&svc);
    // A `yes` posted before the question never counts.
    svc.reply("U1", "yes", None, false);
    let started = Instant::now();
    let (run, _) = ask(
        &svc,
        &a,
        &["--timeout", "3"],
        &[
            ("U1", "LGTM!", false, false),
            ("U2", "yes please", false, false),
            ("B1", "yes", false, true),
            ("U3", "Lgtm", true, false),
        ],
    );
    // Only `Lgtm` in the thread approves: the others do not match, are a bot's, or came before.
    let run = run.ok();
    assert_eq!(run.stdout.trim(), "Approved by user U3 (\"Lgtm\")");
    let (run, _) = ask(
        &svc,
        &a,
        &["--timeout", "3", "--case-sensitive"],
        &[
            ("U1", "LGTM!", false, false),
            ("U2", "yes please", false, false),
            ("B1", "yes", false, true),
            ("U3", "lgtm", false, false),
        ],
    );
    let run = run.expect_code(124);
    assert_eq!(run.stdout.trim(), "No answer within 3 s");
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn custom_words_replace_the_defaults_and_approvers_restrict_who_decides() {
    let svc = EchoService::start();
    let a = setup(&svc);
    let (run, _) = ask(
        &svc,
        &a,
        &["--timeout", "20", "--approve", "Y"],
        &[("U1", "yes", false, false), ("U1", "y", false, false)],
    );
    run.ok();
    let (run, _) = ask(
        &svc,
        &a,
        &["--timeout", "20", "--approver", "BOSS", "--json"],
        &[("U1", "yes", false, false), ("BOSS", "reject", false, false)],
    );
    let run = run.expect_code(1);
    let v: serde_json::Value = serde_json::from_str(run.stdout.trim()).expect("json");
    assert_eq!(v["outcome"], "declined");
    assert_eq!(v["by_id"], "BOSS");
    assert_eq!(v["text"], "reject");
    assert!(v["question"]["reference"].is_string());
}

#[test]
fn follow_up_is_posted_in_the_thread_unless_disabled() {
    let svc = EchoService::start();
    let a = setup(&svc);
    let (run, _) = ask(&svc, &a, &["--timeout", "20"], &[("U1", "ok", false, false)]);
    run.ok();
    let posted = svc.messages();
    let question = posted.iter().find(|m| m.bot && m.thread.is_none()).unwrap();
    assert_eq!(question.text, "Deploy model v3?\n\n✅ Approved by user U1", "the question shows the outcome");
    let follow = posted.iter().rev().find(|m| m.body.is_some()).unwrap();
    assert_eq!(follow.thread.as_deref(), Some(question.id.as_str()));
    assert_eq!(follow.text, "Approved by user U1 (\"ok\")");
    let before = svc.posted().len();
    let (run, _) = ask(&svc, &a, &["--timeout", "20", "--no-follow-up"], &[("U1", "ok", false, false)]);
    run.ok();
    assert_eq!(svc.posted().len(), before + 1, "only the question");
}

#[test]
fn rate_limits_are_waited_out_and_the_ask_still_decides() {
    let svc = EchoService::start();
    let a = setup(&svc);
    let child = a.spawn(&["ask", "Ship it?", "--timeout", "30"]);
    let q = question_id(&svc, 0);
    svc.rate_limit_next("*", 1, 3.0);
    svc.reply("U1", "yes", None, false);
    let run = child.finish().ok();
    assert!(run.stdout.contains("Approved by user U1"), "{}", run.stdout);
    let path = format!("GET /messages/{q}/replies");
    let injected: Vec<_> = svc.seen().into_iter().filter(|s| s.faulted).collect();
    assert_eq!(injected.len(), 1);
    assert_eq!((injected[0].route(), injected[0].status), (path.clone(), 429));
    let limited_at = injected[0].at;
    let next =
        svc.seen().into_iter().find(|s| s.route() == path && s.at > limited_at).expect("a poll after the 429").at;
    // No request before the Retry-After (3 s) elapsed.
    let gap = next - limited_at;
    assert!(gap >= Duration::from_millis(2950), "next poll after {gap:?}");
}

#[test]
fn measured_cadence_backs_off_while_quiet() {
    let svc = EchoService::start();
    let a = setup(&svc);
    let run = a.run(&["ask", "Anyone?", "--timeout", "14", "--no-follow-up"]).expect_code(124);
    assert!(run.stderr.contains("waiting up to 14 s"), "{}", run.stderr);
    let posted = svc.seen_op("post_message")[0].at;
    let polls: Vec<Instant> = svc.seen().into_iter().filter(|s| s.path.ends_with("/replies")).map(|s| s.at).collect();
    // Right away, then 1 s growing x1.5: polls at about 0, 1, 2.5, 4.75, 8.1, 13.2 s. A loaded
    // machine stretches each gap by the time a poll takes, so fewer may fit; never more.
    assert!((4..=6).contains(&polls.len()), "{} polls in 14 s", polls.len());
    assert!(polls[0] - posted < Duration::from_secs(2), "the first poll right after posting");
    let gaps: Vec<Duration> = polls.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps[0] >= Duration::from_millis(950), "a second between the first polls: {gaps:?}");
    assert!(gaps.windows(2).all(|g| g[1] + Duration::from_millis(300) >= g[0]), "gaps grow: {gaps:?}");
    assert!(*gaps.last().unwrap() >= gaps[0] * 2, "backs off: {gaps:?}");
    assert!(gaps.iter().all(|g| *g <= Duration::from_millis(10_500)), "10 s at most between polls: {gaps:?}");
}

#[test]
fn post_only_alerters_cannot_ask() {
    let svc = EchoService::start();
    let a = alerter_tests::alerter!();
    a.run(&["flavor", "register", flavors::SHOUT, "--trusted"]).ok();
    let origin = svc.origin();
    a.run(&["register", "s", "--flavor", "shout", "--set", &format!("url={origin}"), "--allow-host", &origin]).ok();
    let t = Instant::now();
    let run = a.run(&["ask", "Deploy?"]).expect_code(2);
    // Refused before any "waiting up to ...", with the flavor's own reason
    // and advice that fits any flavor (no Slack or Discord bot tokens).
    assert_eq!(
        run.stderr,
        "error: this alerter cannot read replies, so it cannot ask (alerter \"s\", flavor \"shout\" 2.0.0: \
         this flavor cannot read replies); use an alerter whose flavor can read replies\n"
    );
    assert!(!run.stderr.contains("waiting up to") && !run.stderr.contains("bot token"), "{}", run.stderr);
    assert!(t.elapsed() < Duration::from_secs(20), "refused at once, not after the 300 s default wait");
    assert!(svc.posted().is_empty(), "no question left unanswerable");
}

#[cfg(unix)]
#[test]
fn ctrl_c_cancels_cleanly_with_its_own_exit_code() {
    let svc = EchoService::start();
    let a = setup(&svc);
    let child = a.spawn(&["ask", "Wait for me?", "--timeout", "60"]);
    // The Ctrl-C handler is in place before the question is posted.
    let q = question_id(&svc, 0);
    let ok = std::process::Command::new("kill").args(["-INT", &child.pid().to_string()]).status().unwrap();
    assert!(ok.success());
    let run = child.finish().expect_code(130);
    assert!(run.stdout.contains("Cancelled"), "{}", run.stdout);
    let follow = svc.messages().into_iter().rev().find(|m| m.body.is_some()).unwrap();
    assert_eq!(follow.thread.as_deref(), Some(q.as_str()));
}

#[test]
fn run_alerts_on_failure_with_exit_code_and_tail() {
    let svc = EchoService::start();
    let a = setup(&svc);
    let run = a.run(&["run", "--", "false"]).expect_code(1);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    a.run(&["run", "--", "sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 1"]).expect_code(1);
    let both = svc.posted()[1]["text"].as_str().unwrap().to_string();
    assert!(both.contains("to-stdout") && both.contains("to-stderr"), "{both}");
    let m = &svc.posted()[0];
    assert_eq!(m["level"], "failure");
    assert_eq!(m["title"], "`false` failed");
    let meta = m["metadata"].as_array().unwrap();
    assert_eq!(meta[0], serde_json::json!(["exit", "exit code 1"]));
    assert_eq!(meta[1][0], "duration");
    assert_eq!(meta[2][0], "host");

    // Success is silent by default, posted with --on success.
    a.run(&["run", "--", "true"]).ok();
    assert_eq!(svc.posted().len(), 2);
    a.run(&["run", "--on", "success", "--", "true"]).ok();
    assert_eq!(svc.posted()[2]["level"], "success");
    assert_eq!(svc.posted()[2]["title"], "`true` succeeded");
}

#[test]
fn run_passes_output_through_and_posts_only_the_tail() {
    let svc = EchoService::start();
    let a = setup(&svc);
    let run = a.run(&["run", "--", "sh", "-c", "seq 1 10000; echo oops >&2; exit 7"]).expect_code(7);
    assert_eq!(run.stdout.lines().count(), 10000, "stdout passed through");
    assert!(run.stdout.ends_with("10000\n"));
    assert_eq!(run.stderr.trim(), "oops");
    let body = svc.posted()[0]["text"].as_str().unwrap().to_string();
    assert!(body.starts_with("Exit code 7 after "), "{body}");
    // stdout and stderr are read concurrently, so only stdout's order is fixed.
    assert!(body.contains("\n9999\n10000\n"), "{body}");
    assert!(body.contains("earlier lines omitted"), "{body}");
    assert!(!body.contains("\n1\n"), "only the tail");
    assert!(body.chars().count() <= 3000, "fits every flavor's limit: {}", body.chars().count());
}

#[test]
fn a_failed_alert_never_masks_the_commands_result() {
    let svc = EchoService::start();
    let a = setup(&svc);
    svc.error_next("*", "500");
    let run = a.run(&["run", "--", "sh", "-c", "exit 4"]).expect_code(4);
    assert!(run.stderr.contains("could not send the alert"), "{}", run.stderr);
    // A broken alerter configuration never stops the command from running.
    let run = a.run(&["run", "--alerter", "ghost", "--", "sh", "-c", "echo still ran; exit 5"]).expect_code(5);
    assert!(run.stdout.contains("still ran"), "{}", run.stdout);
    assert!(
        run.stderr.contains("cannot alert") && run.stderr.contains("unknown alerter or group \"ghost\""),
        "{}",
        run.stderr
    );
    let run = a.run(&["run", "--", "/no/such/program"]).expect_code(2);
    assert!(run.stderr.contains("cannot run `/no/such/program`"), "{}", run.stderr);
}
