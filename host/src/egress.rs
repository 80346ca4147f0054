//! The egress policy: which origins a flavor may reach.
//!
//! Parsed once into typed values. A request goes out only when its origin
//! (`scheme://host:port`, compared exactly: `localhost.` is not
//! `localhost`, another port is another origin) is both declared by the
//! flavor and granted to the alerter. What is granted without an explicit
//! `--allow-host` is the caller's to say ([`EgressPolicy::grant_by_default`]:
//! the declared https origins of a built-in or trusted flavor, and those a
//! setting the user gave points at); anything else, plain http or a local
//! stand-in, needs `--allow-host`. Private, loopback and link-local
//! addresses are refused, before and after DNS resolution, unless that
//! exact origin was granted explicitly.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use crate::error::Error;

/// `scheme://host:port`, lowercased, with the port always present.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// `http` or `https`.
    pub scheme: String,
    /// Host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// Explicit or default port.
    pub port: u16,
}

impl Origin {
    /// Parses `SCHEME://HOST[:PORT]` (a trailing `/` is allowed, nothing else).
    pub fn parse_grant(text: &str) -> Result<Origin, Error> {
        let invalid = |problem: String| Error::InvalidGrant { text: text.to_string(), problem };
        let url = url::Url::parse(text.trim()).map_err(|e| invalid(e.to_string()))?;
        if url.path() != "/" && !url.path().is_empty() || url.query().is_some() || url.fragment().is_some() {
            return Err(invalid("it has a path".into()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("it has credentials".into()));
        }
        Origin::of_url(&url).ok_or_else(|| invalid("only http and https origins can be granted".into()))
    }

    /// The origin of a URL (http and https only).
    pub fn of_url(url: &url::Url) -> Option<Origin> {
        let scheme = url.scheme().to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return None;
        }
        let host = match url.host()? {
            // Kept as written (lowercase): `localhost.` is another origin
            // than `localhost`, as it is for a browser.
            url::Host::Domain(d) => d.to_ascii_lowercase(),
            url::Host::Ipv4(ip) => ip.to_string(),
            url::Host::Ipv6(ip) => ip.to_string(),
        };
        let port = url.port_or_known_default()?;
        Some(Origin { scheme, host, port })
    }

    /// The origin of a URL given as text.
    pub fn of_url_str(text: &str) -> Option<Origin> {
        url::Url::parse(text.trim()).ok().as_ref().and_then(Origin::of_url)
    }

    /// The host as an IP address, when it is a literal.
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }

    /// Whether the origin is known to be internal without a DNS lookup: an
    /// internal IP literal, or `localhost` and its subdomains.
    pub fn is_known_internal(&self) -> bool {
        let host = self.host.trim_end_matches('.');
        self.ip().is_some_and(is_internal) || host == "localhost" || host.ends_with(".localhost")
    }
}

impl fmt::Display for Origin {
    /// Shortest form that parses back: default ports are left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let default = matches!((self.scheme.as_str(), self.port), ("https", 443) | ("http", 80));
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        if default {
            write!(f, "{}://{}", self.scheme, host)
        } else {
            write!(f, "{}://{}:{}", self.scheme, host, self.port)
        }
    }
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// The flavor did not declare this origin.
    NotDeclared(Origin),
    /// Declared, but not granted to the alerter.
    NotGranted(Origin),
    /// The origin resolves to a private/loopback/link-local address and was
    /// not granted explicitly.
    PrivateAddress(Origin, IpAddr),
}

impl Denial {
    /// The origin refused: the one to grant with `--allow-host`.
    pub fn origin(&self) -> &Origin {
        match self {
            Denial::NotDeclared(o) | Denial::NotGranted(o) | Denial::PrivateAddress(o, _) => o,
        }
    }
}

/// The egress policy of one alerter using one flavor.
///
/// Each set of origins is a sorted vector without duplicates: a handful of
/// origins each, and a process may hold thousands of alerters.
#[derive(Debug, Clone)]
pub struct EgressPolicy {
    alerter: String,
    declared: Vec<Origin>,
    by_default: Vec<Origin>,
    explicit: Vec<Origin>,
}

/// `origins` sorted, without duplicates, without spare capacity.
fn origin_set(origins: impl IntoIterator<Item = Origin>) -> Vec<Origin> {
    let mut set: Vec<Origin> = origins.into_iter().collect();
    set.sort();
    set.dedup();
    set.shrink_to_fit();
    set
}

impl EgressPolicy {
    /// `declared`: the flavor's hosts resolved against the settings;
    /// `explicit`: the alerter's `--allow-host` grants. Nothing else is
    /// granted until [`EgressPolicy::grant_by_default`] says so.
    pub fn new(
        alerter: &str,
        declared: impl IntoIterator<Item = Origin>,
        explicit: impl IntoIterator<Item = Origin>,
    ) -> Self {
        EgressPolicy {
            alerter: alerter.to_string(),
            declared: origin_set(declared),
            by_default: Vec::new(),
            explicit: origin_set(explicit),
        }
    }

    /// Also grants `origins` without an explicit grant: only `https` ones,
    /// and only those declared (the declared https origins of a built-in
    /// or trusted flavor, and those a setting given by the user points at).
    pub fn grant_by_default(mut self, origins: impl IntoIterator<Item = Origin>) -> Self {
        let declared = &self.declared;
        let added = origins.into_iter().filter(|o| o.scheme == "https" && declared.contains(o));
        self.by_default = origin_set(std::mem::take(&mut self.by_default).into_iter().chain(added));
        self
    }

    /// Origins declared by the flavor.
    pub fn declared(&self) -> impl Iterator<Item = &Origin> {
        self.declared.iter()
    }

    /// Whether `origin` is granted: explicitly, or by default.
    pub fn granted(&self, origin: &Origin) -> bool {
        self.explicit.contains(origin) || self.by_default.contains(origin)
    }

    /// Whether `origin` was granted explicitly (`--allow-host`): only such
    /// an origin may reach an internal address.
    pub fn explicitly_granted(&self, origin: &Origin) -> bool {
        self.explicit.contains(origin)
    }

    /// Checks an origin before any connection is made.
    pub fn check(&self, origin: &Origin) -> Result<(), Denial> {
        if !self.declared.contains(origin) {
            return Err(Denial::NotDeclared(origin.clone()));
        }
        if !self.granted(origin) {
            return Err(Denial::NotGranted(origin.clone()));
        }
        match origin.ip() {
            Some(ip) => self.check_address(origin, ip)?,
            // `localhost`, `localhost.` and `*.localhost` are loopback by
            // name, whatever the resolver says (or fails to say).
            None if origin.is_known_internal() => {
                self.check_address(origin, IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))?;
            }
            None => {}
        }
        Ok(())
    }

    /// Checks one resolved address of an allowed origin.
    pub fn check_address(&self, origin: &Origin, ip: IpAddr) -> Result<(), Denial> {
        if is_internal(ip) && !self.explicit.contains(origin) {
            return Err(Denial::PrivateAddress(origin.clone(), ip));
        }
        Ok(())
    }

    /// One line explaining a denial, for the flavor (which may put it in its
    /// error). What to do about it is the caller's to word, from the
    /// [`Denial`] itself.
    pub fn explain(&self, denial: &Denial) -> String {
        match denial {
            Denial::NotDeclared(o) => {
                let declared: Vec<String> = self.declared.iter().map(Origin::to_string).collect();
                format!(
                    "request to {o} denied: the flavor does not declare this host (it declares: {})",
                    if declared.is_empty() { "none".to_string() } else { declared.join(", ") }
                )
            }
            Denial::NotGranted(o) => format!("request to {o} denied: not granted to alerter \"{}\"", self.alerter),
            Denial::PrivateAddress(o, ip) => {
                format!(
                    "request to {o} denied: it resolves to the internal address {ip} and was not granted explicitly"
                )
            }
        }
    }

    /// A DNS resolver for requests to `origin` that applies
    /// [`EgressPolicy::check_address`] to every address a name resolves to
    /// (so a granted name cannot be pointed at an internal address behind
    /// our back). Internal addresses are allowed per origin: only for this
    /// exact origin, and only when it was granted explicitly.
    pub(crate) fn resolver(&self, origin: &Origin) -> Arc<PolicyResolver> {
        Arc::new(PolicyResolver { allow_internal: self.explicitly_granted(origin) })
    }
}

/// True for loopback, private, link-local, unique-local, unspecified,
/// shared (CGNAT) and multicast addresses.
pub(crate) fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || o[0] == 0
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Error raised by [`PolicyResolver`] for a name that resolves internally.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves to the internal address {ip}")]
pub(crate) struct InternalAddress {
    /// The name looked up.
    pub(crate) host: String,
    /// The internal address it resolved to.
    pub(crate) ip: IpAddr,
}

/// reqwest DNS resolver enforcing the internal-address rule for the one
/// origin its client serves.
#[derive(Debug)]
pub(crate) struct PolicyResolver {
    allow_internal: bool,
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let allow_internal = self.allow_internal;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !allow_internal {
                if let Some(bad) = addrs.iter().find(|a| is_internal(a.ip())) {
                    return Err(
                        Box::new(InternalAddress { host, ip: bad.ip() }) as Box<dyn std::error::Error + Send + Sync>
                    );
                }
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(s: &str) -> Origin {
        Origin::parse_grant(s).unwrap()
    }

    #[test]
    fn parses_and_prints_origins() {
        assert_eq!(o("https://Slack.com/").to_string(), "https://slack.com");
        assert_eq!(o("http://127.0.0.1:8080").to_string(), "http://127.0.0.1:8080");
        assert_eq!(o("https://x.example:443").port, 443);
        assert!(Origin::parse_grant("https://x.example/api").is_err());
        assert!(Origin::parse_grant("ftp://x.example").is_err());
        assert!(Origin::parse_grant("x.example").is_err());
    }

    #[test]
    fn default_grants_cover_declared_https_only() {
        let declared = [o("https://slack.com"), o("http://127.0.0.1:9")];
        let p = EgressPolicy::new("a", declared.clone(), []);
        assert_eq!(p.check(&o("https://slack.com")), Err(Denial::NotGranted(o("https://slack.com"))), "no consent");
        let p = p.grant_by_default(declared.iter().cloned().chain([o("https://evil.example")]));
        assert!(p.check(&o("https://slack.com")).is_ok());
        assert_eq!(p.check(&o("http://127.0.0.1:9")), Err(Denial::NotGranted(o("http://127.0.0.1:9"))));
        assert_eq!(p.check(&o("https://evil.example")), Err(Denial::NotDeclared(o("https://evil.example"))));
        let denial = Denial::NotGranted(o("http://127.0.0.1:9"));
        assert_eq!(p.explain(&denial), "request to http://127.0.0.1:9 denied: not granted to alerter \"a\"");
        assert_eq!(denial.origin().to_string(), "http://127.0.0.1:9", "the grant to add");
    }

    /// Grants compare whole origins: scheme, host as written, port.
    #[test]
    fn grants_are_exact_origins() {
        let granted = o("http://localhost:8080");
        let declared = [
            granted.clone(),
            o("https://localhost:8080"),
            o("http://localhost:8081"),
            o("http://localhost.:8080"),
            o("https://localhost:9999"),
        ];
        let p = EgressPolicy::new("a", declared.clone(), [granted.clone()]).grant_by_default(declared.clone());
        assert!(p.check(&granted).is_ok());
        assert!(p.explicitly_granted(&granted));
        for other in &declared[1..] {
            assert!(!p.explicitly_granted(other), "{other}");
        }
        assert_eq!(o("http://localhost.:8080").host, "localhost.");
        assert!(o("http://localhost.:8080").is_known_internal());
        assert!(o("http://a.localhost.").is_known_internal());
        // A declared https localhost origin is granted by default but may
        // not reach the internal address: only the explicit origin may.
        assert!(matches!(
            p.check_address(&o("https://localhost:9999"), "127.0.0.1".parse().unwrap()),
            Err(Denial::PrivateAddress(..))
        ));
        assert!(p.check_address(&granted, "127.0.0.1".parse().unwrap()).is_ok());
        assert!(p.resolver(&granted).allow_internal);
        // Loopback by name is refused before any lookup unless granted.
        for name in ["https://localhost:9999", "https://localhost.:8443", "https://a.localhost"] {
            let p = EgressPolicy::new("a", [o(name)], []).grant_by_default([o(name)]);
            let r = p.check(&o(name));
            assert!(matches!(r, Err(Denial::PrivateAddress(..))), "{name}: {r:?}");
        }
        assert!(!p.resolver(&o("https://localhost:9999")).allow_internal);
    }

    /// Grant parsing as a table: what `--allow-host` accepts and how it prints.
    #[test]
    fn grant_parsing_table() {
        let rows: &[(&str, Option<&str>)] = &[
            ("https://slack.com", Some("https://slack.com")),
            ("https://Slack.COM/", Some("https://slack.com")),
            ("https://slack.com:443", Some("https://slack.com")),
            ("http://127.0.0.1:8080", Some("http://127.0.0.1:8080")),
            ("http://[::1]:8080", Some("http://[::1]:8080")),
            ("http://localhost.:8080", Some("http://localhost.:8080")),
            ("http://0x7f.1:80", Some("http://127.0.0.1")),
            ("  https://x.example  ", Some("https://x.example")),
            ("https://x.example/api", None),
            ("https://x.example?x=1", None),
            ("https://x.example#f", None),
            ("https://u:p@x.example", None),
            ("ftp://x.example", None),
            ("x.example", None),
            ("", None),
            ("https://", None),
        ];
        for (text, want) in rows {
            let got = Origin::parse_grant(text).ok().map(|o| o.to_string());
            assert_eq!(got.as_deref(), *want, "{text:?}");
        }
    }

    #[test]
    fn internal_addresses_need_explicit_grants() {
        let p = EgressPolicy::new("a", [o("https://10.0.0.1")], []).grant_by_default([o("https://10.0.0.1")]);
        assert!(matches!(p.check(&o("https://10.0.0.1")), Err(Denial::PrivateAddress(..))));
        let p = EgressPolicy::new("a", [o("https://10.0.0.1")], [o("https://10.0.0.1")]);
        assert!(p.check(&o("https://10.0.0.1")).is_ok());
        assert!(is_internal("169.254.169.254".parse().unwrap()));
        assert!(is_internal("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!is_internal("93.184.216.34".parse().unwrap()));
    }
}
