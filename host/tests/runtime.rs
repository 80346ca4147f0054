//! The runtime keeps serving after a flavor traps or spins: library-level
//! calls into the real `unruly` component, in one process.

use std::sync::Arc;
use std::time::Duration;

use alerter::{CallError, EgressPolicy, Limits, Message, Net, Runtime, SecretSet};

#[tokio::test(flavor = "current_thread")]
async fn host_answers_the_next_call_after_a_trap_and_a_spin() {
    let limits = Limits { cpu: Duration::from_millis(300), call_timeout: Duration::from_secs(5), ..Limits::default() };
    let rt = Runtime::new(None, limits.clone()).unwrap();
    let bytes = std::fs::read(alerter_test_artifacts::UNRULY).unwrap();
    let (flavor, _) = rt.load(&bytes, "unruly").await.unwrap();
    let net = Arc::new(Net::new(EgressPolicy::new("t", [], []), SecretSet::new(), limits).unwrap());

    let err = flavor.send(&net, &[], &Message::text("trap")).await.unwrap_err();
    assert!(matches!(err, CallError::Trap { ref message, .. } if message.contains("asked to trap")), "{err}");
    let ok = flavor.send(&net, &[], &Message::text("fine")).await.unwrap();
    assert_eq!(ok.reference, "quiet");

    let started = std::time::Instant::now();
    let err = flavor.send(&net, &[], &Message::text("loop")).await.unwrap_err();
    assert!(matches!(err, CallError::Cpu(_)), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5), "stopped by the CPU budget, before the wall-clock deadline");
    let ok = flavor.send(&net, &[], &Message::text("fine again")).await.unwrap();
    assert_eq!(ok.reference, "quiet");

    // Allocating 128 MiB takes more than 300 ms of CPU on a loaded machine:
    // the memory limit is checked with the default CPU budget.
    let limits = Limits { call_timeout: Duration::from_secs(20), ..Limits::default() };
    let rt = Runtime::new(None, limits.clone()).unwrap();
    let (flavor, _) = rt.load(&bytes, "unruly").await.unwrap();
    let net = Arc::new(Net::new(EgressPolicy::new("t", [], []), SecretSet::new(), limits).unwrap());
    let err = flavor.send(&net, &[], &Message::text("oom")).await.unwrap_err();
    assert!(matches!(err, CallError::Memory(128)), "{err}");
    assert_eq!(flavor.send(&net, &[], &Message::text("still fine")).await.unwrap().reference, "quiet");
}

#[tokio::test(flavor = "current_thread")]
async fn wall_clock_deadline_stops_a_call_even_when_cpu_budget_remains() {
    let limits = Limits { cpu: Duration::from_secs(60), call_timeout: Duration::from_millis(400), ..Limits::default() };
    let rt = Runtime::new(None, limits.clone()).unwrap();
    let bytes = std::fs::read(alerter_test_artifacts::UNRULY).unwrap();
    let (flavor, _) = rt.load(&bytes, "unruly").await.unwrap();
    let net = Arc::new(Net::new(EgressPolicy::new("t", [], []), SecretSet::new(), limits).unwrap());
    let err = flavor.send(&net, &[], &Message::text("loop")).await.unwrap_err();
    assert!(matches!(err, CallError::Timeout(_)), "{err}");
    assert_eq!(flavor.send(&net, &[], &Message::text("ok")).await.unwrap().reference, "quiet");
}
