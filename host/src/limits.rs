//! Resource limits applied to every flavor call, as data: [`Limits`] (the
//! runtime's, `Limits::default()` unless the program says otherwise) and
//! [`LimitOverrides`] (optional, per alerter, in the registry as
//! `[alerters.NAME.limits]`). Both are serde structs that refuse unknown
//! fields, so a typo in the registry is an error rather than a limit
//! silently not applied (the style of an Extism manifest).
//!
//! Every limit holds per call: one call is one fresh store, and the memory,
//! instance, table and output budgets count everything the call creates.
//! A call that hits one fails with a typed error; the host keeps serving.
//!
//! How the defaults were chosen (README, "Limits"): the Python
//! (componentize-py, 18.5 MB) and JavaScript (componentize-js, 12 MB)
//! flavors built by `plugins/telegram/build.sh` and `plugins/teams/build.sh`
//! were run with each call's memory and table use logged
//! (`ALERTER_LOG=alerter::limits=debug`) and with each count limit lowered
//! until the call failed:
//!
//! | flavor | instances | memories | tables | table elements | memory: post | 100 KB body | 1 MB body |
//! |---|---|---|---|---|---|---|---|
//! | telegram (Python) | 14 | 1 | 2 | 5 761 | 12.5 MiB | 12.5 MiB | 13.5 MiB |
//! | teams (JavaScript) | 3 | 1 | 2 | 7 692 | 9.1 MiB | 25 MiB | 142 MiB |
//! | slack (Rust) | 3 | 1 | 2 | 89 | 1.1 MiB | | |
//!
//! Each default leaves room above the largest seen for ordinary messages
//! (JavaScript's memory grows with the text it renders; a 1 MB body also
//! takes it 4.3 s of its 5 s CPU budget).

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Limits for one call into a flavor.
///
/// Sizes are bytes, times milliseconds in the serialised form (`cpu_ms`,
/// `call_timeout_ms`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Most linear memory one call may use, summed over every memory of
    /// every instance it creates (default 128 MiB: a componentize-py flavor
    /// uses 13 MiB, a componentize-js one 9 MiB to post and 25 MiB for a
    /// 100 KB message; see the module docs).
    pub memory_bytes: usize,
    /// Most core instances one call may create (default 32; a
    /// componentize-py flavor creates 14, componentize-js and Rust ones 3).
    pub max_instances: usize,
    /// Most linear memories one call may create (default 4; real flavors
    /// have 1).
    pub max_memories: usize,
    /// Most tables one call may create (default 8; real flavors have 2).
    pub max_tables: usize,
    /// Most table elements one call may have, summed over its tables
    /// (default 50 000; componentize-js needs 7 692, componentize-py 5 761).
    pub max_table_elements: usize,
    /// Most time the flavor may spend running wasm code (CPU), enforced with
    /// epoch interruption (default 5 s).
    #[serde(rename = "cpu_ms", with = "millis")]
    pub cpu: Duration,
    /// Wall-clock deadline for the whole call, host HTTP time and the
    /// host's rate-limit retries included (default 30 s).
    #[serde(rename = "call_timeout_ms", with = "millis")]
    pub call_timeout: Duration,
    /// Timeout to establish a connection (default 10 s; never more than
    /// what is left of the call's deadline).
    #[serde(rename = "connect_timeout_ms", with = "millis")]
    pub connect_timeout: Duration,
    /// Timeout for one HTTP request, start to end of body (default 20 s;
    /// never more than what is left of the call's deadline).
    #[serde(rename = "request_timeout_ms", with = "millis")]
    pub request_timeout: Duration,
    /// Largest request body a flavor may send (default 1 MiB).
    pub max_request_bytes: usize,
    /// Largest response body handed back (default 8 MiB).
    pub max_response_bytes: usize,
    /// Most headers one request may carry (default 64).
    pub max_headers: usize,
    /// Most bytes of header names and values one request may carry
    /// (default 16 KiB).
    pub max_header_bytes: usize,
    /// Longest request URL (default 8 KiB).
    pub max_url_bytes: usize,
    /// Bytes a flavor may write per call, stdout, stderr and the log import
    /// together (default 16 KiB); what is over is dropped and counted.
    pub max_output_bytes: usize,
}

/// How often the epoch advances; the CPU budget is counted in these ticks.
pub(crate) const EPOCH_TICK: Duration = Duration::from_millis(10);

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 128 << 20,
            max_instances: 32,
            max_memories: 4,
            max_tables: 8,
            max_table_elements: 50_000,
            cpu: Duration::from_secs(5),
            call_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(20),
            max_request_bytes: 1 << 20,
            max_response_bytes: 8 << 20,
            max_headers: 64,
            max_header_bytes: 16 << 10,
            max_url_bytes: 8 << 10,
            max_output_bytes: 16 << 10,
        }
    }
}

impl Limits {
    /// The CPU budget in epoch ticks (at least one).
    pub fn cpu_ticks(&self) -> u64 {
        (self.cpu.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
    }

    /// These limits with `overrides` laid over them.
    pub fn with(&self, overrides: &LimitOverrides) -> Limits {
        let o = overrides;
        Limits {
            memory_bytes: o.memory_bytes.unwrap_or(self.memory_bytes),
            max_instances: o.max_instances.unwrap_or(self.max_instances),
            max_memories: o.max_memories.unwrap_or(self.max_memories),
            max_tables: o.max_tables.unwrap_or(self.max_tables),
            max_table_elements: o.max_table_elements.unwrap_or(self.max_table_elements),
            cpu: o.cpu_ms.map_or(self.cpu, Duration::from_millis),
            call_timeout: o.call_timeout_ms.map_or(self.call_timeout, Duration::from_millis),
            connect_timeout: o.connect_timeout_ms.map_or(self.connect_timeout, Duration::from_millis),
            request_timeout: o.request_timeout_ms.map_or(self.request_timeout, Duration::from_millis),
            max_request_bytes: o.max_request_bytes.unwrap_or(self.max_request_bytes),
            max_response_bytes: o.max_response_bytes.unwrap_or(self.max_response_bytes),
            max_headers: o.max_headers.unwrap_or(self.max_headers),
            max_header_bytes: o.max_header_bytes.unwrap_or(self.max_header_bytes),
            max_url_bytes: o.max_url_bytes.unwrap_or(self.max_url_bytes),
            max_output_bytes: o.max_output_bytes.unwrap_or(self.max_output_bytes),
        }
    }
}

/// Per-alerter changes to the runtime's [`Limits`], each optional: in the
/// registry as `[alerters.NAME.limits]` (e.g. `memory_bytes = 268435456`
/// for a flavor that needs more), or `--limit KEY=VALUE` on `register` and
/// `update`. Unknown keys are refused.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitOverrides {
    /// [`Limits::memory_bytes`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_bytes: Option<usize>,
    /// [`Limits::max_instances`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_instances: Option<usize>,
    /// [`Limits::max_memories`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_memories: Option<usize>,
    /// [`Limits::max_tables`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tables: Option<usize>,
    /// [`Limits::max_table_elements`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_table_elements: Option<usize>,
    /// [`Limits::cpu`], in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_ms: Option<u64>,
    /// [`Limits::call_timeout`], in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_timeout_ms: Option<u64>,
    /// [`Limits::connect_timeout`], in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout_ms: Option<u64>,
    /// [`Limits::request_timeout`], in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_timeout_ms: Option<u64>,
    /// [`Limits::max_request_bytes`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_request_bytes: Option<usize>,
    /// [`Limits::max_response_bytes`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_response_bytes: Option<usize>,
    /// [`Limits::max_headers`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_headers: Option<usize>,
    /// [`Limits::max_header_bytes`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_header_bytes: Option<usize>,
    /// [`Limits::max_url_bytes`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_url_bytes: Option<usize>,
    /// [`Limits::max_output_bytes`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_bytes: Option<usize>,
}

impl LimitOverrides {
    /// True when nothing is overridden.
    pub fn is_empty(&self) -> bool {
        *self == LimitOverrides::default()
    }

    /// Parses `KEY=VALUE` pairs (`memory_bytes=268435456`, `cpu_ms=10000`)
    /// into overrides; an unknown key or a value that is not a
    /// non-negative integer is refused with the reason.
    pub fn parse_pairs(pairs: &[(String, String)]) -> Result<LimitOverrides, String> {
        let mut table = toml::Table::new();
        for (key, value) in pairs {
            let n: i64 = value
                .trim()
                .replace('_', "")
                .parse()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| format!("limit `{key}` must be a non-negative integer, not `{value}`"))?;
            table.insert(key.trim().to_string(), toml::Value::Integer(n));
        }
        LimitOverrides::deserialize(table).map_err(|e| e.message().to_string())
    }

    /// `other`'s values laid over these.
    pub fn merged(&self, other: &LimitOverrides) -> LimitOverrides {
        macro_rules! pick {
            ($($f:ident),*) => { LimitOverrides { $($f: other.$f.or(self.$f)),* } };
        }
        pick!(
            memory_bytes,
            max_instances,
            max_memories,
            max_tables,
            max_table_elements,
            cpu_ms,
            call_timeout_ms,
            connect_timeout_ms,
            request_timeout_ms,
            max_request_bytes,
            max_response_bytes,
            max_headers,
            max_header_bytes,
            max_url_bytes,
            max_output_bytes
        )
    }
}

/// A [`Duration`] as whole milliseconds.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_millis().try_into().unwrap_or(u64::MAX))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// Time left before `deadline`, capped at `cap`: what one step of a call
/// (an HTTP request, a connection, a retry's wait) may take. `None` when
/// the deadline has passed.
pub(crate) fn remaining(now: std::time::Instant, deadline: std::time::Instant, cap: Duration) -> Option<Duration> {
    let left = deadline.checked_duration_since(now).filter(|d| !d.is_zero())?;
    Some(left.min(cap))
}

/// Whether a retry after `wait` still fits before `deadline`, leaving at
/// least `min_call` for the retried call itself.
pub(crate) fn retry_fits(
    now: std::time::Instant,
    deadline: std::time::Instant,
    wait: Duration,
    min_call: Duration,
) -> bool {
    now.checked_add(wait).and_then(|t| t.checked_add(min_call)).is_some_and(|t| t < deadline)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn limits_parse_from_toml_and_refuse_unknown_fields() {
        let l: Limits = toml::from_str("memory_bytes = 1048576\ncpu_ms = 250\n").unwrap();
        assert_eq!(l.memory_bytes, 1 << 20);
        assert_eq!(l.cpu, Duration::from_millis(250));
        assert_eq!(l.call_timeout, Limits::default().call_timeout, "the rest are defaults");
        let back: Limits = toml::from_str(&toml::to_string(&l).unwrap()).unwrap();
        assert_eq!(back, l, "round trip");
        for bad in ["memory = 1", "cpu = 5", "cpu_ms = -1", "max_headers = \"many\""] {
            assert!(toml::from_str::<Limits>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn overrides_parse_from_pairs_and_lay_over_the_limits() {
        let pairs = |items: &[(&str, &str)]| -> Vec<(String, String)> {
            items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
        };
        let o = LimitOverrides::parse_pairs(&pairs(&[("memory_bytes", "268_435_456"), ("cpu_ms", "10000")])).unwrap();
        assert_eq!(o.memory_bytes, Some(256 << 20));
        let l = Limits::default().with(&o);
        assert_eq!(l.memory_bytes, 256 << 20);
        assert_eq!(l.cpu, Duration::from_secs(10));
        assert_eq!(l.max_headers, 64);
        assert!(LimitOverrides::parse_pairs(&pairs(&[("memory", "1")])).unwrap_err().contains("unknown field"));
        assert!(LimitOverrides::parse_pairs(&pairs(&[("cpu_ms", "-5")])).unwrap_err().contains("non-negative"));
        assert!(LimitOverrides::parse_pairs(&pairs(&[("cpu_ms", "1.5")])).is_err());
        let later = LimitOverrides { cpu_ms: Some(1), ..LimitOverrides::default() };
        let m = o.merged(&later);
        assert_eq!((m.memory_bytes, m.cpu_ms), (Some(256 << 20), Some(1)));
        assert!(LimitOverrides::default().is_empty() && !m.is_empty());
        let from_toml: LimitOverrides = toml::from_str("max_output_bytes = 100").unwrap();
        assert_eq!(from_toml.max_output_bytes, Some(100));
        assert!(toml::from_str::<LimitOverrides>("bogus = 1").is_err());
    }

    /// The deadline arithmetic: each step gets at most what is left, a retry
    /// only when it and the call after it fit.
    #[test]
    fn deadline_arithmetic() {
        let t0 = Instant::now();
        let s = Duration::from_secs;
        let rows: &[(u64, u64, u64, Option<u64>)] = &[
            // (now, deadline, cap) -> remaining
            (0, 30, 20, Some(20)),
            (15, 30, 20, Some(15)),
            (29, 30, 20, Some(1)),
            (30, 30, 20, None),
            (31, 30, 20, None),
            (0, 30, 0, Some(0)),
        ];
        for &(now, deadline, cap, want) in rows {
            assert_eq!(remaining(t0 + s(now), t0 + s(deadline), s(cap)), want.map(s), "{now} {deadline} {cap}");
        }
        let rows: &[(u64, u64, u64, u64, bool)] = &[
            // (now, deadline, wait, min_call) -> fits
            (0, 30, 5, 1, true),
            (0, 30, 29, 1, false),
            (0, 30, 28, 1, true),
            (20, 30, 10, 0, false),
            (0, 30, u64::MAX / 4, 1, false),
        ];
        for &(now, deadline, wait, min_call, want) in rows {
            assert_eq!(
                retry_fits(t0 + s(now), t0 + s(deadline), s(wait), s(min_call)),
                want,
                "{now} {deadline} {wait} {min_call}"
            );
        }
    }
}
