//! One task's locked payment.

use anchor_lang::prelude::*;

/// Escrow state (byte `state`); transitions are listed in DESIGN.md.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum EscrowState {
    /// USDC locked in the escrow vault, waiting for a proof.
    Funded,
    /// Proof recorded; waiting for the delay or the owner's approval.
    ProofSubmitted,
    /// Paid to the provider (terminal).
    Released,
    /// Returned to the policy vault after the deadline (terminal).
    Refunded,
    /// Vetoed by the owner or disputed by agent/owner; waiting for the arbiter.
    Disputed,
    /// Split by the arbiter between provider and policy vault (terminal).
    Resolved,
    /// Cancelled by agent and provider together before proof (terminal).
    Cancelled,
}

impl EscrowState {
    /// Decodes the stored byte; `None` for an unknown value.
    pub fn from_u8(value: u8) -> Option<Self> {
        Some(match value {
            0 => Self::Funded,
            1 => Self::ProofSubmitted,
            2 => Self::Released,
            3 => Self::Refunded,
            4 => Self::Disputed,
            5 => Self::Resolved,
            6 => Self::Cancelled,
            _ => return None,
        })
    }

    /// Released, Refunded, Resolved and Cancelled are terminal: no token
    /// moves any more and the escrow may be closed.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Released | Self::Refunded | Self::Resolved | Self::Cancelled
        )
    }
}

/// PDA `["escrow", policy, escrow_id (u64 LE)]`; zero-copy, 8-byte
/// discriminator then this `#[repr(C)]` struct (352 bytes). Fixed offsets
/// (for memcmp filters): policy 8, provider 40, state `Escrow::STATE_OFFSET`.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Escrow {
    /// The policy whose budget funds this escrow (offset 8).
    pub policy: Pubkey,
    /// Who is paid on release (offset 40).
    pub provider: Pubkey,
    /// Escrow vault: token account `["escrow_vault", escrow]` (offset 72).
    pub vault: Pubkey,
    /// Who paid the rent of this account and its vault (offset 104).
    pub rent_payer: Pubkey,
    /// sha256 of the task specification, kept off-chain (offset 136).
    pub task_hash: [u8; 32],
    /// sha256 of the deliverable, set by escrow_submit_proof (offset 168).
    pub proof_hash: [u8; 32],
    /// Key whose ed25519 attestation the proof needs; default = none (offset 200).
    pub verifier: Pubkey,
    /// Key that resolves disputes; default = the policy owner (offset 232).
    pub arbiter: Pubkey,
    /// Escrow (same policy) that must be Released before this one can be;
    /// default = none (offset 264).
    pub depends_on: Pubkey,
    /// Client-chosen id, part of the seeds.
    pub escrow_id: u64,
    /// Locked amount, base units.
    pub amount: u64,
    /// Unix time of creation (the spend buckets it was charged to).
    pub created_at: i64,
    /// Proofs are accepted while now < deadline; refunds once now >= deadline.
    pub deadline: i64,
    /// Unix time the proof was recorded; 0 before.
    pub proof_submitted_at: i64,
    /// Delay tier: seconds after the proof before release (copied from the policy).
    pub release_delay: i64,
    /// Unix time the escrow reached a terminal state; 0 before.
    pub settled_at: i64,
    /// Resolved escrows: provider's share in basis points (0..=10_000).
    pub provider_bps: u16,
    /// Layout version.
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// Bump of the escrow vault PDA.
    pub vault_bump: u8,
    /// [`EscrowState`] as u8.
    pub state: u8,
    /// [`crate::state::ReleaseTier`] as u8.
    pub tier: u8,
    /// Reserved, zero.
    pub _reserved: [u8; 1],
}

impl Escrow {
    /// Account size in bytes including the 8-byte discriminator.
    pub const LEN: usize = 8 + core::mem::size_of::<Escrow>();
    /// Byte offset of `state` in the account data (discriminator included).
    pub const STATE_OFFSET: usize = 8 + 32 * 9 + 8 * 7 + 2 + 3;

    /// The optional keys: `None` where the stored key is the default (all zeros).
    pub fn verifier(&self) -> Option<Pubkey> {
        some_key(self.verifier)
    }

    /// The dispute arbiter, if one was named (else the policy owner decides).
    pub fn arbiter(&self) -> Option<Pubkey> {
        some_key(self.arbiter)
    }

    /// The escrow this one waits for, if any.
    pub fn depends_on(&self) -> Option<Pubkey> {
        some_key(self.depends_on)
    }

    /// The decoded state; an unknown byte reads as an invalid-state error.
    pub fn state(&self) -> Result<EscrowState> {
        EscrowState::from_u8(self.state)
            .ok_or_else(|| error!(crate::error::EscrowError::InvalidEscrowState))
    }
}

fn some_key(key: Pubkey) -> Option<Pubkey> {
    (key != Pubkey::default()).then_some(key)
}
