//! `escrow_resolve`: the arbiter splits a disputed escrow between the
//! provider and the policy vault, in basis points, losing nothing to rounding.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{
    constants::BPS_DENOMINATOR,
    error::EscrowError,
    escrow_funds::{return_to_vault, transfer_from_escrow},
    events::DisputeResolved,
    state::{Escrow, EscrowState, Policy},
};

/// Accounts, in order:
/// 0. `[signer]` arbiter (the escrow's arbiter, or the policy owner if none).
/// 1. `[writable]` policy.
/// 2. `[writable]` policy vault.
/// 3. `[writable]` escrow.
/// 4. `[writable]` escrow vault.
/// 5. `[writable]` provider token account (owner = escrow.provider, mint = policy mint).
/// 6. `[]` mint.
/// 7. `[]` token program.
#[derive(Accounts)]
pub struct EscrowResolve<'info> {
    pub arbiter: Signer<'info>,

    #[account(mut, has_one = vault, has_one = mint)]
    pub policy: AccountLoader<'info, Policy>,

    /// Policy vault; checked by `has_one = vault` on the policy.
    #[account(mut)]
    pub vault: InterfaceAccount<'info, TokenAccount>,

    #[account(mut, has_one = policy, constraint = escrow.load()?.vault == escrow_vault.key() @ EscrowError::VaultMismatch)]
    pub escrow: AccountLoader<'info, Escrow>,

    #[account(mut)]
    pub escrow_vault: InterfaceAccount<'info, TokenAccount>,

    #[account(
        mut,
        token::mint = mint,
        token::token_program = token_program,
        constraint = provider_token.owner == escrow.load()?.provider @ EscrowError::InvalidProvider,
    )]
    pub provider_token: InterfaceAccount<'info, TokenAccount>,

    pub mint: InterfaceAccount<'info, Mint>,

    pub token_program: Interface<'info, TokenInterface>,
}

/// Splits `amount`: the provider gets floor(amount * provider_bps / 10_000),
/// the policy vault the rest (credited back to the spend buckets).
/// `provider_bps` is 0..=10_000.
pub fn escrow_resolve(ctx: Context<EscrowResolve>, provider_bps: u16) -> Result<()> {
    require!(
        provider_bps <= BPS_DENOMINATOR,
        EscrowError::InvalidBasisPoints
    );
    let now = Clock::get()?.unix_timestamp;
    let accounts = &ctx.accounts;
    let (policy_key, amount, created_at) = {
        let mut escrow = accounts.escrow.load_mut()?;
        require!(
            escrow.state()? == EscrowState::Disputed,
            EscrowError::InvalidEscrowState
        );
        let arbiter = match escrow.arbiter() {
            Some(arbiter) => arbiter,
            None => accounts.policy.load()?.owner,
        };
        require_keys_eq!(accounts.arbiter.key(), arbiter, EscrowError::NotArbiter);
        escrow.state = EscrowState::Resolved as u8;
        escrow.settled_at = now;
        escrow.provider_bps = provider_bps;
        (escrow.policy, escrow.amount, escrow.created_at)
    };
    let provider_amount = split(amount, provider_bps)?;
    let refund_amount = amount
        .checked_sub(provider_amount)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    {
        let mut policy = accounts.policy.load_mut()?;
        policy.total_released = policy
            .total_released
            .checked_add(provider_amount)
            .ok_or(EscrowError::ArithmeticOverflow)?;
    }
    transfer_from_escrow(
        &accounts.escrow,
        &accounts.escrow_vault,
        &accounts.mint,
        &accounts.provider_token.to_account_info(),
        &accounts.token_program,
        provider_amount,
    )?;
    // The rest goes back to the vault (a no-op when it is 0).
    return_to_vault(
        &accounts.policy,
        &accounts.escrow,
        &accounts.escrow_vault,
        &accounts.vault,
        &accounts.mint,
        &accounts.token_program,
        created_at,
        refund_amount,
        now,
    )?;
    emit!(DisputeResolved {
        policy: policy_key,
        escrow: accounts.escrow.key(),
        arbiter: accounts.arbiter.key(),
        provider_bps,
        provider_amount,
        refund_amount,
        state: EscrowState::Resolved,
    });
    Ok(())
}

/// floor(amount * bps / 10_000) in u64 without overflow or u128 division:
/// (amount / D) * bps + ((amount % D) * bps) / D, exact for bps <= D.
pub fn split(amount: u64, bps: u16) -> Result<u64> {
    let d = u64::from(BPS_DENOMINATOR);
    let bps = u64::from(bps);
    let high = amount
        .checked_div(d)
        .and_then(|q| q.checked_mul(bps))
        .ok_or(EscrowError::ArithmeticOverflow)?;
    let low = amount
        .checked_rem(d)
        .and_then(|r| r.checked_mul(bps))
        .and_then(|r| r.checked_div(d))
        .ok_or(EscrowError::ArithmeticOverflow)?;
    Ok(high
        .checked_add(low)
        .ok_or(EscrowError::ArithmeticOverflow)?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
mod tests {
    use super::split;

    #[test]
    fn split_matches_u128_floor() {
        for amount in [
            0,
            1,
            9_999,
            10_000,
            10_001,
            123_456_789,
            u64::MAX - 1,
            u64::MAX,
        ] {
            for bps in [0u16, 1, 2_500, 3_333, 5_000, 9_999, 10_000] {
                let exact = (u128::from(amount) * u128::from(bps) / 10_000) as u64;
                assert_eq!(split(amount, bps).unwrap(), exact, "{amount} {bps}");
            }
        }
    }
}
