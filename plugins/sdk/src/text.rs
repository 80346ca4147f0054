//! Text helpers every flavor needs: limits and level markers.

use crate::Level;

/// The marker appended to text cut to fit a service's limit.
pub const TRUNCATION_MARKER: &str = "… [truncated]";

/// Cuts `text` to at most `max_chars` characters, ending it with a visible
/// marker when anything was cut. Never splits a character.
pub fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let marker_len = TRUNCATION_MARKER.chars().count();
    if max_chars <= marker_len {
        return text.chars().take(max_chars).collect();
    }
    let mut out: String = text.chars().take(max_chars - marker_len).collect();
    out.push_str(TRUNCATION_MARKER);
    out
}

/// The level's lowercase name: `info`, `success`, `warning`, `failure`.
pub fn level_name(level: Level) -> &'static str {
    match level {
        Level::Info => "info",
        Level::Success => "success",
        Level::Warning => "warning",
        Level::Failure => "failure",
    }
}

/// An emoji shortcode marking the level (`:white_check_mark:` ...), as Slack
/// and Discord both render them.
pub fn level_emoji(level: Level) -> &'static str {
    match level {
        Level::Info => ":information_source:",
        Level::Success => ":white_check_mark:",
        Level::Warning => ":warning:",
        Level::Failure => ":x:",
    }
}

/// An RGB colour for the level (blue, green, amber, red).
pub fn level_color(level: Level) -> u32 {
    match level {
        Level::Info => 0x3b82f6,
        Level::Success => 0x22c55e,
        Level::Warning => 0xf59e0b,
        Level::Failure => 0xef4444,
    }
}
