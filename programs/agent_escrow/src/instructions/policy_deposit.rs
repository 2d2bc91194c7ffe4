//! `policy_deposit`: anyone adds tokens to a policy vault.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{error::EscrowError, events::Deposited, state::Policy, transfer::transfer_checked};

/// Accounts, in order:
/// 0. `[signer]` depositor (authority of `source`)
/// 1. `[writable]` policy.
/// 2. `[writable]` policy vault.
/// 3. `[writable]` source token account.
/// 4. `[]` mint.
/// 5. `[]` token program.
#[derive(Accounts)]
pub struct PolicyDeposit<'info> {
    pub depositor: Signer<'info>,

    #[account(mut, has_one = vault, has_one = mint)]
    pub policy: AccountLoader<'info, Policy>,

    #[account(mut)]
    pub vault: InterfaceAccount<'info, TokenAccount>,

    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub source: InterfaceAccount<'info, TokenAccount>,

    pub mint: InterfaceAccount<'info, Mint>,

    pub token_program: Interface<'info, TokenInterface>,
}

/// Moves `amount` base units (>= 1) from `source` into the policy vault.
pub fn policy_deposit(ctx: Context<PolicyDeposit>, amount: u64) -> Result<()> {
    require!(amount > 0, EscrowError::ZeroAmount);
    let accounts = &ctx.accounts;
    transfer_checked(
        &accounts.token_program.to_account_info(),
        &accounts.source.to_account_info(),
        &accounts.mint.to_account_info(),
        &accounts.vault.to_account_info(),
        &accounts.depositor.to_account_info(),
        &[],
        amount,
        accounts.mint.decimals,
    )?;

    let mut policy = accounts.policy.load_mut()?;
    policy.total_deposited = policy
        .total_deposited
        .checked_add(amount)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    let vault_balance = accounts
        .vault
        .amount
        .checked_add(amount)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    emit!(Deposited {
        policy: accounts.policy.key(),
        depositor: accounts.depositor.key(),
        amount,
        vault_balance,
    });
    Ok(())
}
