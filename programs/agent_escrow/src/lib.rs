//! agent-escrow: policy-bounded USDC escrows between autonomous agents.
//!
//! An owner funds a [`state::Policy`] (PDA vault, per-escrow cap, rolling
//! 24 h / 30 day caps, release tiers) for an agent key; the agent locks
//! payments in [`state::Escrow`] PDAs; providers are paid on proof, after a
//! delay, or on the owner's approval; unproven escrows refund after their
//! deadline. Every state change emits an event (see [`events`]).
//!
//! On-chain code never panics (a panic aborts without a message on the
//! registry-built toolchain): all arithmetic is checked and returns
//! [`error::EscrowError`].
#![deny(clippy::arithmetic_side_effects)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod constants;
pub mod error;
pub mod events;
pub mod instructions;
mod release;
pub mod state;
mod transfer;

use instructions::*;

// mem* (sol_memcpy etc.) for the registry-only SBF route; see Cargo.toml.
#[cfg(target_arch = "bpf")]
use solana_compiler_builtins as _;

declare_id!("6WCrJapNRPDTXtKHmMkbSTNbvKW3W1br8HvdvJCZqPGj");

#[program]
pub mod agent_escrow {
    use super::*;

    /// Owner creates a policy (and its vault) for an agent over one mint.
    pub fn policy_create(ctx: Context<PolicyCreate>, args: PolicyCreateArgs) -> Result<()> {
        instructions::policy_create::policy_create(ctx, args)
    }

    /// Anyone deposits `amount` base units into a policy vault.
    pub fn policy_deposit(ctx: Context<PolicyDeposit>, amount: u64) -> Result<()> {
        instructions::policy_deposit::policy_deposit(ctx, amount)
    }

    /// Agent locks budget in a new escrow, within the policy's limits.
    pub fn escrow_create(ctx: Context<EscrowCreate>, args: EscrowCreateArgs) -> Result<()> {
        instructions::escrow_create::escrow_create(ctx, args)
    }

    /// Provider records its proof; instant-tier escrows are paid at once.
    pub fn escrow_submit_proof(
        ctx: Context<EscrowSubmitProof>,
        proof_hash: [u8; 32],
    ) -> Result<()> {
        instructions::escrow_submit_proof::escrow_submit_proof(ctx, proof_hash)
    }

    /// Anyone releases a delay-tier escrow once the delay after proof has passed.
    pub fn escrow_release(ctx: Context<EscrowRelease>) -> Result<()> {
        instructions::escrow_release::escrow_release(ctx)
    }

    /// Owner releases an approval-tier escrow after proof.
    pub fn escrow_approve(ctx: Context<EscrowApprove>) -> Result<()> {
        instructions::escrow_approve::escrow_approve(ctx)
    }

    /// Anyone refunds an unproven escrow to the policy vault after its deadline.
    pub fn escrow_refund(ctx: Context<EscrowRefund>) -> Result<()> {
        instructions::escrow_refund::escrow_refund(ctx)
    }
}
