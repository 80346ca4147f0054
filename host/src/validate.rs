//! What a flavor's `info()` may declare, checked every time a component is
//! loaded (so at `flavor register`, and for every pinned copy after): a name
//! made of `[A-Za-z0-9_-]`; texts without control characters and within
//! size caps; settings with unique names; defaults that are literal, never
//! something that looks like a secret reference (`{{name.key}}`); hosts
//! that are `scheme://host[:port]` or `{setting}`; and for each secret a
//! well-formed slot and origins that are among the hosts.

use std::collections::BTreeSet;

use crate::bindings::Contract;
use crate::egress::Origin;
use crate::error::Error;
use crate::flavor::{FlavorInfo, SecretSlot};
use crate::net::FORBIDDEN_HEADERS;
use crate::secrets::{looks_like_reference, valid_ident};

/// Longest flavor name.
const MAX_NAME: usize = 64;
/// Longest version, setting name or host.
const MAX_SHORT: usize = 256;
/// Longest description (the flavor's or a setting's) or default.
const MAX_TEXT: usize = 1024;
/// Most settings, hosts, or origins of one secret.
const MAX_ITEMS: usize = 64;

/// Checks `info` (of `what`, a path or a built-in's name) built for `contract`.
pub(crate) fn validate_info(info: &FlavorInfo, contract: Contract, what: &str) -> Result<(), Error> {
    let bad = |problem: String| Error::InvalidFlavorInfo { what: what.to_string(), problem };
    if info.name.len() > MAX_NAME || !valid_ident(&info.name) {
        return Err(bad(format!(
            "its name must be 1 to {MAX_NAME} letters, digits, `_` or `-`, not {}",
            quoted(&info.name)
        )));
    }
    text(&info.version, "its version", MAX_SHORT).map_err(bad)?;
    if info.version.trim().is_empty() {
        return Err(bad("its version is empty".into()));
    }
    text(&info.description, "its description", MAX_TEXT).map_err(bad)?;
    if info.settings.len() > MAX_ITEMS || info.hosts.len() > MAX_ITEMS {
        return Err(bad(format!("it declares more than {MAX_ITEMS} settings or hosts")));
    }
    let mut names = BTreeSet::new();
    for s in &info.settings {
        if s.name.len() > MAX_SHORT || !valid_ident(&s.name) {
            return Err(bad(format!(
                "setting {} must be named with letters, digits, `_` and `-` only",
                quoted(&s.name)
            )));
        }
        if !names.insert(s.name.as_str()) {
            return Err(bad(format!("setting `{}` is declared twice", s.name)));
        }
        text(&s.description, &format!("the description of setting `{}`", s.name), MAX_TEXT).map_err(bad)?;
        if let Some(d) = &s.default {
            text(d, &format!("the default of setting `{}`", s.name), MAX_TEXT).map_err(bad)?;
            if looks_like_reference(d) {
                return Err(Error::ReferenceInDefault { what: what.to_string(), setting: s.name.clone() });
            }
        }
    }
    for h in &info.hosts {
        host(h, &names).map_err(bad)?;
    }
    if contract == Contract::V0_1 {
        return Ok(()); // 0.1 secrets have no slot: the host never gives them a value.
    }
    for s in &info.settings {
        let Some(spec) = &s.secret else { continue };
        let rule = |problem: String| bad(format!("secret `{}`: {problem}", s.name));
        match &spec.slot {
            SecretSlot::Header(h) => {
                let lower = h.name.to_ascii_lowercase();
                if h.name.is_empty() || !h.name.bytes().all(is_token_char) {
                    return Err(rule(format!("header slot name {} is not a header name", quoted(&h.name))));
                }
                if FORBIDDEN_HEADERS.contains(&lower.as_str()) || lower.starts_with("proxy-") {
                    return Err(rule(format!("header `{lower}` is set by the host, so no secret may go there")));
                }
                template(&h.format, "header format").map_err(rule)?;
            }
            SecretSlot::PathSegment(t) => {
                template(t, "path segment").map_err(rule)?;
                if t.contains(['/', '?', '#', '%', '\\']) || t.contains(' ') {
                    return Err(rule(format!("path segment {} may not contain `/ ? # % \\` or spaces", quoted(t))));
                }
            }
            SecretSlot::Url => {}
        }
        if spec.origins.is_empty() || spec.origins.len() > MAX_ITEMS {
            return Err(rule(format!("it must name 1 to {MAX_ITEMS} origins it may be sent to")));
        }
        for o in &spec.origins {
            if !info.hosts.contains(o) {
                return Err(rule(format!(
                    "origin {} is not among the flavor's hosts ({})",
                    quoted(o),
                    info.hosts.iter().map(|h| quoted(h)).collect::<Vec<_>>().join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// A text of `info`: no control characters, at most `max` bytes.
fn text(t: &str, what: &str, max: usize) -> Result<(), String> {
    if t.len() > max {
        return Err(format!("{what} is longer than {max} bytes"));
    }
    if t.chars().any(is_hidden) {
        return Err(format!("{what} contains control characters"));
    }
    Ok(())
}

/// Control and invisible formatting characters.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// `scheme://host[:port]` or `{setting}` naming a declared setting.
fn host(h: &str, settings: &BTreeSet<&str>) -> Result<(), String> {
    text(h, "a host", MAX_SHORT)?;
    if let Some(name) = h.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
        return if settings.contains(name) { Ok(()) } else { Err(format!("host `{h}` names no declared setting")) };
    }
    Origin::parse_grant(h)
        .map(|_| ())
        .map_err(|_| format!("host {} is neither SCHEME://HOST[:PORT] nor {{setting}}", quoted(h)))
}

/// Exactly one `{}`, no control characters, not too long.
fn template(t: &str, what: &str) -> Result<(), String> {
    text(t, what, MAX_SHORT)?;
    if t.matches("{}").count() != 1 {
        return Err(format!("{what} {} must contain `{{}}` exactly once", quoted(t)));
    }
    Ok(())
}

/// A character allowed in an HTTP header name (RFC 9110 token).
fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// A value quoted for an error: control characters shown escaped, capped.
fn quoted(t: &str) -> String {
    let shown: String = t.chars().take(80).flat_map(char::escape_debug).collect();
    if t.chars().count() > 80 {
        format!("\"{shown}…\"")
    } else {
        format!("\"{shown}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flavor::{Capabilities, HeaderSlot, SecretSpec, SettingSpec};

    fn info() -> FlavorInfo {
        FlavorInfo {
            name: "ok".into(),
            version: "1.0.0".into(),
            description: "fine".into(),
            settings: vec![
                SettingSpec {
                    name: "url".into(),
                    description: "d".into(),
                    required: true,
                    default: None,
                    secret: None,
                },
                SettingSpec {
                    name: "token".into(),
                    description: "d".into(),
                    required: false,
                    default: None,
                    secret: Some(SecretSpec {
                        slot: SecretSlot::Header(HeaderSlot {
                            name: "authorization".into(),
                            format: "Bearer {}".into(),
                        }),
                        origins: vec!["{url}".into()],
                    }),
                },
            ],
            hosts: vec!["{url}".into(), "https://chat.example".into()],
            capabilities: Capabilities {
                post: true,
                read_replies: false,
                threads: false,
                attachments: false,
                reactions: false,
                update: false,
            },
        }
    }

    fn check(f: impl FnOnce(&mut FlavorInfo)) -> Result<(), String> {
        let mut i = info();
        f(&mut i);
        validate_info(&i, Contract::V0_2, "x.wasm").map_err(|e| e.to_string())
    }

    fn slot(i: &mut FlavorInfo) -> &mut SecretSpec {
        i.settings[1].secret.as_mut().unwrap()
    }

    #[test]
    fn info_validation_table() {
        assert_eq!(check(|_| {}), Ok(()));
        type Change = Box<dyn FnOnce(&mut FlavorInfo)>;
        let refused: Vec<(&str, Change)> = vec![
            ("its name", Box::new(|i| i.name = "sl ack".into())),
            ("its name", Box::new(|i| i.name = "\x1b[31mslack".into())),
            ("its name", Box::new(|i| i.name = "x".repeat(65))),
            ("its description contains control", Box::new(|i| i.description = "a\x1b[2Jb".into())),
            ("its description is longer", Box::new(|i| i.description = "d".repeat(5000))),
            ("its version contains control", Box::new(|i| i.version = "1\n2".into())),
            ("its version is empty", Box::new(|i| i.version = " ".into())),
            ("declared twice", Box::new(|i| i.settings[1].name = "url".into())),
            ("looks like a secret reference", Box::new(|i| i.settings[0].default = Some("{{ci.slack_token}}".into()))),
            ("looks like a secret reference", Box::new(|i| i.settings[1].default = Some("Bearer {{ci.tok}}".into()))),
            ("names no declared setting", Box::new(|i| i.hosts.push("{nope}".into()))),
            ("neither SCHEME", Box::new(|i| i.hosts.push("chat.example".into()))),
            ("neither SCHEME", Box::new(|i| i.hosts.push("https://chat.example/api".into()))),
            ("not among the flavor's hosts", Box::new(|i| slot(i).origins = vec!["https://collector.example".into()])),
            ("1 to 64 origins", Box::new(|i| slot(i).origins.clear())),
            (
                "exactly once",
                Box::new(|i| {
                    slot(i).slot =
                        SecretSlot::Header(HeaderSlot { name: "authorization".into(), format: "Bearer".into() });
                }),
            ),
            (
                "exactly once",
                Box::new(|i| {
                    slot(i).slot =
                        SecretSlot::Header(HeaderSlot { name: "authorization".into(), format: "{} {}".into() });
                }),
            ),
            (
                "set by the host",
                Box::new(|i| {
                    slot(i).slot = SecretSlot::Header(HeaderSlot { name: "Host".into(), format: "{}".into() });
                }),
            ),
            (
                "set by the host",
                Box::new(|i| {
                    slot(i).slot =
                        SecretSlot::Header(HeaderSlot { name: "proxy-authorization".into(), format: "{}".into() });
                }),
            ),
            (
                "not a header name",
                Box::new(|i| slot(i).slot = SecretSlot::Header(HeaderSlot { name: "a b".into(), format: "{}".into() })),
            ),
            ("may not contain", Box::new(|i| slot(i).slot = SecretSlot::PathSegment("bot{}/x".into()))),
            ("exactly once", Box::new(|i| slot(i).slot = SecretSlot::PathSegment("bot".into()))),
        ];
        for (want, change) in refused {
            let got = check(change);
            assert!(got.as_ref().is_err_and(|e| e.contains(want)), "want `{want}`: {got:?}");
            assert!(!got.unwrap_err().contains('\x1b'), "no control characters in the error");
        }
        // Literal defaults are fine, and the url and path-segment slots too.
        assert_eq!(check(|i| i.settings[0].default = Some("https://chat.example".into())), Ok(()));
        assert_eq!(check(|i| slot(i).slot = SecretSlot::Url), Ok(()));
        assert_eq!(check(|i| slot(i).slot = SecretSlot::PathSegment("bot{}".into())), Ok(()));
    }

    /// The built-in flavors pass, and none has a default that looks like a
    /// reference.
    #[test]
    fn built_in_flavors_are_valid() {
        let rt = crate::engine::Runtime::new(None, crate::limits::Limits::default()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        for name in crate::builtin::NAMES {
            let bytes = crate::builtin::component(name).unwrap();
            let (flavor, _) = runtime.block_on(rt.load(bytes, name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            for s in &flavor.info().settings {
                assert!(!s.default.as_deref().is_some_and(looks_like_reference), "{name}: {}", s.name);
            }
            assert!(flavor.info().settings.iter().any(|s| s.secret.is_some()), "{name} declares its secrets in slots");
        }
    }
}
