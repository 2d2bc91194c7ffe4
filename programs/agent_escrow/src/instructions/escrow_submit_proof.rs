//! `escrow_submit_proof`: the provider records the hash of its deliverable;
//! instant-tier escrows are paid in the same instruction.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{
    attestation::{attestation_message, verify_attestation},
    error::EscrowError,
    escrow_funds::{dependency_released, tier_from_u8, Payout},
    events::ProofSubmitted,
    state::{Escrow, EscrowState, Policy, ReleaseTier},
};

/// Accounts, in order:
/// 0. `[signer]` provider.
/// 1. `[writable]` policy.
/// 2. `[writable]` escrow.
/// 3. `[writable]` escrow vault.
/// 4. `[writable]` provider token account (owner = provider, mint = policy
///    mint; paid only in the instant tier).
/// 5. `[]` mint.
/// 6. `[]` token program.
/// 7. `[]` instructions sysvar (read when the escrow names a verifier).
/// 8. `[]` depends_on escrow (optional: pass the program id for none).
#[derive(Accounts)]
pub struct EscrowSubmitProof<'info> {
    pub provider: Signer<'info>,

    #[account(mut, has_one = mint)]
    pub policy: AccountLoader<'info, Policy>,

    #[account(mut, has_one = policy, has_one = provider, has_one = vault)]
    pub escrow: AccountLoader<'info, Escrow>,

    /// Escrow vault; checked by `has_one = vault` on the escrow.
    #[account(mut)]
    pub vault: InterfaceAccount<'info, TokenAccount>,

    #[account(mut, token::mint = mint, token::authority = provider, token::token_program = token_program)]
    pub provider_token: InterfaceAccount<'info, TokenAccount>,

    pub mint: InterfaceAccount<'info, Mint>,

    pub token_program: Interface<'info, TokenInterface>,

    /// CHECK: the address is the instructions sysvar; parsed by `verify_attestation`.
    #[account(address = solana_instructions_sysvar::ID)]
    pub instructions_sysvar: UncheckedAccount<'info>,

    pub depends_on: Option<AccountLoader<'info, Escrow>>,
}

/// Records `proof_hash` (sha256 of the deliverable, not all zeros) while
/// now < deadline. When the escrow names a verifier, the transaction must
/// carry the verifier's ed25519 attestation (see `attestation`). Instant-tier
/// escrows are released at once if their dependency (if any) is Released;
/// otherwise `escrow_release` pays them later.
pub fn escrow_submit_proof(ctx: Context<EscrowSubmitProof>, proof_hash: [u8; 32]) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    require!(proof_hash != [0u8; 32], EscrowError::ZeroHash);
    let accounts = &ctx.accounts;
    let (tier, ready) = {
        let mut escrow = accounts.escrow.load_mut()?;
        require!(
            escrow.state()? == EscrowState::Funded,
            EscrowError::InvalidEscrowState
        );
        if now >= escrow.deadline {
            msg!("now {} >= deadline {}", now, escrow.deadline);
            return err!(EscrowError::DeadlinePassed);
        }
        if let Some(verifier) = escrow.verifier() {
            let expected = attestation_message(
                &crate::ID,
                &accounts.escrow.key(),
                &escrow.provider,
                &accounts.mint.key(),
                escrow.amount,
                &proof_hash,
            );
            verify_attestation(&accounts.instructions_sysvar, &verifier, &expected)?;
        }
        escrow.proof_hash = proof_hash;
        escrow.proof_submitted_at = now;
        escrow.state = EscrowState::ProofSubmitted as u8;
        (
            tier_from_u8(escrow.tier)?,
            dependency_released(&escrow, accounts.depends_on.as_ref())?,
        )
    };
    emit!(ProofSubmitted {
        policy: accounts.policy.key(),
        escrow: accounts.escrow.key(),
        provider: accounts.provider.key(),
        proof_hash,
        state: EscrowState::ProofSubmitted,
    });

    if tier == ReleaseTier::Instant && ready {
        Payout {
            policy: &accounts.policy,
            escrow: &accounts.escrow,
            vault: &accounts.vault,
            destination: &accounts.provider_token,
            mint: &accounts.mint,
            token_program: &accounts.token_program,
        }
        .release(accounts.provider.key(), now)?;
    }
    Ok(())
}
