//! One row per language of flavor, for BENCHMARKS.md (run: `scripts/bench`,
//! or `scripts/bench languages`): Rust = mattermost (built in), Python =
//! telegram, JavaScript = teams, C = ntfy, each against its local stand-in.
//!
//! - component size: the file built from plugins/;
//! - first compile: loading it into a fresh runtime with an empty compile
//!   cache (validate, Cranelift, write the cache, instantiate, `info`);
//! - cached post: `alerter post` as a whole process, start to exit, the
//!   flavor already compiled (median);
//! - peak memory: the maximum resident set of those processes
//!   (`/usr/bin/time -f %M`).

use std::process::Command;
use std::time::{Duration, Instant};

use alerter::{CompileSource, Limits, Runtime};
use alerter_test_artifacts as flavors;
use alerter_tests::cli::Alerter;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// What a row needs: the stand-in kept alive, and an `alerter` home with an
/// alerter ready to post to it.
struct Setup {
    _service: Box<dyn std::any::Any>,
    home: Alerter,
}

/// The `alerter` binary to measure: `$ALERTER_BENCH_BIN` (scripts/bench
/// passes the one built on its own, as `cargo install` builds it), else the
/// one cargo built with this benchmark (its features unified with the
/// stand-ins', so a larger file).
fn alerter_bin() -> String {
    std::env::var("ALERTER_BENCH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_alerter").to_string())
}

fn file_flavor(path: &str) -> Alerter {
    alerter_tests::guest::home_with(&alerter_bin(), path, false)
}

fn setup(lang: &str) -> Setup {
    match lang {
        "Rust" => {
            let mm = alerter_tests::mattermost::MattermostService::start();
            let home = Alerter::new(alerter_bin());
            home.run(&mm.bot_args()).ok();
            Setup { _service: Box::new(mm), home }
        }
        "Python" => {
            let tg = alerter_tests::telegram::TelegramService::start();
            let home = file_flavor(flavors::TELEGRAM);
            home.run(&tg.register_args("tg", "telegram", alerter_tests::telegram::CHAT)).ok();
            Setup { _service: Box::new(tg), home }
        }
        "JavaScript" => {
            let teams = alerter_tests::teams::TeamsService::start();
            let home = file_flavor(flavors::TEAMS);
            let url = format!("webhook_url={}", teams.webhook_url());
            home.run(&["register", "t", "--flavor", "teams", "--set", &url, "--allow-host", &teams.origin()]).ok();
            Setup { _service: Box::new(teams), home }
        }
        _ => {
            let ntfy = alerter_tests::ntfy::NtfyService::start();
            let home = file_flavor(flavors::NTFY);
            let (server, topic) =
                (format!("server={}", ntfy.server()), format!("topic={}", alerter_tests::ntfy::TOPIC));
            home.run(&[
                "register",
                "n",
                "--flavor",
                "ntfy",
                "--set",
                &server,
                "--set",
                &topic,
                "--allow-host",
                &ntfy.origin(),
            ])
            .ok();
            Setup { _service: Box::new(ntfy), home }
        }
    }
}

/// Runs `alerter post` under `/usr/bin/time -f %M`: wall time and max RSS (KiB).
fn timed_post(home: &Alerter) -> (Duration, u64) {
    let started = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M", &alerter_bin(), "post", "benchmark"])
        .env("ALERTER_HOME", home.home())
        .output()
        .expect("run /usr/bin/time alerter post");
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "alerter post failed: {stderr}");
    let rss = stderr.lines().last().and_then(|l| l.trim().parse().ok()).expect("a max RSS from /usr/bin/time");
    (took, rss)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let (compiles, posts) = if quick { (1, 3) } else { (3, 15) };
    println!("| language | flavor | component | first compile | cached `alerter post` (process) | peak memory |");
    println!("|---|---|---|---|---|---|");
    for (lang, flavor, path) in [
        ("Rust", "mattermost", flavors::MATTERMOST),
        ("Python", "telegram", flavors::TELEGRAM),
        ("JavaScript", "teams", flavors::TEAMS),
        ("C", "ntfy", flavors::NTFY),
    ] {
        let bytes = std::fs::read(path).expect("built flavor");
        let mut first = Vec::new();
        for _ in 0..compiles {
            let dir = tempfile::tempdir().expect("tempdir");
            let rt = Runtime::new(Some(dir.path().to_path_buf()), Limits::default()).expect("runtime");
            let t = Instant::now();
            let (_, how) = rt.load(&bytes, flavor).await.expect("load");
            first.push(t.elapsed());
            assert_eq!(how, CompileSource::Compiled);
        }
        let s = setup(lang);
        timed_post(&s.home); // warm: the compile cache and the page cache
        let runs: Vec<(Duration, u64)> = (0..posts).map(|_| timed_post(&s.home)).collect();
        let post = median(runs.iter().map(|r| r.0).collect());
        let rss = runs.iter().map(|r| r.1).max().unwrap_or(0);
        println!(
            "| {lang} | {flavor} | {:.1} KB | {:.0} ms ({compiles}) | {:.1} ms ({posts}) | {:.1} MiB |",
            bytes.len() as f64 / 1000.0,
            median(first).as_secs_f64() * 1000.0,
            post.as_secs_f64() * 1000.0,
            rss as f64 / 1024.0
        );
    }
}
