//! `escrow_cancel`: agent and provider together call off an unproven
//! escrow; its amount is free again and the escrow closes.

use anchor_lang::prelude::*;

use crate::{
    error::EscrowError,
    events::EscrowCancelled,
    settle::{check_escrow_accounts, dependency, escrow_keys, finish},
    state::{Escrow, EscrowState, Policy},
    transfer::vault_amount,
};

/// Accounts, in order:
/// 0. `[signer]` agent.
/// 1. `[signer]` provider.
/// 2. `[writable]` policy.
/// 3. `[]` policy vault (its balance is reported as the free balance).
/// 4. `[writable]` escrow.
/// 5. `[writable]` rent payer (escrow.rent_payer).
/// 6. `[writable]` depends_on escrow (optional: pass the program id for none).
#[derive(Accounts)]
pub struct EscrowCancel<'info> {
    pub agent: Signer<'info>,

    pub provider: Signer<'info>,

    #[account(mut, has_one = agent)]
    pub policy: AccountLoader<'info, Policy>,

    /// CHECK: the policy's vault (`check_escrow_accounts`); only its balance is read.
    pub vault: UncheckedAccount<'info>,

    #[account(mut, has_one = provider)]
    pub escrow: AccountLoader<'info, Escrow>,

    /// CHECK: the escrow's rent payer (`check_escrow_accounts`).
    #[account(mut)]
    pub rent_payer: UncheckedAccount<'info>,

    #[account(mut)]
    pub depends_on: Option<AccountLoader<'info, Escrow>>,
}

/// Cancels when state = Funded (before any proof); credits the spend buckets.
pub fn escrow_cancel(ctx: Context<EscrowCancel>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &ctx.accounts;
    check_escrow_accounts(
        &accounts.policy,
        &accounts.vault,
        None,
        &accounts.escrow,
        &accounts.rent_payer,
    )?;
    let (_, depends_on) = escrow_keys(&accounts.escrow)?;
    let upstream = dependency(depends_on, accounts.depends_on.as_ref())?;
    let (policy_key, amount, created_at) = {
        let mut escrow = accounts.escrow.load_mut()?;
        require!(
            escrow.state()? == EscrowState::Funded,
            EscrowError::InvalidEscrowState
        );
        escrow.state = EscrowState::Cancelled as u8;
        (escrow.policy, escrow.amount, escrow.created_at)
    };
    let free_balance = {
        let mut policy = accounts.policy.load_mut()?;
        policy.unlock_refund(created_at, amount, now)?;
        policy.free(vault_amount(&accounts.vault)?)?
    };
    let rent_returned = finish(&accounts.escrow, &accounts.rent_payer, upstream, now)?;
    emit!(EscrowCancelled {
        policy: policy_key,
        escrow: accounts.escrow.key(),
        amount,
        free_balance,
        rent_returned,
        state: EscrowState::Cancelled,
    });
    Ok(())
}
