//! A fresh instance per call: whatever the runtime reuses to make calls fast
//! (pre-linked components, pooled instance slots, copy-on-write memory
//! images, fiber stacks), no state of one call is visible to the next. The
//! `stateful` fixture reports what it finds left over (a static counter, a
//! zero-initialised static, a data-initialised static, a leaked heap
//! allocation, the memory size) and then leaves traces of all of them.

use std::sync::Arc;

use alerter::{EgressPolicy, Flavor, Limits, Message, Net, Origin, Residency, Runtime, SecretSet};

async fn stateful() -> (Runtime, Flavor, Arc<Net>) {
    let rt = Runtime::new(None, Limits::default()).unwrap();
    load_stateful(rt).await
}

async fn load_stateful(rt: Runtime) -> (Runtime, Flavor, Arc<Net>) {
    let bytes = std::fs::read(alerter_test_artifacts::STATEFUL).unwrap();
    let (flavor, _) = rt.load(&bytes, "stateful").await.unwrap();
    let none: Vec<Origin> = Vec::new();
    let net =
        Arc::new(Net::new(EgressPolicy::new("t", none.clone(), none), SecretSet::new(), Limits::default()).unwrap());
    (rt, flavor, net)
}

#[tokio::test(flavor = "current_thread")]
async fn no_state_survives_from_one_call_to_the_next() {
    let (_rt, flavor, net) = stateful().await;
    calls_one_after_the_other_start_fresh(&flavor, &net).await;
}

/// The CLI's runtime gives every page back after a call instead of
/// resetting some in place: the next call starts just as fresh.
#[tokio::test(flavor = "current_thread")]
async fn no_state_survives_when_slots_give_their_pages_back() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::with_cache(dir.path().join("cache"), [7; 32], Limits::default(), Residency::GiveBack).unwrap();
    let (_rt, flavor, net) = load_stateful(rt).await;
    calls_one_after_the_other_start_fresh(&flavor, &net).await;
}

async fn calls_one_after_the_other_start_fresh(flavor: &Flavor, net: &Arc<Net>) {
    let fresh = flavor.send(net, &[], &Message::text("1")).await.unwrap().reference;
    assert!(fresh.starts_with("calls=0 bss=0 mark=initial heap=none pages="), "{fresh}");
    // Calls one after the other (so the same pooled slot is reused), each
    // growing and dirtying a different amount of memory.
    for mib in [8, 1, 16, 0, 3, 24, 2] {
        let got = flavor.send(net, &[], &Message::text(mib.to_string())).await.unwrap().reference;
        assert_eq!(got, fresh, "after a call that grew memory by {mib} MiB");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_see_no_state_of_each_other() {
    let (_rt, flavor, net) = stateful().await;
    let fresh = flavor.send(&net, &[], &Message::text("1")).await.unwrap().reference;
    for _round in 0..3 {
        let mut calls = tokio::task::JoinSet::new();
        for i in 0..24 {
            let (flavor, net) = (flavor.clone(), net.clone());
            calls.spawn(async move { flavor.send(&net, &[], &Message::text((i % 5).to_string())).await });
        }
        while let Some(r) = calls.join_next().await {
            assert_eq!(r.unwrap().unwrap().reference, fresh);
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn describe_and_capabilities_calls_leave_nothing_for_send() {
    let (rt, _, net) = stateful().await;
    // Loading again calls `info` in an instance of its own first.
    let (flavor, _) = rt.load(&std::fs::read(alerter_test_artifacts::STATEFUL).unwrap(), "stateful").await.unwrap();
    flavor.capabilities_for(&net, &[]).await.unwrap();
    let got = flavor.send(&net, &[], &Message::text("1")).await.unwrap().reference;
    assert!(got.starts_with("calls=0 bss=0 mark=initial heap=none pages="), "{got}");
}
