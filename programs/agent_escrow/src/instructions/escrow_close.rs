//! `escrow_close`: anyone closes a terminal escrow and its (empty) vault,
//! 24 h after it settled; the rent goes back to whoever paid it.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, CloseAccount, TokenAccount, TokenInterface};

use crate::{
    constants::{CLOSE_DELAY_SECONDS, ESCROW_SEED},
    error::EscrowError,
    events::EscrowClosed,
    state::Escrow,
};

/// Accounts, in order:
/// 0. `[signer]` cranker (anyone).
/// 1. `[writable]` escrow (closed).
/// 2. `[writable]` escrow vault (closed; holds 0 in every terminal state).
/// 3. `[writable]` rent payer (escrow.rent_payer; receives the lamports).
/// 4. `[]` token program.
#[derive(Accounts)]
pub struct EscrowClose<'info> {
    pub cranker: Signer<'info>,

    #[account(
        mut,
        close = rent_payer,
        has_one = vault,
        has_one = rent_payer @ EscrowError::RentPayerMismatch,
    )]
    pub escrow: AccountLoader<'info, Escrow>,

    /// Escrow vault; checked by `has_one = vault` on the escrow.
    #[account(mut, token::token_program = token_program)]
    pub vault: InterfaceAccount<'info, TokenAccount>,

    /// CHECK: only receives lamports; checked by `has_one = rent_payer`.
    #[account(mut)]
    pub rent_payer: UncheckedAccount<'info>,

    pub token_program: Interface<'info, TokenInterface>,
}

/// Closes when the escrow is terminal (Released, Refunded, Resolved,
/// Cancelled) and now >= settled_at + 86,400 s.
pub fn escrow_close(ctx: Context<EscrowClose>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &ctx.accounts;
    let (policy, id, bump, state) = {
        let escrow = accounts.escrow.load()?;
        let state = escrow.state()?;
        require!(state.is_terminal(), EscrowError::InvalidEscrowState);
        let closable_at = escrow
            .settled_at
            .checked_add(CLOSE_DELAY_SECONDS)
            .ok_or(EscrowError::ArithmeticOverflow)?;
        if now < closable_at {
            msg!("now {} < closable_at {}", now, closable_at);
            return err!(EscrowError::CloseTooEarly);
        }
        (
            escrow.policy,
            escrow.escrow_id.to_le_bytes(),
            escrow.bump,
            state,
        )
    };
    let lamports = accounts
        .escrow
        .to_account_info()
        .lamports()
        .checked_add(accounts.vault.to_account_info().lamports())
        .ok_or(EscrowError::ArithmeticOverflow)?;
    let seeds: &[&[u8]] = &[
        ESCROW_SEED,
        policy.as_ref(),
        &id,
        core::slice::from_ref(&bump),
    ];
    let signer = [seeds];
    token_interface::close_account(CpiContext::new_with_signer(
        accounts.token_program.key(),
        CloseAccount {
            account: accounts.vault.to_account_info(),
            destination: accounts.rent_payer.to_account_info(),
            authority: accounts.escrow.to_account_info(),
        },
        &signer,
    ))?;
    emit!(EscrowClosed {
        policy,
        escrow: accounts.escrow.key(),
        rent_payer: accounts.rent_payer.key(),
        lamports,
        state,
    });
    Ok(())
}
