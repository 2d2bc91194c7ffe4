//! `escrow_resolve`: the policy's arbiter (set by the owner, never the
//! agent) or the owner splits a disputed escrow between the provider and
//! the policy, in basis points, losing nothing to rounding.

use anchor_lang::prelude::*;

use crate::{
    constants::BPS_DENOMINATOR,
    error::EscrowError,
    events::DisputeResolved,
    settle::{
        check_escrow_accounts, check_provider_token, check_token_program, dependency,
        dependency_released, escrow_keys, finish, pay_from_vault,
    },
    state::{Escrow, EscrowState, Policy},
};

/// Accounts, in order:
/// 0. `[signer]` arbiter (policy.arbiter, or the policy owner).
/// 1. `[writable]` policy.
/// 2. `[writable]` policy vault.
/// 3. `[writable]` escrow.
/// 4. `[writable]` provider token account (owner = escrow.provider, mint = policy mint).
/// 5. `[writable]` rent payer (escrow.rent_payer).
/// 6. `[]` mint.
/// 7. `[]` token program.
/// 8. `[writable]` depends_on escrow (optional: pass the program id for none).
#[derive(Accounts)]
pub struct EscrowResolve<'info> {
    pub arbiter: Signer<'info>,

    #[account(mut)]
    pub policy: AccountLoader<'info, Policy>,

    /// CHECK: the policy's vault (`check_escrow_accounts`).
    #[account(mut)]
    pub vault: UncheckedAccount<'info>,

    #[account(mut)]
    pub escrow: AccountLoader<'info, Escrow>,

    /// CHECK: the provider's account in the policy's mint (`check_provider_token`).
    #[account(mut)]
    pub provider_token: UncheckedAccount<'info>,

    /// CHECK: the escrow's rent payer (`check_escrow_accounts`).
    #[account(mut)]
    pub rent_payer: UncheckedAccount<'info>,

    /// CHECK: the policy's mint (`check_escrow_accounts`).
    pub mint: UncheckedAccount<'info>,

    /// CHECK: must own the mint (`check_token_program`).
    pub token_program: UncheckedAccount<'info>,

    #[account(mut)]
    pub depends_on: Option<AccountLoader<'info, Escrow>>,
}

/// Splits `amount`: the provider gets floor(amount * provider_bps / 10_000),
/// the policy's free balance the rest (credited back to the spend buckets).
/// `provider_bps` is 0..=10_000; a share above 0 needs the dependency (if
/// any) Released, like every other payment to the provider.
pub fn escrow_resolve(ctx: Context<EscrowResolve>, provider_bps: u16) -> Result<()> {
    require!(
        provider_bps <= BPS_DENOMINATOR,
        EscrowError::InvalidBasisPoints
    );
    let now = Clock::get()?.unix_timestamp;
    let accounts = &ctx.accounts;
    check_escrow_accounts(
        &accounts.policy,
        &accounts.vault,
        Some(&accounts.mint),
        &accounts.escrow,
        &accounts.rent_payer,
    )?;
    check_token_program(&accounts.token_program, &accounts.mint)?;
    {
        let policy = accounts.policy.load()?;
        let by = accounts.arbiter.key();
        if by != policy.arbiter && by != policy.owner {
            msg!(
                "signer {} is not the arbiter {} or the owner",
                by,
                policy.arbiter
            );
            return err!(EscrowError::NotArbiter);
        }
    }
    let (_, depends_on) = escrow_keys(&accounts.escrow)?;
    let upstream = dependency(depends_on, accounts.depends_on.as_ref())?;
    if provider_bps > 0 && !dependency_released(upstream)? {
        return err!(EscrowError::DependencyNotReleased);
    }
    let (policy_key, amount, created_at, provider) = {
        let mut escrow = accounts.escrow.load_mut()?;
        require!(
            escrow.state()? == EscrowState::Disputed,
            EscrowError::InvalidEscrowState
        );
        escrow.state = EscrowState::Resolved as u8;
        (
            escrow.policy,
            escrow.amount,
            escrow.created_at,
            escrow.provider,
        )
    };
    let provider_amount = split(amount, provider_bps)?;
    let refund_amount = amount
        .checked_sub(provider_amount)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    if provider_amount > 0 {
        check_provider_token(&accounts.provider_token, accounts.mint.key, &provider)?;
    }
    {
        let mut policy = accounts.policy.load_mut()?;
        policy.unlock(provider_amount)?;
        policy.total_released = policy
            .total_released
            .checked_add(provider_amount)
            .ok_or(EscrowError::ArithmeticOverflow)?;
        if refund_amount > 0 {
            policy.unlock_refund(created_at, refund_amount, now)?;
        }
    }
    pay_from_vault(
        &accounts.policy,
        &accounts.vault,
        &accounts.mint,
        &accounts.provider_token,
        &accounts.token_program,
        provider_amount,
    )?;
    let rent_returned = finish(&accounts.escrow, &accounts.rent_payer, upstream, now)?;
    emit!(DisputeResolved {
        policy: policy_key,
        escrow: accounts.escrow.key(),
        arbiter: accounts.arbiter.key(),
        provider_bps,
        provider_amount,
        refund_amount,
        rent_returned,
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
