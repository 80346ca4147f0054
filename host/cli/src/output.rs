//! What the CLI prints: result lines on stdout (a closed stdout, as in
//! `alerter flavor list | head -1`, ends the command quietly), and errors
//! and warnings on stderr, each worded with the command that fixes it.

use std::fmt;
use std::io::Write;
use std::process::ExitCode;

use alerter::{Denial, Error, GrantReason, Warning};

/// Why a command did not finish normally.
#[derive(Debug)]
pub enum CliError {
    /// The library refused or failed.
    Alerter(Error),
    /// The command line itself is wrong (exit code 2).
    Usage(String),
    /// stdout was closed by its reader: stop quietly (exit code 0).
    Closed,
    /// Anything else (exit code 3).
    Other(anyhow::Error),
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        CliError::Alerter(e)
    }
}

impl CliError {
    /// The error on one line, with the fix when there is one.
    pub fn text(&self) -> String {
        let text = match self {
            CliError::Alerter(e) => explain(e),
            CliError::Usage(m) => m.clone(),
            CliError::Closed => "stdout is closed".into(),
            CliError::Other(e) => format!("{e:#}"),
        };
        text.replace('\n', " ")
    }

    /// Prints the error on stderr (nothing for a closed stdout) and gives
    /// the exit code.
    pub fn report(self) -> ExitCode {
        let code = match &self {
            CliError::Closed => return ExitCode::SUCCESS,
            CliError::Alerter(e) => e.exit_code(),
            CliError::Usage(_) => alerter::ErrorClass::Input.exit_code(),
            CliError::Other(_) => alerter::ErrorClass::Failure.exit_code(),
        };
        eprintln!("error: {}", self.text());
        ExitCode::from(code)
    }
}

/// Writes one line to stdout; a closed stdout becomes [`CliError::Closed`].
pub fn line(args: fmt::Arguments<'_>) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{args}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(CliError::Closed),
        Err(e) => Err(CliError::Other(anyhow::Error::new(e).context("cannot write to stdout"))),
    }
}

/// `out!("...", args)`: [`line()`], returning early on error.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))?
    };
}
pub(crate) use out;

/// The error's message and, when there is one, the command that fixes it.
pub fn explain(e: &Error) -> String {
    match fix(e) {
        Some(fix) => format!("{e}; {fix}"),
        None => e.to_string(),
    }
}

/// What to run or pass to fix an error.
fn fix(e: &Error) -> Option<String> {
    Some(match e {
        Error::NoHomeDirectory => "set ALERTER_HOME or pass --home DIR".into(),
        Error::UnsafeStateDir { fix, .. } => fix.clone(),
        Error::PinnedFlavorChanged { .. } => {
            "register the flavor again from its file: `alerter flavor register PATH --name NAME --replace`".into()
        }
        Error::FlavorNotPinned { name, path } => {
            format!("register it again: `alerter flavor register {} --name {name} --replace`", path.display())
        }
        Error::ReservedFlavorName { path, .. } => {
            format!("register it under another name: `alerter flavor register {} --name OTHER`", path.display())
        }
        Error::FlavorExists { name, path } => format!(
            "pass --replace to swap it (`alerter flavor register {} --name {name} --replace`), or choose another --name",
            path.display()
        ),
        Error::BuiltInFlavor { .. } => "see `alerter flavor list`".into(),
        Error::ReferenceInDefault { .. } | Error::InvalidFlavorInfo { .. } => {
            "fix the flavor's `info()` and build it again".into()
        }
        Error::SecretWithLineBreak { alerter, setting } => {
            format!("set it without the line break: `alerter update {alerter} --set {setting}=VALUE`")
        }
        Error::UntrustedFlavor { flavor, .. } => format!(
            "if you trust who wrote it to report replies truthfully, run `alerter flavor trust {flavor}` \
             (or register it with --trusted)"
        ),
        Error::StateFile { .. } => "fix or remove it".into(),
        Error::UnknownAlerter { name, .. } => {
            format!("see `alerter list`, or create it with `alerter register {name} --flavor FLAVOR`")
        }
        Error::NoActiveAlerter => {
            "pass --alerter NAME, or create one with `alerter register NAME --flavor FLAVOR`".into()
        }
        Error::AlerterExists { name } => format!("change it with `alerter update {name}` or remove it first"),
        Error::UnknownFlavor { .. } => "register one with `alerter flavor register PATH`".into(),
        Error::NotRegistered { .. } => "see `alerter flavor list`".into(),
        Error::FlavorInUse { .. } => {
            "remove them or switch them with `alerter update NAME --flavor OTHER` first".into()
        }
        Error::BrokenFlavor { name, .. } => {
            format!("fix the file, or register another with `alerter flavor register PATH --name {name}`")
        }
        Error::MissingSetting { alerter, setting, alerter_exists: true, .. } => {
            format!("run `alerter update {alerter} --set {setting}=VALUE` or pass --set {setting}=VALUE")
        }
        Error::MissingSetting { setting, alerter_exists: false, .. } => format!("pass --set {setting}=VALUE"),
        Error::SettingNotSet { alerter, .. } | Error::NoSuchGrant { alerter, .. } => {
            format!("see `alerter describe {alerter}`")
        }
        Error::SecretNotSet { reference, env_var } => {
            format!("run `alerter secret set {} {}=VALUE` or export {env_var}", reference.name, reference.key)
        }
        Error::UnknownSecret { .. } | Error::UnknownSecretKey { .. } => "see `alerter secret list`".into(),
        Error::SecretWithoutSlot { setting, .. } => {
            format!("rebuild it against 0.2 (wit/flavor.wit), which declares where each secret may go, or leave `{setting}` unset")
        }
        Error::CallFailed { alerter, denied, .. } => {
            let alerter = alerter.as_deref().unwrap_or("NAME");
            let mut fixes: Vec<String> = denied.iter().map(|d| grant_fix(alerter, d)).collect();
            fixes.dedup();
            if fixes.is_empty() {
                return None;
            }
            fixes.join("; ")
        }
        Error::CannotReadReplies { .. } => "use an alerter whose flavor can read replies".into(),
        Error::UnknownTarget { name, .. } => {
            format!("see `alerter list` and `alerter group list`, or create it with `alerter register {name} --flavor FLAVOR`")
        }
        Error::UnknownGroup { .. } => "see `alerter group list`".into(),
        Error::NameTaken { .. } => "choose another name".into(),
        Error::AttachmentTooLarge { .. } | Error::AttachmentsTooLarge { .. } => {
            "attach a smaller file (compress it, or attach the end of a log)".into()
        }
        Error::NoCommand => "use `alerter run -- CMD [ARGS...]`".into(),
        _ => return None,
    })
}

fn grant_fix(alerter: &str, denial: &Denial) -> String {
    let o = denial.origin();
    match denial {
        Denial::NotDeclared(_) => {
            format!("point the flavor's URL setting at {o} first, then grant it with --allow-host {o}")
        }
        Denial::NotGranted(_) | Denial::PrivateAddress(..) => {
            format!("grant it with: alerter update {alerter} --allow-host {o}")
        }
    }
}

/// Prints a warning about a saved alerter on stderr.
pub fn warn(alerter: &str, w: &Warning) {
    let text = match w {
        Warning::SecretNotSet { reference, env_var } => format!(
            "secret {reference} is not set yet, so alerter \"{alerter}\" fails until it is: run `alerter secret set {} {}=VALUE` or export {env_var}",
            reference.name, reference.key
        ),
        Warning::HostsNotConsented { origins } => {
            let list: Vec<String> = origins.iter().map(ToString::to_string).collect();
            format!(
                "alerter \"{alerter}\" cannot reach {} until you grant it: its flavor was registered from a file, \
                 so its declared hosts need your consent: alerter update {alerter} --allow-host ORIGIN (each) \
                 or --trust-declared-hosts (https ones)",
                list.join(", ")
            )
        }
        Warning::NeedsGrant { origin, setting, reason } => {
            let why = match reason {
                GrantReason::PlainHttp => "plain http needs an explicit grant",
                GrantReason::InternalAddress => "internal addresses need an explicit grant",
                GrantReason::FromDefault => "it comes from the flavor's default, not from you",
            };
            let from = setting.as_ref().map(|s| format!(" (setting `{s}`)")).unwrap_or_default();
            format!(
                "alerter \"{alerter}\" cannot reach {origin}{from} until it is granted, since {why}: alerter update {alerter} --allow-host {origin}"
            )
        }
    };
    eprintln!("warning: {text}");
}

/// A byte count for people: `512 B`, `12.3 KiB`, `36.0 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}
