//! `escrow_submit_proof`: the provider records the hash of its deliverable;
//! instant-tier escrows are paid in the same instruction.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{
    error::EscrowError,
    events::ProofSubmitted,
    release::{tier_from_u8, Payout},
    state::{Escrow, EscrowState, Policy, ReleaseTier},
};

/// Accounts, in order:
/// 0. `[signer]` provider.
/// 1. `[writable]` policy.
/// 2. `[writable]` escrow.
/// 3. `[writable]` escrow vault.
/// 4. `[writable]` provider token account (owner = provider, mint = policy mint; paid only in the instant tier)
/// 5. `[]` mint.
/// 6. `[]` token program.
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
}

/// Records `proof_hash` (sha256 of the deliverable, not all zeros) while
/// now < deadline; releases at once when the escrow is in the instant tier.
pub fn escrow_submit_proof(ctx: Context<EscrowSubmitProof>, proof_hash: [u8; 32]) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    require!(proof_hash != [0u8; 32], EscrowError::ZeroHash);
    let accounts = &ctx.accounts;
    let tier = {
        let mut escrow = accounts.escrow.load_mut()?;
        require!(
            escrow.state()? == EscrowState::Funded,
            EscrowError::InvalidEscrowState
        );
        if now >= escrow.deadline {
            msg!("now {} >= deadline {}", now, escrow.deadline);
            return err!(EscrowError::DeadlinePassed);
        }
        escrow.proof_hash = proof_hash;
        escrow.proof_submitted_at = now;
        escrow.state = EscrowState::ProofSubmitted as u8;
        tier_from_u8(escrow.tier)?
    };
    emit!(ProofSubmitted {
        policy: accounts.policy.key(),
        escrow: accounts.escrow.key(),
        provider: accounts.provider.key(),
        proof_hash,
        state: EscrowState::ProofSubmitted,
    });

    if tier == ReleaseTier::Instant {
        Payout {
            policy: &accounts.policy,
            escrow: &accounts.escrow,
            vault: &accounts.vault,
            destination: &accounts.provider_token,
            mint: &accounts.mint,
            token_program: &accounts.token_program,
        }
        .release(accounts.provider.key())?;
    }
    Ok(())
}
