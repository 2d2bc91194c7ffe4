//! Seeds, layout versions and protocol bounds. Defined once; the client
//! crate re-exports them, so program and client can never disagree.

use anchor_lang::prelude::*;

/// Seed prefix of a [`crate::state::Policy`] PDA:
/// `["policy", owner, agent, mint]`.
#[constant]
pub const POLICY_SEED: &[u8] = b"policy";

/// Seed prefix of a policy vault (SPL token account owned by the policy PDA):
/// `["policy_vault", policy]`.
#[constant]
pub const POLICY_VAULT_SEED: &[u8] = b"policy_vault";

/// Seed prefix of an [`crate::state::Escrow`] PDA:
/// `["escrow", policy, escrow_id as u64 little-endian]`.
#[constant]
pub const ESCROW_SEED: &[u8] = b"escrow";

/// Seed prefix of an escrow vault (token account owned by the escrow PDA):
/// `["escrow_vault", escrow]`.
#[constant]
pub const ESCROW_VAULT_SEED: &[u8] = b"escrow_vault";

/// Layout version written into every account this program creates (byte
/// `version`); bump it when a layout changes so migrations can tell them apart.
#[constant]
pub const ACCOUNT_VERSION: u8 = 1;

/// Seconds in one hourly spend bucket.
#[constant]
pub const HOUR_SECONDS: i64 = 3_600;

/// Seconds in one daily spend bucket.
#[constant]
pub const DAY_SECONDS: i64 = 86_400;

/// Hourly buckets kept for the rolling 24 h cap: 24 + 1, so that every 24 h
/// interval (which touches at most 25 hour buckets) is covered by the check.
#[constant]
pub const HOURLY_BUCKETS: u32 = 25;

/// Daily buckets kept for the rolling 30 day cap: 30 + 1, for the same reason.
#[constant]
pub const DAILY_BUCKETS: u32 = 31;

/// Longest `delay_seconds` a policy may set: 30 days, in seconds.
#[constant]
pub const MAX_DELAY_SECONDS: i64 = 30 * DAY_SECONDS;

/// Farthest an escrow deadline may lie after its creation: 365 days, in seconds.
#[constant]
pub const MAX_ESCROW_DURATION: i64 = 365 * DAY_SECONDS;

/// Seed prefix of a provider allowlist entry: `["allow", policy, provider]`.
#[constant]
pub const ALLOW_SEED: &[u8] = b"allow";

/// Seconds after reaching a terminal state before an escrow can be closed
/// (24 h). A signed transaction is valid only while its blockhash is (about
/// 150 slots, ~1-2 minutes), so a retried escrow_create can never land on
/// the address of a closed escrow and revive it.
#[constant]
pub const CLOSE_DELAY_SECONDS: i64 = DAY_SECONDS;

/// Denominator of basis points (100% = 10_000).
#[constant]
pub const BPS_DENOMINATOR: u16 = 10_000;

/// Domain prefix of the verifier attestation message (see `attestation`).
pub const ATTESTATION_DOMAIN: &[u8; 24] = b"agent-escrow:attest:v1\0\0";
