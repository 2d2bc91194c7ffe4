//! `escrow_approve_offchain`: anyone submits the owner's signed off-chain
//! message (see [`crate::offchain`]) that approves a proven approval-tier
//! escrow; the escrow is released as by `escrow_approve`.

use anchor_lang::prelude::*;

use crate::{
    error::EscrowError,
    events::OwnerMessageAccepted,
    offchain::{verify_owner_message, OwnerAction, OwnerMessage},
    settle::Payout,
    state::{Escrow, Policy},
};

use super::escrow_approve::release_approved;

/// Accounts, in order:
/// 0. `[signer]` submitter (any key; recorded in OwnerMessageAccepted).
/// 1. `[writable]` policy.
/// 2. `[writable]` policy vault.
/// 3. `[writable]` escrow.
/// 4. `[writable]` provider token account (owner = escrow.provider, mint = policy mint).
/// 5. `[writable]` rent payer (escrow.rent_payer).
/// 6. `[]` mint.
/// 7. `[]` token program.
/// 8. `[]` instructions sysvar (`Sysvar1nstructions1111111111111111111111111`).
/// 9. `[writable]` depends_on escrow (optional: pass the program id for none).
///
/// The same transaction carries an ed25519 instruction with the owner's
/// signature over the envelope [`OwnerMessage::envelope`] for
/// [`OwnerAction::ApproveRelease`] and `expires_at`.
#[derive(Accounts)]
pub struct EscrowApproveOffchain<'info> {
    pub submitter: Signer<'info>,

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

    /// CHECK: the instructions sysvar (address constraint).
    #[account(address = solana_instructions_sysvar::ID)]
    pub instructions_sysvar: UncheckedAccount<'info>,

    #[account(mut)]
    pub depends_on: Option<AccountLoader<'info, Escrow>>,
}

/// Checks `now < expires_at` (`OwnerMessageExpired`) and the owner's
/// message ([`verify_owner_message`]: the policy's owner over exactly this
/// escrow's amount, mint, provider, address, policy and `expires_at`), then
/// releases as `escrow_approve` does (ProofSubmitted, approval tier,
/// dependency Released), emitting OwnerMessageAccepted then EscrowReleased
/// (`released_by` = the owner).
pub fn escrow_approve_offchain(ctx: Context<EscrowApproveOffchain>, expires_at: i64) -> Result<()> {
    let accounts = &ctx.accounts;
    let owner = owner_consent(
        &accounts.policy,
        &accounts.escrow,
        &accounts.instructions_sysvar,
        OwnerAction::ApproveRelease,
        expires_at,
    )?;
    emit!(OwnerMessageAccepted {
        policy: accounts.policy.key(),
        escrow: accounts.escrow.key(),
        owner,
        action: OwnerAction::ApproveRelease,
        expires_at,
        submitted_by: accounts.submitter.key(),
    });
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
        owner,
    )
}

/// The owner's consent to `action` on `escrow` through a signed off-chain
/// message: `now < expires_at` (`OwnerMessageExpired`, the expiry logged),
/// the escrow belongs to the policy (`ConstraintHasOne`), and the message
/// verifies. The message names the escrow's `state_at` as the proof's
/// time (for an escrow not yet proven that is no proof's time, and the
/// state check that follows refuses it anyway). Returns the owner.
pub(crate) fn owner_consent(
    policy: &AccountLoader<Policy>,
    escrow: &AccountLoader<Escrow>,
    instructions_sysvar: &AccountInfo,
    action: OwnerAction,
    expires_at: i64,
) -> Result<Pubkey> {
    let now = Clock::get()?.unix_timestamp;
    if now >= expires_at {
        msg!("now {} >= expires_at {}", now, expires_at);
        return err!(EscrowError::OwnerMessageExpired);
    }
    let (owner, mint, decimals) = {
        let p = policy.load()?;
        (p.owner, p.mint, p.decimals)
    };
    let (amount, provider, proof_at) = {
        let e = escrow.load()?;
        if e.policy != policy.key() {
            return Err(crate::settle::has_one("escrow", e.policy, policy.key()));
        }
        (e.amount, e.provider, e.state_at)
    };
    let message = OwnerMessage {
        action,
        amount,
        decimals,
        mint,
        provider,
        escrow: escrow.key(),
        policy: policy.key(),
        proof_at,
        expires_at,
    };
    verify_owner_message(instructions_sysvar, &crate::ID, &owner, &message)?;
    Ok(owner)
}
