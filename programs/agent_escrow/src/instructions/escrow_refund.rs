//! `escrow_refund`: anyone returns an unproven escrow to the policy vault
//! once its deadline has passed.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{
    constants::ESCROW_SEED,
    error::EscrowError,
    events::EscrowRefunded,
    state::{Escrow, EscrowState, Policy},
    transfer::transfer_checked,
};

/// Accounts, in order:
/// 0. `[signer]` cranker (anyone)
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
/// to the spend buckets it was charged to, where still inside their window.
pub fn escrow_refund(ctx: Context<EscrowRefund>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &ctx.accounts;
    let (policy_key, escrow_id, bump, amount, created_at) = {
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
        (
            escrow.policy,
            escrow.escrow_id,
            escrow.bump,
            escrow.amount,
            escrow.created_at,
        )
    };
    let (spent_24h, spent_30d) = {
        let mut policy = accounts.policy.load_mut()?;
        policy.credit(created_at, amount)?;
        policy.total_refunded = policy
            .total_refunded
            .checked_add(amount)
            .ok_or(EscrowError::ArithmeticOverflow)?;
        policy.spent(now)?
    };
    let id = escrow_id.to_le_bytes();
    let seeds: &[&[u8]] = &[
        ESCROW_SEED,
        policy_key.as_ref(),
        &id,
        core::slice::from_ref(&bump),
    ];
    transfer_checked(
        &accounts.token_program.to_account_info(),
        &accounts.escrow_vault.to_account_info(),
        &accounts.mint.to_account_info(),
        &accounts.vault.to_account_info(),
        &accounts.escrow.to_account_info(),
        &[seeds],
        amount,
        accounts.mint.decimals,
    )?;
    emit!(EscrowRefunded {
        policy: policy_key,
        escrow: accounts.escrow.key(),
        amount,
        vault_balance: accounts
            .vault
            .amount
            .checked_add(amount)
            .ok_or(EscrowError::ArithmeticOverflow)?,
        spent_24h,
        spent_30d,
        state: EscrowState::Refunded,
    });
    Ok(())
}
