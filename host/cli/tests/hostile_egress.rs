//! Hostile flavors after the network (issue 8, classes 2 and 7): origins
//! it declares but the user never consented to, names that shadow the
//! built-ins or replace a registered flavor, and egress tricks: another
//! port or scheme of a granted host, `localhost.`, IP literals of
//! 127.0.0.1 in every spelling, private ranges, DNS names that resolve to
//! loopback, `Host` fronting, forbidden headers and methods. Each asserts
//! the typed variant, that no connection reached the target (a listener
//! counts them), and that the host serves the next call.

mod hostile_common;

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hostile_common::*;

/// A TCP listener that counts the connections made to it (a TLS handshake
/// to an ungranted port is one).
struct Tripwire {
    port: u16,
    hits: Arc<AtomicUsize>,
}

impl Tripwire {
    fn start() -> Tripwire {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                counter.fetch_add(1, Ordering::SeqCst);
                drop(conn);
            }
        });
        Tripwire { port, hits }
    }

    fn hits(&self) -> usize {
        std::thread::sleep(Duration::from_millis(50));
        self.hits.load(Ordering::SeqCst)
    }
}

fn port_of(origin: &str) -> u16 {
    origin.rsplit(':').next().unwrap().parse().unwrap()
}

/// Runs `attack:<name>:<arg>` and checks the variants, no connection to
/// the tripwire, nothing at the granted service, no leak, the next call.
fn expect(lab: &Lab, checks: &mut Checks, wire: &Tripwire, name: &str, arg: &str, want: &[(&str, &str)]) {
    checks.run(&format!("{name}:{arg}"), || {
        let before = (wire.hits(), lab.granted.seen().len());
        let run = lab.a.run(&["-vv", "post", &format!("attack:{name}:{arg}")]);
        // `a|b`: either variant is right (a request both to an ungranted
        // origin and with a secret not bound there may be refused for either).
        let got = variants(&run);
        let ok = got.len() == want.len()
            && got.iter().zip(want).all(|((gl, gv), (wl, wv))| gl == wl && wv.split('|').any(|w| w == gv));
        assert!(ok, "typed errors: got {got:?}, want {want:?}\n{}", run.all());
        assert_eq!(run.code, if want.iter().all(|(_, v)| v.starts_with("ok")) { 0 } else { 3 }, "{}", run.all());
        assert_eq!(wire.hits(), before.0, "a connection reached the ungranted port");
        if want.iter().all(|(_, v)| !v.starts_with("ok")) {
            assert_eq!(lab.granted.seen().len(), before.1, "a refused request reached the granted service");
        }
        lab.assert_no_leak(name, &run);
        lab.assert_serves_next(name);
    });
}

/// Class 7: grants are origins (scheme, host as written, port), checked
/// before and after DNS: nothing but the exact granted origin is reached.
#[test]
fn grants_are_origins_not_host_names() {
    let lab = Lab::new();
    let wire = Tripwire::start();
    let (q, g) = (wire.port, port_of(&lab.granted.origin()));
    let mut checks = Checks::default();
    let denied = |label: &'static str| -> Vec<(&'static str, &'static str)> { vec![(label, "denied")] };
    for url in [
        format!("https://localhost:{q}/"),
        format!("https://localhost.:{q}/"),
        format!("http://localhost:{g}/x"),
        format!("http://localhost.:{g}/x"),
        format!("https://127.0.0.1:{g}/x"),
        format!("http://127.0.0.1:{q}/"),
        format!("http://2130706433:{q}/"),
        format!("http://0x7f000001:{q}/"),
        format!("http://0177.0.0.1:{q}/"),
        format!("http://127.1:{q}/"),
        format!("http://[::ffff:127.0.0.1]:{q}/"),
        format!("http://[::1]:{q}/"),
        format!("http://{}:{q}/", loopback_names().first().map_or("localhost", String::as_str)),
        "http://10.0.0.1/".to_string(),
        "http://192.168.1.1/".to_string(),
        "http://172.16.0.1/".to_string(),
        "http://100.64.0.1/".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://[fd00::1]/".to_string(),
        "http://[fe80::1]/".to_string(),
        "http://0.0.0.0/".to_string(),
    ] {
        expect(&lab, &mut checks, &wire, "fetch", &url, &denied("fetch"));
        expect(&lab, &mut checks, &wire, "fetch-bearer", &url, &[("fetch-bearer", "denied|secret-misplaced")]);
    }
    // The same origin spelled another way is the same origin: allowed.
    expect(
        &lab,
        &mut checks,
        &wire,
        "fetch-bearer",
        &format!("http://2130706433:{g}/legit"),
        &[("fetch-bearer", "ok200")],
    );
    checks.finish();
}

/// Names other than `localhost` that this machine resolves to a loopback
/// address (from /etc/hosts): DNS names an attacker would use to reach
/// 127.0.0.1 past a check of IP literals.
fn loopback_names() -> Vec<String> {
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    let mut names = Vec::new();
    for line in hosts.lines() {
        let mut words = line.split('#').next().unwrap_or("").split_whitespace();
        let Some(ip) = words.next() else { continue };
        if !(ip.starts_with("127.") || ip == "::1") {
            continue;
        }
        for name in words {
            if !name.starts_with("localhost") && !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// Class 7: an origin the user gave as a setting is declared and (https)
/// granted by default, but reaching an internal address needs an explicit
/// grant of that exact origin: `https://localhost:OTHER`, a DNS name that
/// resolves to loopback and the metadata address are refused after DNS.
#[test]
fn user_given_origins_never_reach_internal_addresses_without_an_explicit_grant() {
    let lab = Lab::new();
    let wire = Tripwire::start();
    let q = wire.port;
    let mut checks = Checks::default();
    let mut alts = vec![
        format!("https://localhost:{q}"),
        format!("https://localhost.:{q}"),
        format!("https://127.0.0.1:{q}"),
        "https://169.254.169.254".to_string(),
    ];
    alts.extend(loopback_names().into_iter().take(2).map(|name| format!("https://{name}:{q}")));
    for alt in alts {
        checks.run(&alt, || {
            lab.a.run(&["update", "h", "--set", &format!("alt={alt}")]).ok();
            let before = wire.hits();
            let run = lab.a.run(&["-vv", "post", &format!("attack:fetch:{alt}/x")]);
            assert_eq!(variants(&run), vec![("fetch".to_string(), "denied".to_string())], "{}", run.all());
            assert_eq!(run.code, 3);
            assert_eq!(wire.hits(), before, "a connection reached {alt}");
            lab.assert_no_leak(&alt, &run);
            lab.assert_serves_next(&alt);
        });
    }
    checks.finish();
}

/// Class 7: `Host` fronting, the other headers the host sets, and methods
/// outside GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS are `forbidden`;
/// nothing is sent.
#[test]
fn forbidden_headers_and_methods() {
    let lab = Lab::new();
    let wire = Tripwire::start();
    let mut checks = Checks::default();
    expect(&lab, &mut checks, &wire, "host-header", "", &[("host-header", "forbidden")]);
    for h in [
        "Host",
        "connection",
        "Upgrade",
        "te",
        "transfer-encoding",
        "content-length",
        "keep-alive",
        "trailer",
        "expect",
        "proxy-authorization",
        "Proxy-Connection",
    ] {
        let want = [(h, "forbidden")];
        expect(&lab, &mut checks, &wire, "forbidden-header", h, &want);
    }
    for m in ["CONNECT", "TRACE", "TRACK", "PROPFIND", "get"] {
        let want = [(m, "forbidden")];
        expect(&lab, &mut checks, &wire, "method", m, &want);
    }
    checks.finish();
}

/// Class 2: an origin the flavor does not declare is denied; a declared
/// one the user did not grant (plain http without `--allow-host`) too.
#[test]
fn undeclared_and_ungranted_origins_are_denied() {
    let lab = Lab::new();
    let g = lab.granted.origin();
    let c = lab.collector.origin();
    // An alerter without the collector setting: the collector is undeclared.
    lab.a.run(&["register", "nocol", "--flavor", "hostile", "--set", &format!("url={g}"), "--allow-host", &g]).ok();
    let run = lab.a.run(&["-vv", "post", "--alerter", "nocol", &format!("attack:fetch:{c}/loot")]);
    assert_eq!(variants(&run), vec![("fetch".to_string(), "denied".to_string())], "{}", run.all());
    assert_eq!(run.code, 3);
    // Declared (the url setting) but not granted: plain http needs --allow-host.
    let token = Secret::random("xoxb-", 40);
    lab.a
        .run(&[
            "register",
            "nogrant",
            "--flavor",
            "hostile",
            "--set",
            &format!("url={g}"),
            "--set",
            &format!("token={}", token.as_str()),
        ])
        .ok();
    let before = lab.granted.seen().len();
    let run = lab.a.run(&["-vv", "post", "--alerter", "nogrant", "attack:legit"]);
    assert_eq!(variants(&run), vec![("legit".to_string(), "denied".to_string())], "{}", run.all());
    assert!(run.stderr.contains(&format!("--allow-host {g}")), "the denial names the grant: {}", run.stderr);
    assert_eq!(lab.granted.seen().len(), before);
    assert!(lab.collector.seen().is_empty(), "the collector got nothing: {:?}", lab.collector.dump());
    assert_no_leak("ungranted", &run.all(), &[token.as_str()]);
    lab.assert_serves_next("undeclared origins");
}

/// Class 2: a flavor from a file that declares `https://collector.example`
/// and binds its token there gets nothing granted without consent: the
/// request is denied before any connection (`denied`, not `connect`).
/// Registering prints the declared origins and the secret's slot; with
/// `--trust-declared-hosts` the user consents and the request is tried.
#[test]
fn declared_https_origins_of_file_flavors_need_consent() {
    let a = alerter_tests::alerter!();
    let token = Secret::random("xoxb-", 40);
    let reg = a.run(&["flavor", "register", flavors::HOSTILE_COLLECTOR]).ok();
    assert!(reg.stdout.contains("https://collector.example"), "declared origins shown: {}", reg.stdout);
    assert!(reg.stdout.contains("authorization"), "the secret's slot shown: {}", reg.stdout);
    a.run(&["register", "c", "--flavor", "collector", "--set", &format!("token={}", token.as_str())]).ok();
    let run = a.run(&["-vv", "post", "--alerter", "c", "hello"]);
    assert_eq!(variants(&run), vec![("send".to_string(), "denied".to_string())], "{}", run.all());
    assert_eq!(run.code, 3);
    assert_no_leak("collector", &run.all(), &[token.as_str()]);
    let describe = a.run(&["flavor", "describe", "collector"]).ok();
    assert!(describe.stdout.contains("https://collector.example"), "{}", describe.stdout);

    // With consent the request is tried (and fails to connect: no such host here).
    a.run(&[
        "register",
        "c2",
        "--flavor",
        "collector",
        "--set",
        &format!("token={}", token.as_str()),
        "--trust-declared-hosts",
    ])
    .ok();
    let run = a.run(&["post", "--alerter", "c2", "hello"]);
    let v = variant_names(&run);
    assert!(v == ["connect"] || v == ["timeout"], "consented, so tried: {}", run.all());
    assert_no_leak("collector with consent", &run.all(), &[token.as_str()]);
}

/// Class 2: a file flavor calling itself `slack` cannot replace the
/// built-in (existing alerters and their tokens keep the built-in), and
/// its extra host is not granted under another name either; replacing any
/// registered name needs `--replace`.
#[test]
fn built_in_names_are_reserved_and_replacing_needs_replace() {
    let a = alerter_tests::alerter!();
    let token = Secret::random("xoxb-", 40);
    a.run(&[
        "register",
        "ops",
        "--flavor",
        "slack",
        "--set",
        &format!("token={}", token.as_str()),
        "--set",
        "channel_id=C1",
    ])
    .ok();
    let run = a.run(&["flavor", "register", flavors::HOSTILE_SLACK]);
    assert_eq!(run.code, 2, "the built-in name is reserved: {}", run.all());
    assert!(run.stderr.contains("--name"), "the fix names --name: {}", run.stderr);
    let run = a.run(&["flavor", "register", flavors::HOSTILE_SLACK, "--replace"]);
    assert_eq!(run.code, 2, "not even with --replace: {}", run.all());
    let d = a.run(&["flavor", "describe", "slack"]).ok();
    assert!(d.stdout.contains("built-in") && !d.stdout.contains("99.0.0"), "{}", d.stdout);
    a.run(&["flavor", "register", flavors::HOSTILE_SLACK, "--name", "fakeslack"]).ok();
    let d = a.run(&["describe", "ops"]).ok();
    assert!(!d.stdout.contains("fakeslack") && !d.stdout.contains("99.0.0"), "{}", d.stdout);
    // Its alerter reaches neither its declared hosts without consent.
    a.run(&["register", "fake", "--flavor", "fakeslack", "--set", &format!("token={}", token.as_str())]).ok();
    let run = a.run(&["post", "--alerter", "fake", "hi"]);
    assert_eq!(variant_names(&run), vec!["denied".to_string()], "{}", run.all());
    assert_no_leak("fakeslack", &run.all(), &[token.as_str()]);

    // Replacing a registered name needs --replace, whatever the file.
    a.run(&["flavor", "register", flavors::HOSTILE]).ok();
    let run = a.run(&["flavor", "register", flavors::HOSTILE]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(run.stderr.contains("--replace"), "{}", run.stderr);
    let run = a.run(&["flavor", "register", flavors::UNRULY, "--name", "hostile"]);
    assert_eq!(run.code, 2, "{}", run.all());
    let d = a.run(&["flavor", "describe", "hostile"]).ok();
    assert!(d.stdout.contains("6.6.6"), "still the registered one: {}", d.stdout);
    a.run(&["flavor", "register", flavors::UNRULY, "--name", "hostile", "--replace"]).ok();
    let d = a.run(&["flavor", "describe", "hostile"]).ok();
    assert!(d.stdout.contains("0.0.1"), "replaced: {}", d.stdout);
}
