//! The `alerter` command line: argument parsing (clap) and the commands.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::alerter::{check_known, resolve_settings, FlavorSource, Host};
use crate::bindings;
use crate::builtin;
use crate::egress::Origin;
use crate::error::{Error, Result};
use crate::flavor::{Level, Message};
use crate::limits::Limits;
use crate::registry::{AlerterEntry, FlavorEntry, StateDir};
use crate::secrets::{valid_ident, SecretRef, REDACTED};

const AFTER_HELP: &str = "\
Quick start (no accounts needed: see README.md for a local stand-in):
  alerter register ops --flavor slack --set token=xoxb-... --set channel_id=C0123
  alerter post \"Training finished\" --level success --meta accuracy=0.93

Exit codes: 0 ok; 2 bad input or configuration; 3 the flavor or the service failed.
State lives in $ALERTER_HOME (default: your config dir, e.g. ~/.config/alerter).
Logs go to stderr; set ALERTER_LOG=debug (or -v/-vv) for more.";

/// Sends alerts to chat services through sandboxed WebAssembly flavors.
#[derive(Parser, Debug)]
#[command(name = "alerter", version, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    /// State directory (registry, secrets, compile cache).
    #[arg(long, global = true, env = "ALERTER_HOME", value_name = "DIR", hide_env_values = true)]
    pub home: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Manage flavors: the .wasm components that talk to a chat service.
    #[command(subcommand)]
    Flavor(FlavorCmd),
    /// Create an alerter: a flavor plus its settings and network grants.
    #[command(after_help = "\
Examples:
  alerter register ops --flavor slack --set token=xoxb-... --set channel_id=C0123
  alerter register ci --flavor slack --set 'webhook_url={{ci.slack_webhook}}'
  alerter register local --flavor echo --set url=http://127.0.0.1:8080 --allow-host http://127.0.0.1:8080

A literal value for a secret setting is moved into the secret store (owner-only file)
and replaced by a reference {{ALERTER.SETTING}}. A reference {{name.key}} is read at
call time from $ALERTER_SECRET_<NAME>_<KEY> or from `alerter secret set`.
The flavor's declared https hosts are granted by default; anything else (plain http,
internal addresses) needs --allow-host. The first alerter registered becomes active.")]
    Register(RegisterArgs),
    /// List alerters (the active one is marked with *).
    List,
    /// Show an alerter's flavor, settings (secrets hidden) and network grants.
    Describe {
        /// Alerter name.
        name: String,
    },
    /// Change an alerter's settings or grants.
    Update(UpdateArgs),
    /// Delete an alerter (its stored secrets stay; see `alerter secret`).
    Remove {
        /// Alerter name.
        name: String,
    },
    /// Make an alerter the default for post/ask/run.
    Use {
        /// Alerter name.
        name: String,
    },
    /// Manage stored secrets (referenced as {{name.key}}).
    #[command(subcommand)]
    Secret(SecretCmd),
    /// Post a message through an alerter; exits 0 only if the service accepted it.
    #[command(after_help = "\
Examples:
  alerter post \"Nightly training finished\" --level success --meta accuracy=0.93 --meta run=42
  alerter post \"Disk almost full\" --level warning --set channel_id=C0OPS   # this call only
  alerter post - < report.txt                                                # body from stdin
  alerter post \"see blocks\" --raw blocks.json                                # flavor-specific payload")]
    Post(PostArgs),
    /// Ask a question and wait for a human to approve or decline it.
    #[command(after_help = "\
Exit codes: 0 approved, 1 declined, 124 no answer in time, 130 cancelled (Ctrl-C),
2 bad input (or the alerter cannot read replies), 3 the flavor or the service failed.
So this is an approval gate in any shell or CI job:
  alerter ask \"Deploy model v3 to production?\" --timeout 600 && ./deploy.sh

A reply decides when its whole text, trimmed, equals a word of the lists, ignoring
case unless --case-sensitive (`LGTM!` or `yes please` do not). Approve words are
checked first. Replies in the question's thread count; bots never do.
Default approve words: approve, LGTM, ok, yes. Default decline words: decline,
disapprove, no, reject. --approve/--disapprove replace a list (repeat the flag).
Polling starts every second and backs off to every 10 s while nothing new arrives,
never more than 30 polls a minute, and waits out any rate limit the service sets.")]
    Ask(AskArgs),
    /// Run a command and alert when it fails (or succeeds); exits with its exit code.
    #[command(after_help = "\
Examples:
  alerter run -- python train.py --epochs 10          # alert if training fails
  alerter run --on always --tail 100 -- make nightly   # alert either way, last 100 lines
The command's output passes through unchanged. The alert carries the exit code or
signal, the duration, the host name and the last lines of output. A failure to alert
(even a misconfigured alerter) is reported on stderr but never stops the command or
changes the exit code, which is the command's own.")]
    Run(RunArgs),
}

#[derive(Args, Debug)]
struct AskArgs {
    /// The question.
    question: String,
    #[command(flatten)]
    content: MessageArgs,
    /// Seconds to wait for a decision.
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    timeout: u64,
    /// A reply that approves (repeatable; replaces the defaults).
    #[arg(long, value_name = "WORD")]
    approve: Vec<String>,
    /// A reply that declines (repeatable; replaces the defaults).
    #[arg(long, value_name = "WORD")]
    disapprove: Vec<String>,
    /// Only this user id may decide (repeatable; default: anyone but bots).
    #[arg(long, value_name = "ID")]
    approver: Vec<String>,
    /// Match replies case-sensitively.
    #[arg(long)]
    case_sensitive: bool,
    /// Do not reply in the question's thread with the outcome.
    #[arg(long)]
    no_follow_up: bool,
    #[command(flatten)]
    target: TargetArgs,
    /// Print the outcome as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args, Debug)]
struct RunArgs {
    /// When to alert.
    #[arg(long, value_enum, default_value_t = OnArg::Failure)]
    on: OnArg,
    /// Title of the alert (default: "`CMD` failed" / "`CMD` succeeded").
    #[arg(long)]
    title: Option<String>,
    /// Lines of output to include.
    #[arg(long, default_value_t = 50, value_name = "N")]
    tail: usize,
    #[command(flatten)]
    target: TargetArgs,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "CMD")]
    command: Vec<String>,
}

/// `--on` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum OnArg {
    Failure,
    Success,
    Always,
}

#[derive(Subcommand, Debug)]
enum FlavorCmd {
    /// Register a .wasm component as a flavor (again under the same name to swap it).
    Register {
        /// Path of the component.
        path: PathBuf,
        /// Name to register it under (default: the name the flavor gives itself).
        #[arg(long)]
        name: Option<String>,
    },
    /// List built-in and registered flavors.
    List,
    /// Show a flavor's settings, hosts, capabilities and contract version.
    Describe {
        /// Flavor name.
        name: String,
    },
    /// Unregister a flavor (a built-in one of the same name takes over again).
    Remove {
        /// Flavor name.
        name: String,
    },
}

#[derive(Subcommand, Debug)]
enum SecretCmd {
    /// Store secrets: `alerter secret set ci slack_token=xoxb-...` (VALUE `-` reads stdin).
    Set {
        /// Secret name (a group of keys).
        name: String,
        /// KEY=VALUE pairs.
        #[arg(required = true, value_name = "KEY=VALUE")]
        pairs: Vec<String>,
    },
    /// List secret names and keys (never values).
    List,
    /// Remove a secret, or only some of its keys.
    Remove {
        /// Secret name.
        name: String,
        /// Keys to remove (default: all).
        keys: Vec<String>,
    },
}

#[derive(Args, Debug)]
struct RegisterArgs {
    /// Alerter name.
    name: String,
    /// Flavor to use (built-in `slack`, `discord`, or a registered one).
    #[arg(long)]
    flavor: String,
    /// A setting, KEY=VALUE (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Grant an origin beyond the declared https hosts (repeatable).
    #[arg(long = "allow-host", value_name = "SCHEME://HOST[:PORT]")]
    allow_host: Vec<String>,
}

#[derive(Args, Debug)]
struct UpdateArgs {
    /// Alerter name.
    name: String,
    /// Switch to another flavor.
    #[arg(long)]
    flavor: Option<String>,
    /// Set or change a setting, KEY=VALUE (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Remove a setting (repeatable).
    #[arg(long = "unset", value_name = "KEY")]
    unset: Vec<String>,
    /// Grant an origin (repeatable).
    #[arg(long = "allow-host", value_name = "SCHEME://HOST[:PORT]")]
    allow_host: Vec<String>,
    /// Withdraw a grant (repeatable).
    #[arg(long = "revoke-host", value_name = "SCHEME://HOST[:PORT]")]
    revoke_host: Vec<String>,
}

/// Message content shared by `post` (and later `ask`).
#[derive(Args, Debug)]
pub struct MessageArgs {
    /// Title shown above the message.
    #[arg(long)]
    pub title: Option<String>,
    /// Severity, shown as a colour or emoji.
    #[arg(long, value_enum, default_value_t = LevelArg::Info)]
    pub level: LevelArg,
    /// Metadata shown with the message, KEY=VALUE (repeatable, kept in order).
    #[arg(long = "meta", value_name = "KEY=VALUE")]
    pub meta: Vec<String>,
    /// A link the message points to.
    #[arg(long)]
    pub link: Option<String>,
    /// A JSON file sent verbatim as the flavor's own payload (Slack blocks, Discord embeds).
    #[arg(long, value_name = "FILE")]
    pub raw: Option<PathBuf>,
}

/// Which alerter and per-call overrides.
#[derive(Args, Debug)]
pub struct TargetArgs {
    /// Alerter to use (default: the active one).
    #[arg(long, env = "ALERTER_ALERTER")]
    pub alerter: Option<String>,
    /// Override a setting for this call only, KEY=VALUE (e.g. channel_id).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

#[derive(Args, Debug)]
struct PostArgs {
    /// The message text (`-` reads it from stdin).
    message: String,
    #[command(flatten)]
    content: MessageArgs,
    /// Post as a reply in the thread of this message reference.
    #[arg(long, value_name = "REF")]
    thread: Option<String>,
    #[command(flatten)]
    target: TargetArgs,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

/// Message levels on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LevelArg {
    /// Informational.
    Info,
    /// Something worked.
    Success,
    /// Needs attention.
    Warning,
    /// Something failed.
    Failure,
}

impl From<LevelArg> for Level {
    fn from(l: LevelArg) -> Level {
        match l {
            LevelArg::Info => Level::Info,
            LevelArg::Success => Level::Success,
            LevelArg::Warning => Level::Warning,
            LevelArg::Failure => Level::Failure,
        }
    }
}

/// Runs the CLI with the process arguments; returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(crate::error::EXIT_FAILURE as u8);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = std::env::var("ALERTER_LOG")
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new(format!("{default},hyper=warn,reqwest=warn,cranelift=warn,wasmtime=warn")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none())
        .without_time()
        .try_init();
}

async fn run(cli: Cli) -> Result<u8> {
    let root = match cli.home {
        Some(h) => h,
        None => StateDir::default_path()?,
    };
    let host = Host::open(&root, Limits::default())?;
    match cli.command {
        Command::Flavor(cmd) => flavor_cmd(&host, cmd).await,
        Command::Register(a) => register(&host, a).await,
        Command::List => list(&host),
        Command::Describe { name } => describe(&host, &name).await,
        Command::Update(a) => update(&host, a).await,
        Command::Remove { name } => remove(&host, &name),
        Command::Use { name } => use_alerter(&host, &name),
        Command::Secret(cmd) => secret_cmd(&host, cmd),
        Command::Post(a) => post(&host, a).await,
        Command::Ask(a) => ask(&host, a).await,
        Command::Run(a) => run_cmd(&host, a).await,
    }
}

/// Parses `KEY=VALUE`.
pub fn parse_pair(text: &str, what: &str) -> Result<(String, String)> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(Error::input(format!("{what} `{text}` must look like KEY=VALUE"))),
    }
}

fn parse_pairs(items: &[String], what: &str) -> Result<Vec<(String, String)>> {
    items.iter().map(|s| parse_pair(s, what)).collect()
}

fn check_name(name: &str, what: &str) -> Result<()> {
    if valid_ident(name) {
        Ok(())
    } else {
        Err(Error::input(format!("{what} name `{name}` may only use letters, digits, `_` and `-`")))
    }
}

async fn flavor_cmd(host: &Host, cmd: FlavorCmd) -> Result<u8> {
    match cmd {
        FlavorCmd::Register { path, name } => {
            let path = std::fs::canonicalize(&path).map_err(|e| Error::input(format!("cannot read {}: {e}", path.display())))?;
            let (flavor, how) = host.load_path(&path).await?;
            let name = name.unwrap_or_else(|| flavor.info().name.clone());
            check_name(&name, "flavor")?;
            let lock = host.state().lock()?;
            let mut reg = host.state().registry()?;
            let previous = reg.flavors.insert(name.clone(), FlavorEntry { path: path.clone(), sha256: flavor.sha256().to_string() });
            host.state().save_registry(&lock, &reg)?;
            let verb = match (&previous, builtin::component(&name)) {
                (Some(_), _) => "replaced",
                (None, Some(_)) => "registered (overriding the built-in)",
                (None, None) => "registered",
            };
            println!(
                "{verb} flavor \"{name}\" {} from {} ({})",
                flavor.info().version,
                path.display(),
                match how {
                    crate::engine::CompileSource::Compiled => "compiled",
                    crate::engine::CompileSource::Cached => "cached",
                }
            );
            Ok(0)
        }
        FlavorCmd::List => {
            let reg = host.state().registry()?;
            let mut names: Vec<String> = builtin::NAMES.iter().map(|s| s.to_string()).collect();
            names.extend(reg.flavors.keys().cloned());
            names.sort();
            names.dedup();
            for name in names {
                match host.flavor(&reg, &name).await {
                    Ok((f, source)) => println!("{name}\t{}\t{}\t{}", f.info().version, source_text(&source), f.info().description),
                    Err(e) => println!("{name}\t?\tbroken\t{e}"),
                }
            }
            Ok(0)
        }
        FlavorCmd::Describe { name } => {
            let reg = host.state().registry()?;
            let (f, source) = host.flavor(&reg, &name).await?;
            let info = f.info();
            println!("flavor:      {name}");
            println!("name:        {} {}", info.name, info.version);
            println!("description: {}", info.description);
            println!("source:      {}", source_text(&source));
            println!("sha256:      {}", f.sha256());
            println!("contract:    {}@{} (compatible with {}.{}.x)", bindings::PACKAGE, bindings::CONTRACT_VERSION, bindings::CONTRACT_MAJOR_MINOR.0, bindings::CONTRACT_MAJOR_MINOR.1);
            let c = &info.capabilities;
            let mut caps = Vec::new();
            if c.post { caps.push("post"); }
            if c.read_replies { caps.push("read-replies (ask)"); }
            if c.threads { caps.push("threads"); }
            println!("can:         {}", caps.join(", "));
            println!("hosts:       {}", info.hosts.join(", "));
            println!("settings:");
            for s in &info.settings {
                let mut tags = Vec::new();
                if s.required { tags.push("required".to_string()); }
                if s.secret { tags.push("secret".to_string()); }
                if let Some(d) = &s.default { tags.push(format!("default {d}")); }
                println!("  {:<14} {}{}", s.name, s.description, if tags.is_empty() { String::new() } else { format!(" [{}]", tags.join(", ")) });
            }
            Ok(0)
        }
        FlavorCmd::Remove { name } => {
            let lock = host.state().lock()?;
            let mut reg = host.state().registry()?;
            if !reg.flavors.contains_key(&name) {
                return Err(Error::input(if builtin::component(&name).is_some() {
                    format!("flavor \"{name}\" is built in and cannot be removed")
                } else {
                    format!("no registered flavor \"{name}\" (see `alerter flavor list`)")
                }));
            }
            if builtin::component(&name).is_none() {
                let users: Vec<&str> = reg.alerters.iter().filter(|(_, a)| a.flavor == name).map(|(n, _)| n.as_str()).collect();
                if !users.is_empty() {
                    return Err(Error::input(format!(
                        "flavor \"{name}\" is used by alerter(s) {}; remove them or switch them with `alerter update NAME --flavor OTHER` first",
                        users.join(", ")
                    )));
                }
            }
            reg.flavors.remove(&name);
            host.state().save_registry(&lock, &reg)?;
            println!("removed flavor \"{name}\"");
            Ok(0)
        }
    }
}

fn source_text(source: &FlavorSource) -> String {
    match source {
        FlavorSource::BuiltIn => "built-in".to_string(),
        FlavorSource::Path(p) => p.display().to_string(),
    }
}

/// Applies `--set` pairs to stored settings: literal secrets move into the
/// secret store under `alerter.key`.
fn apply_settings(
    alerter: &str,
    info: &crate::flavor::FlavorInfo,
    settings: &mut BTreeMap<String, String>,
    pairs: Vec<(String, String)>,
    secrets: &mut crate::secrets::SecretMap,
) -> Result<()> {
    let keys: Vec<String> = pairs.iter().map(|(k, _)| k.clone()).collect();
    check_known(info, keys.iter())?;
    for (key, value) in pairs {
        let secret = info.settings.iter().any(|s| s.name == key && s.secret);
        if secret && SecretRef::parse(&value).is_none() && !value.is_empty() {
            secrets.entry(alerter.to_string()).or_default().insert(key.clone(), value);
            settings.insert(key.clone(), SecretRef { name: alerter.to_string(), key }.to_string());
        } else {
            settings.insert(key, value);
        }
    }
    Ok(())
}

/// Checks required settings and URL-valued hosts without needing secrets.
fn validate_alerter(name: &str, info: &crate::flavor::FlavorInfo, entry: &AlerterEntry, secrets: &crate::secrets::SecretMap) -> Result<()> {
    for h in &entry.allow_hosts {
        Origin::parse_grant(h)?;
    }
    match resolve_settings(name, info, &entry.settings, &[], secrets) {
        Ok(_) => Ok(()),
        // A reference may be meant for an environment variable set later (CI).
        Err(Error::Input(m)) if m.starts_with("secret {{") => {
            tracing::warn!("{m}");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

async fn register(host: &Host, a: RegisterArgs) -> Result<u8> {
    check_name(&a.name, "alerter")?;
    let pairs = parse_pairs(&a.set, "--set")?;
    let lock = host.state().lock()?;
    let mut reg = host.state().registry()?;
    if reg.alerters.contains_key(&a.name) {
        return Err(Error::input(format!("alerter \"{}\" already exists; change it with `alerter update {}` or remove it first", a.name, a.name)));
    }
    let (flavor, _) = host.flavor(&reg, &a.flavor).await?;
    let mut secrets = host.state().secrets()?;
    let mut entry = AlerterEntry { flavor: a.flavor.clone(), ..Default::default() };
    apply_settings(&a.name, flavor.info(), &mut entry.settings, pairs, &mut secrets)?;
    for h in &a.allow_host {
        let o = Origin::parse_grant(h)?.to_string();
        if !entry.allow_hosts.contains(&o) {
            entry.allow_hosts.push(o);
        }
    }
    validate_alerter(&a.name, flavor.info(), &entry, &secrets)?;
    reg.alerters.insert(a.name.clone(), entry);
    let became_active = reg.active.is_none();
    if became_active {
        reg.active = Some(a.name.clone());
    }
    host.state().save_secrets(&lock, &secrets)?;
    host.state().save_registry(&lock, &reg)?;
    println!(
        "registered alerter \"{}\" (flavor \"{}\" {}){}",
        a.name,
        a.flavor,
        flavor.info().version,
        if became_active { "; it is now active" } else { "" }
    );
    Ok(0)
}

async fn update(host: &Host, a: UpdateArgs) -> Result<u8> {
    let pairs = parse_pairs(&a.set, "--set")?;
    let lock = host.state().lock()?;
    let mut reg = host.state().registry()?;
    let mut entry = reg.alerters.get(&a.name).cloned().ok_or_else(|| Error::input(format!("unknown alerter \"{}\" (see `alerter list`)", a.name)))?;
    if let Some(f) = &a.flavor {
        entry.flavor = f.clone();
    }
    let (flavor, _) = host.flavor(&reg, &entry.flavor).await?;
    let mut secrets = host.state().secrets()?;
    for k in &a.unset {
        if entry.settings.remove(k).is_none() {
            return Err(Error::input(format!("alerter \"{}\" has no setting `{k}` to unset", a.name)));
        }
    }
    apply_settings(&a.name, flavor.info(), &mut entry.settings, pairs, &mut secrets)?;
    check_known(flavor.info(), entry.settings.keys())?;
    for h in &a.allow_host {
        let o = Origin::parse_grant(h)?.to_string();
        if !entry.allow_hosts.contains(&o) {
            entry.allow_hosts.push(o);
        }
    }
    for h in &a.revoke_host {
        let o = Origin::parse_grant(h)?.to_string();
        let before = entry.allow_hosts.len();
        entry.allow_hosts.retain(|x| x != &o);
        if entry.allow_hosts.len() == before {
            return Err(Error::input(format!("alerter \"{}\" has no grant {o} to revoke", a.name)));
        }
    }
    validate_alerter(&a.name, flavor.info(), &entry, &secrets)?;
    reg.alerters.insert(a.name.clone(), entry);
    host.state().save_secrets(&lock, &secrets)?;
    host.state().save_registry(&lock, &reg)?;
    println!("updated alerter \"{}\"", a.name);
    Ok(0)
}

fn list(host: &Host) -> Result<u8> {
    let reg = host.state().registry()?;
    if reg.alerters.is_empty() {
        println!("no alerters yet; create one with `alerter register NAME --flavor FLAVOR`");
    }
    for (name, a) in &reg.alerters {
        let mark = if reg.active.as_deref() == Some(name) { "*" } else { " " };
        println!("{mark} {name}\t{}", a.flavor);
    }
    Ok(0)
}

async fn describe(host: &Host, name: &str) -> Result<u8> {
    let reg = host.state().registry()?;
    let a = reg.alerters.get(name).ok_or_else(|| Error::input(format!("unknown alerter \"{name}\" (see `alerter list`)")))?;
    let flavor = host.flavor(&reg, &a.flavor).await.ok();
    println!("alerter:  {name}{}", if reg.active.as_deref() == Some(name) { " (active)" } else { "" });
    match &flavor {
        Some((f, _)) => println!("flavor:   {} {}", a.flavor, f.info().version),
        None => println!("flavor:   {} (cannot be loaded)", a.flavor),
    }
    println!("settings:");
    for (k, v) in &a.settings {
        let secret = flavor.as_ref().map(|(f, _)| f.info().settings.iter().any(|s| &s.name == k && s.secret)).unwrap_or(true);
        let shown = if SecretRef::parse(v).is_some() { v.clone() } else if secret { REDACTED.to_string() } else { v.clone() };
        println!("  {k} = {shown}");
    }
    if let Some((f, _)) = &flavor {
        let secrets = host.state().secrets()?;
        let declared = resolve_settings(name, f.info(), &a.settings, &[], &secrets).map(|r| r.declared).unwrap_or_default();
        let explicit: Vec<Origin> = a.allow_hosts.iter().filter_map(|h| Origin::parse_grant(h).ok()).collect();
        let policy = crate::egress::EgressPolicy::new(name, declared, explicit);
        let list = |it: Vec<String>| if it.is_empty() { "none".to_string() } else { it.join(", ") };
        println!("declared hosts: {}", list(policy.declared().map(|o| o.to_string()).collect()));
        println!("granted:        {}", list(policy.declared().filter(|o| policy.granted(o)).map(|o| o.to_string()).collect()));
    }
    println!("explicit grants (--allow-host): {}", if a.allow_hosts.is_empty() { "none".to_string() } else { a.allow_hosts.join(", ") });
    Ok(0)
}

fn remove(host: &Host, name: &str) -> Result<u8> {
    let lock = host.state().lock()?;
    let mut reg = host.state().registry()?;
    if reg.alerters.remove(name).is_none() {
        return Err(Error::input(format!("unknown alerter \"{name}\" (see `alerter list`)")));
    }
    if reg.active.as_deref() == Some(name) {
        reg.active = None;
    }
    host.state().save_registry(&lock, &reg)?;
    println!("removed alerter \"{name}\"");
    Ok(0)
}

fn use_alerter(host: &Host, name: &str) -> Result<u8> {
    let lock = host.state().lock()?;
    let mut reg = host.state().registry()?;
    if !reg.alerters.contains_key(name) {
        return Err(Error::input(format!("unknown alerter \"{name}\" (see `alerter list`)")));
    }
    reg.active = Some(name.to_string());
    host.state().save_registry(&lock, &reg)?;
    println!("alerter \"{name}\" is now active");
    Ok(0)
}

fn secret_cmd(host: &Host, cmd: SecretCmd) -> Result<u8> {
    match cmd {
        SecretCmd::Set { name, pairs } => {
            check_name(&name, "secret")?;
            let mut parsed = parse_pairs(&pairs, "secret")?;
            for (k, v) in parsed.iter_mut() {
                check_name(k, "secret key")?;
                if v == "-" {
                    let mut s = String::new();
                    std::io::stdin().read_to_string(&mut s).map_err(|e| Error::input(format!("cannot read the value of {k} from stdin: {e}")))?;
                    *v = s.trim_end_matches(['\n', '\r']).to_string();
                }
                if v.is_empty() {
                    return Err(Error::input(format!("secret {name}.{k} has an empty value")));
                }
            }
            let lock = host.state().lock()?;
            let mut secrets = host.state().secrets()?;
            let group = secrets.entry(name.clone()).or_default();
            let keys: Vec<String> = parsed.iter().map(|(k, _)| k.clone()).collect();
            for (k, v) in parsed {
                group.insert(k, v);
            }
            host.state().save_secrets(&lock, &secrets)?;
            println!("stored {}", keys.iter().map(|k| format!("{{{{{name}.{k}}}}}")).collect::<Vec<_>>().join(", "));
            Ok(0)
        }
        SecretCmd::List => {
            let secrets = host.state().secrets()?;
            if secrets.is_empty() {
                println!("no secrets stored");
            }
            for (name, keys) in &secrets {
                println!("{name}: {}", keys.keys().cloned().collect::<Vec<_>>().join(", "));
            }
            Ok(0)
        }
        SecretCmd::Remove { name, keys } => {
            let lock = host.state().lock()?;
            let mut secrets = host.state().secrets()?;
            let Some(group) = secrets.get_mut(&name) else {
                return Err(Error::input(format!("no secret named \"{name}\" (see `alerter secret list`)")));
            };
            if keys.is_empty() {
                secrets.remove(&name);
            } else {
                for k in &keys {
                    if group.remove(k).is_none() {
                        return Err(Error::input(format!("secret \"{name}\" has no key `{k}`")));
                    }
                }
                if group.is_empty() {
                    secrets.remove(&name);
                }
            }
            host.state().save_secrets(&lock, &secrets)?;
            println!("removed");
            Ok(0)
        }
    }
}

/// Builds a message from the shared content flags.
pub fn build_message(body: String, c: &MessageArgs) -> Result<Message> {
    let metadata = parse_pairs(&c.meta, "--meta")?;
    let raw = match &c.raw {
        None => None,
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::input(format!("cannot read --raw {}: {e}", path.display())))?;
            serde_json::from_str::<serde_json::Value>(&text)
                .map_err(|e| Error::input(format!("--raw {} is not valid JSON: {e}", path.display())))?;
            Some(text)
        }
    };
    Ok(Message { title: c.title.clone(), body, level: c.level.into(), metadata, link: c.link.clone(), raw, thread: None })
}

/// Reads `-` as stdin.
pub fn message_text(arg: String) -> Result<String> {
    if arg != "-" {
        return Ok(arg);
    }
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).map_err(|e| Error::input(format!("cannot read the message from stdin: {e}")))?;
    Ok(s)
}

async fn post(host: &Host, a: PostArgs) -> Result<u8> {
    let body = message_text(a.message)?;
    let mut message = build_message(body, &a.content)?;
    message.thread = a.thread;
    let overrides = parse_pairs(&a.target.set, "--set")?;
    let alerter = host.alerter(a.target.alerter.as_deref(), &overrides).await?;
    let sent = alerter.post(&message).await?;
    if a.json {
        let out = serde_json::json!({
            "alerter": alerter.name(),
            "flavor": alerter.flavor().info().name,
            "reference": sent.reference,
            "link": sent.link,
        });
        println!("{out}");
    } else {
        println!(
            "posted via \"{}\" ({}): {}",
            alerter.name(),
            alerter.flavor().info().name,
            sent.link.as_deref().unwrap_or(&sent.reference)
        );
    }
    Ok(0)
}

async fn ask(host: &Host, a: AskArgs) -> Result<u8> {
    use crate::ask::{AskOptions, Progress};
    let question = build_message(a.question, &a.content)?;
    let mut opts = AskOptions { timeout: std::time::Duration::from_secs(a.timeout), case_sensitive: a.case_sensitive, approvers: a.approver, follow_up: !a.no_follow_up, ..AskOptions::default() };
    if !a.approve.is_empty() {
        opts.approve = a.approve;
    }
    if !a.disapprove.is_empty() {
        opts.disapprove = a.disapprove;
    }
    if opts.timeout.is_zero() {
        return Err(Error::input("--timeout must be at least 1 second"));
    }
    let overrides = parse_pairs(&a.target.set, "--set")?;
    let alerter = host.alerter(a.target.alerter.as_deref(), &overrides).await?;

    struct Spinner(Option<indicatif::ProgressBar>);
    impl Progress for Spinner {
        fn waiting(&self, _left: std::time::Duration, polls: u32) {
            if let Some(pb) = &self.0 {
                pb.set_prefix(format!("{polls} polls"));
            }
        }
    }
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let spinner = if tty {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_style(indicatif::ProgressStyle::with_template("{spinner} {msg} ({prefix})").unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()));
        pb.enable_steady_tick(std::time::Duration::from_millis(120));
        Spinner(Some(pb))
    } else {
        eprintln!(
            "waiting up to {} s for a reply (approve: {}; decline: {})",
            opts.timeout.as_secs(),
            opts.approve.join(", "),
            opts.disapprove.join(", ")
        );
        Spinner(None)
    };
    let deadline = std::time::Instant::now() + opts.timeout;
    let ticker = spinner.0.clone().map(|pb| {
        tokio::spawn(async move {
            loop {
                let left = deadline.saturating_duration_since(std::time::Instant::now()).as_secs();
                pb.set_message(format!("waiting for an answer: {}:{:02} left", left / 60, left % 60));
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            }
        })
    });
    let cancel = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let asked = crate::ask::ask(&alerter, &question, &opts, &spinner, cancel).await;
    if let Some(t) = ticker {
        t.abort();
    }
    if let Some(pb) = &spinner.0 {
        pb.finish_and_clear();
    }
    let asked = asked?;
    if a.json {
        let mut v = serde_json::to_value(&asked.outcome).map_err(|e| Error::Other(e.into()))?;
        v["question"] = serde_json::json!({"reference": asked.question.reference, "link": asked.question.link});
        v["polls"] = asked.polls.into();
        println!("{v}");
    } else {
        println!("{}", asked.outcome.summary());
    }
    Ok(asked.outcome.exit_code())
}

async fn run_cmd(host: &Host, a: RunArgs) -> Result<u8> {
    use crate::run::{message, run_command, On};
    let on = match a.on {
        OnArg::Failure => On::Failure,
        OnArg::Success => On::Success,
        OnArg::Always => On::Always,
    };
    let overrides = parse_pairs(&a.target.set, "--set")?;
    let one_line = |e: &Error| format!("{e:#}").replace('\n', " ");
    // Resolve the alerter first, so a misconfiguration shows before a long
    // job rather than after; the command runs either way.
    let alerter = match host.alerter(a.target.alerter.as_deref(), &overrides).await {
        Ok(alerter) => Some(alerter),
        Err(e) => {
            eprintln!("alerter: cannot alert ({}); running the command anyway", one_line(&e));
            None
        }
    };
    let finished = run_command(&a.command, a.tail.max(1)).await?;
    if let Some(alerter) = alerter.filter(|_| on.wants(finished.succeeded())) {
        if let Err(e) = alerter.post(&message(&finished, a.title.as_deref())).await {
            eprintln!("alerter: could not send the alert: {}", one_line(&e));
        }
    }
    Ok(finished.exit_code().clamp(0, 255) as u8)
}
