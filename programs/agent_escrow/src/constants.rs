//! Seeds, layout versions and protocol bounds. Defined once; the client
//! crate re-exports them, so program and client can never disagree.

use anchor_lang::prelude::*;

/// Seed prefix of a [`crate::state::Policy`] PDA:
/// `["policy", owner, agent, mint]`.
#[constant]
pub const POLICY_SEED: &[u8] = b"policy";

/// Seed prefix of a policy vault (token account owned by the policy PDA):
/// `["policy_vault", policy]`. The vault holds the whole budget: the free
/// balance and the amounts locked by open escrows.
#[constant]
pub const POLICY_VAULT_SEED: &[u8] = b"policy_vault";

/// Seed prefix of an [`crate::state::Escrow`] PDA:
/// `["escrow", policy, escrow_id as u64 little-endian]`.
#[constant]
pub const ESCROW_SEED: &[u8] = b"escrow";

/// Seed prefix of a provider allowlist entry: `["allow", policy, provider]`.
#[constant]
pub const ALLOW_SEED: &[u8] = b"allow";

/// Layout version written into every account this program creates (byte
/// `version`). v2 (this layout) is a clean break from v1: see the README's
/// "Migrations" section.
#[constant]
pub const ACCOUNT_VERSION: u8 = 2;

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

/// Shortest timeout (dispute, review) or escrow duration a policy may set: 1 h.
#[constant]
pub const MIN_TIMEOUT_SECONDS: i64 = HOUR_SECONDS;

/// Longest dispute or review timeout a policy may set: 90 days, in seconds.
#[constant]
pub const MAX_TIMEOUT_SECONDS: i64 = 90 * DAY_SECONDS;

/// Farthest any escrow deadline may lie after its creation: 365 days.
#[constant]
pub const MAX_ESCROW_DURATION: i64 = 365 * DAY_SECONDS;

/// Default `dispute_timeout`: a Disputed escrow the arbiter has not resolved
/// after 14 days can be refunded to the policy vault by anyone.
#[constant]
pub const DEFAULT_DISPUTE_TIMEOUT: i64 = 14 * DAY_SECONDS;

/// Default `review_timeout`: a proven escrow that waits for the owner's
/// approval (or for a dependency) can be refunded by anyone 14 days after
/// its proof.
#[constant]
pub const DEFAULT_REVIEW_TIMEOUT: i64 = 14 * DAY_SECONDS;

/// Default `max_escrow_duration`: deadlines at most 30 days after creation.
#[constant]
pub const DEFAULT_ESCROW_DURATION: i64 = 30 * DAY_SECONDS;

/// Width of the escrow id window: an id is accepted once, and only if it
/// is at least `next_escrow_id - ID_WINDOW` and below
/// `next_escrow_id + ID_WINDOW`; so up to 256 creates can be in flight, in
/// any order, and no id (hence no escrow address) is ever used twice.
#[constant]
pub const ID_WINDOW: u64 = 256;

/// Denominator of basis points (100% = 10_000).
#[constant]
pub const BPS_DENOMINATOR: u16 = 10_000;

/// Domain prefix of the verifier attestation message (see `attestation`).
pub const ATTESTATION_DOMAIN: &[u8; 24] = b"agent-escrow:attest:v1\0\0";

/// SPL Token program id (`TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA`).
pub const TOKEN_PROGRAM_ID: Pubkey = pubkey!("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");

/// Token-2022 program id (`TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb`).
pub const TOKEN_2022_PROGRAM_ID: Pubkey = pubkey!("TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb");

/// USDC mints an owner message names as `USDC` (any other mint is named by
/// its address): mainnet `EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v`,
/// devnet `4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU` (source: Circle's
/// USDC contract addresses; DESIGN.md "Tokens").
pub const USDC_MINTS: [Pubkey; 2] = [
    pubkey!("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"),
    pubkey!("4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU"),
];
