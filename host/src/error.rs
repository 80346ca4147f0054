//! The library's errors: one variant per thing that can go wrong, carrying
//! the facts a caller needs to word a fix, and the class that decides the
//! exit code.

use std::fmt;
use std::path::PathBuf;

use crate::egress::Denial;
use crate::flavor::CallError;
use crate::secrets::SecretRef;

/// Who can fix an error, which decides the exit code of the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Bad input or configuration: an unknown name, a missing setting or
    /// secret, a file that is not a flavor, an alerter that cannot ask.
    Input,
    /// The flavor, the service or the machine failed: the service rejected
    /// the message, the network failed, egress was denied, the flavor trapped
    /// or hit a limit, a file could not be written.
    Failure,
}

impl ErrorClass {
    /// The process exit code for this class: 2 for input, 3 for failure.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorClass::Input => 2,
            ErrorClass::Failure => 3,
        }
    }
}

/// What a name given by the user names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// An alerter.
    Alerter,
    /// A flavor.
    Flavor,
    /// A secret (a group of keys).
    Secret,
    /// A key within a secret.
    SecretKey,
    /// A group of alerters.
    Group,
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Alerter => "alerter",
            NameKind::Flavor => "flavor",
            NameKind::Secret => "secret",
            NameKind::SecretKey => "secret key",
            NameKind::Group => "group",
        })
    }
}

/// Everything that can go wrong, one variant per case.
///
/// `Display` says what is wrong in one line; it does not say which command
/// fixes it, since that depends on the program around the library (the CLI
/// adds that). [`Error::class`] tells input errors from failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No state directory was given and no home directory was found.
    #[error("cannot find a home directory for the state")]
    NoHomeDirectory,
    /// The state directory cannot be created, opened, locked or written.
    #[error("state directory {path}: {reason}")]
    StateDir {
        /// The directory or the file in it.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// The state directory is not private: not owned by the user, or
    /// writable by group or others (who could then change the code that
    /// runs or read the secrets).
    #[error("state directory {path} is not safe to use: {problem}")]
    UnsafeStateDir {
        /// The directory.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
        /// The command that fixes it (`chmod 700 DIR`).
        fix: String,
    },
    /// The pinned copy of a registered flavor does not match the sha256 the
    /// registry records for it: the state directory was tampered with.
    #[error("the pinned component {path} does not match its recorded sha256 {expected} (found {found})")]
    PinnedFlavorChanged {
        /// The pinned copy.
        path: PathBuf,
        /// The sha256 recorded at registration.
        expected: String,
        /// The sha256 of the file now.
        found: String,
    },
    /// A file of the state directory cannot be parsed.
    #[error("{path} is not valid: {problem}")]
    StateFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// A file given by the user cannot be read.
    #[error("cannot read {path}: {reason}")]
    CannotRead {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A name uses characters other than letters, digits, `_` and `-`.
    #[error("{kind} name `{name}` may only use letters, digits, `_` and `-`")]
    InvalidName {
        /// What it names.
        kind: NameKind,
        /// The name as given.
        name: String,
    },
    /// No alerter has this name.
    #[error("unknown alerter \"{name}\" (known: {})", list(known))]
    UnknownAlerter {
        /// The name asked for.
        name: String,
        /// The alerters there are.
        known: Vec<String>,
    },
    /// No alerter was named and none is active.
    #[error("no alerter given and none is active")]
    NoActiveAlerter,
    /// An alerter of this name exists already.
    #[error("alerter \"{name}\" already exists")]
    AlerterExists {
        /// Its name.
        name: String,
    },
    /// No flavor, registered or built in, has this name.
    #[error("unknown flavor \"{name}\" (known: {})", list(known))]
    UnknownFlavor {
        /// The name asked for.
        name: String,
        /// The flavors there are.
        known: Vec<String>,
    },
    /// No flavor is registered under this name (to remove).
    #[error("no registered flavor \"{name}\"")]
    NotRegistered {
        /// The name asked for.
        name: String,
    },
    /// Built-in flavors cannot be removed, replaced or (un)trusted.
    #[error("flavor \"{name}\" is built in: it cannot be removed, replaced or (un)trusted")]
    BuiltInFlavor {
        /// Its name.
        name: String,
    },
    /// A file registered under (or calling itself) a built-in flavor's name,
    /// which is reserved.
    #[error(
        "flavor name \"{name}\" is reserved for the built-in flavor; {path} must be registered under another name"
    )]
    ReservedFlavorName {
        /// The name.
        name: String,
        /// The file.
        path: PathBuf,
    },
    /// A flavor is registered under this name already; replacing it needs
    /// an explicit `--replace`.
    #[error("a flavor is registered as \"{name}\" already")]
    FlavorExists {
        /// The name.
        name: String,
        /// The file given.
        path: PathBuf,
    },
    /// A flavor cannot be removed while alerters use it.
    #[error("flavor \"{name}\" is used by alerter(s) {}", alerters.join(", "))]
    FlavorInUse {
        /// The flavor.
        name: String,
        /// The alerters using it.
        alerters: Vec<String>,
    },
    /// A registered flavor's file no longer loads.
    #[error("flavor \"{name}\": {error}")]
    BrokenFlavor {
        /// The name it is registered under.
        name: String,
        /// Its file.
        path: PathBuf,
        /// Why it does not load.
        error: Box<Error>,
    },
    /// A registered flavor has no pinned copy of the component it was
    /// registered with, and the original file changed since.
    #[error("flavor \"{name}\" has no pinned copy of the component it was registered with, and {path} is no longer that component")]
    FlavorNotPinned {
        /// The name it is registered under.
        name: String,
        /// The file it was registered from.
        path: PathBuf,
    },
    /// `ask` through a flavor that is neither built in nor trusted: a flavor
    /// reports who replied, so an approval gate is as trustworthy as it is.
    #[error(
        "alerter \"{alerter}\" cannot ask: its flavor \"{flavor}\" was registered from a file and is not trusted \
         to report who replied"
    )]
    UntrustedFlavor {
        /// The alerter.
        alerter: String,
        /// Its flavor.
        flavor: String,
    },
    /// A required setting has no value.
    #[error("alerter \"{alerter}\" (flavor \"{flavor}\") needs setting `{setting}` ({description})")]
    MissingSetting {
        /// The alerter.
        alerter: String,
        /// Its flavor.
        flavor: String,
        /// The setting.
        setting: String,
        /// The flavor's description of the setting.
        description: String,
        /// Whether the alerter exists already (false while registering it).
        alerter_exists: bool,
    },
    /// The flavor has no setting of this name.
    #[error("flavor \"{flavor}\" has no setting `{setting}` (it has: {})", list(known))]
    UnknownSetting {
        /// The flavor.
        flavor: String,
        /// The name given.
        setting: String,
        /// The settings it has.
        known: Vec<String>,
    },
    /// `unset` of a setting the alerter does not have.
    #[error("alerter \"{alerter}\" has no setting `{setting}` to unset")]
    SettingNotSet {
        /// The alerter.
        alerter: String,
        /// The setting.
        setting: String,
    },
    /// A secret reference in a setting that is not secret.
    #[error("setting `{setting}` of flavor \"{flavor}\" is not secret, so it cannot reference {reference}; give the value itself")]
    ReferenceInPlainSetting {
        /// The flavor.
        flavor: String,
        /// The setting.
        setting: String,
        /// The reference given.
        reference: SecretRef,
    },
    /// A value for a secret setting of a flavor built for contract 0.1,
    /// which declares no slot for it (so the host would not know where the
    /// value may go).
    #[error(
        "secret setting `{setting}`: flavor \"{flavor}\" was built for alerter:flavor@0.1, which cannot bind secrets to a slot"
    )]
    SecretWithoutSlot {
        /// The flavor.
        flavor: String,
        /// The secret setting given a value.
        setting: String,
    },
    /// A flavor's `info()` declares something the host does not accept: a
    /// bad name, control characters, a malformed slot, a secret origin not
    /// among its hosts, ...
    #[error("{what}: `info` is not acceptable: {problem}")]
    InvalidFlavorInfo {
        /// The file or built-in flavor.
        what: String,
        /// What is wrong, one line.
        problem: String,
    },
    /// A flavor's default for a setting looks like a secret reference: a
    /// flavor may not name secrets it was never given (defaults are literal).
    #[error(
        "{what}: the default of setting `{setting}` looks like a secret reference ({{{{name.key}}}}); a flavor's \
         defaults are literal and may not name secrets"
    )]
    ReferenceInDefault {
        /// The file or built-in flavor.
        what: String,
        /// The setting.
        setting: String,
    },
    /// A secret value holds a line break (CR or LF), which no header or URL
    /// may carry.
    #[error("secret setting `{setting}` of alerter \"{alerter}\" has a value with a line break (CR or LF)")]
    SecretWithLineBreak {
        /// The alerter.
        alerter: String,
        /// The setting.
        setting: String,
    },
    /// A setting the flavor's hosts point at is not an http(s) URL.
    #[error("setting `{setting}` must be an http(s) URL, got `{shown}`")]
    NotAUrl {
        /// The setting.
        setting: String,
        /// Its value (`****` for a secret).
        shown: String,
    },
    /// A secret reference resolves neither from the environment nor the store.
    #[error("secret {reference} is not set (neither in the secret store nor in ${env_var})")]
    SecretNotSet {
        /// The reference.
        reference: SecretRef,
        /// The environment variable that may hold it.
        env_var: String,
    },
    /// No secret has this name.
    #[error("no secret named \"{name}\"")]
    UnknownSecret {
        /// The name.
        name: String,
    },
    /// The secret has no such key.
    #[error("secret \"{name}\" has no key `{key}`")]
    UnknownSecretKey {
        /// The secret.
        name: String,
        /// The key.
        key: String,
    },
    /// A secret value is empty.
    #[error("secret {name}.{key} has an empty value")]
    EmptySecret {
        /// The secret.
        name: String,
        /// The key.
        key: String,
    },
    /// A network grant is not `SCHEME://HOST[:PORT]`.
    #[error(
        "invalid host `{text}`: {problem}; expected SCHEME://HOST[:PORT], e.g. https://hooks.example.com or http://127.0.0.1:8080"
    )]
    InvalidGrant {
        /// The grant as given.
        text: String,
        /// What is wrong with it.
        problem: String,
    },
    /// Revoking a grant the alerter does not have.
    #[error("alerter \"{alerter}\" has no grant {origin} to revoke")]
    NoSuchGrant {
        /// The alerter.
        alerter: String,
        /// The origin.
        origin: String,
    },
    /// The file is not WebAssembly.
    #[error(
        "{what}: not a WebAssembly file; a flavor is a .wasm component (build Rust flavors with `cargo build --target wasm32-wasip2`)"
    )]
    NotWasm {
        /// The file or built-in flavor.
        what: String,
    },
    /// A core wasm module, not a component.
    #[error(
        "{what}: is a core wasm module, not a component; wrap it with `wasm-tools component new` \
         (Rust: build for wasm32-wasip2, or componentize a wasm32-unknown-unknown build)"
    )]
    CoreModule {
        /// The file.
        what: String,
    },
    /// Built for a contract version this host does not implement.
    #[error(
        "{what}: built for alerter:flavor@{found}; this host supports alerter:flavor@{supported}: \
         rebuild the flavor against this host's wit/ (or use a matching alerter release)"
    )]
    WrongContract {
        /// The file.
        what: String,
        /// The version it exports.
        found: String,
        /// The versions this host supports (`0.1.x`).
        supported: String,
    },
    /// The component imports `wasi:http`, which would bypass the egress policy.
    #[error(
        "{what}: imports {import}, which would bypass the egress policy; flavors reach the network only through \
         alerter:flavor/http. Rebuild without it (componentize-js: `-d http -d fetch-event`; componentize-py: \
         `--stub-wasi`; Rust: drop the wasi-http/waki dependency)"
    )]
    ImportsWasiHttp {
        /// The file.
        what: String,
        /// The import.
        import: String,
    },
    /// The component exports no flavor interface.
    #[error("{what}: exports no alerter:flavor/flavor interface (it exports: {}); build it against the alerter:flavor@{contract} WIT in wit/", list(exports))]
    NoFlavorExport {
        /// The file.
        what: String,
        /// What it exports.
        exports: Vec<String>,
        /// The contract version to build against.
        contract: String,
    },
    /// The component does not compile, link or match the contract.
    #[error("{what}: {reason}")]
    InvalidComponent {
        /// The file.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// A call into a flavor failed. The texts inside are redacted.
    #[error("{label}: {error}")]
    CallFailed {
        /// The alerter, when the call was made for one.
        alerter: Option<String>,
        /// `flavor "<name>" <version>`.
        label: String,
        /// What happened.
        error: Box<CallError>,
        /// Requests the egress policy refused during the call.
        denied: Vec<Denial>,
    },
    /// `ask` through an alerter that cannot read replies.
    #[error("this alerter cannot read replies, so it cannot ask (alerter \"{alerter}\", {label}: {reason})")]
    CannotReadReplies {
        /// The alerter.
        alerter: String,
        /// `flavor "<name>" <version>`.
        label: String,
        /// The flavor's own reason, when it gave one.
        reason: String,
    },
    /// An attachment is over the per-file cap.
    #[error("attachment {name} is {} ({bytes} bytes), over the cap of {} per file", crate::attach::bytes(*bytes), crate::attach::bytes(*cap))]
    AttachmentTooLarge {
        /// Its name.
        name: String,
        /// Its size.
        bytes: u64,
        /// The cap per file.
        cap: u64,
    },
    /// A message's attachments together are over the per-message cap.
    #[error("{count} attachments are {} together, over the cap of {} per message", crate::attach::bytes(*bytes), crate::attach::bytes(*cap))]
    AttachmentsTooLarge {
        /// How many.
        count: usize,
        /// Their total size.
        bytes: u64,
        /// The cap per message.
        cap: u64,
    },
    /// No alerter or group has this name.
    #[error("unknown alerter or group \"{name}\" (alerters: {}; groups: {})", list(alerters), list(groups))]
    UnknownTarget {
        /// The name asked for.
        name: String,
        /// The alerters there are.
        alerters: Vec<String>,
        /// The groups there are.
        groups: Vec<String>,
    },
    /// No group has this name.
    #[error("no group \"{name}\" (groups: {})", list(known))]
    UnknownGroup {
        /// The name asked for.
        name: String,
        /// The groups there are.
        known: Vec<String>,
    },
    /// A group and an alerter cannot share a name (a name must say which it is).
    #[error("\"{name}\" is already the name of {what}")]
    NameTaken {
        /// The name.
        name: String,
        /// `an alerter` or `a group`.
        what: &'static str,
    },
    /// A group needs at least one member.
    #[error("group \"{name}\" needs at least one alerter")]
    EmptyGroup {
        /// The group.
        name: String,
    },
    /// `run` without a command.
    #[error("no command given")]
    NoCommand,
    /// The command of `run` cannot be started.
    #[error("cannot run `{program}`: {reason}")]
    CannotRun {
        /// The program.
        program: String,
        /// Why.
        reason: String,
    },
    /// An I/O error outside the state directory.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: std::io::Error,
    },
    /// The runtime could not be set up (wasmtime, threads, TLS).
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// Input or failure; see [`ErrorClass`].
    pub fn class(&self) -> ErrorClass {
        use crate::flavor::FlavorError;
        match self {
            Error::CallFailed { error, .. }
                if matches!(**error, CallError::Flavor(FlavorError::InvalidSettings(_))) =>
            {
                ErrorClass::Input
            }
            Error::BrokenFlavor { error, .. } => error.class(),
            Error::StateDir { .. } | Error::CallFailed { .. } | Error::Io { .. } | Error::Internal(_) => {
                ErrorClass::Failure
            }
            _ => ErrorClass::Input,
        }
    }

    /// The process exit code: [`ErrorClass::exit_code`] of [`Error::class`].
    pub fn exit_code(&self) -> u8 {
        self.class().exit_code()
    }

    pub(crate) fn state_dir(path: impl Into<PathBuf>, e: impl fmt::Display) -> Error {
        Error::StateDir { path: path.into(), reason: one_line(&e) }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

/// An error and its causes on one line (`{:#}` of anyhow, or the `source`
/// chain of a std error, without repeating text a cause already gave).
pub(crate) fn one_line(e: &impl fmt::Display) -> String {
    format!("{e:#}").replace('\n', " ")
}

/// The `source` chain of a std error on one line.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}
