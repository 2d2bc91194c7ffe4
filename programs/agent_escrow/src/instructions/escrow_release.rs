//! `escrow_release`: anyone pays out a proven escrow whose wait is over:
//! delay tier once `delay_seconds` after the proof have passed, instant tier
//! whose dependency was not yet Released at proof time.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{
    error::EscrowError,
    escrow_funds::{dependency_released, tier_from_u8, Payout},
    state::{Escrow, EscrowState, Policy, ReleaseTier},
};

/// Accounts, in order:
/// 0. `[signer]` cranker (anyone).
/// 1. `[writable]` policy.
/// 2. `[writable]` escrow.
/// 3. `[writable]` escrow vault.
/// 4. `[writable]` provider token account (owner = escrow.provider, mint = policy mint).
/// 5. `[]` mint.
/// 6. `[]` token program.
/// 7. `[]` depends_on escrow (optional: pass the program id for none).
#[derive(Accounts)]
pub struct EscrowRelease<'info> {
    pub cranker: Signer<'info>,

    #[account(mut, has_one = mint)]
    pub policy: AccountLoader<'info, Policy>,

    #[account(mut, has_one = policy, has_one = vault)]
    pub escrow: AccountLoader<'info, Escrow>,

    /// Escrow vault; checked by `has_one = vault` on the escrow.
    #[account(mut)]
    pub vault: InterfaceAccount<'info, TokenAccount>,

    #[account(
        mut,
        token::mint = mint,
        token::token_program = token_program,
        constraint = provider_token.owner == escrow.load()?.provider @ EscrowError::InvalidProvider,
    )]
    pub provider_token: InterfaceAccount<'info, TokenAccount>,

    pub mint: InterfaceAccount<'info, Mint>,

    pub token_program: Interface<'info, TokenInterface>,

    pub depends_on: Option<AccountLoader<'info, Escrow>>,
}

/// Releases when state = ProofSubmitted, the dependency (if any) is
/// Released, and: tier = Delay with now >= proof_submitted_at + release_delay
/// (seconds), or tier = Instant. Approval tier: `NotDelayTier`.
pub fn escrow_release(ctx: Context<EscrowRelease>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &ctx.accounts;
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
                let releasable_at = escrow
                    .proof_submitted_at
                    .checked_add(escrow.release_delay)
                    .ok_or(EscrowError::ArithmeticOverflow)?;
                if now < releasable_at {
                    msg!("now {} < releasable_at {}", now, releasable_at);
                    return err!(EscrowError::DelayNotElapsed);
                }
            }
        }
        require!(
            dependency_released(&escrow, accounts.depends_on.as_ref())?,
            EscrowError::DependencyNotReleased
        );
    }
    Payout {
        policy: &accounts.policy,
        escrow: &accounts.escrow,
        vault: &accounts.vault,
        destination: &accounts.provider_token,
        mint: &accounts.mint,
        token_program: &accounts.token_program,
    }
    .release(accounts.cranker.key(), now)
}
