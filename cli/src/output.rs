//! What a command prints: one JSON document (`--output json|json-compact`)
//! or human-readable text (`display`), built together so they never disagree.
//!
//! JSON conventions (every command, the demo included): keys in camelCase;
//! every u64 as a decimal string (JSON numbers above 2^53 lose precision in
//! JavaScript and jq); token amounts as Solana's `UiTokenAmount` shape
//! `{"amount": "<base units>", "decimals": 6, "uiAmountString": "75"}`;
//! times as `{"unixTimestamp": <seconds>, "rfc3339": "<UTC>"}`; errors as
//! one document `{"error": {...}}` (see [`crate::errors`]).

use std::io::Write;

use agent_escrow_client::amount::format_amount;
use serde_json::{json, Value};

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

    /// A report for a command that printed its output as it went (the demo).
    pub fn printed() -> Self {
        Self::new(Value::Null, "")
    }

    pub fn print(&self, format: OutputFormat) -> Result<(), CliError> {
        if self.json.is_null() && self.text.is_empty() {
            return Ok(());
        }
        let out = match format {
            OutputFormat::Display => self.text.clone(),
            OutputFormat::Json => serde_json::to_string_pretty(&self.json)
                .map_err(|e| CliError::Output(e.to_string()))?,
            OutputFormat::JsonCompact => {
                serde_json::to_string(&self.json).map_err(|e| CliError::Output(e.to_string()))?
            }
        };
        write_stdout(out.trim_end())
    }
}

/// Writes `text` and a newline to stdout. A closed pipe (`... | head`) ends
/// the process quietly with success, as the reader chose to stop reading.
pub fn write_stdout(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(CliError::Output(e.to_string())),
    }
}

/// `println!` through [`write_stdout`]: a closed pipe ends the process
/// quietly instead of panicking (for output printed as it happens).
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        let _ = $crate::output::write_stdout(&format!($($arg)*));
    }};
}

/// Serializes a u64 as a decimal string (see the module docs).
pub fn ser_u64<S: serde::Serializer>(value: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&value.to_string())
}

/// Reports `err`: `error: ...` on stderr and, with `--output json`, the
/// JSON error document on stdout. Returns the exit code.
pub fn fail(err: &CliError, format: OutputFormat) -> std::process::ExitCode {
    let document = match format {
        OutputFormat::Display => None,
        OutputFormat::Json => serde_json::to_string_pretty(&err.document()).ok(),
        OutputFormat::JsonCompact => serde_json::to_string(&err.document()).ok(),
    };
    if let Some(document) = document {
        let _ = write_stdout(&document);
    }
    eprintln!("error: {err}");
    std::process::ExitCode::from(err.exit_code())
}

/// `-v`: log records on stderr (info, then debug, then trace); `RUST_LOG`
/// overrides. Silent by default.
pub fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "off",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let _ = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(level))
        .target(env_logger::Target::Stderr)
        .try_init();
}

/// The explorer's `?cluster=` value for the cluster in use (devnet,
/// testnet, mainnet-beta); unset for the embedded chain and localnet.
static EXPLORER_CLUSTER: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// Records the cluster of `url` for [`explorer_link`] (public clusters only).
pub fn set_explorer_cluster(url: &str) {
    let cluster = if url.contains("devnet") {
        "devnet"
    } else if url.contains("testnet") {
        "testnet"
    } else if url.contains("mainnet") {
        "mainnet-beta"
    } else {
        return;
    };
    let _ = EXPLORER_CLUSTER.set(cluster);
}

/// The Solana Explorer page of a transaction on devnet, testnet or
/// mainnet-beta (`None` on the embedded chain and localnet).
pub fn explorer_link(signature: &str) -> Option<String> {
    EXPLORER_CLUSTER.get().map(|cluster| match *cluster {
        "mainnet-beta" => format!("https://explorer.solana.com/tx/{signature}"),
        other => format!("https://explorer.solana.com/tx/{signature}?cluster={other}"),
    })
}

/// A u64 as a JSON string (exact in every JSON parser).
pub fn u64s(value: u64) -> Value {
    Value::String(value.to_string())
}

/// A token amount in Solana's `UiTokenAmount` shape (without the lossy
/// float `uiAmount`).
pub fn token_amount(base_units: u64, decimals: u8) -> Value {
    json!({
        "amount": base_units.to_string(),
        "decimals": decimals,
        "uiAmountString": format_amount(base_units, decimals),
    })
}

/// A cluster time: unix seconds and RFC 3339 in UTC.
pub fn time(unix_timestamp: i64) -> Value {
    json!({ "unixTimestamp": unix_timestamp, "rfc3339": rfc3339(unix_timestamp) })
}

/// RFC 3339 in UTC (`2026-11-22T05:30:00Z`).
pub fn rfc3339(unix_timestamp: i64) -> String {
    agent_escrow_client::preflight::utc(unix_timestamp)
}

/// A time for people: the local time with its offset, and UTC when the
/// local zone is not UTC (`2026-11-22 06:30:00 +01:00 (05:30:00 UTC)`).
pub fn human_time(unix_timestamp: i64) -> String {
    let Some(utc) = chrono::DateTime::from_timestamp(unix_timestamp, 0) else {
        return format!("{unix_timestamp} (unix seconds)");
    };
    let local = utc.with_timezone(&chrono::Local);
    if local.offset().local_minus_utc() == 0 {
        utc.format("%Y-%m-%d %H:%M:%S UTC").to_string()
    } else {
        format!(
            "{} ({} UTC)",
            local.format("%Y-%m-%d %H:%M:%S %:z"),
            utc.format("%H:%M:%S")
        )
    }
}

/// An event as JSON: the record (camelCase keys, u64 values as strings)
/// plus the amount as a token amount when the mint's `decimals` are known.
pub fn event_json(event: &agent_escrow_client::events::EscrowEvent, decimals: Option<u8>) -> Value {
    use agent_escrow_client::events::{AMOUNT_FIELDS, TIME_FIELDS};
    let record = event.record();
    let mut value = serde_json::to_value(&record).unwrap_or(Value::Null);
    if let (Some(obj), Some(amount), Some(decimals)) =
        (value.as_object_mut(), record.amount, decimals)
    {
        obj.insert("uiAmount".into(), token_amount(amount, decimals));
    }
    // Fields in the shapes of the conventions above: token amounts (when
    // the mint's decimals are known), times, booleans; u64s stay strings.
    if let Some(fields) = value.get_mut("fields").and_then(Value::as_object_mut) {
        for (key, field) in fields.iter_mut() {
            let Some(text) = field.as_str() else { continue };
            let shaped = match (text, text.parse::<u64>(), text.parse::<i64>()) {
                ("true", _, _) => Value::Bool(true),
                ("false", _, _) => Value::Bool(false),
                (_, Ok(units), _) if AMOUNT_FIELDS.contains(&key.as_str()) => match decimals {
                    Some(d) => token_amount(units, d),
                    None => continue,
                },
                (_, _, Ok(0)) if TIME_FIELDS.contains(&key.as_str()) => Value::Null,
                (_, _, Ok(unix)) if TIME_FIELDS.contains(&key.as_str()) => time(unix),
                _ => continue,
            };
            *field = shaped;
        }
    }
    value
}

/// The unit a report field's display value needs after it (lamports).
fn unit_suffix(key: &str) -> &'static str {
    if agent_escrow_client::events::LAMPORT_FIELDS.contains(&key)
        || key.to_ascii_lowercase().contains("lamports")
    {
        " lamports"
    } else {
        ""
    }
}

/// Decimal form of `base_units` for a mint with `decimals`.
pub fn ui(base_units: u64, decimals: u8) -> String {
    format_amount(base_units, decimals)
}

/// A duration in seconds in the form the flags take: `14d`, `1h30m`, `90s`
/// (the client's one formatter, [`agent_escrow_client::preflight::format_duration`]).
pub fn duration(seconds: i64) -> String {
    agent_escrow_client::preflight::format_duration(seconds)
}

/// The standard report for a sent transaction (`what` says what happened)
/// or for a `--sign-only` run (the signatures, Solana CLI style).
pub fn submitted(
    submitted: Submitted,
    what: &str,
    mut extra: serde_json::Map<String, Value>,
    decimals: Option<u8>,
) -> Report {
    match submitted {
        Submitted::Sent(outcome) => {
            let events: Vec<Value> = outcome
                .events
                .iter()
                .map(|e| event_json(e, decimals))
                .collect();
            let mut text = format!(
                "{what}\nSignature: {}\nCompute units: {}",
                outcome.signature, outcome.compute_units
            );
            for (key, value) in &extra {
                text.push_str(&format!(
                    "\n{}: {}{}",
                    label(key),
                    plain(value),
                    unit_suffix(key)
                ));
            }
            for event in &outcome.events {
                text.push_str(&format!("\nEvent: {}", event.name()));
            }
            if let Some(link) = explorer_link(&outcome.signature.to_string()) {
                text.push_str(&format!("\nExplorer: {link}"));
                extra.insert("explorer".into(), link.into());
            }
            extra.insert("signature".into(), outcome.signature.to_string().into());
            extra.insert("computeUnits".into(), u64s(outcome.compute_units));
            extra.insert("events".into(), Value::Array(events));
            Report::new(Value::Object(extra), text)
        }
        Submitted::Simulated {
            compute_units,
            events,
        } => {
            let records: Vec<Value> = events.iter().map(|e| event_json(e, decimals)).collect();
            let mut text = format!(
                "Dry run (simulated, nothing sent): {what}\nCompute units: {compute_units}"
            );
            for (key, value) in &extra {
                text.push_str(&format!("\n{}: {}", label(key), plain(value)));
            }
            for event in &events {
                text.push_str(&format!("\nWould emit: {}", event.name()));
            }
            extra.insert("dryRun".into(), true.into());
            extra.insert("computeUnits".into(), u64s(compute_units));
            extra.insert("events".into(), Value::Array(records));
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

/// A JSON value as text: token amounts in decimal units, times local/UTC.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(o) if o.contains_key("uiAmountString") => {
            o["uiAmountString"].as_str().unwrap_or_default().to_string()
        }
        Value::Object(o) if o.contains_key("rfc3339") => o["unixTimestamp"]
            .as_i64()
            .map(human_time)
            .unwrap_or_default(),
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
