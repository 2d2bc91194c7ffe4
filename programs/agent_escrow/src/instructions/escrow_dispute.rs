//! `escrow_dispute`: the agent or the owner contests a proof before the
//! escrow is released; it goes to the arbiter (state Disputed).

use anchor_lang::prelude::*;

use crate::{
    error::EscrowError,
    events::EscrowDisputed,
    state::{Escrow, EscrowState, Policy},
};

/// Accounts, in order:
/// 0. `[signer]` authority: the policy's agent or owner.
/// 1. `[]` policy.
/// 2. `[writable]` escrow.
#[derive(Accounts)]
pub struct EscrowDispute<'info> {
    pub authority: Signer<'info>,

    pub policy: AccountLoader<'info, Policy>,

    #[account(mut, has_one = policy)]
    pub escrow: AccountLoader<'info, Escrow>,
}

/// Disputes when state = ProofSubmitted (any tier still waiting: delay,
/// approval, or instant waiting for its dependency).
pub fn escrow_dispute(ctx: Context<EscrowDispute>) -> Result<()> {
    let by = ctx.accounts.authority.key();
    {
        let policy = ctx.accounts.policy.load()?;
        require!(
            by == policy.agent || by == policy.owner,
            EscrowError::Unauthorized
        );
    }
    let mut escrow = ctx.accounts.escrow.load_mut()?;
    require!(
        escrow.state()? == EscrowState::ProofSubmitted,
        EscrowError::InvalidEscrowState
    );
    escrow.state = EscrowState::Disputed as u8;
    escrow.state_at = Clock::get()?.unix_timestamp;
    emit!(EscrowDisputed {
        policy: escrow.policy,
        escrow: ctx.accounts.escrow.key(),
        by,
        veto: false,
        amount: escrow.amount,
        state: EscrowState::Disputed,
    });
    Ok(())
}
