//! `standin`: the local Slack Web API stand-in as a process, for the demo
//! (scripts/demo), the Python tests (python/tests) and for trying `alerter`
//! by hand without an account.
//!
//! Prints `ORIGIN CHANNEL TOKEN` on one line once it listens, then serves
//! until stdin closes. Every message the bot posts is printed as one JSON
//! line on stderr.
//!
//! Options:
//! - `--approve-after SECS`: plays a human: every question the bot posts (a
//!   message ending in `?`) gets a thread reply `LGTM` from user U0HUMAN that
//!   many seconds later. Short for `--reply LGTM --reply-after SECS`.
//! - `--reply TEXT` and `--reply-after SECS`: the same with another reply
//!   (`no` declines); without `--reply-after` nobody ever answers.
//! - `--reply-as USER`: the user id that replies (default U0HUMAN).
//! - `--log FILE`: appends the parameters of every `chat.postMessage`
//!   answered ok to FILE, one JSON object a line (text, blocks,
//!   attachments, thread_ts...), for tests to check what was sent.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::time::Duration;

use alerter_tests::slack::{SlackService, BOT_TOKEN, CHANNEL};

struct Options {
    reply: String,
    reply_after: Option<Duration>,
    reply_as: String,
    log: Option<std::path::PathBuf>,
}

fn parse(args: &[String]) -> Options {
    let mut o = Options { reply: "LGTM".into(), reply_after: None, reply_as: "U0HUMAN".into(), log: None };
    let secs = |s: &str| match s.parse::<f64>() {
        Ok(s) if s >= 0.0 && s.is_finite() => Duration::from_secs_f64(s),
        _ => usage(),
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| usage());
        match flag.as_str() {
            "--approve-after" => {
                o.reply = "LGTM".into();
                o.reply_after = Some(secs(value));
            }
            "--reply" => o.reply = value.clone(),
            "--reply-after" => o.reply_after = Some(secs(value)),
            "--reply-as" => o.reply_as = value.clone(),
            "--log" => o.log = Some(value.into()),
            _ => usage(),
        }
    }
    o
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = parse(&args);
    let mut log = opts.log.as_ref().map(|path| {
        std::fs::OpenOptions::new().create(true).append(true).open(path).unwrap_or_else(|e| {
            eprintln!("standin: cannot open {}: {e}", path.display());
            std::process::exit(2)
        })
    });
    let slack = SlackService::start();
    println!("{} {CHANNEL} {BOT_TOKEN}", slack.origin());

    let watcher = slack.clone();
    std::thread::spawn(move || {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut logged = 0;
        loop {
            if let Some(file) = log.as_mut() {
                let posted = watcher.posted();
                for params in posted.iter().skip(logged) {
                    let _ = writeln!(file, "{params}");
                }
                logged = posted.len();
                let _ = file.flush();
            }
            for m in watcher.messages(CHANNEL) {
                if m.bot_id.is_none() || !seen.insert(m.ts.clone()) {
                    continue;
                }
                eprintln!(
                    "standin: the bot posted {}",
                    serde_json::json!({"ts": m.ts, "text": m.text, "thread_ts": m.thread_ts})
                );
                if let (Some(wait), None) = (opts.reply_after, &m.thread_ts) {
                    if m.text.trim_end().ends_with('?') {
                        let slack = watcher.clone();
                        let ts = m.ts.clone();
                        let (reply, user) = (opts.reply.clone(), opts.reply_as.clone());
                        std::thread::spawn(move || {
                            std::thread::sleep(wait);
                            eprintln!("standin: {user} replies {reply} in the thread of {ts}");
                            slack.say_in_thread(CHANNEL, &ts, &user, &reply);
                        });
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });

    // Serve until our stdin closes (the demo holds it open).
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
}

fn usage() -> ! {
    eprintln!(
        "usage: standin [--approve-after SECS] [--reply TEXT] [--reply-after SECS] [--reply-as USER] [--log FILE]"
    );
    std::process::exit(2)
}
