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
use crate::flavor::{Capabilities, FlavorInfo, SecretSlot};
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
    let (imports, exports) = world(bytes).map_err(|reason| Error::InvalidComponent { what: what.to_string(), reason })?;
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

/// The fix for a load error: its own text says it (the host words every
/// refusal with what to do).
fn fix_of(e: &Error) -> String {
    match e {
        Error::InvalidComponent { .. } => "see the reason above; rebuild the component".into(),
        _ => "see the reason above".into(),
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

/// What is wrong with what a flavor says about itself.
pub fn info_problems(info: &FlavorInfo) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut problem = |what: String, fix: String| out.push(Problem { what, fix });
    if info.name.is_empty() || !info.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_') {
        problem(format!("its name `{}` is not a short lowercase name", info.name), "name it like `my-chat` in info".into());
    }
    if info.description.trim().is_empty() {
        problem("it has no description".into(), "say in one line what it talks to, in info.description".into());
    }
    let semver = info.version.split('.').count() == 3 && info.version.split(['.', '-', '+']).take(3).all(|p| p.parse::<u64>().is_ok());
    if !semver {
        problem(format!("its version `{}` is not semver", info.version), "use MAJOR.MINOR.PATCH, e.g. 0.1.0".into());
    }
    let hosts: Vec<&str> = info.hosts.iter().map(String::as_str).collect();
    let setting = |name: &str| info.settings.iter().find(|s| s.name == name);
    for host in &hosts {
        if let Some(name) = host.strip_prefix('{').and_then(|h| h.strip_suffix('}')) {
            if setting(name).is_none() {
                problem(format!("host `{host}` names no setting"), format!("declare a setting `{name}` or fix the host"));
            }
        } else if host.starts_with("http://") {
            problem(
                format!("host `{host}` is plain http: nothing protects the requests, and users must grant it by hand"),
                "use https".into(),
            );
        } else if !host.starts_with("https://") || crate::egress::Origin::of_url_str(host).is_none() {
            problem(format!("host `{host}` is not an origin"), "write https://host[:port], or {setting}".into());
        }
    }
    for (i, s) in info.settings.iter().enumerate() {
        if info.settings[..i].iter().any(|o| o.name == s.name) {
            problem(format!("setting `{}` is declared twice", s.name), "declare each setting once".into());
        }
        if s.description.trim().is_empty() {
            problem(format!("setting `{}` has no description", s.name), "describe it in one line".into());
        }
        if let Some(d) = &s.default {
            if crate::secrets::SecretRef::parse(d).is_some() || (d.contains("{{") && d.contains("}}")) {
                problem(
                    format!("setting `{}` has a default that looks like a secret reference ({d})", s.name),
                    "defaults are literal, and the host refuses a flavor whose default looks like {{name.key}}: \
                     drop it, or use a plain value"
                        .into(),
                );
            }
        }
        let Some(spec) = &s.secret else { continue };
        if s.default.is_some() {
            problem(format!("secret `{}` has a default", s.name), "a secret comes from the user: drop the default".into());
        }
        if spec.origins.is_empty() {
            problem(
                format!("secret `{}` declares no origins, so it can be sent nowhere", s.name),
                "list the origins it may go to in its secret-spec (e.g. https://api.example.com or {url})".into(),
            );
        }
        for origin in &spec.origins {
            let own = matches!(spec.slot, SecretSlot::Url) && *origin == format!("{{{}}}", s.name);
            if !own && !hosts.contains(&origin.as_str()) {
                problem(
                    format!("secret `{}` may go to `{origin}`, which is not among the hosts", s.name),
                    format!("add `{origin}` to info.hosts, or drop it from the secret's origins"),
                );
            }
        }
        let format_ok = match &spec.slot {
            SecretSlot::Header(h) => h.format.matches("{}").count() == 1 && !h.name.trim().is_empty(),
            SecretSlot::PathSegment(t) => t.matches("{}").count() == 1 && !t.contains('/'),
            SecretSlot::Url => true,
        };
        if !format_ok {
            problem(
                format!("secret `{}` has a malformed slot", s.name),
                "a header slot needs a name and a format with exactly one {}; a path segment template has one {} \
                 and no /"
                    .into(),
            );
        }
    }
    let c = &info.capabilities;
    if !c.post {
        problem("it cannot post (capabilities.post is false)".into(), "every flavor posts: set post".into());
    }
    if c.reactions && !c.read_replies {
        problem("it lists reactions but cannot read replies".into(), "set read-replies, or clear reactions".into());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flavor::{HeaderSlot, SecretSpec, SettingSpec};

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
        bad.hosts = vec!["http://chat.example.com".into(), "{nope}".into()];
        bad.settings[0].secret.as_mut().unwrap().origins.clear();
        bad.settings.push(SettingSpec {
            name: "channel".into(),
            description: "Channel".into(),
            required: false,
            default: Some("{{ci.channel}}".into()),
            secret: None,
        });
        let problems = info_problems(&bad);
        let whats: Vec<&str> = problems.iter().map(|p| p.what.as_str()).collect();
        assert_eq!(problems.len(), 5, "{whats:#?}");
        assert!(whats[0].contains("no description"));
        assert!(whats[1].contains("plain http"));
        assert!(whats[2].contains("names no setting"));
        assert!(whats[3].contains("declares no origins"));
        assert!(whats[4].contains("looks like a secret reference"));
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
