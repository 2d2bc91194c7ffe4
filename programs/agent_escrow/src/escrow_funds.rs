//! Moving an escrow's funds: to the provider (release, resolve) or back to
//! the policy vault (refund, cancel, resolve). The escrow PDA signs.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{
    constants::ESCROW_SEED,
    error::EscrowError,
    events::EscrowReleased,
    state::{Escrow, EscrowState, Policy, ReleaseTier},
    transfer::transfer_checked,
};

/// Moves `amount` base units out of the escrow vault to `to`, signed by the
/// escrow PDA (`["escrow", policy, escrow_id LE, bump]`). The escrow must not
/// be borrowed by the caller (the CPI borrows it).
pub fn transfer_from_escrow<'info>(
    escrow: &AccountLoader<'info, Escrow>,
    vault: &InterfaceAccount<'info, TokenAccount>,
    mint: &InterfaceAccount<'info, Mint>,
    to: &AccountInfo<'info>,
    token_program: &Interface<'info, TokenInterface>,
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let (policy, id, bump) = {
        let escrow = escrow.load()?;
        (escrow.policy, escrow.escrow_id.to_le_bytes(), escrow.bump)
    };
    let seeds: &[&[u8]] = &[
        ESCROW_SEED,
        policy.as_ref(),
        &id,
        core::slice::from_ref(&bump),
    ];
    transfer_checked(
        &token_program.to_account_info(),
        &vault.to_account_info(),
        &mint.to_account_info(),
        to,
        &escrow.to_account_info(),
        &[seeds],
        amount,
        mint.decimals,
    )
}

/// Credits `amount` charged at `charged_at` back to the policy's spend
/// buckets and returns the net spend in the 24 h and 30 day windows at `now`.
pub fn credit_spend(
    policy: &mut Policy,
    charged_at: i64,
    amount: u64,
    now: i64,
) -> Result<(u64, u64)> {
    policy.credit(charged_at, amount)?;
    policy.total_refunded = policy
        .total_refunded
        .checked_add(amount)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    policy.spent(now)
}

/// Returns `amount` from the escrow vault to the policy vault (refund,
/// cancel, the refunded part of a resolution): credits the spend buckets it
/// was charged to at `charged_at`, then transfers. Returns the net spend in
/// the 24 h and 30 day windows at `now` and the policy vault balance after.
#[allow(clippy::too_many_arguments)]
pub fn return_to_vault<'info>(
    policy: &AccountLoader<'info, Policy>,
    escrow: &AccountLoader<'info, Escrow>,
    escrow_vault: &InterfaceAccount<'info, TokenAccount>,
    vault: &InterfaceAccount<'info, TokenAccount>,
    mint: &InterfaceAccount<'info, Mint>,
    token_program: &Interface<'info, TokenInterface>,
    charged_at: i64,
    amount: u64,
    now: i64,
) -> Result<(u64, u64, u64)> {
    let (spent_24h, spent_30d) = credit_spend(&mut *policy.load_mut()?, charged_at, amount, now)?;
    transfer_from_escrow(
        escrow,
        escrow_vault,
        mint,
        &vault.to_account_info(),
        token_program,
        amount,
    )?;
    let vault_balance = vault
        .amount
        .checked_add(amount)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    Ok((spent_24h, spent_30d, vault_balance))
}

/// Whether the escrow's `depends_on` (if any) is Released. `upstream` is
/// the optional account the caller was given; naming the wrong account is an
/// error, omitting it when a dependency exists reads as "not released".
pub fn dependency_released(
    escrow: &Escrow,
    upstream: Option<&AccountLoader<'_, Escrow>>,
) -> Result<bool> {
    let Some(required) = escrow.depends_on() else {
        return Ok(true);
    };
    let Some(upstream) = upstream else {
        return Ok(false);
    };
    require_keys_eq!(upstream.key(), required, EscrowError::InvalidDependency);
    let upstream = upstream.load()?;
    Ok(upstream.state()? == EscrowState::Released)
}

/// The accounts a payout touches, already validated by the caller's
/// `#[derive(Accounts)]` (escrow belongs to policy, vault is the escrow's,
/// destination is a token account of the provider in the policy's mint).
pub struct Payout<'a, 'info> {
    pub policy: &'a AccountLoader<'info, Policy>,
    pub escrow: &'a AccountLoader<'info, Escrow>,
    pub vault: &'a InterfaceAccount<'info, TokenAccount>,
    pub destination: &'a InterfaceAccount<'info, TokenAccount>,
    pub mint: &'a InterfaceAccount<'info, Mint>,
    pub token_program: &'a Interface<'info, TokenInterface>,
}

impl Payout<'_, '_> {
    /// Marks the escrow Released, moves its whole amount from the escrow vault
    /// to the provider, updates the policy's counters and emits
    /// [`EscrowReleased`].
    pub fn release(&self, released_by: Pubkey, now: i64) -> Result<()> {
        let (policy_key, amount, tier, provider) = {
            let mut escrow = self.escrow.load_mut()?;
            escrow.state = EscrowState::Released as u8;
            escrow.settled_at = now;
            (escrow.policy, escrow.amount, escrow.tier, escrow.provider)
        };
        {
            let mut policy = self.policy.load_mut()?;
            policy.total_released = policy
                .total_released
                .checked_add(amount)
                .ok_or(EscrowError::ArithmeticOverflow)?;
        }
        transfer_from_escrow(
            self.escrow,
            self.vault,
            self.mint,
            &self.destination.to_account_info(),
            self.token_program,
            amount,
        )?;
        emit!(EscrowReleased {
            policy: policy_key,
            escrow: self.escrow.key(),
            provider,
            amount,
            tier: tier_from_u8(tier)?,
            released_by,
            state: EscrowState::Released,
        });
        Ok(())
    }
}

/// Decodes a stored tier byte.
pub fn tier_from_u8(value: u8) -> Result<ReleaseTier> {
    match value {
        0 => Ok(ReleaseTier::Instant),
        1 => Ok(ReleaseTier::Delay),
        2 => Ok(ReleaseTier::Approval),
        _ => err!(EscrowError::InvalidEscrowState),
    }
}
