//! `alerter secret set|list|remove`.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::{CommandResult, Context};
use crate::args::{pairs, text_or_stdin};
use crate::output::out;

/// The secret subcommands.
#[derive(Subcommand, Debug)]
pub enum SecretCommand {
    /// Store secrets: `alerter secret set ci slack_token=xoxb-...` (VALUE `-` reads stdin).
    Set(SetSecret),
    /// List secret names and keys (never values).
    List(ListSecrets),
    /// Remove a secret, or only some of its keys.
    Remove(RemoveSecret),
}

impl SecretCommand {
    /// Runs the subcommand.
    pub async fn execute(self, ctx: &Context) -> CommandResult {
        match self {
            SecretCommand::Set(c) => c.execute(ctx),
            SecretCommand::List(c) => c.execute(ctx),
            SecretCommand::Remove(c) => c.execute(ctx),
        }
    }
}

/// `alerter secret set NAME KEY=VALUE...`.
#[derive(Args, Debug)]
pub struct SetSecret {
    /// Secret name (a group of keys).
    name: String,
    /// KEY=VALUE pairs.
    #[arg(required = true, value_name = "KEY=VALUE")]
    pairs: Vec<String>,
}

impl SetSecret {
    fn execute(self, ctx: &Context) -> CommandResult {
        let mut parsed = pairs(&self.pairs, "secret")?;
        for (k, v) in &mut parsed {
            if v == "-" {
                let read = text_or_stdin(std::mem::take(v), &format!("the value of {k}"))?;
                *v = read.trim_end_matches(['\n', '\r']).to_string();
            }
        }
        let stored = ctx.host.set_secrets(&self.name, parsed)?;
        out!("stored {}", stored.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "));
        Ok(ExitCode::SUCCESS)
    }
}

/// `alerter secret list`.
#[derive(Args, Debug)]
pub struct ListSecrets {}

impl ListSecrets {
    fn execute(self, ctx: &Context) -> CommandResult {
        let secrets = ctx.host.secrets()?;
        if secrets.is_empty() {
            out!("no secrets stored");
        }
        for (name, keys) in secrets {
            out!("{name}: {}", keys.join(", "));
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// `alerter secret remove NAME [KEY]...`.
#[derive(Args, Debug)]
pub struct RemoveSecret {
    /// Secret name.
    name: String,
    /// Keys to remove (default: all).
    keys: Vec<String>,
}

impl RemoveSecret {
    fn execute(self, ctx: &Context) -> CommandResult {
        ctx.host.remove_secret(&self.name, &self.keys)?;
        out!("removed");
        Ok(ExitCode::SUCCESS)
    }
}
