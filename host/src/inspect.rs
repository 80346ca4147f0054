//! `alerter flavor check`: what a component is and what is wrong with it,
//! without registering it.
//!
//! [`inspect`] reads the component's own imports and exports (the contract
//! it was built for, the WASI interfaces the host links inert, anything the
//! host refuses or cannot link), loads it into a runtime without a compile
//! cache (timing the compile), runs `info` and `capabilities-for` (no
//! settings) under the limits, and lists every problem with its fix, one
//! line each.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::bindings::{Contract, CONTRACT_PACKAGE, CONTRACT_VERSION};
use crate::egress::EgressPolicy;
use crate::engine::Runtime;
use crate::error::Error;
use crate::flavor::{Capabilities, FlavorInfo};
use crate::limits::Limits;
use crate::net::Net;
use crate::secrets::SecretSet;

/// A component larger than this is a problem (it is slow to compile and
/// load): bytes.
pub const MAX_SIZE: usize = 50 << 20;

/// What an import of the component is to the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// `alerter:flavor/http` or `/log`: the contract.
    Contract,
    /// A `wasi:*` interface the host links inert (no files, environment,
    /// sockets; output to the log).
    WasiInert,
    /// `wasi:http`: refused, it would bypass the egress grants.
    WasiHttp,
    /// Anything else: the host cannot link it.
    Unknown,
}

/// One import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// Its name (`wasi:cli/stdout@0.2.0`).
    pub name: String,
    /// What it is to the host.
    pub kind: ImportKind,
}

/// One problem and its fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong.
    pub what: String,
    /// How to fix it.
    pub fix: String,
}

/// Everything [`inspect`] found.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// Size in bytes.
    pub size: usize,
    /// sha256 of the component.
    pub sha256: String,
    /// The contract version its flavor export names (`0.2.0`), if any.
    pub contract: Option<String>,
    /// The component's exports.
    pub exports: Vec<String>,
    /// The component's imports.
    pub imports: Vec<Import>,
    /// How long loading took without a cache (compile, link, `info`).
    pub load_time: Option<Duration>,
    /// What `info` says, when it loaded.
    pub info: Option<FlavorInfo>,
    /// What `capabilities-for` says with no settings, and how long it took.
    pub capabilities: Option<(Result<Capabilities, String>, Duration)>,
    /// Every problem found.
    pub problems: Vec<Problem>,
}

/// Inspects the component `bytes` (`what` names it in messages).
pub async fn inspect(bytes: &[u8], what: &str, limits: Limits) -> Result<Inspection, Error> {
    if bytes.len() < 8 || &bytes[0..4] != b"\0asm" {
        return Err(Error::NotWasm { what: what.to_string() });
    }
    if bytes[4..8] == [1, 0, 0, 0] {
        return Err(Error::CoreModule { what: what.to_string() });
    }
    let (imports, exports) =
        world(bytes).map_err(|reason| Error::InvalidComponent { what: what.to_string(), reason })?;
    let prefix = format!("{CONTRACT_PACKAGE}/flavor@");
    let contract = exports.iter().find_map(|e| e.strip_prefix(&prefix)).map(str::to_string);
    let mut problems = Vec::new();
    let mut problem = |what: String, fix: &str| problems.push(Problem { what, fix: fix.to_string() });
    if contract.is_none() {
        problem(
            format!("it exports no {prefix}*: exports are [{}]", exports.join(", ")),
            "build it for the contract: wit/flavor.wit, world alerter-flavor (it exports the interface `flavor`)",
        );
    }
    for import in &imports {
        match import.kind {
            ImportKind::WasiHttp => problem(
                format!("it imports {}, which the host refuses (it would bypass the egress grants)", import.name),
                "send requests through alerter:flavor/http; for componentize-js build with -d http -d fetch-event",
            ),
            ImportKind::Unknown => problem(
                format!("it imports {}, which the host cannot link", import.name),
                "import only alerter:flavor/http and /log (and WASI, linked inert)",
            ),
            _ => {}
        }
    }
    if bytes.len() > MAX_SIZE {
        problem(
            format!("it is {} MB, over {} MB: slow to compile and load", bytes.len() >> 20, MAX_SIZE >> 20),
            "build in release mode and strip it (`wasm-tools strip`); drop unused dependencies",
        );
    }

    let runtime = Runtime::new(None, limits.clone())?;
    let started = Instant::now();
    let loaded = runtime.load(bytes, what).await;
    let load_time = started.elapsed();
    let mut inspection = Inspection {
        size: bytes.len(),
        sha256: crate::engine::sha256_hex(bytes),
        contract,
        exports,
        imports,
        load_time: None,
        info: None,
        capabilities: None,
        problems,
    };
    let flavor = match loaded {
        Ok((flavor, _)) => flavor,
        Err(e) => {
            if inspection.problems.is_empty() {
                inspection.problems.push(Problem { what: format!("it does not load: {e}"), fix: fix_of(&e) });
            }
            return Ok(inspection);
        }
    };
    inspection.load_time = Some(load_time);
    if flavor.contract() == Contract::V0_1 {
        inspection.problems.push(Problem {
            what: "it was built for alerter:flavor@0.1: its secret settings cannot be given a value".into(),
            fix: format!("rebuild it against the current contract, wit/flavor.wit ({CONTRACT_VERSION})"),
        });
    }
    let info = flavor.info().clone();
    inspection.problems.extend(info_problems(&info));
    let net = Net::new(EgressPolicy::new("check", [], []), SecretSet::new(), limits)?;
    let started = Instant::now();
    let caps = flavor.capabilities_for(&Arc::new(net), &[]).await.map_err(|e| e.to_string());
    if let Err(e) = &caps {
        inspection.problems.push(Problem {
            what: format!("capabilities-for with no settings failed: {e}"),
            fix: "capabilities-for must answer for any settings, without I/O: fall back to what info says".into(),
        });
    }
    inspection.capabilities = Some((caps, started.elapsed()));
    inspection.info = Some(info);
    Ok(inspection)
}

/// The fix for a load error (its text says what is wrong).
fn fix_of(e: &Error) -> String {
    match e {
        Error::InvalidComponent { .. } => "rebuild the component for wit/flavor.wit".into(),
        _ => "change what `info` declares, as the reason says, and rebuild".into(),
    }
}

/// The component's top-level imports and exports (nested modules and
/// components skipped).
fn world(bytes: &[u8]) -> Result<(Vec<Import>, Vec<String>), String> {
    use wasmparser::{Parser, Payload};
    let mut imports = Vec::new();
    let mut exports = Vec::new();
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| format!("not a valid component: {e}"))? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 0 => {
                for import in reader {
                    let name = import.map_err(|e| format!("unreadable import: {e}"))?.name.name.to_string();
                    imports.push(Import { kind: import_kind(&name), name });
                }
            }
            Payload::ComponentExportSection(reader) if depth == 0 => {
                for export in reader {
                    exports.push(export.map_err(|e| format!("unreadable export: {e}"))?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}

fn import_kind(name: &str) -> ImportKind {
    if name.starts_with("wasi:http/") {
        ImportKind::WasiHttp
    } else if name.starts_with("wasi:") {
        ImportKind::WasiInert
    } else if name.starts_with(&format!("{CONTRACT_PACKAGE}/")) {
        ImportKind::Contract
    } else {
        ImportKind::Unknown
    }
}

/// What is worth fixing in what a flavor says about itself, beyond what
/// the host refuses at load (`validate.rs`: names, hosts, slots, secret
/// origins, reference-looking defaults): a name that is not lowercase, no
/// description, a version that is not semver, plain http hosts, settings
/// without a description, secrets with a default, capabilities that do not
/// fit together.
pub fn info_problems(info: &FlavorInfo) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut problem = |what: String, fix: &str| out.push(Problem { what, fix: fix.to_string() });
    if info.name.chars().any(|c| c.is_ascii_uppercase()) {
        problem(format!("its name `{}` is not lowercase", info.name), "name it like `my-chat` in info");
    }
    if info.description.trim().is_empty() {
        problem("it has no description".into(), "say in one line what it talks to, in info.description");
    }
    let numbers = info.version.split(['-', '+']).next().unwrap_or("");
    if numbers.split('.').count() != 3 || !numbers.split('.').all(|p| p.parse::<u64>().is_ok()) {
        problem(format!("its version `{}` is not semver", info.version), "use MAJOR.MINOR.PATCH, e.g. 0.1.0");
    }
    for host in info.hosts.iter().filter(|h| h.starts_with("http://")) {
        problem(
            format!("host `{host}` is plain http: nothing protects its requests, and users must grant it by hand"),
            "use https",
        );
    }
    for s in &info.settings {
        if s.description.trim().is_empty() {
            problem(format!("setting `{}` has no description", s.name), "describe it in one line");
        }
        if s.secret.is_some() && s.default.is_some() {
            problem(format!("secret `{}` has a default", s.name), "a secret comes from the user: drop the default");
        }
    }
    let c = &info.capabilities;
    if !c.post {
        problem("it cannot post (capabilities.post is false)".into(), "every flavor posts: set post");
    }
    if c.reactions && !c.read_replies {
        problem("it lists reactions but cannot read replies".into(), "set read-replies, or clear reactions");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flavor::{HeaderSlot, SecretSlot, SecretSpec, SettingSpec};

    fn info() -> FlavorInfo {
        FlavorInfo {
            name: "chat".into(),
            version: "0.1.0".into(),
            description: "Posts to a chat".into(),
            settings: vec![SettingSpec {
                name: "token".into(),
                description: "Token".into(),
                required: true,
                default: None,
                secret: Some(SecretSpec {
                    slot: SecretSlot::Header(HeaderSlot { name: "authorization".into(), format: "Bearer {}".into() }),
                    origins: vec!["https://chat.example.com".into()],
                }),
            }],
            hosts: vec!["https://chat.example.com".into()],
            capabilities: Capabilities {
                post: true,
                read_replies: true,
                threads: false,
                attachments: false,
                reactions: false,
                update: false,
            },
        }
    }

    #[test]
    fn a_good_flavor_has_no_problem() {
        assert_eq!(info_problems(&info()), Vec::new());
    }

    #[test]
    fn each_problem_is_named_with_its_fix() {
        let mut bad = info();
        bad.description.clear();
        bad.version = "1.0".into();
        bad.hosts.push("http://chat.example.com".into());
        bad.settings[0].description.clear();
        bad.capabilities.reactions = true;
        bad.capabilities.read_replies = false;
        let problems = info_problems(&bad);
        let whats: Vec<&str> = problems.iter().map(|p| p.what.as_str()).collect();
        assert_eq!(problems.len(), 5, "{whats:#?}");
        for (what, want) in
            whats.iter().zip(["no description", "not semver", "plain http", "no description", "reactions"])
        {
            assert!(what.contains(want), "{what:?} should say {want:?}");
        }
        assert!(problems.iter().all(|p| !p.fix.is_empty()));
    }

    #[test]
    fn imports_are_classified() {
        assert_eq!(import_kind("alerter:flavor/http@0.2.0"), ImportKind::Contract);
        assert_eq!(import_kind("wasi:cli/stdout@0.2.0"), ImportKind::WasiInert);
        assert_eq!(import_kind("wasi:http/outgoing-handler@0.2.0"), ImportKind::WasiHttp);
        assert_eq!(import_kind("acme:thing/x"), ImportKind::Unknown);
    }
}
