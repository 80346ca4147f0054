//! Benchmarks recorded in BENCHMARKS.md (run: `scripts/bench`).
//!
//! 1. Loading a flavor: first load (validate + Cranelift compile + write the
//!    cache) against a cached load (deserialize) of the same component.
//! 2. Posting: one `post` through the echo wasm flavor (fresh instance, host
//!    HTTP import, egress check, secret substitution) against a native reqwest
//!    POST of the same JSON to the same loopback stand-in, in one run.
//! 3. The whole CLI: `alerter post` as a process, start to exit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use alerter::{CompileSource, EgressPolicy, HeaderSlot, Limits, Message, Net, Origin, Runtime, SecretSet, SecretSlot};
use alerter_test_artifacts as flavors;
use alerter_tests::echo::EchoService;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (loads, posts, cli_runs) = if quick { (2, 20, 3) } else { (5, 300, 20) };
    println!("| benchmark | median | runs |");
    println!("|---|---|---|");

    for (flavor, path) in [("echo", flavors::ECHO), ("slack", flavors::SLACK)] {
        let bytes = std::fs::read(path).expect("built flavor");
        let name = &format!("{flavor} ({} KB)", bytes.len() / 1000);
        let mut first = Vec::new();
        let mut cached = Vec::new();
        for _ in 0..loads {
            // The cache's key lives next to it (`cache.key`), outside it.
            let dir = tempfile::tempdir().unwrap();
            let cache = dir.path().join("cache");
            let rt = Runtime::new(Some(cache.clone()), Limits::default()).unwrap();
            let t = Instant::now();
            rt.load(&bytes, name.as_str()).await.unwrap();
            first.push(t.elapsed());
            let rt = Runtime::new(Some(cache), Limits::default()).unwrap();
            let t = Instant::now();
            let (_, how) = rt.load(&bytes, name.as_str()).await.unwrap();
            cached.push(t.elapsed());
            assert_eq!(how, CompileSource::Cached);
        }
        let (f, c) = (median(first), median(cached));
        println!("| load {name}: first (compile) | {} | {loads} |", ms(f));
        println!("| load {name}: cached | {} | {loads} |", ms(c));
        println!("| load {name}: first / cached | {:.1}x | |", f.as_secs_f64() / c.as_secs_f64());
    }

    let svc = EchoService::start();
    let origin = svc.origin();
    let rt = Runtime::new(None, Limits::default()).unwrap();
    let (flavor, _) = rt.load(&std::fs::read(flavors::ECHO).unwrap(), "echo").await.unwrap();
    let grant = Origin::parse_grant(&origin).unwrap();
    let mut secrets = SecretSet::new();
    let slot = SecretSlot::Header(HeaderSlot { name: "authorization".into(), format: "Bearer {}".into() });
    let token = secrets.bind("token", "bench-token".into(), slot, vec![grant.clone()]);
    let net =
        Arc::new(Net::new(EgressPolicy::new("bench", [grant.clone()], [grant]), secrets, Limits::default()).unwrap());
    let settings = vec![
        ("url".to_string(), origin.clone()),
        ("token".to_string(), token),
        ("channel".to_string(), "general".to_string()),
    ];
    let msg = Message::text("benchmark message");
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let body = serde_json::json!({"flavor": "echo", "channel": "general", "text": "benchmark message", "title": null,
        "level": "info", "metadata": [], "link": null, "raw": null, "thread": null});
    // Warm both paths, then interleave so both see the same machine state.
    for _ in 0..10 {
        flavor.send(&net, &settings, &msg).await.unwrap();
        client.post(format!("{origin}/messages")).bearer_auth("bench-token").json(&body).send().await.unwrap();
    }
    let mut wasm = Vec::new();
    let mut native = Vec::new();
    for _ in 0..posts {
        let t = Instant::now();
        flavor.send(&net, &settings, &msg).await.unwrap();
        wasm.push(t.elapsed());
        let t = Instant::now();
        let r = client.post(format!("{origin}/messages")).bearer_auth("bench-token").json(&body).send().await.unwrap();
        r.bytes().await.unwrap();
        native.push(t.elapsed());
    }
    let (w, n) = (median(wasm), median(native));
    println!("| post through the echo wasm flavor | {} | {posts} |", ms(w));
    println!("| native reqwest POST, same server | {} | {posts} |", ms(n));
    println!("| wasm flavor / native | {:.2}x | |", w.as_secs_f64() / n.as_secs_f64());

    let a = alerter_tests::alerter!();
    a.run(&["flavor", "register", flavors::ECHO]).ok();
    a.run(&["register", "e", "--flavor", "echo", "--set", &format!("url={origin}"), "--allow-host", &origin]).ok();
    let mut cli = Vec::new();
    for _ in 0..cli_runs {
        let t = Instant::now();
        a.run(&["post", "from the cli"]).ok();
        cli.push(t.elapsed());
    }
    println!("| `alerter post` process, start to exit (cached flavor) | {} | {cli_runs} |", ms(median(cli)));
}
