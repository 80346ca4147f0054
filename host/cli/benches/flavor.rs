//! The in-process rows of BENCHMARKS.md (run by `scripts/bench`, release
//! build). Prints markdown table rows on stdout, and target lines
//! (`TARGET<tab>name<tab>target<tab>measured<tab>yes|NO`) when asked with
//! `--targets FILE`.
//!
//! 1. Loading a flavor: first load (validate + compile + write the cache)
//!    against a cached load, for echo and Slack and, when their paths are in
//!    `ALERTER_BENCH_TELEGRAM` / `ALERTER_BENCH_TEAMS`, the big flavors.
//! 2. Posting: one `send` through a wasm flavor (fresh instance, host HTTP
//!    import, egress check, secret substitution, response masking) against a
//!    native reqwest POST of the same JSON with the same headers to the same
//!    in-process stand-in, interleaved: through echo (echo stand-in) and
//!    through Slack (Slack stand-in).
//!
//! `--profile echo|slack|native-echo N` instead runs N posts of one path
//! only and prints nothing: for `valgrind --tool=callgrind`.

use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alerter::{
    CompileSource, EgressPolicy, Flavor, HeaderSlot, Limits, Message, Net, Origin, Runtime, SecretSet, SecretSlot,
};
use alerter_test_artifacts as flavors;
use alerter_tests::echo::EchoService;
use alerter_tests::slack::{SlackService, BOT_TOKEN, CHANNEL};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// The posts one alerter may send per minute and route (the host's request
/// budget, `budget.rs`): the benchmark spreads its posts over alerters of
/// the same secrets and policy, sharing the runtime's HTTP clients as the
/// alerters of one runtime do, all made before anything is timed.
const POSTS_PER_NET: usize = 20;

/// One path to post through: a flavor with its settings, and the native
/// requests that send the same bytes (every request the flavor made for
/// one post, in order: Slack's `chat.postMessage` then `chat.getPermalink`).
struct PostPath {
    flavor: Flavor,
    nets: Vec<Arc<Net>>,
    used: std::cell::Cell<usize>,
    settings: Vec<(String, String)>,
    msg: Message,
    client: reqwest::Client,
    requests: Vec<Replay>,
}

/// One request as the flavor sent it (secret swapped in by the host).
struct Replay {
    method: reqwest::Method,
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl PostPath {
    /// `settings` gives the settings and message from the token's
    /// placeholder; `seen` is the stand-in's request log.
    async fn new(
        rt: &Runtime,
        flavor: Flavor,
        origin: &str,
        secret: (&str, &str),
        posts: usize,
        settings: impl FnOnce(String) -> (Vec<(String, String)>, Message),
        seen: impl Fn() -> Vec<alerter_tests::chat::Seen>,
    ) -> PostPath {
        let grant = Origin::parse_grant(origin).unwrap();
        let mut secrets = SecretSet::new();
        let slot = SecretSlot::Header(HeaderSlot { name: "authorization".into(), format: "Bearer {}".into() });
        let placeholder = secrets.bind(secret.0, secret.1.into(), slot, vec![grant.clone()]);
        let nets = (0..posts / POSTS_PER_NET + 2)
            .map(|_| {
                let policy = EgressPolicy::new("bench", [grant.clone()], [grant.clone()]);
                Arc::new(Net::with_clients(policy, secrets.clone(), Limits::default(), rt.clients().clone()).unwrap())
            })
            .collect();
        let (settings, msg) = settings(placeholder);
        let mut path = PostPath {
            flavor,
            nets,
            used: std::cell::Cell::new(0),
            settings,
            msg,
            client: reqwest::Client::builder().no_proxy().build().unwrap(),
            requests: Vec::new(),
        };
        let before = seen().len();
        path.wasm().await;
        path.requests = seen()[before..]
            .iter()
            .map(|r| Replay {
                method: r.method.parse().unwrap(),
                url: if r.query.is_empty() {
                    format!("{origin}{}", r.path)
                } else {
                    format!("{origin}{}?{}", r.path, r.query)
                },
                headers: same_headers(r),
                body: r.body.clone(),
            })
            .collect();
        assert!(!path.requests.is_empty());
        path
    }

    fn net(&self) -> Arc<Net> {
        let n = self.used.get();
        self.used.set(n + 1);
        self.nets[n / POSTS_PER_NET].clone()
    }

    async fn wasm(&self) {
        self.flavor.send(&self.net(), &self.settings, &self.msg).await.expect("wasm post");
    }

    async fn native(&self) {
        for r in &self.requests {
            let mut req = self.client.request(r.method.clone(), &r.url);
            if !r.body.is_empty() {
                req = req.body(r.body.clone());
            }
            for (k, v) in &r.headers {
                req = req.header(k, v);
            }
            let resp = req.send().await.expect("native post");
            assert!(resp.status().is_success());
            resp.bytes().await.expect("native body");
        }
    }
}

/// The headers a native client must send to match what the flavor sent.
fn same_headers(seen: &alerter_tests::chat::Seen) -> Vec<(String, String)> {
    seen.headers.iter().filter(|(k, _)| matches!(k.as_str(), "authorization" | "content-type")).cloned().collect()
}

async fn echo_path(rt: &Runtime, svc: &EchoService, posts: usize) -> PostPath {
    let origin = svc.origin();
    let (flavor, _) = rt.load(&std::fs::read(flavors::ECHO).unwrap(), "echo").await.unwrap();
    let settings = |token| {
        let settings = vec![
            ("url".to_string(), origin.clone()),
            ("token".to_string(), token),
            ("channel".to_string(), "general".to_string()),
        ];
        (settings, Message::text("benchmark message"))
    };
    PostPath::new(rt, flavor, &origin, ("token", "bench-token"), posts, settings, || svc.seen()).await
}

async fn slack_path(rt: &Runtime, svc: &SlackService, posts: usize) -> PostPath {
    let origin = svc.origin();
    let (flavor, _) = rt.load(&std::fs::read(flavors::SLACK).unwrap(), "slack").await.unwrap();
    let settings = |token| {
        let settings = vec![
            ("token".to_string(), token),
            ("channel_id".to_string(), CHANNEL.to_string()),
            ("api_base".to_string(), format!("{origin}/api")),
        ];
        let mut msg = Message::text("Nightly training finished");
        msg.title = Some("Training".into());
        msg.metadata = vec![("accuracy".into(), "0.93".into())];
        (settings, msg)
    };
    let path = PostPath::new(rt, flavor, &origin, ("token", BOT_TOKEN), posts, settings, || svc.seen()).await;
    assert_eq!(path.requests[0].url, format!("{origin}/api/chat.postMessage"));
    path
}

/// Medians of `posts` interleaved wasm and native posts, after a warm-up.
async fn compare(path: &PostPath, posts: usize) -> (Duration, Duration) {
    for _ in 0..20 {
        path.wasm().await;
        path.native().await;
    }
    let (mut wasm, mut native) = (Vec::new(), Vec::new());
    for i in 0..posts {
        // Alternate which goes first, so neither always follows the other.
        for w in [i % 2 == 0, i % 2 == 1] {
            let t = Instant::now();
            if w {
                path.wasm().await;
                wasm.push(t.elapsed());
            } else {
                path.native().await;
                native.push(t.elapsed());
            }
        }
    }
    (median(wasm), median(native))
}

struct Out {
    targets: Option<std::fs::File>,
}

impl Out {
    fn row(&self, cells: &[&str]) {
        println!("| {} |", cells.join(" | "));
    }

    fn target(&mut self, name: &str, target: &str, measured: &str, ok: bool) {
        if let Some(f) = &mut self.targets {
            writeln!(f, "{name}\t{target}\t{measured}\t{}", if ok { "yes" } else { "NO" }).unwrap();
        }
    }
}

async fn loads(out: &mut Out, runs: usize) {
    let mut list = vec![("echo".to_string(), flavors::ECHO.to_string()), ("slack".into(), flavors::SLACK.into())];
    for (name, var) in [("telegram", "ALERTER_BENCH_TELEGRAM"), ("teams", "ALERTER_BENCH_TEAMS")] {
        if let Ok(p) = std::env::var(var) {
            list.push((name.into(), p));
        }
    }
    for (flavor, path) in list {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let name = if bytes.len() > 2_000_000 {
            format!("{flavor} ({:.1} MB)", bytes.len() as f64 / 1e6)
        } else {
            format!("{flavor} ({} KB)", bytes.len() / 1000)
        };
        let big = bytes.len() > 2_000_000;
        let (firsts, cached_runs) = if big { (2.min(runs), runs) } else { (runs, runs) };
        let mut first = Vec::new();
        let mut cached = Vec::new();
        for i in 0..cached_runs {
            // The cache's key lives next to it (`cache.key`), outside it.
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join("cache");
            if i < firsts {
                let rt = Runtime::new(Some(dir.clone()), Limits::default()).unwrap();
                let t = Instant::now();
                rt.load(&bytes, &name).await.unwrap();
                first.push(t.elapsed());
            } else {
                let rt = Runtime::new(Some(dir.clone()), Limits::default()).unwrap();
                rt.load(&bytes, &name).await.unwrap();
            }
            let rt = Runtime::new(Some(dir.clone()), Limits::default()).unwrap();
            let t = Instant::now();
            let (_, how) = rt.load(&bytes, &name).await.unwrap();
            cached.push(t.elapsed());
            assert_eq!(how, CompileSource::Cached);
        }
        let (n_first, n_cached) = (first.len(), cached.len());
        let (f, c) = (median(first), median(cached));
        out.row(&[&format!("load {name}: first (compile)"), &ms(f), &n_first.to_string()]);
        out.row(&[&format!("load {name}: cached"), &ms(c), &n_cached.to_string()]);
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let (load_runs, posts) = if quick { (2, 30) } else { (5, 300) };
    let targets = args
        .iter()
        .position(|a| a == "--targets")
        .map(|i| std::fs::OpenOptions::new().create(true).append(true).open(&args[i + 1]).expect("targets file"));
    let mut out = Out { targets };

    if let Some(i) = args.iter().position(|a| a == "--profile") {
        let n: usize = args[i + 2].parse().unwrap();
        let rt = Runtime::new(None, Limits::default()).unwrap();
        match args[i + 1].as_str() {
            "echo" | "native-echo" => {
                let svc = EchoService::start();
                let p = echo_path(&rt, &svc, n).await;
                for _ in 0..n {
                    if args[i + 1] == "echo" {
                        p.wasm().await;
                    } else {
                        p.native().await;
                    }
                }
            }
            "slack" | "native-slack" => {
                let svc = SlackService::start();
                svc.set_minute(Duration::from_millis(1));
                let p = slack_path(&rt, &svc, n).await;
                for _ in 0..n {
                    if args[i + 1] == "slack" {
                        p.wasm().await;
                    } else {
                        p.native().await;
                    }
                }
            }
            other => panic!("unknown profile {other}"),
        }
        return;
    }

    println!("| benchmark | median | runs |");
    println!("|---|---|---|");
    if !args.iter().any(|a| a == "--no-loads") {
        loads(&mut out, load_runs).await;
    }

    let rt = Runtime::new(None, Limits::default()).unwrap();
    let echo = EchoService::start();
    let slack = SlackService::start();
    // The stand-in applies Slack's rate limits (chat.postMessage about one
    // a second per channel): shrink its minute so that hundreds of posts a
    // second measure the sandbox, not the limiter.
    slack.set_minute(Duration::from_millis(1));
    // Each path posts 20 warm-up posts and `posts` timed ones.
    let paths =
        [("echo", echo_path(&rt, &echo, posts + 20).await), ("Slack", slack_path(&rt, &slack, posts + 20).await)];
    for (name, path) in &paths {
        let (w, n) = compare(path, posts).await;
        let ratio = w.as_secs_f64() / n.as_secs_f64();
        out.row(&[&format!("post through the {name} wasm flavor"), &ms(w), &posts.to_string()]);
        out.row(&[&format!("native reqwest POST of the same JSON, {name} stand-in"), &ms(n), &posts.to_string()]);
        out.row(&[&format!("{name}: wasm / native"), &format!("{ratio:.2}x"), ""]);
        out.target(
            &format!("in-process post through {name} / native reqwest"),
            "<= 1.10x",
            &format!("{ratio:.2}x ({} vs {})", ms(w), ms(n)),
            ratio <= 1.10,
        );
    }
    for v in [echo.violations(), slack.violations()] {
        assert!(v.is_empty(), "stand-in violations: {:?}", &v[..v.len().min(3)]);
    }
}
