//! `escrow_approve`: the owner releases an approval-tier escrow after proof.

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
/// 0. `[signer]` owner.
/// 1. `[writable]` policy.
/// 2. `[writable]` policy vault.
/// 3. `[writable]` escrow.
/// 4. `[writable]` provider token account (owner = escrow.provider, mint = policy mint).
/// 5. `[writable]` rent payer (escrow.rent_payer).
/// 6. `[]` mint.
/// 7. `[]` token program.
/// 8. `[writable]` depends_on escrow (optional: pass the program id for none).
#[derive(Accounts)]
pub struct EscrowApprove<'info> {
    pub owner: Signer<'info>,

    #[account(mut, has_one = owner)]
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

/// Releases when state = ProofSubmitted, tier = Approval and the dependency
/// (if any) is Released.
pub fn escrow_approve(ctx: Context<EscrowApprove>) -> Result<()> {
    let accounts = &ctx.accounts;
    release_approved(
        Payout {
            policy: &accounts.policy,
            vault: &accounts.vault,
            escrow: &accounts.escrow,
            provider_token: &accounts.provider_token,
            rent_payer: &accounts.rent_payer,
            mint: &accounts.mint,
            token_program: &accounts.token_program,
            upstream: accounts.depends_on.as_ref(),
        },
        accounts.owner.key(),
    )
}

/// The release both approval paths share (`escrow_approve`, where the owner
/// signs the transaction, and `escrow_approve_offchain`, where the owner
/// signed a message): checks the accounts (`accounts.upstream` is the
/// depends_on account as passed), that the escrow is ProofSubmitted in the
/// approval tier with its dependency Released, then pays the provider.
pub(crate) fn release_approved(accounts: Payout<'_, '_>, approved_by: Pubkey) -> Result<()> {
    check_escrow_accounts(
        accounts.policy,
        accounts.vault,
        Some(accounts.mint),
        accounts.escrow,
        accounts.rent_payer,
    )?;
    check_token_program(accounts.token_program, accounts.mint)?;
    let (_, depends_on) = escrow_keys(accounts.escrow)?;
    let upstream = dependency(depends_on, accounts.upstream)?;
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
    }
    require!(
        dependency_released(upstream)?,
        EscrowError::DependencyNotReleased
    );
    Payout {
        upstream,
        ..accounts
    }
    .release(approved_by, Clock::get()?.unix_timestamp)
}
