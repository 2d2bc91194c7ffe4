//! `escrow_close`: anyone closes a terminal escrow that was kept open for
//! its dependents, once none is left; the rent goes back to whoever paid it.
//! (Escrows without dependents close by themselves when they settle.)

use anchor_lang::prelude::*;

use crate::{error::EscrowError, events::EscrowClosed, state::Escrow};

/// Accounts, in order:
/// 0. `[signer]` cranker (anyone).
/// 1. `[writable]` escrow (closed).
/// 2. `[writable]` rent payer (escrow.rent_payer; receives the lamports).
#[derive(Accounts)]
pub struct EscrowClose<'info> {
    pub cranker: Signer<'info>,

    #[account(
        mut,
        close = rent_payer,
        has_one = rent_payer @ EscrowError::RentPayerMismatch,
    )]
    pub escrow: AccountLoader<'info, Escrow>,

    /// CHECK: only receives lamports; checked by `has_one = rent_payer`.
    #[account(mut)]
    pub rent_payer: UncheckedAccount<'info>,
}

/// Closes when the escrow is terminal (Released, Refunded, Resolved,
/// Cancelled) and no open escrow depends on it (`HasDependents`).
pub fn escrow_close(ctx: Context<EscrowClose>) -> Result<()> {
    let escrow = ctx.accounts.escrow.load()?;
    let state = escrow.state()?;
    require!(state.is_terminal(), EscrowError::InvalidEscrowState);
    if escrow.dependents > 0 {
        msg!("{} escrows still depend on this one", escrow.dependents);
        return err!(EscrowError::HasDependents);
    }
    emit!(EscrowClosed {
        policy: escrow.policy,
        escrow: ctx.accounts.escrow.key(),
        rent_payer: ctx.accounts.rent_payer.key(),
        lamports: ctx.accounts.escrow.to_account_info().lamports(),
        state,
    });
    Ok(())
}
