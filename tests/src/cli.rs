//! Runs the real `alerter` binary with a private state directory.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Path of the `alerter` binary of this build (next to the test executable's
/// `deps/` directory). `scripts/test` builds it before the tests run.
pub fn alerter_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let dir = exe.parent().and_then(Path::parent).expect("target profile dir");
    let bin = dir.join(format!("alerter{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.exists(), "{} is missing: run `cargo build -p alerter-host` (scripts/test does) before the tests", bin.display());
    bin
}

/// Owned copies of command-line arguments.
pub fn args(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// One isolated `alerter` installation: its own `ALERTER_HOME`.
pub struct Alerter {
    home: tempfile::TempDir,
    envs: Vec<(String, String)>,
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

impl Default for Alerter {
    fn default() -> Self {
        Self::new()
    }
}

impl Alerter {
    /// A fresh state directory.
    pub fn new() -> Alerter {
        Alerter { home: tempfile::tempdir().expect("tempdir"), envs: Vec::new() }
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

    /// A command for `alerter ARGS` with this state dir, not yet run.
    pub fn command<S: AsRef<OsStr>>(&self, args: &[S]) -> Command {
        let mut cmd = Command::new(alerter_bin());
        cmd.args(args)
            .env("ALERTER_HOME", self.home.path())
            .env_remove("RUST_LOG")
            .env_remove("ALERTER_LOG")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        cmd
    }

    /// Runs `alerter ARGS` to completion.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        let out: Output = self.command(args).output().expect("run alerter");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}
