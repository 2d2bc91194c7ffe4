//! `escrow_cancel`: agent and provider together call off an unproven
//! escrow; the amount goes back to the policy vault.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{
    error::EscrowError,
    escrow_funds::return_to_vault,
    events::EscrowCancelled,
    state::{Escrow, EscrowState, Policy},
};

/// Accounts, in order:
/// 0. `[signer]` agent.
/// 1. `[signer]` provider.
/// 2. `[writable]` policy.
/// 3. `[writable]` policy vault.
/// 4. `[writable]` escrow.
/// 5. `[writable]` escrow vault.
/// 6. `[]` mint.
/// 7. `[]` token program.
#[derive(Accounts)]
pub struct EscrowCancel<'info> {
    pub agent: Signer<'info>,

    pub provider: Signer<'info>,

    #[account(mut, has_one = agent, has_one = vault, has_one = mint)]
    pub policy: AccountLoader<'info, Policy>,

    /// Policy vault; checked by `has_one = vault` on the policy.
    #[account(mut)]
    pub vault: InterfaceAccount<'info, TokenAccount>,

    #[account(
        mut,
        has_one = policy,
        has_one = provider,
        constraint = escrow.load()?.vault == escrow_vault.key() @ EscrowError::VaultMismatch,
    )]
    pub escrow: AccountLoader<'info, Escrow>,

    #[account(mut)]
    pub escrow_vault: InterfaceAccount<'info, TokenAccount>,

    pub mint: InterfaceAccount<'info, Mint>,

    pub token_program: Interface<'info, TokenInterface>,
}

/// Cancels when state = Funded (before any proof); credits the spend buckets.
pub fn escrow_cancel(ctx: Context<EscrowCancel>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &ctx.accounts;
    let (policy_key, amount, created_at) = {
        let mut escrow = accounts.escrow.load_mut()?;
        require!(
            escrow.state()? == EscrowState::Funded,
            EscrowError::InvalidEscrowState
        );
        escrow.state = EscrowState::Cancelled as u8;
        escrow.settled_at = now;
        (escrow.policy, escrow.amount, escrow.created_at)
    };
    let (_, _, vault_balance) = return_to_vault(
        &accounts.policy,
        &accounts.escrow,
        &accounts.escrow_vault,
        &accounts.vault,
        &accounts.mint,
        &accounts.token_program,
        created_at,
        amount,
        now,
    )?;
    emit!(EscrowCancelled {
        policy: policy_key,
        escrow: accounts.escrow.key(),
        amount,
        vault_balance,
        state: EscrowState::Cancelled,
    });
    Ok(())
}
