//! `escrow_veto_offchain`: anyone submits the owner's signed off-chain
//! message (see [`crate::offchain`]) that vetoes a proven delay-tier escrow;
//! it goes to the arbiter (Disputed) as by `escrow_veto`.

use anchor_lang::prelude::*;

use crate::{
    events::OwnerMessageAccepted,
    offchain::OwnerAction,
    state::{Escrow, Policy},
};

use super::{escrow_approve_offchain::owner_consent, escrow_veto::veto};

/// Accounts, in order:
/// 0. `[signer]` submitter (any key; recorded in OwnerMessageAccepted).
/// 1. `[]` policy.
/// 2. `[writable]` escrow.
/// 3. `[]` instructions sysvar (`Sysvar1nstructions1111111111111111111111111`).
///
/// The same transaction carries an ed25519 instruction with the owner's
/// signature over the envelope for [`OwnerAction::VetoRelease`] and
/// `expires_at`.
#[derive(Accounts)]
pub struct EscrowVetoOffchain<'info> {
    pub submitter: Signer<'info>,

    pub policy: AccountLoader<'info, Policy>,

    #[account(mut, has_one = policy)]
    pub escrow: AccountLoader<'info, Escrow>,

    /// CHECK: the instructions sysvar (address constraint).
    #[account(address = solana_instructions_sysvar::ID)]
    pub instructions_sysvar: UncheckedAccount<'info>,
}

/// Checks `now < expires_at` and the owner's message, then vetoes as
/// `escrow_veto` does (ProofSubmitted, delay tier -> Disputed), emitting
/// OwnerMessageAccepted then EscrowDisputed (`by` = the owner, `veto`).
pub fn escrow_veto_offchain(ctx: Context<EscrowVetoOffchain>, expires_at: i64) -> Result<()> {
    let accounts = &ctx.accounts;
    let owner = owner_consent(
        &accounts.policy,
        &accounts.escrow,
        &accounts.instructions_sysvar,
        OwnerAction::VetoRelease,
        expires_at,
    )?;
    emit!(OwnerMessageAccepted {
        policy: accounts.policy.key(),
        escrow: accounts.escrow.key(),
        owner,
        action: OwnerAction::VetoRelease,
        expires_at,
        submitted_by: accounts.submitter.key(),
    });
    veto(&accounts.escrow, owner)
}
