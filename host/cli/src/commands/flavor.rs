//! `alerter flavor register|list|describe|remove`, and for authors
//! `new|check|test` (in `flavor_dev`).

use std::path::PathBuf;
use std::process::ExitCode;

use alerter::{CompileSource, FlavorChange, FlavorInfo, FlavorRegistration, FlavorSource, Pruned};
use clap::{Args, Subcommand};

use super::{CommandResult, Context};
use crate::output::{bytes, out, CliError};

/// The flavor subcommands.
#[derive(Subcommand, Debug)]
pub enum FlavorCommand {
    /// Register a .wasm component as a flavor (pinned: a copy is kept; --replace to swap it).
    Register(RegisterFlavor),
    /// List built-in and registered flavors.
    List(ListFlavors),
    /// Show a flavor's settings, secrets' slots, hosts, capabilities, trust and contract.
    Describe(DescribeFlavor),
    /// Trust a registered flavor to report who replied, so `ask` may use it (--untrust to stop).
    Trust(TrustFlavor),
    /// Unregister a flavor.
    Remove(RemoveFlavor),
    /// Write a buildable skeleton of a new flavor (rust, python, js or c).
    New(super::flavor_dev::NewFlavor),
    /// Inspect a component: contract, imports, hosts, secrets, settings, size, compile time, problems.
    Check(super::flavor_dev::CheckFlavor),
    /// Run a component against a local recording service: a conformance check.
    Test(super::flavor_dev::TestFlavor),
}

impl FlavorCommand {
    /// Runs the subcommand.
    pub async fn execute(self, ctx: &Context) -> CommandResult {
        match self {
            FlavorCommand::Register(c) => c.execute(ctx).await,
            FlavorCommand::List(c) => c.execute(ctx).await,
            FlavorCommand::Describe(c) => c.execute(ctx).await,
            FlavorCommand::Trust(c) => c.execute(ctx),
            FlavorCommand::Remove(c) => c.execute(ctx),
            FlavorCommand::New(c) => c.execute(),
            FlavorCommand::Check(c) => c.execute(ctx).await,
            FlavorCommand::Test(c) => c.execute(ctx).await,
        }
    }
}

/// `alerter flavor register PATH [--name NAME] [--replace] [--trusted]`.
#[derive(Args, Debug)]
#[command(after_help = "\
The component is checked, compiled and copied into the state directory
(flavors/<sha256>.wasm): that copy is what runs, so changing the file afterwards
changes nothing until you register it again with --replace.

A flavor registered from a file gets no network by default: registering prints
the hosts it declares and where each secret may go; an alerter of it reaches
those hosts only after `alerter register ... --allow-host ORIGIN` (each) or
`--trust-declared-hosts` (all its declared https hosts).

`ask` trusts the flavor to say who replied, so it needs a built-in flavor or one
registered with --trusted (or `alerter flavor trust NAME`).

Built-in names (slack, discord, mattermost) are reserved: register such a file with --name.")]
pub struct RegisterFlavor {
    /// Path of the component.
    path: PathBuf,
    /// Name to register it under (default: the name the flavor gives itself).
    #[arg(long)]
    name: Option<String>,
    /// Replace the flavor registered under this name.
    #[arg(long)]
    replace: bool,
    /// Trust it to report who replied, so `ask` may use it.
    #[arg(long)]
    trusted: bool,
}

impl RegisterFlavor {
    async fn execute(self, ctx: &Context) -> CommandResult {
        let how = FlavorRegistration { name: self.name, replace: self.replace, trusted: self.trusted };
        let spinner = compile_spinner(&self.path);
        let r = ctx.host.register_flavor_with(&self.path, &how).await;
        if let Some(pb) = spinner {
            pb.finish_and_clear();
        }
        let r = r?;
        let verb = match r.change {
            FlavorChange::Replaced => "replaced",
            FlavorChange::Added => "registered",
        };
        let how = match r.compiled {
            CompileSource::Compiled => "compiled",
            CompileSource::Cached => "cached",
        };
        out!("{verb} flavor \"{}\" {} from {} ({how})", r.name, r.info.version, r.path.display());
        out!("pinned:   {} (sha256 {})", r.pinned.display(), r.sha256);
        print_consent(&r.info)?;
        match (r.trusted, r.trust_dropped) {
            (true, _) => out!("trusted:  yes: `ask` may use it (it reports who replied)"),
            (false, true) => {
                out!("trusted:  no longer (it was replaced): `alerter flavor trust {}` if `ask` should use it", r.name);
            }
            (false, false) => {}
        }
        print_pruned(&r.pruned)?;
        Ok(ExitCode::SUCCESS)
    }
}

/// What a flavor from a file may reach and where its secrets may go, and
/// that none of it is granted yet.
fn print_consent(info: &FlavorInfo) -> Result<(), CliError> {
    let hosts = if info.hosts.is_empty() { "none".to_string() } else { info.hosts.join(", ") };
    out!("hosts:    {hosts}");
    for s in &info.settings {
        if let Some(spec) = &s.secret {
            out!("secret:   {}: {}", s.name, secret_use(spec));
        }
    }
    if !info.hosts.is_empty() {
        out!(
            "granted:  none yet: an alerter of this flavor reaches a host only with \
             `--allow-host ORIGIN`, or all its declared https hosts with `--trust-declared-hosts`"
        );
    }
    Ok(())
}

/// `alerter flavor list`.
#[derive(Args, Debug)]
pub struct ListFlavors {}

impl ListFlavors {
    async fn execute(self, ctx: &Context) -> CommandResult {
        for (name, loaded) in ctx.host.flavors().await? {
            match loaded {
                Ok((f, source)) => {
                    out!("{name}\t{}\t{}\t{}", f.info().version, source_text(&source), f.info().description);
                }
                Err(e) => out!("{name}\t?\tbroken\t{}", crate::output::explain(&e)),
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// `alerter flavor describe NAME`.
#[derive(Args, Debug)]
pub struct DescribeFlavor {
    /// Flavor name.
    name: String,
}

impl DescribeFlavor {
    async fn execute(self, ctx: &Context) -> CommandResult {
        let (f, source) = ctx.host.flavor(&self.name).await?;
        let trusted = ctx.host.flavor_trusted(&self.name)?;
        let info = f.info();
        out!("flavor:      {}", self.name);
        out!("name:        {} {}", info.name, info.version);
        out!("description: {}", info.description);
        out!("source:      {}", source_text(&source));
        out!("sha256:      {}", f.sha256());
        let (trust, hosts) = match (&source, trusted) {
            (FlavorSource::BuiltIn, _) => ("yes (built in)", "declared https hosts granted by default"),
            (_, true) => {
                ("yes (--trusted): `ask` may use it", "granted per alerter (--allow-host, --trust-declared-hosts)")
            }
            (_, false) => (
                "no: `ask` refuses it (`alerter flavor trust NAME`)",
                "granted per alerter (--allow-host, --trust-declared-hosts)",
            ),
        };
        out!("trusted:     {trust}");
        let (major, minor) = alerter::CONTRACT_MAJOR_MINOR;
        let contract = match f.contract() {
            alerter::Contract::V0_2 => format!(
                "{}@{} (compatible with {major}.{minor}.x)",
                alerter::CONTRACT_PACKAGE,
                alerter::CONTRACT_VERSION
            ),
            older => format!("{older} (older than {major}.{minor}: its secret settings cannot be given a value)"),
        };
        out!("contract:    {contract}");
        let c = &info.capabilities;
        let caps: Vec<&str> = [
            (c.post, "post"),
            (c.read_replies, "read-replies (ask)"),
            (c.threads, "threads"),
            (c.attachments, "attachments"),
            (c.reactions, "reactions"),
            (c.update, "update"),
        ]
        .into_iter()
        .filter_map(|(has, name)| has.then_some(name))
        .collect();
        out!("can:         {}", caps.join(", "));
        out!("hosts:       {} ({hosts})", info.hosts.join(", "));
        out!("settings:");
        for s in &info.settings {
            let mut tags = Vec::new();
            if s.required {
                tags.push("required".to_string());
            }
            match (&s.secret, f.contract()) {
                (None, _) => {}
                (Some(_), alerter::Contract::V0_1) => tags.push("secret, no slot: cannot be given a value".to_string()),
                (Some(spec), _) => tags.push(format!("secret: {}", secret_use(spec))),
            }
            if let Some(d) = &s.default {
                tags.push(format!("default {d}"));
            }
            let tags = if tags.is_empty() { String::new() } else { format!(" [{}]", tags.join(", ")) };
            out!("  {:<14} {}{tags}", s.name, s.description);
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// `alerter flavor trust NAME [--untrust]`.
#[derive(Args, Debug)]
pub struct TrustFlavor {
    /// Flavor name.
    name: String,
    /// Stop trusting it.
    #[arg(long)]
    untrust: bool,
}

impl TrustFlavor {
    fn execute(self, ctx: &Context) -> CommandResult {
        ctx.host.trust_flavor(&self.name, !self.untrust)?;
        if self.untrust {
            out!("flavor \"{}\" is no longer trusted: `ask` refuses it", self.name);
        } else {
            out!("flavor \"{}\" is trusted: `ask` may use it (it reports who replied)", self.name);
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// `alerter flavor remove NAME`.
#[derive(Args, Debug)]
pub struct RemoveFlavor {
    /// Flavor name.
    name: String,
}

impl RemoveFlavor {
    fn execute(self, ctx: &Context) -> CommandResult {
        let pruned = ctx.host.remove_flavor(&self.name)?;
        out!("removed flavor \"{}\"", self.name);
        print_pruned(&pruned)?;
        Ok(ExitCode::SUCCESS)
    }
}

/// Where a secret may go: `header authorization: "Bearer {}" towards https://slack.com, {api_base}`.
pub(super) fn secret_use(spec: &alerter::SecretSpec) -> String {
    let slot = match &spec.slot {
        alerter::SecretSlot::Header(h) => format!("header {}: \"{}\"", h.name, h.format),
        alerter::SecretSlot::Url => "the whole URL".to_string(),
        alerter::SecretSlot::PathSegment(t) => format!("path segment \"{t}\""),
    };
    let towards = if spec.origins.is_empty() { "nowhere".to_string() } else { spec.origins.join(", ") };
    format!("{slot} towards {towards}")
}

fn source_text(source: &FlavorSource) -> String {
    match source {
        FlavorSource::BuiltIn => "built-in".to_string(),
        FlavorSource::Path(p) => p.display().to_string(),
    }
}

/// One line about an automatic prune, when it removed something.
fn print_pruned(pruned: &Pruned) -> Result<(), CliError> {
    if !pruned.removed.is_empty() {
        out!("compile cache: removed {} unused artifact(s), freed {}", pruned.removed.len(), bytes(pruned.freed));
    }
    Ok(())
}

/// On a terminal, a line that says the component is being checked and
/// compiled, with the time so far (a big Python or JavaScript component
/// takes seconds); nothing otherwise.
/// Components at least this big get a line in logs while they compile.
const BIG_COMPONENT: u64 = 2_000_000;

fn compile_spinner(path: &std::path::Path) -> Option<indicatif::ProgressBar> {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        // No spinner in a log: one line, for the components whose first
        // compile takes seconds (an interpreter's, such as componentize-py's).
        if size >= BIG_COMPONENT {
            eprintln!("compiling {} ({}): a few seconds, once", path.display(), bytes(size));
        }
        return None;
    }
    let pb = indicatif::ProgressBar::new_spinner();
    pb.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    pb.set_message(format!("checking and compiling {} ({})", path.display(), bytes(size)));
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(pb)
}
