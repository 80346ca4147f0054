//! `standin`: the local Slack Web API stand-in as a process, for the demo
//! (scripts/demo) and for trying `alerter` by hand without an account. See
//! [`alerter_tests::standin`] for what it does.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(alerter_tests::standin::run(&args));
}
