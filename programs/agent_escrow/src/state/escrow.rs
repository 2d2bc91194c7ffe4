//! One task's locked payment.

use anchor_lang::prelude::*;

use crate::error::EscrowError;

/// Escrow state (byte `state`); transitions are listed in DESIGN.md.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum EscrowState {
    /// Amount locked in the policy vault, waiting for a proof.
    Funded,
    /// Proof recorded; waiting for the delay, the owner's approval or a dependency.
    ProofSubmitted,
    /// Paid to the provider (terminal).
    Released,
    /// Unlocked back into the policy's free balance (terminal).
    Refunded,
    /// Vetoed by the owner or disputed by agent/owner; waiting for the arbiter.
    Disputed,
    /// Split by the arbiter between provider and policy (terminal).
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

    /// Released, Refunded, Resolved and Cancelled are terminal: nothing moves
    /// any more. A terminal escrow is closed at once, unless other escrows
    /// still depend on it (then `escrow_close` closes it when they are done).
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Released | Self::Refunded | Self::Resolved | Self::Cancelled
        )
    }
}

/// `flags` bit: a verifier key follows the fixed part.
pub const FLAG_VERIFIER: u8 = 1;
/// `flags` bit: a depends_on key follows the fixed part (after the verifier).
pub const FLAG_DEPENDS_ON: u8 = 2;

/// PDA `["escrow", policy, escrow_id (u64 LE)]`; zero-copy, 8-byte
/// discriminator then this `#[repr(C)]` struct (144 bytes), then the
/// optional keys: the verifier (32 bytes, if `flags & FLAG_VERIFIER`) and
/// the depends_on escrow (32 bytes, if `flags & FLAG_DEPENDS_ON`). So an
/// escrow is 152, 184 or 216 bytes; a plain one holds 1,948,800 lamports of
/// rent ((128 + 152) * 6,960), returned to `rent_payer` when it settles.
///
/// Fixed offsets (for memcmp filters): policy 8, provider 40, rent_payer 72,
/// task_tag 104, amount 112, state [`Escrow::STATE_OFFSET`] (145). The
/// escrow id is not stored (it is in the address and in EscrowCreated).
///
/// The escrow holds no tokens: its amount is locked inside the policy
/// vault (`policy.locked`), so there is no per-escrow token account to fund,
/// close or grief with dust.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Escrow {
    /// The policy whose budget funds this escrow (offset 8).
    pub policy: Pubkey,
    /// Who is paid on release (offset 40).
    pub provider: Pubkey,
    /// Who paid this account's rent; gets it back when the escrow closes (offset 72).
    pub rent_payer: Pubkey,
    /// The first 8 bytes of the task hash (sha256 of the task specification;
    /// the full hash is in the EscrowCreated event), offset 104: lets a
    /// client find an open escrow for the same task with a memcmp filter
    /// before creating a second one.
    pub task_tag: [u8; 8],
    /// Locked amount, base units (offset 112).
    pub amount: u64,
    /// Unix time of creation (the spend buckets it was charged to).
    pub created_at: i64,
    /// Proofs are accepted while now < deadline; refunds once now >= deadline.
    pub deadline: i64,
    /// Unix time of the last state change: the proof (ProofSubmitted), the
    /// dispute (Disputed) or the settlement (terminal, kept for dependents).
    pub state_at: i64,
    /// Layout version ([`crate::constants::ACCOUNT_VERSION`]).
    pub version: u8,
    /// [`EscrowState`] as u8 (offset 145).
    pub state: u8,
    /// [`crate::state::ReleaseTier`] as u8, fixed at creation.
    pub tier: u8,
    /// [`FLAG_VERIFIER`] | [`FLAG_DEPENDS_ON`].
    pub flags: u8,
    /// Open escrows whose `depends_on` is this one; while > 0 this account
    /// is kept after it settles, so they can always read how it ended.
    pub dependents: u16,
    /// Reserved, zero.
    pub _reserved: [u8; 2],
}

impl Escrow {
    /// Size of the fixed part including the 8-byte discriminator.
    pub const LEN: usize = 8 + core::mem::size_of::<Escrow>();
    /// Byte offset of `state` in the account data (discriminator included).
    pub const STATE_OFFSET: usize = 8 + 32 * 3 + 8 * 5 + 1;

    /// Account size for an escrow with or without the optional keys.
    pub const fn space(verifier: bool, depends_on: bool) -> usize {
        match (verifier, depends_on) {
            (false, false) => Self::LEN,
            (true, false) | (false, true) => Self::LEN.saturating_add(32),
            (true, true) => Self::LEN.saturating_add(64),
        }
    }

    /// The decoded state; an unknown byte reads as an invalid-state error.
    pub fn state(&self) -> Result<EscrowState> {
        EscrowState::from_u8(self.state).ok_or_else(|| error!(EscrowError::InvalidEscrowState))
    }
}

/// The optional keys stored after the fixed part: (verifier, depends_on).
pub fn optional_keys(data: &[u8], flags: u8) -> Result<(Option<Pubkey>, Option<Pubkey>)> {
    let key_at = |at: usize| -> Result<Pubkey> {
        let bytes = data
            .get(at..at.saturating_add(32))
            .ok_or(EscrowError::InvalidEscrowState)?;
        let mut key = [0u8; 32];
        key.copy_from_slice(bytes);
        Ok(Pubkey::new_from_array(key))
    };
    let mut at = Escrow::LEN;
    let verifier = if flags & FLAG_VERIFIER != 0 {
        let key = key_at(at)?;
        at = at.saturating_add(32);
        Some(key)
    } else {
        None
    };
    let depends_on = if flags & FLAG_DEPENDS_ON != 0 {
        Some(key_at(at)?)
    } else {
        None
    };
    Ok((verifier, depends_on))
}
