//! The `alerter` command-line tool; see `alerter --help`.

fn main() -> std::process::ExitCode {
    alerter::cli::main()
}
