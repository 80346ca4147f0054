//! `alerter run`: lifecycle hooks for any command (ZenML's success/failure
//! hooks, Prefect's state handlers). Runs the command with its output
//! passed through, keeps the tail, and builds the alert.

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

use crate::alerter::Alerter;
use crate::error::Error;
use crate::flavor::{Level, Message};

/// When to alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// Only when the command fails (the default).
    Failure,
    /// Only when it succeeds.
    Success,
    /// Either way.
    Always,
}

impl On {
    /// Whether an outcome with `succeeded` should alert.
    pub fn wants(self, succeeded: bool) -> bool {
        match self {
            On::Failure => !succeeded,
            On::Success => succeeded,
            On::Always => true,
        }
    }
}

/// How a command ended.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The command line as shown.
    pub command: String,
    /// Exit code, when it exited.
    pub code: Option<i32>,
    /// Signal number, when it was killed by one.
    pub signal: Option<i32>,
    /// How long it ran.
    pub duration: Duration,
    /// The last lines of stdout and stderr, interleaved as they arrived.
    pub tail: Vec<String>,
    /// Lines before the tail that were dropped.
    pub dropped_lines: u64,
}

impl Finished {
    /// True for exit code 0.
    pub fn succeeded(&self) -> bool {
        self.code == Some(0)
    }

    /// The exit code to pass on: the command's own, or 128 + signal.
    pub fn exit_code(&self) -> i32 {
        match (self.code, self.signal) {
            (Some(c), _) => c,
            (None, Some(s)) => 128 + s,
            _ => 1,
        }
    }
}

/// Most characters of output put in the alert: fits Slack's section (3000)
/// and Discord's description (4096) with room for the fences.
pub const MAX_TAIL_CHARS: usize = 2800;

/// Runs `argv`, passing its stdout/stderr through and keeping the last
/// `tail_lines` lines. The command does not inherit the `ALERTER_SECRET_*`
/// variables (the secrets of alerter, not of the command).
pub async fn run_command(argv: &[String], tail_lines: usize) -> Result<Finished, Error> {
    let (program, args) = argv.split_first().ok_or(Error::NoCommand)?;
    let started = Instant::now();
    let mut command = tokio::process::Command::new(program);
    for (key, _) in std::env::vars_os() {
        if key.as_encoded_bytes().starts_with(crate::secrets::SECRET_ENV_PREFIX.as_bytes()) {
            command.env_remove(&key);
        }
    }
    let mut child = command
        .args(args)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::CannotRun { program: program.clone(), reason: e.to_string() })?;
    let tail = Arc::new(Mutex::new((VecDeque::with_capacity(tail_lines.min(10_000)), 0u64)));
    let out = child.stdout.take().map(|s| tokio::spawn(pump(s, tokio::io::stdout(), tail.clone(), tail_lines)));
    let err = child.stderr.take().map(|s| tokio::spawn(pump(s, tokio::io::stderr(), tail.clone(), tail_lines)));
    let status = child.wait().await.map_err(|e| Error::Io { what: format!("waiting for `{program}`"), source: e })?;
    for task in [out, err].into_iter().flatten() {
        let _ = task.await;
    }
    let duration = started.elapsed();
    #[cfg(unix)]
    let signal = std::os::unix::process::ExitStatusExt::signal(&status);
    #[cfg(not(unix))]
    let signal = None;
    let (lines, dropped) = std::mem::take(&mut *tail.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(Finished {
        command: shell_words(argv),
        code: status.code(),
        signal,
        duration,
        tail: lines.into_iter().collect(),
        dropped_lines: dropped,
    })
}

type Tail = Arc<Mutex<(VecDeque<String>, u64)>>;

async fn pump(src: impl AsyncRead + Unpin, mut dst: impl AsyncWrite + Unpin, tail: Tail, keep: usize) {
    let mut reader = BufReader::new(src);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let _ = dst.write_all(&line).await;
                let _ = dst.flush().await;
                let text = String::from_utf8_lossy(&line).trim_end_matches(['\n', '\r']).to_string();
                let mut g = tail.lock().unwrap_or_else(|e| e.into_inner());
                g.0.push_back(text);
                while g.0.len() > keep {
                    g.0.pop_front();
                    g.1 += 1;
                }
            }
        }
    }
}

/// Quotes arguments that need it, for display.
fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c)) {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The machine's host name (for the alert).
pub fn host_name() -> String {
    gethostname::gethostname().to_string_lossy().into_owned()
}

/// Builds the alert for a finished command.
pub fn command_alert(f: &Finished, title: Option<&str>) -> Message {
    let ok = f.succeeded();
    let title = title
        .map(str::to_string)
        .unwrap_or_else(|| format!("`{}` {}", f.command, if ok { "succeeded" } else { "failed" }));
    let ended = match (f.code, f.signal) {
        (Some(c), _) => format!("exit code {c}"),
        (None, Some(s)) => format!("killed by signal {s}"),
        _ => "ended".to_string(),
    };
    let mut text = String::new();
    let mut lines: Vec<&str> = f.tail.iter().map(String::as_str).collect();
    let mut omitted = f.dropped_lines;
    // Keep the end of the output: drop whole lines from the front to fit.
    while !lines.is_empty() && lines.iter().map(|l| l.chars().count() + 1).sum::<usize>() > MAX_TAIL_CHARS {
        lines.remove(0);
        omitted += 1;
    }
    let mut body = format!("{} after {} on {}.", capitalize(&ended), human(f.duration), host_name());
    if !lines.is_empty() {
        if omitted > 0 {
            text.push_str(&format!("… {omitted} earlier lines omitted\n"));
        }
        for l in &lines {
            let l: String = l.chars().take(MAX_TAIL_CHARS).collect();
            text.push_str(&l.replace("```", "'''"));
            text.push('\n');
        }
        body.push_str(&format!("\n```\n{text}```"));
    }
    Message {
        title: Some(title),
        body,
        level: if ok { Level::Success } else { Level::Failure },
        metadata: vec![
            ("exit".to_string(), ended),
            ("duration".to_string(), human(f.duration)),
            ("host".to_string(), host_name()),
        ],
        link: None,
        raw: None,
        thread: None,
        attachments: Vec::new(),
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 60.0 {
        format!("{s:.1} s")
    } else {
        let m = (s / 60.0).floor();
        format!("{}m {:.0}s", m as u64, s - m * 60.0)
    }
}

/// Alerts about a Rust `Result`, the library form of the hooks: posts a
/// failure (with the error) or a success according to `on`.
pub async fn report<T, E: std::fmt::Display>(
    alerter: &Alerter,
    what: &str,
    result: &Result<T, E>,
    on: On,
) -> Result<(), Error> {
    let ok = result.is_ok();
    if !on.wants(ok) {
        return Ok(());
    }
    let mut m = Message::text(match result {
        Ok(_) => format!("{what} succeeded."),
        Err(e) => format!("{what} failed: {e}"),
    });
    m.title = Some(format!("{what} {}", if ok { "succeeded" } else { "failed" }));
    m.level = if ok { Level::Success } else { Level::Failure };
    m.metadata.push(("host".to_string(), host_name()));
    alerter.post(&m).await.map(|_| ())
}
