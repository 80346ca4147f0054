//! For flavor authors: `alerter flavor new`, `flavor check` and
//! `flavor test`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use alerter::inspect::{ImportKind, Inspection};
use clap::Args;

use super::{CommandResult, Context};
use crate::args::pairs;
use crate::output::{bytes, out, CliError};
use crate::templates;

/// `alerter flavor new NAME --lang LANG [--dir DIR]`.
#[derive(Args, Debug)]
#[command(after_help = "\
The skeleton posts messages as JSON to `{url}/messages` (a bearer token optional) and is post-only:
change it to talk to your service. It carries the contract (wit/flavor.wit), the toolchain installer
(tools/), for C the C SDK and for Rust the Rust SDK (vendored: it builds anywhere, offline once the
crates are fetched), a build.sh that installs what is missing and a test.sh that runs `alerter flavor test`.

Example:
  alerter flavor new my-chat --lang python && my-chat/build.sh && alerter flavor test my-chat/my-chat.wasm")]
pub struct NewFlavor {
    /// The flavor's name: lowercase letters, digits, - and _.
    name: String,
    /// The language: rust, python, js or c.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(templates::LANGUAGES))]
    lang: String,
    /// Where to write it (default: ./NAME); refused when it exists and is not empty.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

impl NewFlavor {
    pub(super) fn execute(self) -> CommandResult {
        let ok_name = !self.name.is_empty()
            && self.name.len() <= 64
            && self.name.starts_with(|c: char| c.is_ascii_lowercase())
            && self.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
        if !ok_name {
            return Err(CliError::Usage(format!(
                "`{}` is not a flavor name: use lowercase letters, digits, - and _, starting with a letter (e.g. my-chat)",
                self.name
            )));
        }
        let dir = self.dir.clone().unwrap_or_else(|| PathBuf::from(&self.name));
        let occupied = std::fs::read_dir(&dir).map(|mut d| d.next().is_some()).unwrap_or(dir.exists());
        if occupied {
            return Err(CliError::Usage(format!(
                "{} exists and is not empty: nothing was written; choose another --dir or remove it",
                dir.display()
            )));
        }
        let files: Vec<&templates::File> = templates::files(&self.lang).expect("clap checked the language").collect();
        for f in &files {
            write(&dir.join(f.path), &f.text.replace("__NAME__", &self.name), f.executable())?;
        }
        let shown = dir.display().to_string();
        let wasm = dir.join(templates::wasm_name(&self.name)).display().to_string();
        out!("created the {} flavor `{}` in {shown} ({} files)", self.lang, self.name, files.len());
        out!("next:");
        out!("  {}  # builds {wasm}; installs the toolchain once", dir.join("build.sh").display());
        out!("  alerter flavor test {wasm}  # checks it against a local recording service");
        out!("  alerter flavor register {wasm}  # then: alerter register mine --flavor {} --set url=...", self.name);
        Ok(ExitCode::SUCCESS)
    }
}

fn write(path: &Path, text: &str, executable: bool) -> Result<(), CliError> {
    let fail = |e: std::io::Error| CliError::Other(anyhow::anyhow!("cannot write {}: {e}", path.display()));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    std::fs::write(path, text).map_err(fail)?;
    if executable {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).map_err(fail)?;
    }
    Ok(())
}

/// `alerter flavor check FILE`.
#[derive(Args, Debug)]
#[command(after_help = "\
Prints the contract version, exports and imports (and which WASI imports are linked inert), declared
hosts and secret slots, settings, size, compile time, and what `info` and `capabilities-for` say when
run under the limits. Each problem is one line with its fix. Exit 0 when there is none, 2 otherwise.")]
pub struct CheckFlavor {
    /// The component (.wasm).
    path: PathBuf,
}

impl CheckFlavor {
    pub(super) async fn execute(self, ctx: &Context) -> CommandResult {
        let bytes = std::fs::read(&self.path)
            .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", self.path.display())))?;
        let what = self.path.display().to_string();
        let i = alerter::inspect::inspect(&bytes, &what, ctx.host.runtime().limits().clone()).await?;
        print_inspection(&what, &i)?;
        if i.problems.is_empty() {
            out!("problems:     none");
            Ok(ExitCode::SUCCESS)
        } else {
            out!("problems:     {}", i.problems.len());
            for p in &i.problems {
                out!("  ✗ {} — fix: {}", p.what, p.fix);
            }
            Ok(ExitCode::from(2))
        }
    }
}

fn print_inspection(what: &str, i: &Inspection) -> Result<(), CliError> {
    out!("file:         {what} ({}, sha256 {})", bytes(i.size as u64), &i.sha256[..16]);
    match &i.contract {
        Some(v) => out!("contract:     {}@{v} (this host runs 0.2.x and 0.1.x)", alerter::CONTRACT_PACKAGE),
        None => out!("contract:     none (no alerter:flavor/flavor export)"),
    }
    out!("exports:      {}", i.exports.join(", "));
    let of = |kind: ImportKind| i.imports.iter().filter(move |x| x.kind == kind).map(|x| x.name.as_str());
    out!("imports:      {}", of(ImportKind::Contract).collect::<Vec<_>>().join(", "));
    let inert: Vec<&str> = of(ImportKind::WasiInert).collect();
    if !inert.is_empty() {
        out!("  linked inert ({}): {}", inert.len(), inert.join(", "));
    }
    for name in of(ImportKind::WasiHttp).chain(of(ImportKind::Unknown)) {
        out!("  refused: {name}");
    }
    if let Some(t) = i.load_time {
        out!(
            "compile:      {:.2} s (compile, link and `info`, without a cache; later loads read the cache)",
            t.as_secs_f64()
        );
    }
    let Some(info) = &i.info else { return Ok(()) };
    out!("info:         {} {}: {}", info.name, info.version, info.description);
    out!("hosts:        {}", if info.hosts.is_empty() { "none".to_string() } else { info.hosts.join(", ") });
    out!("settings:");
    for s in &info.settings {
        let mut tags = Vec::new();
        if s.required {
            tags.push("required".to_string());
        }
        if let Some(spec) = &s.secret {
            tags.push(format!("secret: {}", super::flavor::secret_use(spec)));
        }
        if let Some(d) = &s.default {
            tags.push(format!("default {d}"));
        }
        let tags = if tags.is_empty() { String::new() } else { format!(" [{}]", tags.join(", ")) };
        out!("  {:<14} {}{tags}", s.name, s.description);
    }
    if let Some((caps, took)) = &i.capabilities {
        match caps {
            Ok(c) => {
                out!(
                    "can:          {} (capabilities-for, no settings, {} ms)",
                    alerter::conformance::describe_capabilities(c),
                    took.as_millis()
                );
            }
            Err(e) => out!("can:          capabilities-for failed: {e}"),
        }
    }
    Ok(())
}

/// `alerter flavor test FILE [--set KEY=VALUE ...]`.
#[derive(Args, Debug)]
#[command(after_help = "\
A conformance run: alerter starts a local recording service on 127.0.0.1, grants it to this run only,
registers the component in a throw-away state directory and points every URL setting at the service:
settings the flavor's hosts name as {setting}, settings whose default is an http(s) URL, and settings
named url, server, api_base, webhook_url or ending in _url or _base. A required secret you do not give
gets a generated value; any other required setting gets `conformance`. Then it checks that send returns
a reference, a post-only flavor's replies is `unsupported`, missing settings give invalid-settings (not a
trap), a 500 becomes `rejected` and a 429 `rate-limited`, no request leaves for an undeclared origin, and
each secret reached the service only in its slot. One line per check; exit 0 only when all pass, 2 otherwise.

Example:
  alerter flavor test my-chat/my-chat.wasm --set channel=ops")]
pub struct TestFlavor {
    /// The component (.wasm).
    path: PathBuf,
    /// A setting for the run (repeatable): KEY=VALUE.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

impl TestFlavor {
    pub(super) async fn execute(self, ctx: &Context) -> CommandResult {
        let given = pairs(&self.set, "--set")?;
        let report = alerter::conformance::run(&self.path, &given, ctx.host.runtime().limits().clone()).await?;
        out!("flavor:   {} {} ({})", report.info.name, report.info.version, self.path.display());
        out!("service:  {} (recording; granted to this run only)", report.service);
        let settings: Vec<String> = report.settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
        out!("settings: {}", if settings.is_empty() { "none".to_string() } else { settings.join(" ") });
        for c in &report.checks {
            if c.passed {
                out!("✓ {}: {}", c.name, c.detail);
            } else {
                out!("✗ {}: {}", c.name, c.detail);
                if let Some(fix) = &c.fix {
                    out!("    fix: {fix}");
                }
            }
        }
        let failed = report.checks.iter().filter(|c| !c.passed).count();
        out!("{} passed, {failed} failed ({} requests to the service)", report.checks.len() - failed, report.requests);
        Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(2) })
    }
}
