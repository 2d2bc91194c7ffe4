//! `policy_withdraw`: the owner takes free funds out of the policy vault.
//! Amounts locked by open escrows stay: at most `vault balance - locked`.

use anchor_lang::prelude::*;

use crate::{
    error::EscrowError,
    events::Withdrawn,
    settle::{check_token_program, pay_from_vault},
    state::Policy,
    transfer::vault_amount,
};

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

    #[account(mut, has_one = owner, has_one = vault @ EscrowError::VaultMismatch, has_one = mint)]
    pub policy: AccountLoader<'info, Policy>,

    /// CHECK: the policy's vault (`has_one = vault`).
    #[account(mut)]
    pub vault: UncheckedAccount<'info>,

    /// CHECK: any token account of the mint but the vault; the token program checks it.
    #[account(mut, constraint = destination.key() != vault.key() @ EscrowError::VaultMismatch)]
    pub destination: UncheckedAccount<'info>,

    /// CHECK: the policy's mint (`has_one = mint`).
    pub mint: UncheckedAccount<'info>,

    /// CHECK: must own the mint (`check_token_program`).
    pub token_program: UncheckedAccount<'info>,
}

/// Moves `amount` base units (1..=free balance) to `destination`.
pub fn policy_withdraw(ctx: Context<PolicyWithdraw>, amount: u64) -> Result<()> {
    require!(amount > 0, EscrowError::ZeroAmount);
    let accounts = &ctx.accounts;
    check_token_program(&accounts.token_program, &accounts.mint)?;
    let balance = vault_amount(&accounts.vault)?;
    let free = {
        let mut policy = accounts.policy.load_mut()?;
        let free = policy.free(balance)?;
        if amount > free {
            msg!(
                "amount {} > free balance {} (vault {} - locked {})",
                amount,
                free,
                balance,
                policy.locked
            );
            return err!(EscrowError::InsufficientVaultBalance);
        }
        policy.total_withdrawn = policy
            .total_withdrawn
            .checked_add(amount)
            .ok_or(EscrowError::ArithmeticOverflow)?;
        free
    };
    pay_from_vault(
        &accounts.policy,
        &accounts.vault,
        &accounts.mint,
        &accounts.destination,
        &accounts.token_program,
        amount,
    )?;
    let vault_balance = balance
        .checked_sub(amount)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    emit!(Withdrawn {
        policy: accounts.policy.key(),
        destination: accounts.destination.key(),
        amount,
        vault_balance,
        free_balance: free
            .checked_sub(amount)
            .ok_or(EscrowError::ArithmeticOverflow)?,
    });
    Ok(())
}
