//! One file per subcommand: each a clap struct (or enum of subcommands) with
//! `async fn execute(self, ctx) -> Result<ExitCode, CliError>`, printing
//! what the library returns.

mod ask;
mod cache;
mod describe;
mod flavor;
mod flavor_dev;
mod group;
mod list;
mod post;
mod register;
mod remove;
mod run;
mod secret;
mod update;
mod use_;

use std::process::ExitCode;

use clap::Subcommand;

use crate::output::CliError;

/// What every command runs against.
pub struct Context {
    /// The state directory and runtime.
    pub host: alerter::Host,
}

/// The result of a command: its exit code, or why it failed.
pub type CommandResult = Result<ExitCode, CliError>;

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Manage flavors: the .wasm components that talk to a chat service.
    #[command(subcommand)]
    Flavor(flavor::FlavorCommand),
    /// Create an alerter: a flavor plus its settings and network grants.
    Register(register::RegisterCommand),
    /// List alerters (the active one is marked with *).
    List(list::ListCommand),
    /// Show an alerter's flavor, settings (secrets hidden) and network grants.
    Describe(describe::DescribeCommand),
    /// Change an alerter's settings or grants.
    Update(update::UpdateCommand),
    /// Delete an alerter (its stored secrets stay; see `alerter secret`).
    Remove(remove::RemoveCommand),
    /// Make an alerter the default for post/ask/run.
    Use(use_::UseCommand),
    /// Manage groups of alerters (post, ask and run through each member).
    #[command(subcommand)]
    Group(group::GroupCommand),
    /// Manage stored secrets (referenced as {{name.key}}).
    #[command(subcommand)]
    Secret(secret::SecretCommand),
    /// Post a message through an alerter; exits 0 only if the service accepted it.
    Post(post::PostCommand),
    /// Ask a question and wait for a human to approve or decline it.
    Ask(ask::AskCommand),
    /// Run a command and alert when it fails (or succeeds); exits with its exit code.
    Run(run::RunCommand),
    /// Show the compile cache, or prune it.
    Cache(cache::CacheCommand),
}

impl Command {
    /// Runs the command.
    pub async fn execute(self, ctx: &Context) -> CommandResult {
        match self {
            Command::Flavor(c) => c.execute(ctx).await,
            Command::Register(c) => c.execute(ctx).await,
            Command::List(c) => c.execute(ctx).await,
            Command::Describe(c) => c.execute(ctx).await,
            Command::Update(c) => c.execute(ctx).await,
            Command::Remove(c) => c.execute(ctx).await,
            Command::Use(c) => c.execute(ctx).await,
            Command::Group(c) => c.execute(ctx).await,
            Command::Secret(c) => c.execute(ctx).await,
            Command::Post(c) => c.execute(ctx).await,
            Command::Ask(c) => c.execute(ctx).await,
            Command::Run(c) => c.execute(ctx).await,
            Command::Cache(c) => c.execute(ctx).await,
        }
    }
}
