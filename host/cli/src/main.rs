//! The `alerter` command: parses the arguments (clap), sets up logging, runs
//! one command from `commands/` against the `alerter` library, and turns
//! the outcome into an exit code. It holds no domain rules.

mod args;
mod commands;
mod output;
mod templates;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use crate::output::CliError;

const AFTER_HELP: &str = "\
Quick start (no accounts needed: see README.md for a local stand-in):
  alerter register ops --flavor slack --set token=xoxb-... --set channel_id=C0123
  alerter post \"Training finished\" --level success --meta accuracy=0.93

Exit codes: 0 ok; 2 bad input or configuration; 3 the flavor or the service failed.
State lives in $ALERTER_HOME (default: your config dir, e.g. ~/.config/alerter).
Logs go to stderr; set ALERTER_LOG=debug (or -v/-vv) for more.";

/// Sends alerts to chat services through sandboxed WebAssembly flavors.
#[derive(Parser, Debug)]
#[command(name = "alerter", version, after_help = AFTER_HELP, propagate_version = true)]
struct Cli {
    /// State directory (registry, secrets, compile cache).
    #[arg(long, global = true, env = "ALERTER_HOME", value_name = "DIR", hide_env_values = true)]
    home: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: commands::Command,
}

fn main() -> ExitCode {
    return_large_frees_to_the_kernel();
    let cli = Cli::parse();
    init_logging(cli.verbose);
    // A panic is a bug; its message may quote what it was handling, so only
    // its place is printed. The library catches panics around each flavor
    // call and request, so `run` still exits with the command's code.
    std::panic::set_hook(Box::new(|info| {
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        eprintln!("alerter: internal error{at} (a bug; please report it)");
    }));
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return CliError::Other(anyhow::anyhow!("cannot start the async runtime: {e}")).report(),
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => e.report(),
    }
}

async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let home = match cli.home {
        Some(h) => h,
        None => alerter::Host::default_home()?,
    };
    // One command, a few calls, then exit: nothing is kept warm for later calls.
    let host = alerter::Host::open_with(&home, alerter::Limits::default(), alerter::Residency::GiveBack)?;
    cli.command.execute(&commands::Context { host }).await
}

/// Makes glibc serve every allocation above 128 KiB with its own mapping,
/// unmapped when freed. By default glibc raises that threshold each time such
/// a block is freed, after which large blocks come from its heaps, and what
/// a compile frees there (Cranelift's per-function buffers, on both cores)
/// stays resident while the next functions take new memory. Measured on the
/// Python flavor's `alerter flavor register`: peak RSS 375 MB by default,
/// 295 MB with the fixed threshold, the same compile time.
fn return_large_frees_to_the_kernel() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const THRESHOLD: libc::c_int = 128 * 1024;
        // SAFETY: mallopt only sets an allocator parameter; it runs first
        // in main, before any other thread exists.
        #[allow(unsafe_code)]
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, THRESHOLD);
        }
    }
}

fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = std::env::var("ALERTER_LOG")
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new(format!("{default},hyper=warn,reqwest=warn,cranelift=warn,wasmtime=warn")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none())
        .without_time()
        .try_init();
}
