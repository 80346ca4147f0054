//! The demo script (`scripts/demo`) itself, as the README tells people to
//! run it, with a kill timeout: it must finish, post the alert with its
//! chart, get the approval and wrap the failing command.
//!
//! A test without the libtest harness: the binary is also the demo's Slack
//! stand-in (`readme_demo --standin ...`), since cargo builds no `standin`
//! binary for the CLI's tests; the script gets it, the `alerter` binary and
//! the Slack flavor cargo built, so it builds nothing itself.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use alerter_test_artifacts as flavors;

/// Longest the demo may take (it waits 3 s for its human).
const LIMIT: Duration = Duration::from_secs(120);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--standin") {
        std::process::exit(alerter_tests::standin::run(&args[1..]));
    }
    if args.iter().any(|a| a == "--list") {
        println!("demo: test");
        return;
    }
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    if !filters.is_empty() && !filters.iter().any(|f| "demo".contains(f.as_str())) {
        println!("\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 1 filtered out\n");
        return;
    }
    println!("\nrunning 1 test");
    let started = Instant::now();
    demo();
    println!("test demo ... ok\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in {:.2}s\n", started.elapsed().as_secs_f64());
}

fn demo() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let me = std::env::current_exe().expect("the test binary");
    let mut child = Command::new("bash")
        .arg(root.join("scripts/demo"))
        .env("ALERTER_DEMO_BIN", env!("CARGO_BIN_EXE_alerter"))
        .env("ALERTER_DEMO_STANDIN", format!("{} --standin", me.display()))
        .env("ALERTER_DEMO_SLACK_WASM", flavors::SLACK)
        .env_remove("ALERTER_HOME")
        .env_remove("ALERTER_ALERTER")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run scripts/demo");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the demo ran over {LIMIT:?}\n--- stdout\n{}\n--- stderr\n{}",
                out.join().unwrap(),
                err.join().unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
    let shown = format!("--- stdout\n{stdout}\n--- stderr\n{stderr}");
    assert!(status.success(), "the demo failed ({status})\n{shown}");
    for want in ["posted via \"demo\" (slack): ", "Approved by ", "deploying...", "(the command's own exit code: 137)"]
    {
        assert!(stdout.contains(want), "stdout lacks {want:?}\n{shown}");
    }
    for want in ["standin: the bot posted", "\"text\":\"Deploy model v3 to production?"] {
        assert!(stderr.contains(want), "stderr lacks {want:?}\n{shown}");
    }
}
