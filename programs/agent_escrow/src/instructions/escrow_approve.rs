//! `escrow_approve`: the owner releases an approval-tier escrow after proof.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{
    error::EscrowError,
    escrow_funds::{dependency_released, tier_from_u8, Payout},
    state::{Escrow, EscrowState, Policy, ReleaseTier},
};

/// Accounts, in order:
/// 0. `[signer]` owner.
/// 1. `[writable]` policy.
/// 2. `[writable]` escrow.
/// 3. `[writable]` escrow vault.
/// 4. `[writable]` provider token account (owner = escrow.provider, mint = policy mint)
/// 5. `[]` mint.
/// 6. `[]` token program.
/// 7. `[]` depends_on escrow (optional: pass the program id for none).
#[derive(Accounts)]
pub struct EscrowApprove<'info> {
    pub owner: Signer<'info>,

    #[account(mut, has_one = owner, has_one = mint)]
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

/// Releases when state = ProofSubmitted, tier = Approval and the dependency
/// (if any) is Released.
pub fn escrow_approve(ctx: Context<EscrowApprove>) -> Result<()> {
    let accounts = &ctx.accounts;
    {
        let escrow = accounts.escrow.load()?;
        require!(
            escrow.state()? == EscrowState::ProofSubmitted,
            EscrowError::InvalidEscrowState
        );
        require!(
            tier_from_u8(escrow.tier)? == ReleaseTier::Approval,
            EscrowError::NotApprovalTier
        );
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
    .release(accounts.owner.key(), Clock::get()?.unix_timestamp)
}
