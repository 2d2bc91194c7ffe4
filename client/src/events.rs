//! The audit trail: decoding the program's events from transaction logs.
//!
//! `emit!` writes `Program data: <base64>` where the payload is the event's
//! 8-byte discriminator followed by its Borsh fields. Only lines written while
//! this program is the one executing (tracked through the runtime's
//! `Program <id> invoke [n]` / `Program <id> success|failed` lines) are read,
//! so another program's log lines can never be mistaken for ours.

use agent_escrow::events::{
    Deposited, DisputeResolved, EscrowCancelled, EscrowClosed, EscrowCreated, EscrowDisputed,
    EscrowRefunded, EscrowReleased, OwnerMessageAccepted, PolicyCreated, PolicyPaused,
    PolicyResumed, PolicyUpdated, ProofSubmitted, ProviderAllowed, ProviderDisallowed, Withdrawn,
};
use anchor_lang::{prelude::Pubkey, AnchorDeserialize, Discriminator};
use base64::Engine;
use serde::Serialize;

use crate::pda::PROGRAM_ID;

/// Declares [`EscrowEvent`] with one variant per program event, its decoder
/// and its name, from one list.
macro_rules! escrow_events {
    ($($name:ident),* $(,)?) => {
        /// One decoded event.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum EscrowEvent {
            $($name($name),)*
        }

        impl EscrowEvent {
            /// Every event name this parser decodes, as in the program.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($name)),*];

            /// Decodes one `Program data:` payload; `None` if it is not one of ours.
            pub fn decode(payload: &[u8]) -> Option<Self> {
                $(
                    if let Some(body) = payload.strip_prefix($name::DISCRIMINATOR) {
                        return $name::try_from_slice(body).ok().map(Self::$name);
                    }
                )*
                None
            }

            /// The event's name, as in the program (`EscrowReleased`, ...).
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$name(_) => stringify!($name),)*
                }
            }
        }
    };
}

escrow_events!(
    PolicyCreated,
    PolicyUpdated,
    PolicyPaused,
    PolicyResumed,
    Deposited,
    Withdrawn,
    ProviderAllowed,
    ProviderDisallowed,
    EscrowCreated,
    ProofSubmitted,
    EscrowReleased,
    EscrowRefunded,
    EscrowDisputed,
    DisputeResolved,
    EscrowCancelled,
    EscrowClosed,
    OwnerMessageAccepted,
);

fn kv(key: &'static str, value: impl ToString) -> (&'static str, String) {
    (key, value.to_string())
}

impl EscrowEvent {
    /// A flat, serializable view: name, the policy and escrow involved, the
    /// amount (base units) if any, and the other fields as strings.
    pub fn record(&self) -> EventRecord {
        type Parts = (
            Pubkey,
            Option<Pubkey>,
            Option<u64>,
            Vec<(&'static str, String)>,
        );
        let (policy, escrow, amount, fields): Parts = match self {
            Self::PolicyCreated(e) => (
                e.policy,
                None,
                None,
                vec![
                    kv("owner", e.owner),
                    kv("agent", e.agent),
                    kv("mint", e.mint),
                    kv("arbiter", e.arbiter),
                    kv("perEscrowMax", e.per_escrow_max),
                    kv("dailyCap", e.daily_cap),
                    kv("monthlyCap", e.monthly_cap),
                    kv("instantMax", e.instant_max),
                    kv("delayMax", e.delay_max),
                    kv("delaySeconds", e.delay_seconds),
                    kv("expiresAt", e.expires_at),
                    kv("disputeTimeout", e.dispute_timeout),
                    kv("reviewTimeout", e.review_timeout),
                    kv("maxEscrowDuration", e.max_escrow_duration),
                    kv("requireAllowlist", e.require_allowlist),
                    kv("reviewUnlisted", e.review_unlisted),
                ],
            ),
            Self::PolicyUpdated(e) => (
                e.policy,
                None,
                None,
                vec![
                    kv("agent", e.agent),
                    kv("arbiter", e.arbiter),
                    kv("perEscrowMax", e.per_escrow_max),
                    kv("dailyCap", e.daily_cap),
                    kv("monthlyCap", e.monthly_cap),
                    kv("instantMax", e.instant_max),
                    kv("delayMax", e.delay_max),
                    kv("delaySeconds", e.delay_seconds),
                    kv("expiresAt", e.expires_at),
                    kv("disputeTimeout", e.dispute_timeout),
                    kv("reviewTimeout", e.review_timeout),
                    kv("maxEscrowDuration", e.max_escrow_duration),
                    kv("requireAllowlist", e.require_allowlist),
                    kv("reviewUnlisted", e.review_unlisted),
                ],
            ),
            Self::PolicyPaused(e) => (e.policy, None, None, vec![kv("by", e.by)]),
            Self::PolicyResumed(e) => (e.policy, None, None, vec![]),
            Self::Deposited(e) => (
                e.policy,
                None,
                Some(e.amount),
                vec![
                    kv("depositor", e.depositor),
                    kv("vaultBalance", e.vault_balance),
                ],
            ),
            Self::Withdrawn(e) => (
                e.policy,
                None,
                Some(e.amount),
                vec![
                    kv("destination", e.destination),
                    kv("vaultBalance", e.vault_balance),
                    kv("freeBalance", e.free_balance),
                ],
            ),
            Self::ProviderAllowed(e) => (e.policy, None, None, vec![kv("provider", e.provider)]),
            Self::ProviderDisallowed(e) => (e.policy, None, None, vec![kv("provider", e.provider)]),
            Self::EscrowCreated(e) => (
                e.policy,
                Some(e.escrow),
                Some(e.amount),
                vec![
                    kv("escrowId", e.escrow_id),
                    kv("provider", e.provider),
                    kv("tier", format!("{:?}", e.tier)),
                    kv("deadline", e.deadline),
                    kv("taskHash", hex(&e.task_hash)),
                    kv("spent24h", e.spent_24h),
                    kv("spent30d", e.spent_30d),
                    kv("freeBalance", e.free_balance),
                    kv("locked", e.locked),
                    kv("state", format!("{:?}", e.state)),
                ],
            ),
            Self::ProofSubmitted(e) => (
                e.policy,
                Some(e.escrow),
                None,
                vec![
                    kv("provider", e.provider),
                    kv("proofHash", hex(&e.proof_hash)),
                    kv("state", format!("{:?}", e.state)),
                ],
            ),
            Self::EscrowReleased(e) => (
                e.policy,
                Some(e.escrow),
                Some(e.amount),
                vec![
                    kv("provider", e.provider),
                    kv("tier", format!("{:?}", e.tier)),
                    kv("releasedBy", e.released_by),
                    kv("locked", e.locked),
                    kv("rentReturned", e.rent_returned),
                    kv("state", format!("{:?}", e.state)),
                ],
            ),
            Self::EscrowRefunded(e) => (
                e.policy,
                Some(e.escrow),
                Some(e.amount),
                vec![
                    kv("fromState", format!("{:?}", e.from_state)),
                    kv("freeBalance", e.free_balance),
                    kv("spent24h", e.spent_24h),
                    kv("spent30d", e.spent_30d),
                    kv("rentReturned", e.rent_returned),
                    kv("state", format!("{:?}", e.state)),
                ],
            ),
            Self::EscrowDisputed(e) => (
                e.policy,
                Some(e.escrow),
                Some(e.amount),
                vec![
                    kv("by", e.by),
                    kv("veto", e.veto),
                    kv("state", format!("{:?}", e.state)),
                ],
            ),
            Self::DisputeResolved(e) => (
                e.policy,
                Some(e.escrow),
                Some(e.provider_amount),
                vec![
                    kv("arbiter", e.arbiter),
                    kv("providerBps", e.provider_bps),
                    kv("providerAmount", e.provider_amount),
                    kv("refundAmount", e.refund_amount),
                    kv("rentReturned", e.rent_returned),
                    kv("state", format!("{:?}", e.state)),
                ],
            ),
            Self::EscrowCancelled(e) => (
                e.policy,
                Some(e.escrow),
                Some(e.amount),
                vec![
                    kv("freeBalance", e.free_balance),
                    kv("rentReturned", e.rent_returned),
                    kv("state", format!("{:?}", e.state)),
                ],
            ),
            Self::EscrowClosed(e) => (
                e.policy,
                Some(e.escrow),
                None,
                vec![
                    kv("rentPayer", e.rent_payer),
                    kv("lamports", e.lamports),
                    kv("state", format!("{:?}", e.state)),
                ],
            ),
            Self::OwnerMessageAccepted(e) => (
                e.policy,
                Some(e.escrow),
                None,
                vec![
                    kv("owner", e.owner),
                    kv("action", format!("{:?}", e.action)),
                    kv("expiresAt", e.expires_at),
                    kv("submittedBy", e.submitted_by),
                ],
            ),
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

/// [`EventRecord::fields`] that hold base units of the policy's mint (shown
/// in token units for people).
pub const AMOUNT_FIELDS: &[&str] = &[
    "vaultBalance",
    "freeBalance",
    "locked",
    "spent24h",
    "spent30d",
    "perEscrowMax",
    "dailyCap",
    "monthlyCap",
    "instantMax",
    "delayMax",
    "providerAmount",
    "refundAmount",
];

/// [`EventRecord::fields`] that hold unix times (seconds; 0 = none).
pub const TIME_FIELDS: &[&str] = &["deadline", "expiresAt"];

/// [`EventRecord::fields`] that hold durations (seconds).
pub const DURATION_FIELDS: &[&str] = &[
    "delaySeconds",
    "disputeTimeout",
    "reviewTimeout",
    "maxEscrowDuration",
];

/// [`EventRecord::fields`] that hold lamports.
pub const LAMPORT_FIELDS: &[&str] = &["rentReturned", "lamports"];

/// Serializable form of an event for display and JSON output: keys in
/// camelCase, every number as a decimal string (u64 values exceed the 2^53
/// that JSON parsers using doubles keep exact).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct EventRecord {
    pub name: &'static str,
    pub policy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub escrow: Option<String>,
    /// Base units, when the event moves or locks tokens (serialized as a
    /// string).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "amount_as_string"
    )]
    pub amount: Option<u64>,
    /// The other fields (camelCase names), values as strings.
    pub fields: std::collections::BTreeMap<String, String>,
}

fn amount_as_string<S: serde::Serializer>(value: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => s.serialize_str(&v.to_string()),
        None => s.serialize_none(),
    }
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
