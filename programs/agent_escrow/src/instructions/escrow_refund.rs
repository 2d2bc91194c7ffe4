//! `escrow_refund`: anyone returns an unproven escrow to the policy vault
//! once its deadline has passed.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{
    error::EscrowError,
    escrow_funds::return_to_vault,
    events::EscrowRefunded,
    state::{Escrow, EscrowState, Policy},
};

/// Accounts, in order:
/// 0. `[signer]` cranker (anyone).
/// 1. `[writable]` policy.
/// 2. `[writable]` policy vault.
/// 3. `[writable]` escrow.
/// 4. `[writable]` escrow vault.
/// 5. `[]` mint.
/// 6. `[]` token program.
#[derive(Accounts)]
pub struct EscrowRefund<'info> {
    pub cranker: Signer<'info>,

    #[account(mut, has_one = vault, has_one = mint)]
    pub policy: AccountLoader<'info, Policy>,

    /// Policy vault; checked by `has_one = vault` on the policy.
    #[account(mut)]
    pub vault: InterfaceAccount<'info, TokenAccount>,

    #[account(mut, has_one = policy, constraint = escrow.load()?.vault == escrow_vault.key() @ EscrowError::VaultMismatch)]
    pub escrow: AccountLoader<'info, Escrow>,

    #[account(mut)]
    pub escrow_vault: InterfaceAccount<'info, TokenAccount>,

    pub mint: InterfaceAccount<'info, Mint>,

    pub token_program: Interface<'info, TokenInterface>,
}

/// Refunds when state = Funded and now >= deadline; credits the amount back
/// to the spend buckets it was charged to.
pub fn escrow_refund(ctx: Context<EscrowRefund>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &ctx.accounts;
    let (policy_key, amount, created_at) = {
        let mut escrow = accounts.escrow.load_mut()?;
        require!(
            escrow.state()? == EscrowState::Funded,
            EscrowError::InvalidEscrowState
        );
        if now < escrow.deadline {
            msg!("now {} < deadline {}", now, escrow.deadline);
            return err!(EscrowError::DeadlineNotReached);
        }
        escrow.state = EscrowState::Refunded as u8;
        escrow.settled_at = now;
        (escrow.policy, escrow.amount, escrow.created_at)
    };
    let (spent_24h, spent_30d, vault_balance) = return_to_vault(
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
    emit!(EscrowRefunded {
        policy: policy_key,
        escrow: accounts.escrow.key(),
        amount,
        vault_balance,
        spent_24h,
        spent_30d,
        state: EscrowState::Refunded,
    });
    Ok(())
}
