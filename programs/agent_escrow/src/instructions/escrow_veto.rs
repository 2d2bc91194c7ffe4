//! `escrow_veto`: the owner stops a proven delay-tier escrow before it is
//! released; it goes to the arbiter (state Disputed).

use anchor_lang::prelude::*;

use crate::{
    error::EscrowError,
    events::EscrowDisputed,
    settle::tier_from_u8,
    state::{Escrow, EscrowState, Policy, ReleaseTier},
};

/// Accounts, in order:
/// 0. `[signer]` owner.
/// 1. `[]` policy.
/// 2. `[writable]` escrow.
#[derive(Accounts)]
pub struct EscrowVeto<'info> {
    pub owner: Signer<'info>,

    #[account(has_one = owner)]
    pub policy: AccountLoader<'info, Policy>,

    #[account(mut, has_one = policy)]
    pub escrow: AccountLoader<'info, Escrow>,
}

/// Vetoes when state = ProofSubmitted and tier = Delay (even after the delay,
/// as long as nobody has released it yet).
pub fn escrow_veto(ctx: Context<EscrowVeto>) -> Result<()> {
    veto(&ctx.accounts.escrow, ctx.accounts.owner.key())
}

/// The veto both paths share (`escrow_veto`, where the owner signs the
/// transaction, and `escrow_veto_offchain`, where the owner signed a
/// message): ProofSubmitted + Delay tier -> Disputed, EscrowDisputed with
/// `veto: true` and `by` = the owner.
pub(crate) fn veto(escrow_account: &AccountLoader<Escrow>, owner: Pubkey) -> Result<()> {
    let mut escrow = escrow_account.load_mut()?;
    require!(
        escrow.state()? == EscrowState::ProofSubmitted,
        EscrowError::InvalidEscrowState
    );
    require!(
        tier_from_u8(escrow.tier)? == ReleaseTier::Delay,
        EscrowError::NotDelayTier
    );
    escrow.state = EscrowState::Disputed as u8;
    escrow.state_at = Clock::get()?.unix_timestamp;
    emit!(EscrowDisputed {
        policy: escrow.policy,
        escrow: escrow_account.key(),
        by: owner,
        veto: true,
        amount: escrow.amount,
        state: EscrowState::Disputed,
    });
    Ok(())
}
