//! `escrow_submit_proof`: the provider records the hash of its deliverable;
//! instant-tier escrows are paid (and closed) in the same instruction.

use anchor_lang::prelude::*;

use crate::{
    attestation::{attestation_message, verify_attestation},
    error::EscrowError,
    events::ProofSubmitted,
    settle::{
        check_escrow_accounts, check_token_program, dependency, dependency_released, escrow_keys,
        tier_from_u8, Payout,
    },
    state::{Escrow, EscrowState, Policy, ReleaseTier},
};

/// Accounts, in order:
/// 0. `[signer]` provider.
/// 1. `[writable]` policy.
/// 2. `[writable]` policy vault.
/// 3. `[writable]` escrow.
/// 4. `[writable]` provider token account (owner = provider, mint = policy
///    mint; paid only in the instant tier).
/// 5. `[writable]` rent payer (escrow.rent_payer; gets the rent back).
/// 6. `[]` mint.
/// 7. `[]` token program.
/// 8. `[]` instructions sysvar (read when the escrow names a verifier).
/// 9. `[writable]` depends_on escrow (optional: pass the program id for none;
///    required when the escrow has one).
#[derive(Accounts)]
pub struct EscrowSubmitProof<'info> {
    pub provider: Signer<'info>,

    #[account(mut)]
    pub policy: AccountLoader<'info, Policy>,

    /// CHECK: the policy's vault (`check_escrow_accounts`).
    #[account(mut)]
    pub vault: UncheckedAccount<'info>,

    #[account(mut, has_one = provider)]
    pub escrow: AccountLoader<'info, Escrow>,

    /// CHECK: the provider's account in the policy's mint (`check_provider_token`).
    #[account(mut)]
    pub provider_token: UncheckedAccount<'info>,

    /// CHECK: the escrow's rent payer (`check_escrow_accounts`); only receives lamports.
    #[account(mut)]
    pub rent_payer: UncheckedAccount<'info>,

    /// CHECK: the policy's mint (`check_escrow_accounts`).
    pub mint: UncheckedAccount<'info>,

    /// CHECK: must own the mint (`check_token_program`).
    pub token_program: UncheckedAccount<'info>,

    /// CHECK: the address is the instructions sysvar; parsed by `verify_attestation`.
    #[account(address = solana_instructions_sysvar::ID)]
    pub instructions_sysvar: UncheckedAccount<'info>,

    #[account(mut)]
    pub depends_on: Option<AccountLoader<'info, Escrow>>,
}

/// Records `proof_hash` (sha256 of the deliverable, not all zeros) while
/// now < deadline. When the escrow names a verifier, the transaction must
/// carry the verifier's ed25519 attestation (see `attestation`). Instant-tier
/// escrows are released at once if their dependency (if any) is Released;
/// otherwise `escrow_release` pays them later.
pub fn escrow_submit_proof(ctx: Context<EscrowSubmitProof>, proof_hash: [u8; 32]) -> Result<()> {
    crate::cu_trace!("proof: handler start");
    let now = Clock::get()?.unix_timestamp;
    require!(proof_hash != [0u8; 32], EscrowError::ZeroHash);
    let accounts = &ctx.accounts;
    check_escrow_accounts(
        &accounts.policy,
        &accounts.vault,
        Some(&accounts.mint),
        &accounts.escrow,
        &accounts.rent_payer,
    )?;
    check_token_program(&accounts.token_program, &accounts.mint)?;
    let (verifier, depends_on) = escrow_keys(&accounts.escrow)?;
    let upstream = dependency(depends_on, accounts.depends_on.as_ref())?;
    crate::cu_trace!("proof: keys read");
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
        if let Some(verifier) = verifier {
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
        escrow.state_at = now;
        escrow.state = EscrowState::ProofSubmitted as u8;
        tier_from_u8(escrow.tier)?
    };
    crate::cu_trace!("proof: state written");
    emit!(ProofSubmitted {
        policy: accounts.policy.key(),
        escrow: accounts.escrow.key(),
        provider: accounts.provider.key(),
        proof_hash,
        state: EscrowState::ProofSubmitted,
    });

    crate::cu_trace!("proof: event emitted");
    if tier == ReleaseTier::Instant && dependency_released(upstream)? {
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
        payout.release(accounts.provider.key(), now)?;
    }
    Ok(())
}
