//! What a command prints: one JSON document (`--output json|json-compact`)
//! or human-readable text (`display`), built together so they never disagree.

use agent_escrow_client::amount::format_amount;
use serde_json::Value;

use crate::{args::OutputFormat, context::Submitted, CliError};

/// A command's result in both forms.
pub struct Report {
    pub json: Value,
    pub text: String,
}

impl Report {
    pub fn new(json: Value, text: impl Into<String>) -> Self {
        Self {
            json,
            text: text.into(),
        }
    }

    pub fn print(&self, format: OutputFormat) -> Result<(), CliError> {
        let out = match format {
            OutputFormat::Display => self.text.clone(),
            OutputFormat::Json => serde_json::to_string_pretty(&self.json)
                .map_err(|e| CliError::Output(e.to_string()))?,
            OutputFormat::JsonCompact => {
                serde_json::to_string(&self.json).map_err(|e| CliError::Output(e.to_string()))?
            }
        };
        println!("{}", out.trim_end());
        Ok(())
    }
}

/// Decimal form of `base_units` for a mint with `decimals`.
pub fn ui(base_units: u64, decimals: u8) -> String {
    format_amount(base_units, decimals)
}

/// A duration in seconds in the form the flags take: `14d`, `1h30m`, `90s`.
pub fn duration(seconds: i64) -> String {
    if seconds <= 0 {
        return format!("{seconds}s");
    }
    let mut out = String::new();
    let mut rest = seconds;
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

/// The standard report for a sent transaction (`what` says what happened)
/// or for a `--sign-only` run (the signatures, Solana CLI style).
pub fn submitted(
    submitted: Submitted,
    what: &str,
    mut extra: serde_json::Map<String, Value>,
) -> Report {
    match submitted {
        Submitted::Sent(outcome) => {
            let events: Vec<Value> = outcome
                .events
                .iter()
                .map(|e| serde_json::to_value(e.record()).unwrap_or(Value::Null))
                .collect();
            let mut text = format!(
                "{what}\nSignature: {}\nCompute units: {}",
                outcome.signature, outcome.compute_units
            );
            for (key, value) in &extra {
                text.push_str(&format!("\n{}: {}", label(key), plain(value)));
            }
            for event in &outcome.events {
                text.push_str(&format!("\nEvent: {}", event.name()));
            }
            extra.insert("signature".into(), outcome.signature.to_string().into());
            extra.insert("computeUnits".into(), outcome.compute_units.into());
            extra.insert("events".into(), Value::Array(events));
            Report::new(Value::Object(extra), text)
        }
        Submitted::SignedOffline {
            blockhash,
            present,
            absent,
        } => {
            let signers: Vec<String> = present.iter().map(|(k, s)| format!("{k}={s}")).collect();
            let absent: Vec<String> = absent.iter().map(|k| k.to_string()).collect();
            let mut text = format!("Blockhash: {blockhash}\nSigners (Pubkey=Signature):");
            for s in &signers {
                text.push_str(&format!("\n  {s}"));
            }
            if !absent.is_empty() {
                text.push_str("\nAbsent Signers (Pubkey):");
                for a in &absent {
                    text.push_str(&format!("\n  {a}"));
                }
            }
            Report::new(
                serde_json::json!({ "blockhash": blockhash.to_string(), "signers": signers, "absent": absent }),
                text,
            )
        }
    }
}

fn label(key: &str) -> String {
    let mut out = String::new();
    for (i, c) in key.chars().enumerate() {
        if c.is_uppercase() {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else if i == 0 {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_print_as_the_flags_take_them() {
        assert_eq!(duration(1_209_600), "14d");
        assert_eq!(duration(5_400), "1h30m");
        assert_eq!(duration(90), "1m30s");
        assert_eq!(duration(3_600), "1h");
        assert_eq!(duration(0), "0s");
        assert_eq!(duration(86_401), "1d1s");
    }
}
