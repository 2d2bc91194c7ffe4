//! Output formats, as in the Solana CLI: human display or JSON.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Human-readable text.
    Display,
    /// Pretty-printed JSON (one document).
    Json,
    /// JSON on one line.
    JsonCompact,
}

impl OutputFormat {
    pub fn is_json(self) -> bool {
        !matches!(self, Self::Display)
    }

    /// Prints `value` as JSON in this format (no-op for Display).
    pub fn print_json<T: Serialize>(self, value: &T) -> Result<(), crate::cli::CliError> {
        let text = match self {
            Self::Display => return Ok(()),
            Self::Json => serde_json::to_string_pretty(value),
            Self::JsonCompact => serde_json::to_string(value),
        }
        .map_err(|e| crate::cli::CliError::Output(e.to_string()))?;
        println!("{text}");
        Ok(())
    }
}
