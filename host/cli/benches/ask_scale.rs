//! Scale of `ask` (a row group of BENCHMARKS.md, run by `scripts/bench`):
//! one process holds N (default 10,000) concurrent pending asks through the
//! library API, against a stand-in sharded per channel
//! (`alerter_tests::scale`), each ask on a channel of its own and polling
//! with the normal cadence.
//!
//! 1. Every ask posts its question; only once all N are posted (all pending
//!    at once) does the stand-in release the answers: each channel gets, at
//!    random times within the answer window, a bot saying "approve" (must
//!    not count), a non-approver saying "yes" (must not count), a remark
//!    ("looking") and then the approver's decision, approve or decline in
//!    one of several words, in the thread or at top level.
//! 2. Every ask must end with exactly the scripted outcome and decider; the
//!    stand-in must never have seen more than its per-channel budget (posts
//!    per second, replies requests per minute); peak RSS (VmHWM) must stay
//!    under 200 MB.
//!
//! Prints markdown rows; `--targets FILE` appends target lines; `--asks N`
//! and `--window SECS` change the size (`--quick`: 500 asks, 20 s).

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alerter::{AskOptions, FlavorRegistration, Host, Limits, Message, NewAlerter, Outcome};
use alerter_test_artifacts as flavors;
use alerter_tests::scale::{Budget, ScaleService, ScriptedReply};
use rand::{Rng, SeedableRng};

const TOKEN: &str = "scale-token";

/// The process's resident set now and at its peak, in KiB (Linux).
fn rss_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[derive(Clone)]
struct Expected {
    approve: bool,
    by: String,
    text: String,
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).map(|i| args[i + 1].clone())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let n: usize = arg(&args, "--asks").map_or(if quick { 500 } else { 10_000 }, |v| v.parse().unwrap());
    let window =
        Duration::from_secs(arg(&args, "--window").map_or(if quick { 20 } else { 60 }, |v| v.parse().unwrap()));
    let targets = arg(&args, "--targets");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    // `ask` borrows its progress as `&dyn Progress` (not `Sync`), so the asks
    // are local tasks; the runtime's workers still serve the stand-in and I/O.
    runtime.block_on(tokio::task::LocalSet::new().run_until(run(n, window, targets)));
}

async fn run(n: usize, window: Duration, targets: Option<String>) {
    let budget = Budget { posts_per_second: 1, reads_per_minute: 30 };
    let svc = ScaleService::start(TOKEN, budget);
    let origin = svc.origin();
    let home = tempfile::tempdir().unwrap();
    let host = Host::open(home.path(), Limits::default()).unwrap();
    // `ask` needs a flavor trusted to report who replied.
    let how = FlavorRegistration { trusted: true, ..FlavorRegistration::default() };
    host.register_flavor_with(std::path::Path::new(flavors::ECHO), &how).await.unwrap();
    host.register_alerter(NewAlerter {
        name: "scale".into(),
        flavor: "echo".into(),
        settings: vec![("url".into(), origin.clone()), ("token".into(), TOKEN.into())],
        allow_hosts: vec![origin.clone()],
        ..NewAlerter::default()
    })
    .await
    .unwrap();

    // The script: random times within the window, after every question is posted.
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let words_yes = ["LGTM", "approve", "yes", "ok"];
    let words_no = ["no", "reject", "decline", "disapprove"];
    let mut expected = Vec::with_capacity(n);
    for i in 0..n {
        let channel = format!("ch{i}");
        let approver = format!("U{i}LEAD");
        let approve = rng.random_bool(0.5);
        let text = if approve { words_yes[rng.random_range(0..4)] } else { words_no[rng.random_range(0..4)] };
        let t =
            |rng: &mut rand::rngs::StdRng| Duration::from_millis(rng.random_range(1_000..window.as_millis() as u64));
        let decide_at = t(&mut rng);
        let before =
            |rng: &mut rand::rngs::StdRng| Duration::from_millis(rng.random_range(0..=decide_at.as_millis() as u64));
        let reply = |after, author: &str, bot, text: &str, in_thread| ScriptedReply {
            after,
            author: author.into(),
            bot,
            text: text.into(),
            in_thread,
        };
        let mut script = vec![
            reply(before(&mut rng), "B0OTHER", true, "approve", true),
            reply(before(&mut rng), "U0SOMEONE", false, "yes", true),
            reply(before(&mut rng), &approver, false, "looking", rng.random_bool(0.5)),
            reply(decide_at, &approver, false, text, rng.random_bool(0.7)),
        ];
        script.sort_by_key(|r| r.after);
        svc.script(&channel, script);
        expected.push(Expected { approve, by: approver, text: text.into() });
    }

    let (rss_before, _) = rss_kib();
    let started = Instant::now();
    let host = Arc::new(host);
    let resolved = Arc::new(AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, exp) in expected.iter().enumerate() {
        let host = host.clone();
        let resolved = resolved.clone();
        let approver = exp.by.clone();
        tasks.spawn_local(async move {
            let alerter = host.alerter(Some("scale"), &[("channel".into(), format!("ch{i}"))]).await.expect("alerter");
            let opts =
                AskOptions { timeout: Duration::from_secs(900), approvers: vec![approver], ..AskOptions::default() };
            let asked =
                alerter::ask(&alerter, &Message::text(format!("Deploy {i}?")), &opts, &(), std::future::pending())
                    .await
                    .expect("ask");
            resolved.fetch_add(1, Ordering::Relaxed);
            (i, asked, Instant::now())
        });
    }
    // Wait until every question is posted: all N pending at once.
    while svc.questions() < n as u64 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(started.elapsed() < Duration::from_secs(900), "questions were not all posted");
    }
    let all_posted = started.elapsed();
    assert_eq!(resolved.load(Ordering::Relaxed), 0, "an ask ended before any answer");
    let (rss_pending, _) = rss_kib();
    let released = Instant::now();
    svc.release();

    let mut results = Vec::with_capacity(n);
    while let Some(r) = tasks.join_next().await {
        results.push(r.expect("ask task"));
    }
    let all_resolved = released.elapsed();
    let (_, peak) = rss_kib();

    // Every outcome as scripted.
    let mut polls = Vec::new();
    for (i, asked, _) in &results {
        let exp = &expected[*i];
        let (got_approve, d) = match &asked.outcome {
            Outcome::Approved(d) => (true, d),
            Outcome::Declined(d) => (false, d),
            other => panic!("ask {i}: {other:?}"),
        };
        assert_eq!(
            (got_approve, d.by_id.as_str(), d.text.as_str()),
            (exp.approve, exp.by.as_str(), exp.text.as_str()),
            "ask {i}"
        );
        polls.push(asked.polls);
        let texts = svc.bot_texts(&format!("ch{i}"));
        assert_eq!(texts.len(), 2, "ask {i}: the question and its follow-up: {texts:?}");
        assert!(texts[1].starts_with(if exp.approve { "Approved by" } else { "Declined by" }), "ask {i}: {texts:?}");
    }
    let violations = svc.violations();
    assert!(
        violations.is_empty(),
        "{} requests over budget, e.g. {:?}",
        violations.len(),
        &violations[..violations.len().min(5)]
    );
    polls.sort_unstable();
    let total_polls: u64 = polls.iter().map(|p| *p as u64).sum();
    let peak_mb = peak as f64 * 1024.0 / 1e6;
    let pending_mb = rss_pending as f64 * 1024.0 / 1e6;

    println!("| benchmark | value |");
    println!("|---|---|");
    println!("| asks pending at once | {n} (each on its own channel) |");
    println!("| time to post all questions | {:.1} s |", all_posted.as_secs_f64());
    println!("| answer window (random times) | {} s |", window.as_secs());
    println!("| all resolved, after the answers were released | {:.1} s |", all_resolved.as_secs_f64());
    println!("| outcomes as scripted (decision and decider) | {n} of {n} |");
    println!("| polls per ask (median, max) | {}, {} |", polls[polls.len() / 2], polls[polls.len() - 1]);
    println!(
        "| requests seen by the stand-in | {} posts, {} replies requests ({:.0} a second) |",
        svc.posts(),
        svc.reads(),
        svc.reads() as f64 / (all_posted + all_resolved).as_secs_f64()
    );
    println!("| polls counted by the asks | {total_polls} |");
    println!("| over the per-channel budget (1 post/s, 30 reads/min) | {} |", violations.len());
    println!(
        "| RSS: before, with all {n} pending, peak (VmHWM) | {:.0} MB, {pending_mb:.0} MB, {peak_mb:.0} MB |",
        rss_before as f64 * 1024.0 / 1e6
    );
    if let Some(t) = targets {
        let mut f = std::fs::OpenOptions::new().create(true).append(true).open(t).unwrap();
        let ok = peak_mb < 200.0;
        writeln!(
            f,
            "{n} pending asks in one process: peak RSS\t< 200 MB\t{peak_mb:.0} MB\t{}",
            if ok { "yes" } else { "NO" }
        )
        .unwrap();
        writeln!(
            f,
            "{n} pending asks: outcomes as scripted, requests over budget\tall, 0\t{n}, {}\tyes",
            violations.len()
        )
        .unwrap();
    }
}
