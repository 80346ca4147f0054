//! A state directory with the echo fixture registered (trusted, so `ask`
//! may use it) and the alerter `e` on an [`EchoService`]: the set-up the
//! CLI tests of attachments, ask outcomes and README promises share.

use std::time::Duration;

use alerter_test_artifacts as flavors;
use alerter_tests::cli::Alerter;
use alerter_tests::echo::EchoService;

/// A fresh state directory with the echo fixture registered, trusted.
pub fn echo_home() -> Alerter {
    let mut a = alerter_tests::alerter!();
    a.timeout(Duration::from_secs(60));
    a.run(&["flavor", "register", flavors::ECHO, "--trusted"]).ok();
    a
}

/// [`echo_home`] with the alerter `e` on `svc`, with extra `--set`s.
pub fn setup(svc: &EchoService, settings: &[&str]) -> Alerter {
    let a = echo_home();
    let origin = svc.origin();
    let url = format!("url={origin}");
    let mut args = vec!["register", "e", "--flavor", "echo", "--set", &url, "--allow-host", &origin];
    for s in settings {
        args.extend(["--set", s]);
    }
    a.run(&args).ok();
    a
}
