//! `policy_deposit`: anyone adds tokens to a policy vault.

use anchor_lang::prelude::*;

use crate::{
    error::EscrowError,
    events::Deposited,
    settle::check_token_program,
    state::Policy,
    transfer::{transfer_checked, vault_amount},
};

/// Accounts, in order:
/// 0. `[signer]` depositor (authority of `source`)
/// 1. `[writable]` policy.
/// 2. `[writable]` policy vault.
/// 3. `[writable]` source token account (in the policy's mint).
/// 4. `[]` mint.
/// 5. `[]` token program.
#[derive(Accounts)]
pub struct PolicyDeposit<'info> {
    pub depositor: Signer<'info>,

    #[account(mut, has_one = vault @ EscrowError::VaultMismatch, has_one = mint)]
    pub policy: AccountLoader<'info, Policy>,

    /// CHECK: the policy's vault (`has_one = vault`).
    #[account(mut)]
    pub vault: UncheckedAccount<'info>,

    /// CHECK: any token account; the token program checks mint and authority.
    #[account(mut)]
    pub source: UncheckedAccount<'info>,

    /// CHECK: the policy's mint (`has_one = mint`).
    pub mint: UncheckedAccount<'info>,

    /// CHECK: must own the mint (`check_token_program`).
    pub token_program: UncheckedAccount<'info>,
}

/// Moves `amount` base units (>= 1) from `source` into the policy vault.
pub fn policy_deposit(ctx: Context<PolicyDeposit>, amount: u64) -> Result<()> {
    require!(amount > 0, EscrowError::ZeroAmount);
    let accounts = &ctx.accounts;
    check_token_program(&accounts.token_program, &accounts.mint)?;
    let decimals = accounts.policy.load()?.decimals;
    transfer_checked(
        &accounts.token_program,
        &accounts.source,
        &accounts.mint,
        &accounts.vault,
        &accounts.depositor,
        &[],
        amount,
        decimals,
    )?;

    let mut policy = accounts.policy.load_mut()?;
    policy.total_deposited = policy
        .total_deposited
        .checked_add(amount)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    emit!(Deposited {
        policy: accounts.policy.key(),
        depositor: accounts.depositor.key(),
        amount,
        vault_balance: vault_amount(&accounts.vault)?,
    });
    Ok(())
}
