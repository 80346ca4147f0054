//! Where a secret may go in a request: the slot matcher.
//!
//! Works on the request exactly as the flavor wrote it (placeholders, no
//! values). Every placeholder is found; each is substituted only
//!
//! - in a header whose name matches its header slot and whose whole value is
//!   the slot's format with the placeholder (`authorization: Bearer {}`);
//! - at the very start of the URL, for a url slot: the real URL is the
//!   secret URL followed by what the flavor wrote after the placeholder,
//!   which may only be empty or start with `/` or `?`, and which may not
//!   lead out of the secret URL (`..`, encoded slashes or dots);
//! - as a whole path segment equal to the path-segment template (`bot{}`),
//!   the value percent-encoded where a path segment needs it.
//!
//! A placeholder anywhere else (another header, a header name, the query,
//! the fragment, the userinfo, the host, another path segment, the body) is
//! a [`Misplaced`] error naming the setting, its rule and the place, and
//! nothing is sent. [`check_origin`] then binds each substituted secret to
//! its origins. Texts about the request use [`Placed::shown_url`], which
//! carries no value.

use std::fmt;

use crate::egress::Origin;
use crate::flavor::SecretSlot;
use crate::secrets::{SecretEntry, SecretSet};

/// Where a placeholder was found outside its slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Spot {
    /// In the request body.
    Body,
    /// In a header's name.
    HeaderName(String),
    /// In this header's value: another header than its slot, or its slot's
    /// header in another format.
    Header(String),
    /// In the URL's scheme, or a URL that does not parse.
    Url,
    /// In the URL's user name or password.
    UrlUserinfo,
    /// In the URL's host.
    UrlHost,
    /// In the URL's path, not as its slot's whole segment.
    UrlPath,
    /// In the URL's query.
    UrlQuery,
    /// In the URL's fragment.
    UrlFragment,
    /// A url slot's placeholder not at the start of the URL, or followed by
    /// something other than `/…` or `?…`.
    UrlNotAtStart,
    /// What follows a url slot's placeholder leads out of the secret URL.
    UrlEscape,
    /// In its slot, but the request goes to an origin the secret is not
    /// bound to.
    Origin(Origin),
}

impl fmt::Display for Spot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Spot::Body => write!(f, "found in the request body"),
            Spot::HeaderName(h) => write!(f, "found in the name of header `{h}`"),
            Spot::Header(h) => write!(f, "found in header `{h}`"),
            Spot::Url => write!(f, "found in the URL"),
            Spot::UrlUserinfo => write!(f, "found in the URL's user name or password"),
            Spot::UrlHost => write!(f, "found in the URL's host"),
            Spot::UrlPath => write!(f, "found in the URL path"),
            Spot::UrlQuery => write!(f, "found in the URL query"),
            Spot::UrlFragment => write!(f, "found in the URL fragment"),
            Spot::UrlNotAtStart => write!(f, "found in the URL, not at its start followed by `/…` or `?…`"),
            Spot::UrlEscape => write!(f, "what follows it in the URL leads out of the secret URL"),
            Spot::Origin(o) => write!(f, "the request goes to {o}"),
        }
    }
}

/// A placeholder outside its slot (or towards an origin it is not bound
/// to): the request is refused and nothing is sent. The text names the
/// setting, its rule and the place, never a value:
/// ``secret `token` may only go in header `authorization` as `Bearer {}`
/// towards https://slack.com; found in the URL query``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Misplaced {
    /// The secret setting.
    pub setting: String,
    /// Where it may go ([`SecretEntry::rule`]).
    pub rule: String,
    /// Where it was found.
    pub spot: Spot,
}

impl fmt::Display for Misplaced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.rule, self.spot)
    }
}

impl std::error::Error for Misplaced {}

/// A request with its secrets substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placed {
    /// The real URL (secret values in it).
    pub url: String,
    /// The real headers, each with whether it carries a secret.
    pub headers: Vec<(String, String, bool)>,
    /// The indexes (into [`SecretSet::entries`]) of the secrets substituted.
    pub used: Vec<usize>,
    /// The URL as the flavor wrote it, placeholders shown as
    /// `{{secret:NAME}}` and a url slot's as `{NAME}`: for texts.
    pub shown_url: String,
}

fn misplaced(e: &SecretEntry, spot: Spot) -> Misplaced {
    Misplaced { setting: e.setting.clone(), rule: e.rule(), spot }
}

/// Matches every placeholder of `set` in the request against its slot and
/// substitutes the values; see the module docs.
pub fn place(
    set: &SecretSet,
    url: &str,
    headers: &[(String, String)],
    body: Option<&[u8]>,
) -> Result<Placed, Misplaced> {
    let entries = set.entries();
    let mut used: Vec<usize> = Vec::new();

    // The URL. A url slot's placeholder at the very start is swapped first.
    let prefix = entries.iter().position(|e| matches!(e.slot, SecretSlot::Url) && url.starts_with(&e.placeholder));
    let (mut real, rest_from, mut shown) = match prefix {
        Some(i) => {
            let e = &entries[i];
            let suffix = &url[e.placeholder.len()..];
            if !(suffix.is_empty() || suffix.starts_with('/') || suffix.starts_with('?')) {
                return Err(misplaced(e, Spot::UrlNotAtStart));
            }
            let real = join_url(&e.value, suffix).ok_or_else(|| misplaced(e, Spot::UrlEscape))?;
            used.push(i);
            (real, e.placeholder.len(), format!("{{{}}}", e.setting))
        }
        None => (url.to_string(), 0, String::new()),
    };
    let rest = &url[rest_from..];
    shown.push_str(&show_placeholders(set, rest));

    let parsed = url::Url::parse(&real).ok();
    let mut segment_swaps: Vec<usize> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if !rest.contains(&e.placeholder) {
            continue;
        }
        if matches!(e.slot, SecretSlot::Url) {
            return Err(misplaced(e, Spot::UrlNotAtStart));
        }
        let Some(u) = &parsed else { return Err(misplaced(e, Spot::Url)) };
        let ph = e.placeholder.as_str();
        if u.scheme().contains(ph) {
            return Err(misplaced(e, Spot::Url));
        }
        if u.username().contains(ph) || u.password().is_some_and(|p| p.contains(ph)) {
            return Err(misplaced(e, Spot::UrlUserinfo));
        }
        if u.host_str().is_some_and(|h| h.contains(ph)) {
            return Err(misplaced(e, Spot::UrlHost));
        }
        if u.query().is_some_and(|q| q.contains(ph)) {
            return Err(misplaced(e, Spot::UrlQuery));
        }
        if u.fragment().is_some_and(|q| q.contains(ph)) {
            return Err(misplaced(e, Spot::UrlFragment));
        }
        let whole = match &e.slot {
            SecretSlot::PathSegment(t) => Some(t.replacen("{}", ph, 1)),
            SecretSlot::Url | SecretSlot::Header(_) => None,
        };
        let segments: Vec<&str> = u.path_segments().map(Iterator::collect).unwrap_or_default();
        if segments.iter().any(|s| s.contains(ph) && Some(*s) != whole.as_deref()) || whole.is_none() {
            return Err(misplaced(e, Spot::UrlPath));
        }
        // Every occurrence must be one of those whole segments (nothing in
        // the URL text the parsed parts do not show).
        let in_segments = segments.iter().filter(|s| s.contains(ph)).count();
        if rest.matches(ph).count() != in_segments {
            return Err(misplaced(e, Spot::Url));
        }
        segment_swaps.push(i);
    }
    if !segment_swaps.is_empty() {
        let before = parsed.as_ref().map(|u| (u.scheme().to_string(), u.host_str().map(str::to_string), u.port()));
        for &i in &segment_swaps {
            let e = &entries[i];
            real = real.replace(&e.placeholder, &encode_segment_value(e));
            used.push(i);
        }
        let after = url::Url::parse(&real).ok();
        let same_origin = after.as_ref().map(|u| (u.scheme().to_string(), u.host_str().map(str::to_string), u.port()));
        if after.is_none() || same_origin != before {
            return Err(misplaced(&entries[segment_swaps[0]], Spot::UrlEscape));
        }
    }

    // Headers.
    let mut real_headers = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        if let Some(e) = entries.iter().find(|e| name.contains(&e.placeholder)) {
            return Err(misplaced(e, Spot::HeaderName(shown_text(set, name))));
        }
        let mut real_value: Option<String> = None;
        for (i, e) in entries.iter().enumerate() {
            if !value.contains(&e.placeholder) {
                continue;
            }
            match &e.slot {
                SecretSlot::Header(h)
                    if h.name.eq_ignore_ascii_case(name) && *value == h.format.replacen("{}", &e.placeholder, 1) =>
                {
                    real_value = Some(h.format.replacen("{}", &e.value, 1));
                    if !used.contains(&i) {
                        used.push(i);
                    }
                }
                _ => return Err(misplaced(e, Spot::Header(name.to_ascii_lowercase()))),
            }
        }
        let sensitive = real_value.is_some();
        real_headers.push((name.clone(), real_value.unwrap_or_else(|| value.clone()), sensitive));
    }

    // The body never carries a secret.
    if let Some(body) = body {
        if let Some(e) = entries.iter().find(|e| contains(body, e.placeholder.as_bytes())) {
            return Err(misplaced(e, Spot::Body));
        }
    }

    Ok(Placed { url: real, headers: real_headers, used, shown_url: shown })
}

/// Binds each secret substituted in `placed` to its origins: the request's
/// `origin` must be one of them.
pub fn check_origin(set: &SecretSet, placed: &Placed, origin: &Origin) -> Result<(), Misplaced> {
    for &i in &placed.used {
        let e = &set.entries()[i];
        if !e.origins.contains(origin) {
            return Err(misplaced(e, Spot::Origin(origin.clone())));
        }
    }
    Ok(())
}

/// `text` with every placeholder shown as `{{secret:NAME}}`.
pub(crate) fn show_placeholders(set: &SecretSet, text: &str) -> String {
    let mut out = text.to_string();
    for e in set.entries() {
        if out.contains(&e.placeholder) {
            out = out.replace(&e.placeholder, &e.shown());
        }
    }
    out
}

fn shown_text(set: &SecretSet, text: &str) -> String {
    crate::secrets::strip_controls(&show_placeholders(set, text), true)
}

/// The secret URL `secret` followed by `suffix` (empty, `/…` or `?…`), or
/// `None` when the result does not stay under the secret URL: `..` or
/// encoded slashes, backslashes or dots in the suffix's path, or a parsed
/// result that no longer starts with the secret URL's origin and path.
fn join_url(secret: &str, suffix: &str) -> Option<String> {
    let (suffix_path, suffix_query) = match suffix.find(['?', '#']) {
        Some(i) => (&suffix[..i], &suffix[i..]),
        None => (suffix, ""),
    };
    let lower = suffix_path.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") || lower.contains("%2e") || lower.contains('\\') {
        return None;
    }
    if suffix_path.split('/').any(|s| s == "." || s == "..") {
        return None;
    }
    let base = url::Url::parse(secret).ok()?;
    let joined = if base.query().is_some() && suffix_query.starts_with('?') && suffix_path.is_empty() {
        format!("{secret}&{}", &suffix_query[1..])
    } else if base.query().is_some() && !suffix.is_empty() {
        // A path after a query would land in the query.
        return None;
    } else if secret.ends_with('/') && suffix_path.starts_with('/') {
        format!("{secret}{}", &suffix[1..])
    } else {
        format!("{secret}{suffix}")
    };
    let url = url::Url::parse(&joined).ok()?;
    let same_origin = url.scheme() == base.scheme() && url.host() == base.host() && url.port() == base.port();
    let base_path = base.path().trim_end_matches('/');
    let path_ok = url.path() == base.path()
        || url.path().strip_prefix(base_path).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
    let query_ok = match base.query() {
        Some(q) => url.query().is_some_and(|uq| uq == q || uq.starts_with(&format!("{q}&"))),
        None => true,
    };
    let clean = url.username().is_empty() && url.password().is_none();
    (same_origin && path_ok && query_ok && clean).then_some(joined)
}

/// The value for a path-segment slot: the template with the value,
/// percent-encoded where a path segment needs it (never a bare `.` or `..`).
fn encode_segment_value(e: &SecretEntry) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'/')
        .add(b'%')
        .add(b'\\')
        .add(b'^')
        .add(b'|')
        .add(b'[')
        .add(b']');
    let encoded = percent_encoding::utf8_percent_encode(&e.value, SEGMENT).to_string();
    let SecretSlot::PathSegment(t) = &e.slot else { return encoded };
    let whole = t.replacen("{}", &encoded, 1);
    if whole == "." || whole == ".." {
        return encoded.replace('.', "%2E");
    }
    encoded
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flavor::HeaderSlot;

    const TOKEN: &str = "xoxb-REAL-token";
    const HOOK: &str = "https://hooks.slack.com/services/T0/B0/SeCrEt";
    const TG: &str = "123456:AB/C?D";

    fn o(s: &str) -> Origin {
        Origin::parse_grant(s).unwrap()
    }

    /// token (header Bearer towards slack.com), hook (url), tg (path segment `bot{}`).
    fn set() -> (SecretSet, String, String, String) {
        let mut s = SecretSet::new();
        let token = s.bind(
            "token",
            TOKEN.into(),
            SecretSlot::Header(HeaderSlot { name: "Authorization".into(), format: "Bearer {}".into() }),
            vec![o("https://slack.com")],
        );
        let hook = s.bind("hook", HOOK.into(), SecretSlot::Url, vec![o("https://hooks.slack.com")]);
        let tg = s.bind("tg", TG.into(), SecretSlot::PathSegment("bot{}".into()), vec![o("https://api.telegram.org")]);
        (s, token, hook, tg)
    }

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    enum Want {
        /// Substituted: the real URL and the real headers.
        Ok(&'static str, &'static [(&'static str, &'static str)]),
        /// Refused: the setting and where it was found.
        Err(&'static str, Spot),
    }

    /// The slot matcher as a table: a request as the flavor wrote it (with
    /// `{token}`, `{hook}`, `{tg}` standing for the placeholders) and what
    /// must come of it.
    #[test]
    fn slot_matcher_table() {
        use Want::*;
        let (s, token, hook, tg) = set();
        let fill = |t: &str| t.replace("{token}", &token).replace("{hook}", &hook).replace("{tg}", &tg);
        type Row<'a> = (&'a str, Vec<(&'a str, &'a str)>, Option<&'a str>, Want);
        let rows: Vec<Row<'_>> = vec![
            // Header slots.
            (
                "https://slack.com/api/chat.postMessage",
                vec![("authorization", "Bearer {token}")],
                None,
                Ok("https://slack.com/api/chat.postMessage", &[("authorization", "Bearer xoxb-REAL-token")]),
            ),
            (
                "https://slack.com/api/x",
                vec![("AUTHORIZATION", "Bearer {token}"), ("content-type", "application/json")],
                Some("{\"text\":\"hi\"}"),
                Ok(
                    "https://slack.com/api/x",
                    &[("AUTHORIZATION", "Bearer xoxb-REAL-token"), ("content-type", "application/json")],
                ),
            ),
            (
                "https://slack.com/api/x",
                vec![("authorization", "Bot {token}")],
                None,
                Err("token", Spot::Header("authorization".into())),
            ),
            (
                "https://slack.com/api/x",
                vec![("authorization", "Bearer {token} ")],
                None,
                Err("token", Spot::Header("authorization".into())),
            ),
            (
                "https://slack.com/api/x",
                vec![("authorization", "Bearer {token}{token}")],
                None,
                Err("token", Spot::Header("authorization".into())),
            ),
            (
                "https://slack.com/api/x",
                vec![("cookie", "t={token}")],
                None,
                Err("token", Spot::Header("cookie".into())),
            ),
            (
                "https://slack.com/api/x",
                vec![("x-token", "{token}")],
                None,
                Err("token", Spot::Header("x-token".into())),
            ),
            (
                "https://slack.com/api/x",
                vec![("x-{token}", "1")],
                None,
                Err("token", Spot::HeaderName("x-{{secret:token}}".into())),
            ),
            (
                "https://slack.com/api/x",
                vec![("authorization", "Bearer {hook}")],
                None,
                Err("hook", Spot::Header("authorization".into())),
            ),
            ("https://slack.com/api/x?text={token}", vec![], None, Err("token", Spot::UrlQuery)),
            ("https://slack.com/api/{token}", vec![], None, Err("token", Spot::UrlPath)),
            ("https://slack.com/api/x#{token}", vec![], None, Err("token", Spot::UrlFragment)),
            ("https://{token}@slack.com/api/x", vec![], None, Err("token", Spot::UrlUserinfo)),
            ("https://u:{token}@slack.com/api/x", vec![], None, Err("token", Spot::UrlUserinfo)),
            ("https://{token}.evil.example/x", vec![], None, Err("token", Spot::UrlHost)),
            ("https://{token}/x", vec![], None, Err("token", Spot::UrlHost)),
            ("not a url {token}", vec![], None, Err("token", Spot::Url)),
            (
                "https://slack.com/api/x",
                vec![("authorization", "Bearer {token}")],
                Some("{\"t\":\"{token}\"}"),
                Err("token", Spot::Body),
            ),
            // Url slots.
            ("{hook}", vec![], Some("{}"), Ok(HOOK, &[])),
            ("{hook}?wait=true", vec![], None, Ok("https://hooks.slack.com/services/T0/B0/SeCrEt?wait=true", &[])),
            (
                "{hook}/messages/123",
                vec![],
                None,
                Ok("https://hooks.slack.com/services/T0/B0/SeCrEt/messages/123", &[]),
            ),
            ("{hook}x", vec![], None, Err("hook", Spot::UrlNotAtStart)),
            ("{hook}@evil.example/", vec![], None, Err("hook", Spot::UrlNotAtStart)),
            ("{hook}/../../x", vec![], None, Err("hook", Spot::UrlEscape)),
            ("{hook}/%2e%2e/%2E%2E/x", vec![], None, Err("hook", Spot::UrlEscape)),
            ("{hook}/..%2f..%2fx", vec![], None, Err("hook", Spot::UrlEscape)),
            ("{hook}/a\\..\\b", vec![], None, Err("hook", Spot::UrlEscape)),
            ("https://evil.example/?u={hook}", vec![], None, Err("hook", Spot::UrlNotAtStart)),
            ("https://evil.example/{hook}", vec![], None, Err("hook", Spot::UrlNotAtStart)),
            (" {hook}", vec![], None, Err("hook", Spot::UrlNotAtStart)),
            ("{hook}?again={hook}", vec![], None, Err("hook", Spot::UrlNotAtStart)),
            ("{hook}", vec![("x-hook", "{hook}")], None, Err("hook", Spot::Header("x-hook".into()))),
            ("{hook}?text={token}", vec![], None, Err("token", Spot::UrlQuery)),
            // Path-segment slots.
            (
                "https://api.telegram.org/bot{tg}/sendMessage",
                vec![],
                None,
                Ok("https://api.telegram.org/bot123456:AB%2FC%3FD/sendMessage", &[]),
            ),
            ("https://api.telegram.org/{tg}/sendMessage", vec![], None, Err("tg", Spot::UrlPath)),
            ("https://api.telegram.org/botx{tg}/sendMessage", vec![], None, Err("tg", Spot::UrlPath)),
            ("https://api.telegram.org/bot{tg}x/y", vec![], None, Err("tg", Spot::UrlPath)),
            ("https://api.telegram.org/bot{tg}/x?again={tg}", vec![], None, Err("tg", Spot::UrlQuery)),
            ("https://{tg}.telegram.org/bot{tg}/x", vec![], None, Err("tg", Spot::UrlHost)),
            (
                "https://api.telegram.org/bot{tg}/x",
                vec![("authorization", "Bearer {tg}")],
                None,
                Err("tg", Spot::Header("authorization".into())),
            ),
            // No placeholders: untouched.
            (
                "https://chat.example/a?b=c",
                vec![("x", "y")],
                Some("body"),
                Ok("https://chat.example/a?b=c", &[("x", "y")]),
            ),
        ];
        for (url, headers, body, want) in rows {
            let (url, headers) =
                (fill(url), h(&headers).into_iter().map(|(k, v)| (fill(&k), fill(&v))).collect::<Vec<_>>());
            let body = body.map(|b| fill(b).into_bytes());
            let got = place(&s, &url, &headers, body.as_deref());
            match (want, got) {
                (Ok(real, real_headers), Result::Ok(p)) => {
                    assert_eq!(p.url, real, "{url}");
                    let got: Vec<(&str, &str)> = p.headers.iter().map(|(k, v, _)| (k.as_str(), v.as_str())).collect();
                    assert_eq!(got, real_headers, "{url}");
                    for secret in [&token, &hook, &tg] {
                        assert!(!p.shown_url.contains(secret.as_str()), "{}", p.shown_url);
                    }
                    assert!(!p.shown_url.contains(TOKEN) && !p.shown_url.contains("SeCrEt"), "{}", p.shown_url);
                }
                (Err(setting, spot), Result::Err(e)) => {
                    assert_eq!((e.setting.as_str(), &e.spot), (setting, &spot), "{url} {headers:?}");
                    let text = e.to_string();
                    for secret in [TOKEN, HOOK, "SeCrEt", "123456:AB", &token, &hook, &tg] {
                        assert!(!text.contains(secret), "{text}");
                    }
                }
                (Ok(..), Result::Err(e)) => panic!("{url} {headers:?}: refused: {e}"),
                (Err(..), Result::Ok(p)) => panic!("{url} {headers:?}: let through: {p:?}"),
            }
        }
    }

    #[test]
    fn secrets_are_bound_to_their_origins() {
        let (s, token, hook, _) = set();
        let p =
            place(&s, "https://slack.com/api/x", &h(&[("authorization", &format!("Bearer {token}"))]), None).unwrap();
        assert!(check_origin(&s, &p, &o("https://slack.com")).is_ok());
        let e = check_origin(&s, &p, &o("https://collector.example")).unwrap_err();
        assert_eq!(e.spot, Spot::Origin(o("https://collector.example")));
        assert_eq!(
            e.to_string(),
            "secret `token` may only go in header `authorization` as `Bearer {}` towards https://slack.com; \
             the request goes to https://collector.example"
        );
        let p = place(&s, &format!("{hook}?wait=true"), &[], None).unwrap();
        assert_eq!(p.shown_url, "{hook}?wait=true");
        assert!(check_origin(&s, &p, &o("https://hooks.slack.com")).is_ok());
        let q = place(&s, &format!("https://slack.com/x?t={token}"), &[], None).unwrap_err();
        assert_eq!(
            q.to_string(),
            "secret `token` may only go in header `authorization` as `Bearer {}` towards https://slack.com; \
             found in the URL query"
        );
    }

    #[test]
    fn url_joins_stay_under_the_secret_url() {
        let rows: &[(&str, &str, Option<&str>)] = &[
            ("https://h.example/hook", "", Some("https://h.example/hook")),
            ("https://h.example/hook", "?wait=true", Some("https://h.example/hook?wait=true")),
            ("https://h.example/hook/", "/x", Some("https://h.example/hook/x")),
            ("https://h.example/hook?k=1", "?wait=true", Some("https://h.example/hook?k=1&wait=true")),
            ("https://h.example/hook?k=1", "/x", None),
            ("https://h.example/hook", "/../x", None),
            ("https://h.example/hook", "/./x", None),
            ("https://h.example/hook", "/%2E./x", None),
            ("https://h.example", "/x", Some("https://h.example/x")),
        ];
        for (secret, suffix, want) in rows {
            assert_eq!(join_url(secret, suffix).as_deref(), *want, "{secret} + {suffix}");
        }
    }

    #[test]
    fn path_segment_values_are_encoded_and_never_dot_segments() {
        let mut s = SecretSet::new();
        let ph = s.bind("t", "..".into(), SecretSlot::PathSegment("{}".into()), vec![]);
        let p = place(&s, &format!("https://h.example/a/{ph}/b"), &[], None).unwrap();
        assert_eq!(p.url, "https://h.example/a/%2E%2E/b");
    }
}
