//! The demo's Slack stand-in as a process (`standin`, see
//! `tests/src/bin/standin.rs`), for scripts/demo, the Python tests
//! (python/tests) and for trying `alerter` by hand without an account. Also
//! run by the demo's own test, which has no `standin` binary of its own to
//! call.
//!
//! `standin [OPTIONS]` prints `ORIGIN CHANNEL TOKEN` on one line once it
//! listens, then serves until stdin closes. Every message the bot posts is
//! printed as one JSON line on stderr. Options:
//! - `--approve-after SECS`: plays a human: every question the bot posts (a
//!   message ending in `?`) gets a thread reply `LGTM` from user U0HUMAN that
//!   many seconds later. Short for `--reply LGTM --reply-after SECS`.
//! - `--reply TEXT` and `--reply-after SECS`: the same with another reply
//!   (`no` declines); without `--reply-after` nobody ever answers.
//! - `--reply-as USER`: the user id that replies (default U0HUMAN).
//! - `--react NAME`: the human reacts with NAME (`+1` is 👍, `-1` is 👎)
//!   on the question instead of replying.
//! - `--log FILE`: appends the parameters of every `chat.postMessage`
//!   answered ok to FILE, one JSON object a line (text, blocks,
//!   attachments, thread_ts...), for tests to check what was sent, and one
//!   line `{"file": NAME, "bytes": N, "shared": [[CHANNEL, THREAD]]}` for
//!   each file uploaded and shared.
//!
//! - `--minute MS`: a minute of Slack's rate limits lasts MS milliseconds
//!   (every window scales with it), for benchmarks that post hundreds of
//!   messages a second; default: a real minute.
//!
//! `standin --chart FILE` writes a PNG loss curve to FILE and exits: the
//! plot the demo attaches.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

use crate::slack::{SlackService, BOT_TOKEN, CHANNEL};

/// A made-up training run: the loss of each epoch.
pub const DEMO_LOSS: &[f64] = &[2.31, 1.74, 1.32, 1.08, 0.93, 0.84, 0.79, 0.74, 0.71, 0.69, 0.68, 0.67];

/// How the stand-in plays the human.
struct Options {
    reply: String,
    reply_after: Option<Duration>,
    reply_as: String,
    react: Option<String>,
    log: Option<PathBuf>,
    minute: Option<Duration>,
}

/// Runs the stand-in with `args` (without the program name); returns the
/// exit code.
pub fn run(args: &[String]) -> i32 {
    if let [flag, file] = args {
        if flag == "--chart" {
            let png = crate::png::line_chart(480, 270, DEMO_LOSS);
            return match std::fs::write(file, png) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("standin: cannot write {file}: {e}");
                    1
                }
            };
        }
    }
    match parse(args) {
        Some(options) => serve(options),
        None => usage(),
    }
}

fn parse(args: &[String]) -> Option<Options> {
    let mut o = Options {
        reply: "LGTM".into(),
        reply_after: None,
        reply_as: "U0HUMAN".into(),
        react: None,
        log: None,
        minute: None,
    };
    let secs = |s: &str| match s.parse::<f64>() {
        Ok(s) if s >= 0.0 && s.is_finite() => Some(Duration::from_secs_f64(s)),
        _ => None,
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next()?;
        match flag.as_str() {
            "--approve-after" => {
                o.reply = "LGTM".into();
                o.reply_after = Some(secs(value)?);
            }
            "--reply" => o.reply = value.clone(),
            "--reply-after" => o.reply_after = Some(secs(value)?),
            "--reply-as" => o.reply_as = value.clone(),
            "--react" => o.react = Some(value.clone()),
            "--log" => o.log = Some(value.into()),
            "--minute" => o.minute = Some(Duration::from_millis(value.parse().ok().filter(|ms| *ms > 0)?)),
            _ => return None,
        }
    }
    Some(o)
}

fn serve(opts: Options) -> i32 {
    let mut log = match opts.log.as_ref().map(|path| std::fs::OpenOptions::new().create(true).append(true).open(path)) {
        Some(Err(e)) => {
            eprintln!(
                "standin: cannot open {}: {e}",
                opts.log.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
            );
            return 2;
        }
        Some(Ok(file)) => Some(file),
        None => None,
    };
    let slack = SlackService::start();
    if let Some(minute) = opts.minute {
        slack.set_minute(minute);
    }
    println!("{} {CHANNEL} {BOT_TOKEN}", slack.origin());

    let watcher = slack.clone();
    std::thread::spawn(move || {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut logged = 0;
        let mut files_logged: BTreeSet<String> = BTreeSet::new();
        loop {
            if let Some(file) = log.as_mut() {
                let posted = watcher.posted();
                // One write per line, so a reader never sees half of one.
                for params in posted.iter().skip(logged) {
                    let _ = file.write_all(format!("{params}\n").as_bytes());
                }
                logged = posted.len();
                for f in watcher.files() {
                    if !f.shared.is_empty() && files_logged.insert(f.id.clone()) {
                        let bytes = f.data.as_ref().map_or(0, Vec::len);
                        let line = serde_json::json!({"file": f.name, "bytes": bytes, "shared": f.shared});
                        let _ = file.write_all(format!("{line}\n").as_bytes());
                    }
                }
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
                        let (reply, user, react) = (opts.reply.clone(), opts.reply_as.clone(), opts.react.clone());
                        std::thread::spawn(move || {
                            std::thread::sleep(wait);
                            match react {
                                Some(name) => {
                                    eprintln!("standin: {user} reacts :{name}: to {ts}");
                                    slack.react(CHANNEL, &ts, &user, &name);
                                }
                                None => {
                                    eprintln!("standin: {user} replies {reply} in the thread of {ts}");
                                    slack.say_in_thread(CHANNEL, &ts, &user, &reply);
                                }
                            }
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
    0
}

fn usage() -> i32 {
    eprintln!(
        "usage: standin [--approve-after SECS] [--reply TEXT] [--reply-after SECS] [--reply-as USER] [--react NAME] [--log FILE] [--minute MS]\n       standin --chart FILE"
    );
    2
}
