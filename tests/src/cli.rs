//! Runs the real `alerter` binary with a private state directory. Every run
//! has a kill timeout: a run that takes longer is killed and the test fails
//! with both of its streams shown.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long one run may take by default before it is killed.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// Owned copies of command-line arguments.
pub fn args(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// One isolated `alerter` installation: its own `ALERTER_HOME`. Make one
/// with [`crate::alerter!`], which names the binary of the current build.
pub struct Alerter {
    bin: PathBuf,
    home: tempfile::TempDir,
    envs: Vec<(String, String)>,
    removed: Vec<String>,
    timeout: Duration,
}

/// What one run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// stdout and stderr together, for "never appears anywhere" checks.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    /// Panics with both streams unless the exit code is `code`.
    #[track_caller]
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(self.code, code, "expected exit {code}\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        self
    }

    /// Panics unless the run succeeded.
    #[track_caller]
    pub fn ok(self) -> Run {
        self.expect_code(0)
    }
}

/// A running `alerter`, its output being collected.
pub struct Running {
    child: Child,
    shown: String,
    timeout: Duration,
    started: Instant,
    out: Option<JoinHandle<String>>,
    err: JoinHandle<String>,
}

impl Running {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the exit; kills the process after its timeout and fails
    /// the test with what it printed.
    #[track_caller]
    pub fn finish(mut self) -> Run {
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for alerter") {
                break status;
            }
            if self.started.elapsed() > self.timeout {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let stdout = self.out.take().map(|t| t.join().unwrap_or_default()).unwrap_or_default();
                let stderr = self.err.join().unwrap_or_default();
                panic!(
                    "`alerter {}` ran over {:?} and was killed\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
                    self.shown, self.timeout
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Run {
            code: status.code().unwrap_or(-1),
            stdout: self.out.take().map(|t| t.join().unwrap_or_default()).unwrap_or_default(),
            stderr: self.err.join().unwrap_or_default(),
        }
    }
}

fn drain(mut r: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = r.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

impl Alerter {
    /// A fresh state directory for the `alerter` binary at `bin`.
    pub fn new(bin: impl Into<PathBuf>) -> Alerter {
        Alerter {
            bin: bin.into(),
            home: tempfile::tempdir().expect("tempdir"),
            envs: Vec::new(),
            removed: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The state directory (`ALERTER_HOME`).
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Sets an environment variable for every later run.
    pub fn env(&mut self, key: &str, value: &str) -> &mut Self {
        self.envs.push((key.to_string(), value.to_string()));
        self
    }

    /// Removes an environment variable (even `ALERTER_HOME`) for every later run.
    pub fn env_remove(&mut self, key: &str) -> &mut Self {
        self.removed.push(key.to_string());
        self
    }

    /// Sets the kill timeout of every later run.
    pub fn timeout(&mut self, timeout: Duration) -> &mut Self {
        self.timeout = timeout;
        self
    }

    fn command<S: AsRef<OsStr>>(&self, args: &[S]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .env("ALERTER_HOME", self.home.path())
            .env_remove("RUST_LOG")
            .env_remove("ALERTER_LOG")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        for k in &self.removed {
            cmd.env_remove(k);
        }
        cmd
    }

    fn start<S: AsRef<OsStr>>(&self, args: &[S], stdin: Option<&[u8]>) -> Running {
        let mut cmd = self.command(args);
        cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run {}: {e}", self.bin.display()));
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            let input = input.to_vec();
            // A thread of its own, so a child that prints before reading cannot block us.
            std::thread::spawn(move || pipe.write_all(&input));
        }
        let shown: Vec<String> = args.iter().map(|a| a.as_ref().to_string_lossy().into_owned()).collect();
        Running {
            out: Some(drain(child.stdout.take().expect("stdout"))),
            err: drain(child.stderr.take().expect("stderr")),
            child,
            shown: shown.join(" "),
            timeout: self.timeout,
            started: Instant::now(),
        }
    }

    /// Starts `alerter ARGS` in the background.
    pub fn spawn<S: AsRef<OsStr>>(&self, args: &[S]) -> Running {
        self.start(args, None)
    }

    /// Starts `alerter ARGS` with stdout closed before it writes anything.
    pub fn spawn_with_closed_stdout<S: AsRef<OsStr>>(&self, args: &[S]) -> Running {
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::null());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot run {}: {e}", self.bin.display()));
        drop(child.stdout.take());
        let shown: Vec<String> = args.iter().map(|a| a.as_ref().to_string_lossy().into_owned()).collect();
        Running {
            out: None,
            err: drain(child.stderr.take().expect("stderr")),
            child,
            shown: shown.join(" "),
            timeout: self.timeout,
            started: Instant::now(),
        }
    }

    /// Runs `alerter ARGS` to completion.
    #[track_caller]
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        self.start(args, None).finish()
    }

    /// Runs `alerter ARGS` with `input` on its stdin.
    #[track_caller]
    pub fn run_with_stdin<S: AsRef<OsStr>>(&self, args: &[S], input: &[u8]) -> Run {
        self.start(args, Some(input)).finish()
    }
}
