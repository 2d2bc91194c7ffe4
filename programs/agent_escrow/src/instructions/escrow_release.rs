//! `escrow_release`: anyone pays out a proven escrow whose wait is over:
//! delay tier once `delay_seconds` after the proof have passed, instant tier
//! whose dependency was not yet Released at proof time.

use anchor_lang::prelude::*;

use crate::{
    error::EscrowError,
    settle::{
        check_escrow_accounts, check_token_program, dependency, dependency_released, escrow_keys,
        tier_from_u8, Payout,
    },
    state::{Escrow, EscrowState, Policy, ReleaseTier},
};

/// Accounts, in order:
/// 0. `[signer]` cranker (anyone).
/// 1. `[writable]` policy.
/// 2. `[writable]` policy vault.
/// 3. `[writable]` escrow.
/// 4. `[writable]` provider token account (owner = escrow.provider, mint = policy mint).
/// 5. `[writable]` rent payer (escrow.rent_payer).
/// 6. `[]` mint.
/// 7. `[]` token program.
/// 8. `[writable]` depends_on escrow (optional: pass the program id for none).
#[derive(Accounts)]
pub struct EscrowRelease<'info> {
    pub cranker: Signer<'info>,

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

/// Releases when state = ProofSubmitted, the dependency (if any) is
/// Released, and: tier = Delay with now >= proof time + delay (seconds),
/// or tier = Instant. Approval tier: `NotDelayTier`.
pub fn escrow_release(ctx: Context<EscrowRelease>) -> Result<()> {
    crate::cu_trace!("release: handler start");
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
    let (_, depends_on) = escrow_keys(&accounts.escrow)?;
    let upstream = dependency(depends_on, accounts.depends_on.as_ref())?;
    {
        let escrow = accounts.escrow.load()?;
        require!(
            escrow.state()? == EscrowState::ProofSubmitted,
            EscrowError::InvalidEscrowState
        );
        match tier_from_u8(escrow.tier)? {
            ReleaseTier::Approval => return err!(EscrowError::NotDelayTier),
            ReleaseTier::Instant => {}
            ReleaseTier::Delay => {
                let delay = accounts.policy.load()?.delay_seconds;
                let releasable_at = escrow
                    .state_at
                    .checked_add(delay)
                    .ok_or(EscrowError::ArithmeticOverflow)?;
                if now < releasable_at {
                    msg!("now {} < releasable_at {}", now, releasable_at);
                    return err!(EscrowError::DelayNotElapsed);
                }
            }
        }
    }
    require!(
        dependency_released(upstream)?,
        EscrowError::DependencyNotReleased
    );
    crate::cu_trace!("release: checks done");
    let payout = Payout {
        policy: &accounts.policy,
        vault: &accounts.vault,
        escrow: &accounts.escrow,
        provider_token: &accounts.provider_token,
        rent_payer: &accounts.rent_payer,
        mint: &accounts.mint,
        token_program: &accounts.token_program,
        upstream,
    };
    payout.release(accounts.cranker.key(), now)
}
