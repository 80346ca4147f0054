//! Fuzz harnesses that run on stable, for every parser of outside input:
//! grants (`--allow-host`), secret references, `KEY=VALUE` limits and
//! settings, the registry and secrets TOML, requests from flavors through
//! the slot matcher, the redactor, and flavor `info()` values.
//!
//! Each harness is a bounded loop over generated inputs (a structured
//! generator: pieces that matter to the parser, mixed with random bytes,
//! control characters and unicode), checking invariants, not examples: no
//! panic, round trips, no secret value anywhere in a request but its slot,
//! no derived form of a secret surviving redaction, no control character
//! passing validation. The seed is fixed (`ALERTER_FUZZ_SEED` changes it)
//! and each harness runs for a bounded number of cases, or for
//! `ALERTER_FUZZ_SECONDS` each when set (`scripts/fuzz [SECONDS]`). A
//! failure prints the seed and the input.

mod hostile_common;

use std::time::{Duration, Instant};

use alerter::{place, strip_controls, Origin, SecretRef, SecretSet, SecretSlot};
use alerter_tests::hostile::leak;
use hostile_common::*;

/// A small, fast, seedable generator (xorshift64*).
struct Gen(u64);

impl Gen {
    fn new(seed: u64) -> Gen {
        Gen(seed.max(1))
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// A character: mostly printable ASCII, sometimes a control, an
    /// escape, a bidi override, a zero-width, an emoji, a NUL.
    fn char(&mut self) -> char {
        match self.below(20) {
            0 => *self.pick(&['\x1b', '\x07', '\r', '\n', '\t', '\0', '\x7f', '\u{85}', '\u{9b}']),
            1 => *self.pick(&['\u{202e}', '\u{200b}', '\u{feff}', '\u{2066}', 'é', '字', '😀', '\u{10ffff}']),
            _ => (0x20 + self.below(0x5f) as u8) as char,
        }
    }
    fn text(&mut self, max: usize) -> String {
        let n = self.below(max + 1);
        (0..n).map(|_| self.char()).collect()
    }
    /// Text made of `pieces` and random text.
    fn mix(&mut self, pieces: &[&str], parts: usize) -> String {
        let mut out = String::new();
        for _ in 0..self.below(parts + 1) {
            if self.chance(60) {
                out.push_str(self.pick::<&str>(pieces));
            } else {
                let t = self.text(6);
                out.push_str(&t);
            }
        }
        out
    }
}

/// Runs `case` on generated inputs: `cases` of them, or for
/// `ALERTER_FUZZ_SECONDS` when set. Each case gets its own generator seeded
/// from the run's seed and its number, so a failure is reproducible.
fn fuzz(name: &str, cases: usize, mut case: impl FnMut(&mut Gen)) {
    let seed: u64 = std::env::var("ALERTER_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_a1e7);
    let budget = std::env::var("ALERTER_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).map(Duration::from_secs_f64);
    let started = Instant::now();
    let mut n = 0u64;
    loop {
        match budget {
            Some(b) if started.elapsed() >= b => break,
            None if n as usize >= cases => break,
            _ => {}
        }
        let case_seed = seed ^ (n.wrapping_add(1)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut g = Gen::new(case_seed);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| case(&mut g)));
        if let Err(e) = result {
            let text = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{name}: case {n} failed (ALERTER_FUZZ_SEED={seed}, case seed {case_seed:#x}): {text}");
        }
        n += 1;
    }
    eprintln!("{name}: {n} cases in {:?}", started.elapsed());
}

/// Grants: `Origin::parse_grant` never panics; what it accepts prints in a
/// form that parses back to the same origin, with no control character,
/// no path, no credentials.
#[test]
fn fuzz_grants() {
    let pieces = [
        "http://",
        "https://",
        "ftp://",
        "HTTPS://",
        "localhost",
        "localhost.",
        "127.0.0.1",
        "[::1]",
        "0x7f.1",
        "2130706433",
        "0177.0.0.1",
        ":",
        ":8080",
        ":99999",
        ":0",
        "/",
        "/api",
        "?",
        "#",
        "@",
        "user:pass@",
        "%2e",
        "xn--",
        "EXAMPLE.com",
        "..",
        " ",
        "\t",
        "[",
        "]",
        "::ffff:127.0.0.1",
    ];
    fuzz("grants", 20_000, |g| {
        let text = g.mix(&pieces, 6);
        if let Ok(o) = Origin::parse_grant(&text) {
            let shown = o.to_string();
            assert!(control_char(&shown).is_none(), "{text:?} -> {shown:?}");
            let back = Origin::parse_grant(&shown).unwrap_or_else(|e| panic!("{text:?} -> {shown:?}: {e}"));
            assert_eq!(back, o, "{text:?} -> {shown:?}");
            assert!(o.scheme == "http" || o.scheme == "https", "{text:?}");
            assert!(!o.host.contains(['/', '@', '?', '#', ' ']), "{text:?} -> {o:?}");
        }
    });
}

/// Secret references: `SecretRef::parse` never panics; a parsed reference
/// prints back to itself and names an environment variable of
/// `[A-Z0-9_]` only.
#[test]
fn fuzz_secret_references() {
    let pieces = ["{{", "}}", "{", "}", ".", "ci", "slack_token", "-", "_", " ", "..", "ALERTER", "\n", "é"];
    fuzz("secret references", 20_000, |g| {
        let text = g.mix(&pieces, 8);
        if let Some(r) = SecretRef::parse(&text) {
            let shown = r.to_string();
            assert_eq!(SecretRef::parse(&shown).as_ref(), Some(&r), "{text:?}");
            let var = r.env_var();
            assert!(var.starts_with("ALERTER_SECRET_"), "{var}");
            assert!(var.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'), "{text:?} -> {var}");
            assert!(control_char(&r.name).is_none() && control_char(&r.key).is_none(), "{text:?}");
        }
    });
}

/// `KEY=VALUE` limits (`--limit`): never a panic; accepted values are the
/// non-negative integers given, unknown keys refused.
#[test]
fn fuzz_limit_pairs() {
    let keys = ["memory_bytes", "cpu_ms", "max_headers", "bogus", "", "memory_bytes ", "MAX_HEADERS"];
    let values = ["1", "0", "-1", "18446744073709551616", "1_000", " 5 ", "1.5", "", "0x10", "9223372036854775807"];
    fuzz("limit pairs", 20_000, |g| {
        let n = g.below(4);
        let pairs: Vec<(String, String)> = (0..n)
            .map(|_| {
                let k = if g.chance(80) { g.pick(&keys).to_string() } else { g.text(10) };
                let v = if g.chance(80) { g.pick(&values).to_string() } else { g.text(10) };
                (k, v)
            })
            .collect();
        if let Ok(o) = alerter::LimitOverrides::parse_pairs(&pairs) {
            // What was accepted is exactly the number given (the last of a key).
            if let Some((_, v)) = pairs.iter().rev().find(|(k, _)| k.trim() == "memory_bytes") {
                let want: Option<usize> = v.trim().replace('_', "").parse().ok();
                assert_eq!(o.memory_bytes, want, "{pairs:?}");
                assert_eq!(alerter::Limits::default().with(&o).memory_bytes, want.unwrap_or_default(), "{pairs:?}");
            }
        }
    });
}

/// Requests from a flavor through the slot matcher: never a panic; when a
/// request passes, no secret value is anywhere in it but its slot (the
/// header with its format, the start of the URL for a url slot, a whole
/// path segment), and the URL shown in texts carries no value; when it is
/// refused, the text carries no value either.
#[test]
fn fuzz_slot_matcher() {
    let token = "xoxb-Fuzz-Token-Value-0123456789";
    let hook = "https://hooks.example/services/T0/B0/HookSecretValue42";
    let seg = "123456:SegSecret/Value?x";
    let mut set = SecretSet::new();
    let o = |s: &str| Origin::parse_grant(s).unwrap();
    let t = set.bind(
        "token",
        token.into(),
        SecretSlot::Header(alerter::HeaderSlot { name: "authorization".into(), format: "Bearer {}".into() }),
        vec![o("https://chat.example")],
    );
    let h = set.bind("hook", hook.into(), SecretSlot::Url, vec![o("https://hooks.example")]);
    let s = set.bind("seg", seg.into(), SecretSlot::PathSegment("bot{}".into()), vec![o("https://chat.example")]);
    let values = [token, hook, seg, "HookSecretValue42", "SegSecret"];
    let url_pieces = [
        "https://chat.example",
        "http://",
        "https://",
        &t,
        &h,
        &s,
        "/",
        "bot",
        "?",
        "&",
        "=",
        "#",
        "@",
        ":",
        "..",
        "%2e",
        "%2F",
        "\\",
        "chat.example",
        ".evil.example",
        "/api/x",
        "?wait=true",
        "[",
        "]",
        " ",
    ];
    let header_names = ["authorization", "Authorization", "cookie", "x-api-key", "content-type"];
    let header_values = ["Bearer ", "Bot ", &t, &h, &s, " ", "x", "{}", "Bearer"];
    fuzz("slot matcher", 30_000, |g| {
        let url = if g.chance(30) {
            format!("{}{}", g.pick(&[&h, &t, &s]), g.mix(&url_pieces, 4))
        } else {
            g.mix(&url_pieces, 8)
        };
        let headers: Vec<(String, String)> = (0..g.below(4))
            .map(|_| {
                let name = if g.chance(85) { g.pick(&header_names).to_string() } else { g.mix(&[&t, "x-", "a"], 3) };
                (name, g.mix(&header_values, 3))
            })
            .collect();
        let body: Option<Vec<u8>> = g.chance(40).then(|| g.mix(&[&t, &h, &s, "{\"text\":\"", "\"}"], 4).into_bytes());
        match place(&set, &url, &headers, body.as_deref()) {
            Ok(p) => {
                for v in values {
                    assert!(!p.shown_url.contains(v), "shown URL {:?} carries a value ({url:?})", p.shown_url);
                }
                // Values only in their slots.
                let real_url = p.url.clone();
                let outside_hook = real_url.strip_prefix(hook).unwrap_or(&real_url);
                assert!(!outside_hook.contains(token), "token in the URL: {url:?} -> {real_url:?}");
                assert!(
                    !outside_hook.contains("HookSecretValue42"),
                    "hook elsewhere in the URL: {url:?} -> {real_url:?}"
                );
                assert!(!real_url.contains(seg) && !real_url.contains("SegSecret/"), "seg unencoded: {real_url:?}");
                if real_url.contains("SegSecret") {
                    let segs: Vec<&str> = real_url.split(['/', '?', '#']).collect();
                    assert!(segs.iter().any(|x| x.starts_with("bot123456") && x.contains("SegSecret")), "{real_url:?}");
                    assert!(
                        !real_url.split('?').nth(1).unwrap_or("").contains("SegSecret"),
                        "seg in the query: {real_url:?}"
                    );
                }
                for (name, value, _) in &p.headers {
                    for v in values {
                        assert!(!name.contains(v), "a value in a header name: {name:?}");
                    }
                    if value.contains(token) {
                        assert!(
                            name.eq_ignore_ascii_case("authorization") && *value == format!("Bearer {token}"),
                            "token in {name}: {value:?}"
                        );
                    }
                    assert!(!value.contains(hook) && !value.contains(seg), "a value in header {name}: {value:?}");
                }
                if let Some(b) = &body {
                    assert!(!String::from_utf8_lossy(b).contains(&t), "a placeholder in the body passed");
                }
            }
            Err(e) => {
                let text = e.to_string();
                for v in values {
                    assert!(!text.contains(v), "refusal text carries a value: {text}");
                }
            }
        }
    });
}

/// The redactor: never a panic on any text or bytes; every encoding of a
/// secret (exact, case, base64/base64url at each alignment, reversed,
/// halves, `%`-escaped, `\/`-escaped, `\u`-escaped, hex, runs of 12
/// characters) embedded in noise is gone after `redact`; control
/// characters are gone after `clean`/`strip_controls`.
#[test]
fn fuzz_redactor() {
    let token = Secret::random("xoxb-", 36);
    let hook = format!("https://hooks.example/api/webhooks/{}/{}", Secret::digits(18), Secret::random("", 40).0);
    let env = Secret::random("env-", 30);
    let mut set = SecretSet::new();
    set.bind(
        "token",
        token.0.clone(),
        SecretSlot::Header(alerter::HeaderSlot { name: "authorization".into(), format: "Bearer {}".into() }),
        vec![],
    );
    set.bind("hook", hook.clone(), SecretSlot::Url, vec![]);
    let r = set.redactor(std::slice::from_ref(&env.0));
    let hook_secret = hook.trim_start_matches("https://hooks.example/api/webhooks/").to_string();
    let secrets = [token.0.clone(), env.0.clone()];
    let mut forms: Vec<String> = Vec::new();
    for s in &secrets {
        forms.extend(alerter_tests::hostile::encodings(s));
    }
    for part in hook_secret.split('/') {
        forms.push(part.to_string());
    }
    forms.push(hook.clone());
    fuzz("redactor", 5_000, |g| {
        let mut text = String::new();
        for _ in 0..g.below(5) {
            text.push_str(&g.text(20));
            let form = g.pick(&forms).clone();
            if g.chance(20) {
                // A run of at least 12 characters of a secret.
                let s = g.pick(&secrets);
                let start = g.below(s.len() - 12);
                let end = start + 12 + g.below(s.len() - start - 12);
                text.push_str(&s[start..end]);
            } else {
                text.push_str(&form);
            }
        }
        text.push_str(&g.text(20));
        let redacted = r.redact(&text);
        let all: Vec<&str> = secrets.iter().map(String::as_str).chain(hook_secret.split('/')).collect();
        for s in &all {
            if let Some(form) = leak(&redacted, s) {
                panic!("{form} survived redaction:\n{text:?}\n-> {redacted:?}");
            }
        }
        let cleaned = r.clean(&text, true);
        assert!(control_char(&cleaned).is_none() && !cleaned.contains('\n'), "{cleaned:?}");
        let multi = strip_controls(&text, false);
        assert!(control_char(&multi).is_none(), "{multi:?}");
        // Arbitrary bytes, invalid UTF-8 included.
        let bytes: Vec<u8> = (0..g.below(64)).map(|_| g.next() as u8).chain(text.bytes()).collect();
        let masked = r.mask_bytes(bytes);
        let masked = String::from_utf8_lossy(&masked);
        assert!(!masked.contains(token.as_str()) && !masked.contains(env.as_str()), "{masked:?}");
    });
}

/// The registry and secrets TOML, and settings given by the user: a
/// registry or secrets file mutated at random, and `--set`-style settings
/// of every shape, never panic the library: opening, listing, describing
/// and resolving an alerter give a value or a typed error; what
/// `register_alerter` accepts reads back.
#[test]
fn fuzz_registry_secrets_and_settings() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    // A real registry and secrets file to start from, written by the binary.
    let a = alerter_tests::alerter!();
    a.run(&["flavor", "register", flavors::ECHO]).ok();
    a.run(&[
        "register",
        "e",
        "--flavor",
        "echo",
        "--set",
        "url=https://chat.example",
        "--set",
        "token=xoxb-registry-fuzz-0001",
    ])
    .ok();
    let registry = std::fs::read_to_string(a.home().join("registry.toml")).unwrap();
    let secrets = std::fs::read_to_string(a.home().join("secrets.toml")).unwrap_or_default();
    let fragments = [
        "[alerters.x]\n",
        "flavor = \"echo\"\n",
        "settings = { url = \"{{a.b}}\" }\n",
        "\"",
        "[[",
        "]]",
        "=",
        "\n",
        "[flavors.y]\npath = \"/nonexistent\"\nsha256 = \"00\"\n",
        "active = \"zz\"\n",
        "{{",
        "}}",
        "\u{0}",
        "[limits]\n",
        "memory_bytes = -1\n",
        "allow_hosts = [\"ftp://x\", \"http://[::1]:1\"]\n",
        "trusted = true\n",
    ];
    let mutate = |g: &mut Gen, base: &str| -> String {
        let mut bytes = base.as_bytes().to_vec();
        for _ in 0..1 + g.below(4) {
            match g.below(4) {
                0 if !bytes.is_empty() => {
                    let at = g.below(bytes.len());
                    bytes[at] = g.next() as u8;
                }
                1 if !bytes.is_empty() => {
                    let at = g.below(bytes.len());
                    bytes.truncate(at);
                }
                _ => {
                    let at = g.below(bytes.len() + 1);
                    let f = g.pick(&fragments).as_bytes().to_vec();
                    bytes.splice(at..at, f);
                }
            }
        }
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let cases = std::env::var("ALERTER_FUZZ_SECONDS").map_or(40, |_| usize::MAX);
    fuzz("registry, secrets and settings", cases, |g| {
        // A copy of the whole state dir (the pinned flavor and its compiled
        // artifact too, so no case compiles anything).
        let home = tempfile::tempdir().unwrap();
        copy_dir(a.home(), home.path());
        let which = g.below(3);
        if which == 0 {
            std::fs::write(home.path().join("registry.toml"), mutate(g, &registry)).unwrap();
        } else if which == 1 {
            std::fs::write(home.path().join("secrets.toml"), mutate(g, &secrets)).unwrap();
        }
        runtime.block_on(async {
            let Ok(host) = alerter::Host::open(home.path(), alerter::Limits::default()) else { return };
            let _ = host.alerters();
            let _ = host.secrets();
            let _ = host.describe_alerter("e").await;
            let overrides: Vec<(String, String)> = (0..g.below(3))
                .map(|_| {
                    (g.mix(&["url", "token", "channel"], 1), g.mix(&["{{e.token}}", "{{", "https://x.example"], 3))
                })
                .collect();
            let _ = host.alerter(Some("e"), &overrides).await;
            if which == 2 {
                let settings: Vec<(String, String)> = (0..g.below(4))
                    .map(|_| {
                        (
                            g.mix(&["url", "token", "channel", "bogus", "=", " "], 2),
                            g.mix(&["https://chat.example", "{{ci.tok}}", "{{", "xoxb-", "\r\n", "=", "'", "\""], 4),
                        )
                    })
                    .collect();
                let new = alerter::NewAlerter {
                    name: g.mix(&["f", "x", "-", "é", " "], 3),
                    flavor: "echo".into(),
                    settings,
                    ..alerter::NewAlerter::default()
                };
                if host.register_alerter(new).await.is_ok() {
                    let reopened = alerter::Host::open(home.path(), alerter::Limits::default()).expect("reopen");
                    reopened.alerters().expect("what register_alerter wrote reads back");
                }
            }
        });
    });
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Flavor `info()` values: components whose name, version and description
/// are random text (controls, escapes, unicode, long) are loaded by the
/// library: validation never panics, and what it accepts has no control
/// character in any of those texts.
#[test]
fn fuzz_flavor_info() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let host = alerter::Host::open(home.path(), alerter::Limits::default()).unwrap();
    let cases = std::env::var("ALERTER_FUZZ_SECONDS").map_or(12, |_| usize::MAX);
    fuzz("flavor info", cases, |g| {
        let name = g.mix(&["slack", "a", "-", "_", "\x1b[2J", " ", "{", "é"], 4);
        let desc = g.text(40);
        let wat = info_component(&name, &desc);
        let path = write_wat(dir.path(), "info.wasm", &wat);
        let loaded = runtime.block_on(host.load_path(&path));
        if let Ok((f, _)) = loaded {
            let info = f.info();
            for text in [&info.name, &info.version, &info.description] {
                assert!(control_char(text).is_none(), "accepted {text:?}");
            }
        }
    });
}

/// A 0.1 component (see `hostile_common/flavor01.wat`) whose `info()` says
/// `name` and `description`.
fn info_component(name: &str, description: &str) -> String {
    let esc = |s: &str| s.bytes().map(|b| format!("\\{b:02x}")).collect::<String>();
    let le = |n: usize| -> String { (n as u32).to_le_bytes().iter().map(|b| format!("\\{b:02x}")).collect() };
    let record = format!(
        "{}{}{}{}{}{}{}{}{}",
        le(4096),
        le(name.len()),
        le(320),
        le(5),
        le(4096 + name.len()),
        le(description.len()),
        "\\00\\00\\00\\00\\00\\00\\00\\00",
        "\\00\\00\\00\\00\\00\\00\\00\\00",
        "\\01\\00\\00\\00"
    );
    Wat {
        name: "x",
        // `info` returns the record at 2048 instead of the default one.
        info: "(return (i32.const 2048))",
        extra: format!(
            "(data (i32.const 4096) \"{}{}\")\n(data (i32.const 2048) \"{record}\")",
            esc(name),
            esc(description)
        ),
        ..Wat::default()
    }
    .text()
}
