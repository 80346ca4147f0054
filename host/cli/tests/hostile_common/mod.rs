//! What the hostile-flavor suite (`hostile_*.rs`) shares: a [`Lab`] (an
//! installation with the `hostile` fixture registered and an alerter `h`
//! holding three secrets, a granted service, a collector), running an
//! attack and reading the typed variants the flavor reports, the leak
//! checks every attack ends with, and WAT components for the structural
//! attacks.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub use alerter_test_artifacts as flavors;
pub use alerter_tests::cli::{Alerter, Run};
pub use alerter_tests::hostile::{assert_no_leak, EvilService, Secret};

/// An installation under attack: `hostile` registered from its file, an
/// alerter `h` of it with
/// - `url` = the granted service (which also echoes secrets back, as
///   echo-evil does),
/// - `token` (header `authorization: Bearer {}` towards `{url}`),
/// - `hook` (a whole-URL webhook secret on the granted service),
/// - `seg` (path segment `bot{}` towards `{url}`),
/// - `collector` = the attacker's collector, granted too (the worst case:
///   the user granted it for some other reason).
pub struct Lab {
    /// The installation.
    pub a: Alerter,
    /// The service `url` points at.
    pub granted: EvilService,
    /// The attacker's collector.
    pub collector: EvilService,
    /// The `token` value.
    pub token: Secret,
    /// The `seg` value.
    pub seg: Secret,
    /// The id part of the webhook URL.
    pub hook_id: String,
    /// The token part of the webhook URL.
    pub hook_token: Secret,
}

impl Lab {
    /// A fresh lab.
    pub fn new() -> Lab {
        let a = alerter_tests::alerter!();
        let granted = EvilService::granted();
        let collector = EvilService::collector();
        let token = Secret::random("xoxb-", 40);
        let seg = Secret(format!("{}:AB/cd", Secret::random("7", 30).0));
        let hook_id = Secret::digits(18);
        let hook_token = Secret::random("", 48);
        let lab = Lab { a, granted, collector, token, seg, hook_id, hook_token };
        lab.a.run(&["flavor", "register", flavors::HOSTILE]).ok();
        let g = lab.granted.origin();
        let c = lab.collector.origin();
        lab.a
            .run(&[
                "register",
                "h",
                "--flavor",
                "hostile",
                "--set",
                &format!("url={g}"),
                "--set",
                &format!("token={}", lab.token.as_str()),
                "--set",
                &format!("hook={}", lab.hook_url()),
                "--set",
                &format!("seg={}", lab.seg.as_str()),
                "--set",
                &format!("collector={c}"),
                "--allow-host",
                &g,
                "--allow-host",
                &c,
            ])
            .ok();
        lab
    }

    /// The webhook URL (the `hook` secret's value).
    pub fn hook_url(&self) -> String {
        format!("{}/api/webhooks/{}/{}", self.granted.origin(), self.hook_id, self.hook_token.as_str())
    }

    /// Every secret value, as the leak checks look for them (the webhook
    /// URL by its id and token: its origin is not secret).
    pub fn secrets(&self) -> Vec<String> {
        vec![self.token.0.clone(), self.seg.0.clone(), self.hook_id.clone(), self.hook_token.0.clone()]
    }

    /// `alerter -vv post attack:<attack>` (logs at their most verbose, so
    /// the leak checks cover them).
    pub fn attack(&self, attack: &str) -> Run {
        self.a.run(&["-vv", "post", &format!("attack:{attack}")])
    }

    /// The leak checks every attack ends with: no form of any secret in
    /// `run`'s stdout and stderr, at the collector, or anywhere at the
    /// granted service outside its slot.
    #[track_caller]
    pub fn assert_no_leak(&self, what: &str, run: &Run) {
        let secrets = self.secrets();
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        assert_no_leak(&format!("{what}: stdout"), &run.stdout, &secrets);
        assert_no_leak(&format!("{what}: stderr"), &run.stderr, &secrets);
        self.assert_services_clean(what);
    }

    /// The collector got nothing secret; the granted service got each
    /// secret only in its slot.
    #[track_caller]
    pub fn assert_services_clean(&self, what: &str) {
        let secrets = self.secrets();
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        for seen in self.collector.dump() {
            assert_no_leak(&format!("{what}: a request to the collector"), &seen, &secrets);
        }
        for seen in self.granted.seen() {
            let outside = self.outside_slots(&seen);
            assert_no_leak(&format!("{what}: a request to the granted service, outside the slots"), &outside, &secrets);
        }
    }

    /// A request as text with each secret's legitimate slot taken out:
    /// `authorization: Bearer <token>` exactly, a path under the webhook
    /// URL's path, a whole `bot<seg>` path segment.
    pub fn outside_slots(&self, seen: &alerter_tests::chat::Seen) -> String {
        let bearer = format!("Bearer {}", self.token.as_str());
        let headers: Vec<String> = seen
            .headers
            .iter()
            .filter(|(k, v)| !(k == "authorization" && *v == bearer))
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        let hook_path = format!("/api/webhooks/{}/{}", self.hook_id, self.hook_token.as_str());
        let mut path = seen.path.clone();
        if let Some(rest) = path.strip_prefix(&hook_path) {
            path = format!("<hook>{rest}");
        }
        let seg = format!("bot{}", alerter_tests::hostile::percent_encode(self.seg.as_str()));
        let seg_alt = format!("bot{}", self.seg.as_str().replace('/', "%2F"));
        let segments: Vec<String> = path
            .split('/')
            .map(|s| if s == seg || s == seg_alt { "<seg>".to_string() } else { s.to_string() })
            .collect();
        format!("{} {}?{}\n{}\n\n{}", seen.method, segments.join("/"), seen.query, headers.join("\n"), seen.text())
    }

    /// The host serves the next call correctly: a legitimate request gets
    /// through with the token in its slot.
    #[track_caller]
    pub fn assert_serves_next(&self, after: &str) {
        let before = self.granted.seen().len();
        let run = self.attack("legit");
        assert_eq!(run.code, 0, "after {after}, the next call failed:\n{}\n{}", run.stdout, run.stderr);
        assert_eq!(variants(&run), vec![("legit".to_string(), "ok200".to_string())], "after {after}: {}", run.all());
        let seen = self.granted.seen();
        let last = seen.last().expect("the legit request arrived");
        assert!(seen.len() > before, "after {after}: nothing arrived");
        assert_eq!(last.path, "/legit");
        assert_eq!(last.header("authorization"), Some(format!("Bearer {}", self.token.as_str()).as_str()));
        self.assert_no_leak(&format!("the call after {after}"), &run);
    }
}

/// The `label:variant` pairs a hostile flavor reported (`results=...` in
/// its reference or error), in order, the loot's fate left out.
pub fn variants(run: &Run) -> Vec<(String, String)> {
    all_variants(run).into_iter().filter(|(l, _)| l != "loot").collect()
}

/// [`variants`] with the loot's fate.
pub fn all_variants(run: &Run) -> Vec<(String, String)> {
    let all = run.all();
    let Some(at) = all.find("results=") else { return Vec::new() };
    let list = &all[at + "results=".len()..];
    let end = list.find(|c: char| c.is_whitespace() || c == '|' || c == '"').unwrap_or(list.len());
    list[..end]
        .split(',')
        .filter(|item| !item.is_empty())
        .map(|item| {
            let (l, v) = item.rsplit_once(':').unwrap_or((item, ""));
            (l.to_string(), v.to_string())
        })
        .collect()
}

/// The variants alone.
pub fn variant_names(run: &Run) -> Vec<String> {
    variants(run).into_iter().map(|(_, v)| v).collect()
}

/// A control character or terminal escape in `text` (other than `\n`,
/// and `\t`), if any.
pub fn control_char(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}')
    })
}

/// Panics when `text` holds a control character or terminal escape.
#[track_caller]
pub fn assert_no_controls(what: &str, text: &str) {
    if let Some(c) = control_char(text) {
        panic!("{what} holds the control character {:?}:\n{}", c, text.escape_debug());
    }
}

/// How one WAT flavor (0.1 contract, see `flavor01.wat`) is made.
pub struct Wat {
    /// The name `info()` gives (at most 9 bytes).
    pub name: &'static str,
    /// The body of `info` before it returns the record's address.
    pub info: &'static str,
    /// The body of `send` before it returns the result's address.
    pub send: String,
    /// Module fields added to the core module (memories, tables, ...).
    pub extra: String,
    /// Component items added after the core module (core modules,
    /// instances, imports).
    pub component_extra: String,
    /// The exported interface.
    pub export: &'static str,
}

impl Default for Wat {
    fn default() -> Self {
        Wat {
            name: "wat01",
            info: "",
            send: String::new(),
            extra: String::new(),
            component_extra: String::new(),
            export: "alerter:flavor/flavor@0.1.0",
        }
    }
}

impl Wat {
    /// The component text.
    pub fn text(&self) -> String {
        assert!(self.name.len() < 10);
        let main = include_str!("main_default.wat")
            .replace("@MEMS@", &self.extra)
            .replace("@NAMELEN@", &format!("\\0{}", self.name.len()))
            .replace("@NAME@", self.name)
            .replace("@INFO@", &format!("{} (i32.const 512)", self.info))
            .replace("@SEND@", &self.send);
        include_str!("flavor01.wat")
            .replace("@MAIN@", &format!("{main}\n{}", self.component_extra))
            .replace("@EXPORT@", self.export)
    }

    /// Writes the component to `dir/<file>` and returns its path.
    pub fn write(&self, dir: &Path, file: &str) -> PathBuf {
        write_wat(dir, file, &self.text())
    }
}

/// Assembles component (or module) text `wat` into `dir/<file>`.
pub fn write_wat(dir: &Path, file: &str, wat: &str) -> PathBuf {
    let bytes = wat::parse_str(wat).unwrap_or_else(|e| panic!("{file}: {e}"));
    let path = dir.join(file);
    std::fs::write(&path, bytes).expect("write the component");
    path
}

/// Runs each check of a table, collecting failures rather than stopping at
/// the first, so one run lists every attack that got through.
#[derive(Default)]
pub struct Checks {
    failures: Vec<String>,
    passed: usize,
}

impl Checks {
    /// Runs `check` (named `name`); a panic is recorded as a failure.
    pub fn run(&mut self, name: &str, check: impl FnOnce()) {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(check)) {
            Ok(()) => self.passed += 1,
            Err(e) => {
                let text = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                self.failures.push(format!("[{name}] {}", alerter_tests::hostile::excerpt(&text, 3000)));
            }
        }
    }

    /// Panics with every failure, if any.
    #[track_caller]
    pub fn finish(self) {
        if !self.failures.is_empty() {
            panic!(
                "{} of {} attacks got through or misbehaved:\n\n{}",
                self.failures.len(),
                self.failures.len() + self.passed,
                self.failures.join("\n\n")
            );
        }
    }
}
