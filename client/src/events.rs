//! The audit trail: decoding the program's events from transaction logs.
//!
//! `emit!` writes `Program data: <base64>` where the payload is the event's
//! 8-byte discriminator followed by its Borsh fields. Only lines written while
//! this program is the one executing (tracked through the runtime's
//! `Program <id> invoke [n]` / `Program <id> success|failed` lines) are read,
//! so another program's log lines can never be mistaken for ours.

use agent_escrow::events::{
    Deposited, EscrowCreated, EscrowRefunded, EscrowReleased, PolicyCreated, ProofSubmitted,
};
use anchor_lang::{prelude::Pubkey, AnchorDeserialize, Discriminator};
use base64::Engine;
use serde::Serialize;

use crate::pda::PROGRAM_ID;

/// One decoded event.
#[derive(Debug, Clone)]
pub enum EscrowEvent {
    PolicyCreated(PolicyCreated),
    Deposited(Deposited),
    EscrowCreated(EscrowCreated),
    ProofSubmitted(ProofSubmitted),
    EscrowReleased(EscrowReleased),
    EscrowRefunded(EscrowRefunded),
}

fn try_decode<T: AnchorDeserialize + Discriminator>(payload: &[u8]) -> Option<T> {
    let body = payload.strip_prefix(T::DISCRIMINATOR)?;
    T::try_from_slice(body).ok()
}

impl EscrowEvent {
    /// Decodes one `Program data:` payload; `None` if it is not one of ours.
    pub fn decode(payload: &[u8]) -> Option<Self> {
        None.or_else(|| try_decode(payload).map(Self::PolicyCreated))
            .or_else(|| try_decode(payload).map(Self::Deposited))
            .or_else(|| try_decode(payload).map(Self::EscrowCreated))
            .or_else(|| try_decode(payload).map(Self::ProofSubmitted))
            .or_else(|| try_decode(payload).map(Self::EscrowReleased))
            .or_else(|| try_decode(payload).map(Self::EscrowRefunded))
    }

    /// The event's name, as in the program (`EscrowReleased`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::PolicyCreated(_) => "PolicyCreated",
            Self::Deposited(_) => "Deposited",
            Self::EscrowCreated(_) => "EscrowCreated",
            Self::ProofSubmitted(_) => "ProofSubmitted",
            Self::EscrowReleased(_) => "EscrowReleased",
            Self::EscrowRefunded(_) => "EscrowRefunded",
        }
    }

    /// A flat, serializable view: name, the accounts involved, the amount
    /// (base units) if any, and the other fields as strings.
    pub fn record(&self) -> EventRecord {
        let mut fields: Vec<(&'static str, String)> = Vec::new();
        let (policy, escrow, amount) = match self {
            Self::PolicyCreated(e) => {
                fields.extend([
                    ("owner", e.owner.to_string()),
                    ("agent", e.agent.to_string()),
                    ("mint", e.mint.to_string()),
                    ("per_escrow_max", e.per_escrow_max.to_string()),
                    ("daily_cap", e.daily_cap.to_string()),
                    ("monthly_cap", e.monthly_cap.to_string()),
                    ("instant_max", e.instant_max.to_string()),
                    ("delay_max", e.delay_max.to_string()),
                    ("delay_seconds", e.delay_seconds.to_string()),
                ]);
                (e.policy, None, None)
            }
            Self::Deposited(e) => {
                fields.extend([
                    ("depositor", e.depositor.to_string()),
                    ("vault_balance", e.vault_balance.to_string()),
                ]);
                (e.policy, None, Some(e.amount))
            }
            Self::EscrowCreated(e) => {
                fields.extend([
                    ("escrow_id", e.escrow_id.to_string()),
                    ("provider", e.provider.to_string()),
                    ("tier", format!("{:?}", e.tier)),
                    ("deadline", e.deadline.to_string()),
                    ("spent_24h", e.spent_24h.to_string()),
                    ("spent_30d", e.spent_30d.to_string()),
                    ("vault_balance", e.vault_balance.to_string()),
                    ("state", format!("{:?}", e.state)),
                ]);
                (e.policy, Some(e.escrow), Some(e.amount))
            }
            Self::ProofSubmitted(e) => {
                fields.extend([
                    ("provider", e.provider.to_string()),
                    ("proof_hash", hex(&e.proof_hash)),
                    ("state", format!("{:?}", e.state)),
                ]);
                (e.policy, Some(e.escrow), None)
            }
            Self::EscrowReleased(e) => {
                fields.extend([
                    ("provider", e.provider.to_string()),
                    ("tier", format!("{:?}", e.tier)),
                    ("released_by", e.released_by.to_string()),
                    ("state", format!("{:?}", e.state)),
                ]);
                (e.policy, Some(e.escrow), Some(e.amount))
            }
            Self::EscrowRefunded(e) => {
                fields.extend([
                    ("vault_balance", e.vault_balance.to_string()),
                    ("spent_24h", e.spent_24h.to_string()),
                    ("spent_30d", e.spent_30d.to_string()),
                    ("state", format!("{:?}", e.state)),
                ]);
                (e.policy, Some(e.escrow), Some(e.amount))
            }
        };
        EventRecord {
            name: self.name(),
            policy: policy.to_string(),
            escrow: escrow.map(|e| e.to_string()),
            amount,
            fields: fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        }
    }
}

/// Serializable form of an event for display and JSON output.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EventRecord {
    pub name: &'static str,
    pub policy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escrow: Option<String>,
    /// Base units, when the event moves or locks tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<u64>,
    pub fields: std::collections::BTreeMap<String, String>,
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes every event this program emitted in a transaction's logs, in order.
pub fn parse_events(logs: &[String]) -> Vec<EscrowEvent> {
    parse_events_for(logs, &PROGRAM_ID)
}

/// As [`parse_events`], for a program deployed at `program_id`.
pub fn parse_events_for(logs: &[String], program_id: &Pubkey) -> Vec<EscrowEvent> {
    let ours = program_id.to_string();
    let mut stack: Vec<bool> = Vec::new();
    let mut events = Vec::new();
    for line in logs {
        let Some(rest) = line.strip_prefix("Program ") else {
            continue;
        };
        if let Some(data) = rest.strip_prefix("data: ") {
            if stack.last() == Some(&true) {
                if let Ok(payload) = base64::engine::general_purpose::STANDARD.decode(data.trim()) {
                    events.extend(EscrowEvent::decode(&payload));
                }
            }
        } else if let Some((id, tail)) = rest.split_once(' ') {
            if tail.starts_with("invoke [") {
                stack.push(id == ours);
            } else if tail == "success" || tail.starts_with("failed") {
                stack.pop();
            }
        }
    }
    events
}
