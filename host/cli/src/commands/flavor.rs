//! `alerter flavor register|list|describe|remove`, and for authors
//! `new|check|test` (in `flavor_dev`).

use std::path::PathBuf;
use std::process::ExitCode;

use alerter::{CompileSource, FlavorChange, FlavorSource, Pruned};
use clap::{Args, Subcommand};

use super::{CommandResult, Context};
use crate::output::{bytes, out, CliError};

/// The flavor subcommands.
#[derive(Subcommand, Debug)]
pub enum FlavorCommand {
    /// Register a .wasm component as a flavor (again under the same name to swap it).
    Register(RegisterFlavor),
    /// List built-in and registered flavors.
    List(ListFlavors),
    /// Show a flavor's settings, hosts, capabilities and contract version.
    Describe(DescribeFlavor),
    /// Unregister a flavor (a built-in one of the same name takes over again).
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
            FlavorCommand::Remove(c) => c.execute(ctx),
            FlavorCommand::New(c) => c.execute(),
            FlavorCommand::Check(c) => c.execute(ctx).await,
            FlavorCommand::Test(c) => c.execute(ctx).await,
        }
    }
}

/// `alerter flavor register PATH [--name NAME]`.
#[derive(Args, Debug)]
pub struct RegisterFlavor {
    /// Path of the component.
    path: PathBuf,
    /// Name to register it under (default: the name the flavor gives itself).
    #[arg(long)]
    name: Option<String>,
}

impl RegisterFlavor {
    async fn execute(self, ctx: &Context) -> CommandResult {
        let r = ctx.host.register_flavor(&self.path, self.name.as_deref()).await?;
        let verb = match r.change {
            FlavorChange::Replaced => "replaced",
            FlavorChange::OverridesBuiltIn => "registered (overriding the built-in)",
            FlavorChange::Added => "registered",
        };
        let how = match r.compiled {
            CompileSource::Compiled => "compiled",
            CompileSource::Cached => "cached",
        };
        out!("{verb} flavor \"{}\" {} from {} ({how})", r.name, r.info.version, r.path.display());
        print_pruned(&r.pruned)?;
        Ok(ExitCode::SUCCESS)
    }
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
        let info = f.info();
        out!("flavor:      {}", self.name);
        out!("name:        {} {}", info.name, info.version);
        out!("description: {}", info.description);
        out!("source:      {}", source_text(&source));
        out!("sha256:      {}", f.sha256());
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
        out!("hosts:       {}", info.hosts.join(", "));
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
