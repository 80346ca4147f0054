//! Flag groups shared by several commands (message content, the target
//! alerter) and the parsing of `KEY=VALUE` arguments.

use std::io::Read;
use std::path::PathBuf;

use alerter::{Attachment, Level, Message, Target};
use clap::{Args, ValueEnum};

use crate::output::CliError;

/// Message content, shared by `post` and `ask`.
#[derive(Args, Debug)]
pub struct MessageArgs {
    /// Title shown above the message.
    #[arg(long)]
    pub title: Option<String>,
    /// Severity, shown as a colour or emoji.
    #[arg(long, value_enum, default_value_t = LevelArg::Info)]
    pub level: LevelArg,
    /// Metadata shown with the message, KEY=VALUE (repeatable, kept in order).
    #[arg(long = "meta", value_name = "KEY=VALUE")]
    pub meta: Vec<String>,
    /// A link the message points to.
    #[arg(long)]
    pub link: Option<String>,
    /// A JSON file sent verbatim as the flavor's own payload (Slack blocks, Discord embeds).
    #[arg(long, value_name = "FILE")]
    pub raw: Option<PathBuf>,
    /// Attach a file: a plot, a log (repeatable; at most 10 MiB each, 25 MiB in all).
    #[arg(long, value_name = "FILE")]
    pub attach: Vec<PathBuf>,
}

impl MessageArgs {
    /// The message with `body` and these flags.
    pub fn message(&self, body: String) -> Result<Message, CliError> {
        let metadata = pairs(&self.meta, "--meta")?;
        let raw = match &self.raw {
            None => None,
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| CliError::Usage(format!("cannot read --raw {}: {e}", path.display())))?;
                serde_json::from_str::<serde_json::Value>(&text)
                    .map_err(|e| CliError::Usage(format!("--raw {} is not valid JSON: {e}", path.display())))?;
                Some(text)
            }
        };
        let mut attachments = Vec::new();
        for path in &self.attach {
            attachments.push(Attachment::from_path(path)?);
        }
        Ok(Message {
            title: self.title.clone(),
            body,
            level: self.level.into(),
            metadata,
            link: self.link.clone(),
            raw,
            thread: None,
            attachments,
        })
    }
}

/// Message levels on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LevelArg {
    /// Informational.
    Info,
    /// Something worked.
    Success,
    /// Needs attention.
    Warning,
    /// Something failed.
    Failure,
}

impl From<LevelArg> for Level {
    fn from(l: LevelArg) -> Level {
        match l {
            LevelArg::Info => Level::Info,
            LevelArg::Success => Level::Success,
            LevelArg::Warning => Level::Warning,
            LevelArg::Failure => Level::Failure,
        }
    }
}

/// Which alerters, and setting overrides for this call only.
#[derive(Args, Debug)]
pub struct TargetArgs {
    /// Alerter or group to use (repeatable: posts to each; default: the active alerter).
    #[arg(long, env = "ALERTER_ALERTER", value_name = "NAME")]
    pub alerter: Vec<String>,
    /// Override a setting for this call only, KEY=VALUE (e.g. channel_id).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

impl TargetArgs {
    /// Resolves the alerters (groups expanded) with the overrides. An
    /// unknown name is an error; an alerter that cannot be set up is an
    /// error of its own target.
    pub async fn targets(&self, host: &alerter::Host) -> Result<Vec<Target>, CliError> {
        let overrides = pairs(&self.set, "--set")?;
        Ok(host.targets(&self.alerter, &overrides).await?)
    }
}

/// Parses `KEY=VALUE` arguments of flag `what`.
pub fn pairs(items: &[String], what: &str) -> Result<Vec<(String, String)>, CliError> {
    items
        .iter()
        .map(|text| match text.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
            _ => Err(CliError::Usage(format!("{what} `{text}` must look like KEY=VALUE"))),
        })
        .collect()
}

/// The argument, or all of stdin for `-` (`what` names it in errors).
pub fn text_or_stdin(arg: String, what: &str) -> Result<String, CliError> {
    if arg != "-" {
        return Ok(arg);
    }
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| CliError::Usage(format!("cannot read {what} from stdin: {e}")))?;
    Ok(s)
}
