//! `policy_withdraw`: the owner takes unlocked funds out of the policy vault.
//! Escrowed funds sit in escrow vaults, so the whole vault balance is unlocked.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{error::EscrowError, events::Withdrawn, state::Policy, transfer::transfer_checked};

/// Accounts, in order:
/// 0. `[signer]` owner.
/// 1. `[writable]` policy.
/// 2. `[writable]` policy vault.
/// 3. `[writable]` destination token account (any, in the policy's mint).
/// 4. `[]` mint.
/// 5. `[]` token program.
#[derive(Accounts)]
pub struct PolicyWithdraw<'info> {
    pub owner: Signer<'info>,

    #[account(mut, has_one = owner, has_one = vault, has_one = mint)]
    pub policy: AccountLoader<'info, Policy>,

    /// Policy vault; checked by `has_one = vault` on the policy.
    #[account(mut)]
    pub vault: InterfaceAccount<'info, TokenAccount>,

    #[account(mut, token::mint = mint, token::token_program = token_program)]
    pub destination: InterfaceAccount<'info, TokenAccount>,

    pub mint: InterfaceAccount<'info, Mint>,

    pub token_program: Interface<'info, TokenInterface>,
}

/// Moves `amount` base units (1..=vault balance) to `destination`.
pub fn policy_withdraw(ctx: Context<PolicyWithdraw>, amount: u64) -> Result<()> {
    require!(amount > 0, EscrowError::ZeroAmount);
    let accounts = &ctx.accounts;
    let vault_balance = accounts.vault.amount.checked_sub(amount).ok_or_else(|| {
        msg!(
            "amount {} > vault balance {}",
            amount,
            accounts.vault.amount
        );
        error!(EscrowError::InsufficientVaultBalance)
    })?;
    let (owner, seed_agent, mint, bump) = {
        let mut policy = accounts.policy.load_mut()?;
        policy.total_withdrawn = policy
            .total_withdrawn
            .checked_add(amount)
            .ok_or(EscrowError::ArithmeticOverflow)?;
        (policy.owner, policy.seed_agent, policy.mint, policy.bump)
    };
    let seeds: &[&[u8]] = &[
        crate::constants::POLICY_SEED,
        owner.as_ref(),
        seed_agent.as_ref(),
        mint.as_ref(),
        core::slice::from_ref(&bump),
    ];
    transfer_checked(
        &accounts.token_program.to_account_info(),
        &accounts.vault.to_account_info(),
        &accounts.mint.to_account_info(),
        &accounts.destination.to_account_info(),
        &accounts.policy.to_account_info(),
        &[seeds],
        amount,
        accounts.mint.decimals,
    )?;
    emit!(Withdrawn {
        policy: accounts.policy.key(),
        destination: accounts.destination.key(),
        amount,
        vault_balance,
    });
    Ok(())
}
