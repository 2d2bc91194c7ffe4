//! Events: the audit trail. Each is emitted with `emit!` (sol_log_data, a
//! `Program data: <base64>` log line holding the 8-byte event discriminator
//! and the Borsh-encoded fields). Amounts are base units, times unix seconds,
//! rent in lamports, and each event carries the state after the change.

use anchor_lang::prelude::*;

use crate::{
    offchain::OwnerAction,
    state::{EscrowState, ReleaseTier},
};

/// A policy was created by its owner.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyCreated {
    pub policy: Pubkey,
    pub owner: Pubkey,
    pub agent: Pubkey,
    pub mint: Pubkey,
    pub vault: Pubkey,
    /// Who resolves disputes (set by the owner; default: the owner).
    pub arbiter: Pubkey,
    pub per_escrow_max: u64,
    pub daily_cap: u64,
    pub monthly_cap: u64,
    pub instant_max: u64,
    pub delay_max: u64,
    pub delay_seconds: i64,
    pub expires_at: i64,
    pub dispute_timeout: i64,
    pub review_timeout: i64,
    pub max_escrow_duration: i64,
    pub require_allowlist: bool,
    pub review_unlisted: bool,
}

/// Tokens were deposited into a policy vault.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deposited {
    pub policy: Pubkey,
    pub depositor: Pubkey,
    pub amount: u64,
    /// Policy vault balance after the deposit.
    pub vault_balance: u64,
}

/// The agent locked `amount` of the policy's free balance in a new escrow.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscrowCreated {
    pub policy: Pubkey,
    pub escrow: Pubkey,
    pub escrow_id: u64,
    pub provider: Pubkey,
    pub amount: u64,
    pub tier: ReleaseTier,
    pub deadline: i64,
    pub task_hash: [u8; 32],
    /// Net spend in the rolling 24 h window after this escrow.
    pub spent_24h: u64,
    /// Net spend in the rolling 30 day window after this escrow.
    pub spent_30d: u64,
    /// Free balance of the policy after the amount was locked.
    pub free_balance: u64,
    /// Base units locked by the policy's open escrows, this one included.
    pub locked: u64,
    pub state: EscrowState,
}

/// The provider recorded a proof.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofSubmitted {
    pub policy: Pubkey,
    pub escrow: Pubkey,
    pub provider: Pubkey,
    pub proof_hash: [u8; 32],
    pub state: EscrowState,
}

/// The escrowed amount was paid to the provider.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscrowReleased {
    pub policy: Pubkey,
    pub escrow: Pubkey,
    pub provider: Pubkey,
    pub amount: u64,
    pub tier: ReleaseTier,
    /// Who triggered the release (provider, cranker or owner).
    pub released_by: Pubkey,
    /// Base units still locked by the policy's open escrows.
    pub locked: u64,
    /// Lamports of rent returned to the rent payer (0 while other escrows
    /// depend on this one and keep its account).
    pub rent_returned: u64,
    pub state: EscrowState,
}

/// The escrowed amount was unlocked back into the policy's free balance.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscrowRefunded {
    pub policy: Pubkey,
    pub escrow: Pubkey,
    pub amount: u64,
    /// Why: Funded (deadline passed), ProofSubmitted (review_timeout passed
    /// waiting for approval or a dependency), Disputed (dispute_timeout passed).
    pub from_state: EscrowState,
    /// Free balance of the policy after the refund.
    pub free_balance: u64,
    /// Net spend in the rolling 24 h window after the credit.
    pub spent_24h: u64,
    /// Net spend in the rolling 30 day window after the credit.
    pub spent_30d: u64,
    pub rent_returned: u64,
    pub state: EscrowState,
}

/// The owner changed limits, tiers, timeouts, arbiter, expiry, allowlist
/// modes or the agent key.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyUpdated {
    pub policy: Pubkey,
    pub agent: Pubkey,
    pub arbiter: Pubkey,
    pub per_escrow_max: u64,
    pub daily_cap: u64,
    pub monthly_cap: u64,
    pub instant_max: u64,
    pub delay_max: u64,
    pub delay_seconds: i64,
    pub expires_at: i64,
    pub dispute_timeout: i64,
    pub review_timeout: i64,
    pub max_escrow_duration: i64,
    pub require_allowlist: bool,
    pub review_unlisted: bool,
}

/// The policy was paused (by the owner, or by the agent as a kill switch).
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyPaused {
    pub policy: Pubkey,
    pub by: Pubkey,
}

/// The owner resumed the policy.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyResumed {
    pub policy: Pubkey,
}

/// The owner withdrew free funds from the policy vault.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawn {
    pub policy: Pubkey,
    pub destination: Pubkey,
    pub amount: u64,
    /// Policy vault balance after the withdrawal.
    pub vault_balance: u64,
    /// Free balance after the withdrawal.
    pub free_balance: u64,
}

/// The owner added a provider to the allowlist.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderAllowed {
    pub policy: Pubkey,
    pub provider: Pubkey,
}

/// The owner removed a provider from the allowlist.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderDisallowed {
    pub policy: Pubkey,
    pub provider: Pubkey,
}

/// The owner vetoed, or the agent/owner disputed, a proven escrow.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscrowDisputed {
    pub policy: Pubkey,
    pub escrow: Pubkey,
    pub by: Pubkey,
    /// True for the owner's escrow_veto, false for escrow_dispute.
    pub veto: bool,
    pub amount: u64,
    pub state: EscrowState,
}

/// The arbiter (or the owner) split a disputed escrow.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeResolved {
    pub policy: Pubkey,
    pub escrow: Pubkey,
    pub arbiter: Pubkey,
    pub provider_bps: u16,
    /// Paid to the provider: floor(amount * provider_bps / 10_000).
    pub provider_amount: u64,
    /// Unlocked back into the free balance: amount - provider_amount.
    pub refund_amount: u64,
    pub rent_returned: u64,
    pub state: EscrowState,
}

/// Agent and provider cancelled an unproven escrow; its amount is free again.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscrowCancelled {
    pub policy: Pubkey,
    pub escrow: Pubkey,
    pub amount: u64,
    /// Free balance of the policy after the cancel.
    pub free_balance: u64,
    pub rent_returned: u64,
    pub state: EscrowState,
}

/// A terminal escrow kept for its dependents was closed once they had all
/// settled; rent went back to its payer.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscrowClosed {
    pub policy: Pubkey,
    pub escrow: Pubkey,
    pub rent_payer: Pubkey,
    /// Lamports returned.
    pub lamports: u64,
    /// The terminal state the escrow was in.
    pub state: EscrowState,
}

/// The owner's consent came as a signed off-chain message
/// ([`crate::offchain`]) rather than a transaction signature; emitted just
/// before the EscrowReleased (approve) or EscrowDisputed (veto) it caused.
#[event]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerMessageAccepted {
    pub policy: Pubkey,
    pub escrow: Pubkey,
    /// The policy owner, who signed the message.
    pub owner: Pubkey,
    pub action: OwnerAction,
    /// The message's expiry, unix seconds.
    pub expires_at: i64,
    /// Who put the message on chain (any key; it paid the fee).
    pub submitted_by: Pubkey,
}
