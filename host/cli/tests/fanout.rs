//! Fan-out through the real binary: `--alerter a --alerter b` and groups,
//! each alerter on its own `echo` stand-in. Per-target results, exit codes
//! 0 / 4 / 3, retries only where a target was rate-limited, groups usable
//! wherever an alerter name is, and `ask` through several alerters.

use std::time::Duration;

use alerter_test_artifacts as flavors;
use alerter_tests::cli::{Alerter, Run};
use alerter_tests::echo::{EchoService, Stored};
use alerter_tests::wait_for;
use serde_json::Value;

/// A home with alerters `a` and `b`, one per stand-in.
fn setup(a_svc: &EchoService, b_svc: &EchoService) -> Alerter {
    let mut a = alerter_tests::alerter!();
    a.timeout(Duration::from_secs(60));
    a.run(&["flavor", "register", flavors::ECHO, "--trusted"]).ok();
    for (name, svc) in [("a", a_svc), ("b", b_svc)] {
        let origin = svc.origin();
        a.run(&["register", name, "--flavor", "echo", "--set", &format!("url={origin}"), "--allow-host", &origin]).ok();
    }
    a
}

fn json_of(run: &Run) -> Value {
    serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout))
}

fn question(svc: &EchoService, text: &str) -> Stored {
    wait_for("the question", || {
        svc.messages().into_iter().find(|m| m.bot && m.thread.is_none() && m.text.starts_with(text))
    })
}

#[test]
fn posts_to_each_alerter_and_reports_each() {
    let (sa, sb) = (EchoService::start(), EchoService::start());
    let a = setup(&sa, &sb);
    let run = a.run(&["post", "Release 3.1 is out", "--alerter", "a", "--alerter", "b"]).ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines,
        ["posted via \"a\" (echo): https://chat.invalid/m/1", "posted via \"b\" (echo): https://chat.invalid/m/1"]
    );
    assert_eq!(sa.messages()[0].text, "Release 3.1 is out");
    assert_eq!(sb.messages()[0].text, "Release 3.1 is out");
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    // Naming one twice posts once.
    a.run(&["post", "once", "--alerter", "a", "--alerter", "a"]).ok();
    assert_eq!(sa.messages().len(), 2);
}

#[test]
fn some_failed_exits_4_and_all_failed_exits_3_with_one_result_per_alerter() {
    let (sa, sb) = (EchoService::start(), EchoService::start());
    let a = setup(&sa, &sb);
    sb.error_next("post_message", "500");
    let run = a.run(&["post", "half", "--alerter", "a", "--alerter", "b", "--json"]).expect_code(4);
    let v = json_of(&run);
    assert_eq!((v["posted"].as_u64(), v["failed"].as_u64()), (Some(1), Some(1)));
    assert_eq!(v["targets"][0]["alerter"], "a");
    assert_eq!(v["targets"][0]["ok"], true);
    assert_eq!(v["targets"][1]["alerter"], "b");
    assert_eq!(v["targets"][1]["ok"], false);
    assert_eq!(v["targets"][1]["exit_code"], 3);
    assert!(v["targets"][1]["error"].as_str().unwrap().contains("HTTP 500"), "{v}");
    assert!(run.stderr.starts_with("error: via \"b\": flavor \"echo\""), "{}", run.stderr);
    assert_eq!(sa.messages().len(), 1, "a got it, once");

    sa.error_next("post_message", "502");
    sb.error_next("post_message", "503");
    let run = a.run(&["post", "none", "--alerter", "a", "--alerter", "b"]).expect_code(3);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("error: via \"a\"") && run.stderr.contains("error: via \"b\""), "{}", run.stderr);
    assert!(run.stderr.ends_with("posted via 0 of 2 alerters\n"), "{}", run.stderr);
}

#[test]
fn a_rate_limited_alerter_is_retried_alone() {
    let (sa, sb) = (EchoService::start(), EchoService::start());
    let a = setup(&sa, &sb);
    sb.rate_limit_next("post_message", 1, 1.0);
    a.run(&["post", "both", "--alerter", "a", "--alerter", "b"]).ok();
    assert_eq!(sa.seen_op("post_message").len(), 1, "never re-sent to a");
    let b_posts = sb.seen_op("post_message");
    assert_eq!(b_posts.iter().map(|s| s.status).collect::<Vec<_>>(), [429, 200]);
    assert_eq!(sa.messages().len(), 1);
    assert_eq!(sb.messages().len(), 1);
}

#[test]
fn groups_stand_for_their_alerters_wherever_an_alerter_name_goes() {
    let (sa, sb) = (EchoService::start(), EchoService::start());
    let mut a = setup(&sa, &sb);
    assert_eq!(a.run(&["group", "set", "release", "a", "b"]).ok().stdout, "created group \"release\": a, b\n");
    assert_eq!(a.run(&["group", "list"]).ok().stdout, "release\ta, b\n");
    a.run(&["post", "via group", "--alerter", "release"]).ok();
    assert_eq!((sa.messages().len(), sb.messages().len()), (1, 1));
    // A group and an alerter never share a name.
    let run = a.run(&["group", "set", "a", "b"]).expect_code(2);
    assert_eq!(run.stderr, "error: \"a\" is already the name of an alerter; choose another name\n");
    let run = a.run(&["register", "release", "--flavor", "echo", "--set", "url=https://x.invalid"]).expect_code(2);
    assert_eq!(run.stderr, "error: \"release\" is already the name of a group; choose another name\n");
    let run = a.run(&["group", "set", "g", "a", "ghost"]).expect_code(2);
    assert!(run.stderr.starts_with("error: unknown alerter \"ghost\" (known: a, b)"), "{}", run.stderr);
    let run = a.run(&["post", "x", "--alerter", "nobody"]).expect_code(2);
    assert!(
        run.stderr.starts_with("error: unknown alerter or group \"nobody\" (alerters: a, b; groups: release)"),
        "{}",
        run.stderr
    );

    // ALERTER_ALERTER may name a group too; `run` alerts each member.
    a.env("ALERTER_ALERTER", "release");
    a.run(&["run", "--", "sh", "-c", "exit 6"]).expect_code(6);
    assert_eq!((sa.messages().len(), sb.messages().len()), (2, 2));
    assert_eq!(sb.messages()[1].body.as_ref().unwrap()["level"], "failure");

    // A member removed since fails alone: the others still get the message.
    a.run(&["remove", "a"]).ok();
    assert_eq!(a.run(&["group", "list"]).ok().stdout, "release\ta (removed), b\n");
    let run = a.run(&["post", "after removal"]).expect_code(4);
    assert!(run.stderr.contains("error: via \"a\": unknown alerter \"a\""), "{}", run.stderr);
    assert_eq!(sb.messages().len(), 3);
    a.run(&["group", "remove", "release"]).ok();
    assert_eq!(
        a.run(&["group", "list"]).ok().stdout,
        "no groups yet; create one with `alerter group set NAME ALERTER...`\n"
    );
    let run = a.run(&["group", "remove", "release"]).expect_code(2);
    assert_eq!(run.stderr, "error: no group \"release\" (groups: none); see `alerter group list`\n");
}

#[test]
fn ask_through_two_alerters_the_first_answer_wins_and_both_questions_show_it() {
    let (sa, sb) = (EchoService::start(), EchoService::start());
    let a = setup(&sa, &sb);
    a.run(&["group", "set", "gate", "a", "b"]).ok();
    let asking = a.spawn(&["ask", "Deploy v3?", "--alerter", "gate", "--timeout", "20", "--json"]);
    let qa = question(&sa, "Deploy v3?");
    let qb = question(&sb, "Deploy v3?");
    sb.react(&qb.id, "LEAD", "white_check_mark", false);
    let run = asking.finish().ok();
    let v = json_of(&run);
    assert_eq!(
        (v["outcome"].as_str(), v["alerter"].as_str(), v["by_id"].as_str()),
        (Some("approved"), Some("b"), Some("LEAD"))
    );
    assert_eq!(v["questions"].as_array().map(Vec::len), Some(2));
    let line = "Deploy v3?\n\n✅ Approved by user LEAD via \"b\"";
    assert_eq!(sa.message(&qa.id).unwrap().text, line);
    assert_eq!(sb.message(&qb.id).unwrap().text, line);
    for (svc, q) in [(&sa, &qa), (&sb, &qb)] {
        let follow: Vec<String> =
            svc.messages().into_iter().filter(|m| m.thread.as_deref() == Some(q.id.as_str())).map(|m| m.text).collect();
        assert_eq!(follow, ["Approved by user LEAD (reacted :white_check_mark:) via \"b\""]);
    }
}

#[test]
fn ask_goes_on_with_the_others_when_one_question_cannot_be_posted() {
    let (sa, sb) = (EchoService::start(), EchoService::start());
    let a = setup(&sa, &sb);
    sa.error_next("post_message", "500");
    let asking = a.spawn(&["ask", "Still?", "--alerter", "a", "--alerter", "b", "--timeout", "20"]);
    question(&sb, "Still?");
    sb.reply("U1", "no", None, false);
    let run = asking.finish().expect_code(1);
    assert_eq!(run.stdout.trim(), "Declined by user U1 (\"no\") via \"b\"");
    assert!(run.stderr.contains("warning: \"a\": could not post the question:"), "{}", run.stderr);
}
