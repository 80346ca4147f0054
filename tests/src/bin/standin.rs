//! `standin`: the local Slack Web API stand-in as a process, for the demo
//! (scripts/demo) and for trying `alerter` by hand without an account.
//!
//! Prints `ORIGIN CHANNEL TOKEN` on one line once it listens, then serves
//! until stdin closes. With `--approve-after SECS` it plays a human: every
//! question the bot posts (a message ending in `?`) gets a thread reply
//! `LGTM` from user U0HUMAN that many seconds later. Every message the
//! flavor posts is printed as one JSON line on stderr.

use std::collections::BTreeSet;
use std::io::Read;
use std::time::Duration;

use alerter_tests::slack::{SlackService, BOT_TOKEN, CHANNEL};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let approve_after = match args.as_slice() {
        [] => None,
        [flag, secs] if flag == "--approve-after" => match secs.parse::<f64>() {
            Ok(s) if s >= 0.0 => Some(Duration::from_secs_f64(s)),
            _ => usage(),
        },
        _ => usage(),
    };
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
}

fn usage() -> ! {
    eprintln!("usage: standin [--approve-after SECS]");
    std::process::exit(2)
}
