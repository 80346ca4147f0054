//! Regression check of the sandbox's cost per post: the median of 200 posts
//! through the echo flavor against the median of 200 native reqwest POSTs of
//! the same bytes to the same stand-in, interleaved. It compares a ratio,
//! never a time, with a generous margin so a loaded machine does not fail
//! it but a change that makes every call much slower does: 3x in an
//! optimised build, 6x in this unoptimised test build (the host's own code
//! at opt-level 0 against reqwest at opt-level 2; measured 2.8-3.4x here
//! with a load average of 6-7 on 2 cores).

use std::sync::Arc;
use std::time::{Duration, Instant};

use alerter::{Clients, EgressPolicy, HeaderSlot, Limits, Message, Net, Origin, Runtime, SecretSet, SecretSlot};
use alerter_tests::echo::EchoService;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::test(flavor = "current_thread")]
async fn a_post_through_the_sandbox_costs_less_than_3x_a_native_post() {
    let svc = EchoService::start();
    let origin = svc.origin();
    let rt = Runtime::new(None, Limits::default()).unwrap();
    let (flavor, _) = rt.load(&std::fs::read(alerter_test_artifacts::ECHO).unwrap(), "echo").await.unwrap();
    let grant = Origin::parse_grant(&origin).unwrap();
    let mut secrets = SecretSet::new();
    let slot = SecretSlot::Header(HeaderSlot { name: "authorization".into(), format: "Bearer {}".into() });
    let token = secrets.bind("token", "bench-token".into(), slot, vec![grant.clone()]);
    // The host holds an alerter to 30 requests a minute per route (main's
    // request budget): the posts go through alerters of the same secrets
    // and policy, 20 each, sharing their HTTP clients as alerters of one
    // runtime do, made before anything is timed.
    let clients = Arc::new(Clients::default());
    let nets: Vec<Arc<Net>> = (0..12)
        .map(|_| {
            let policy = EgressPolicy::new("t", [grant.clone()], [grant.clone()]);
            Arc::new(Net::with_clients(policy, secrets.clone(), Limits::default(), clients.clone()).unwrap())
        })
        .collect();
    let mut sent = 0usize;
    let mut net = || {
        sent += 1;
        nets[(sent - 1) / 20].clone()
    };
    let settings = vec![("url".to_string(), origin.clone()), ("token".to_string(), token)];
    let msg = Message::text("regression check");
    flavor.send(&net(), &settings, &msg).await.unwrap();
    let seen = svc.seen().pop().unwrap();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let native = || {
        let mut req = client.post(format!("{origin}/messages")).body(seen.body.clone());
        for (k, v) in seen.headers.iter().filter(|(k, _)| k == "authorization" || k == "content-type") {
            req = req.header(k, v);
        }
        async move {
            let r = req.send().await.unwrap();
            assert!(r.status().is_success());
            r.bytes().await.unwrap();
        }
    };
    for _ in 0..20 {
        flavor.send(&net(), &settings, &msg).await.unwrap();
        native().await;
    }
    let (mut wasm, mut plain) = (Vec::new(), Vec::new());
    for i in 0..200 {
        for w in [i % 2 == 0, i % 2 == 1] {
            let t = Instant::now();
            if w {
                flavor.send(&net(), &settings, &msg).await.unwrap();
                wasm.push(t.elapsed());
            } else {
                native().await;
                plain.push(t.elapsed());
            }
        }
    }
    let (w, n) = (median(wasm), median(plain));
    let ratio = w.as_secs_f64() / n.as_secs_f64();
    eprintln!("wasm {w:?}, native {n:?}: {ratio:.2}x");
    let margin = if cfg!(debug_assertions) { 6.0 } else { 3.0 };
    assert!(ratio < margin, "a post through the sandbox took {ratio:.2}x a native post ({w:?} vs {n:?})");
}
