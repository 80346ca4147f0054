//! The demo's Slack stand-in as a process (`standin`, see
//! `tests/src/bin/standin.rs`), for scripts/demo and for trying `alerter` by
//! hand without an account. Also run by the demo's own test, which has no
//! `standin` binary of its own to call.
//!
//! `standin [--approve-after SECS]` prints `ORIGIN CHANNEL TOKEN` on one
//! line once it listens, then serves until stdin closes. With
//! `--approve-after SECS` it plays a human: every question the bot posts (a
//! message ending in `?`) gets a thread reply `LGTM` from user U0HUMAN that
//! many seconds later. Every message the flavor posts is printed as one
//! JSON line on stderr.
//!
//! `standin --chart FILE` writes a PNG loss curve to FILE and exits: the
//! plot the demo attaches.

use std::collections::BTreeSet;
use std::io::Read;
use std::time::Duration;

use crate::slack::{SlackService, BOT_TOKEN, CHANNEL};

/// A made-up training run: the loss of each epoch.
pub const DEMO_LOSS: &[f64] = &[2.31, 1.74, 1.32, 1.08, 0.93, 0.84, 0.79, 0.74, 0.71, 0.69, 0.68, 0.67];

/// Runs the stand-in with `args` (without the program name); returns the
/// exit code.
pub fn run(args: &[String]) -> i32 {
    match args {
        [flag, file] if flag == "--chart" => {
            let png = crate::png::line_chart(480, 270, DEMO_LOSS);
            match std::fs::write(file, png) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("standin: cannot write {file}: {e}");
                    1
                }
            }
        }
        [] => serve(None),
        [flag, secs] if flag == "--approve-after" => match secs.parse::<f64>() {
            Ok(s) if s >= 0.0 => serve(Some(Duration::from_secs_f64(s))),
            _ => usage(),
        },
        _ => usage(),
    }
}

fn serve(approve_after: Option<Duration>) -> i32 {
    let slack = SlackService::start();
    println!("{} {CHANNEL} {BOT_TOKEN}", slack.origin());

    let watcher = slack.clone();
    std::thread::spawn(move || {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        loop {
            for m in watcher.messages(CHANNEL) {
                if m.bot_id.is_none() || !seen.insert(m.ts.clone()) {
                    continue;
                }
                eprintln!(
                    "standin: the bot posted {}",
                    serde_json::json!({"ts": m.ts, "text": m.text, "thread_ts": m.thread_ts})
                );
                if let (Some(wait), None) = (approve_after, &m.thread_ts) {
                    if m.text.trim_end().ends_with('?') {
                        let slack = watcher.clone();
                        let ts = m.ts.clone();
                        std::thread::spawn(move || {
                            std::thread::sleep(wait);
                            eprintln!("standin: U0HUMAN replies LGTM in the thread of {ts}");
                            slack.say_in_thread(CHANNEL, &ts, "U0HUMAN", "LGTM");
                        });
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });

    // Serve until our stdin closes (the demo holds it open).
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    0
}

fn usage() -> i32 {
    eprintln!("usage: standin [--approve-after SECS] | standin --chart FILE");
    2
}
