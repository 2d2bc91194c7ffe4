//! Paying an escrow out to its provider: shared by every release path
//! (instant tier in `escrow_submit_proof`, `escrow_release`, `escrow_approve`).

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{
    constants::ESCROW_SEED,
    error::EscrowError,
    events::EscrowReleased,
    state::{Escrow, EscrowState, Policy, ReleaseTier},
    transfer::transfer_checked,
};

/// The accounts a payout touches, already validated by the caller's
/// `#[derive(Accounts)]` (escrow belongs to policy, vault is the escrow's,
/// destination is a token account of the provider in the policy's mint).
pub struct Payout<'a, 'info> {
    pub policy: &'a AccountLoader<'info, Policy>,
    pub escrow: &'a AccountLoader<'info, Escrow>,
    pub vault: &'a InterfaceAccount<'info, TokenAccount>,
    pub destination: &'a InterfaceAccount<'info, TokenAccount>,
    pub mint: &'a InterfaceAccount<'info, Mint>,
    pub token_program: &'a Interface<'info, TokenInterface>,
}

impl Payout<'_, '_> {
    /// Marks the escrow Released, moves its whole amount from the escrow vault
    /// to the provider (escrow PDA signs), updates the policy's counters and
    /// emits [`EscrowReleased`].
    pub fn release(&self, released_by: Pubkey) -> Result<()> {
        let (policy_key, escrow_id, bump, amount, tier, provider) = {
            let mut escrow = self.escrow.load_mut()?;
            escrow.state = EscrowState::Released as u8;
            (
                escrow.policy,
                escrow.escrow_id,
                escrow.bump,
                escrow.amount,
                escrow.tier,
                escrow.provider,
            )
        };
        {
            let mut policy = self.policy.load_mut()?;
            policy.total_released = policy
                .total_released
                .checked_add(amount)
                .ok_or(EscrowError::ArithmeticOverflow)?;
        }
        let id = escrow_id.to_le_bytes();
        let seeds: &[&[u8]] = &[
            ESCROW_SEED,
            policy_key.as_ref(),
            &id,
            core::slice::from_ref(&bump),
        ];
        transfer_checked(
            &self.token_program.to_account_info(),
            &self.vault.to_account_info(),
            &self.mint.to_account_info(),
            &self.destination.to_account_info(),
            &self.escrow.to_account_info(),
            &[seeds],
            amount,
            self.mint.decimals,
        )?;
        emit!(EscrowReleased {
            policy: policy_key,
            escrow: self.escrow.key(),
            provider,
            amount,
            tier: tier_from_u8(tier)?,
            released_by,
            state: EscrowState::Released,
        });
        Ok(())
    }
}

/// Decodes a stored tier byte.
pub fn tier_from_u8(value: u8) -> Result<ReleaseTier> {
    match value {
        0 => Ok(ReleaseTier::Instant),
        1 => Ok(ReleaseTier::Delay),
        2 => Ok(ReleaseTier::Approval),
        _ => err!(EscrowError::InvalidEscrowState),
    }
}
