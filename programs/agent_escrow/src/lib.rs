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

pub mod attestation;
pub mod constants;
pub mod create;
pub mod ed25519;
pub mod error;
pub mod events;
pub mod instructions;
pub mod offchain;
pub mod security;
pub mod settle;
pub mod state;
pub mod transfer;

use instructions::*;

/// The `sol_log_compute_units_` syscall (profiling builds only).
#[cfg(feature = "cu-trace")]
pub fn log_compute_units() {
    #[cfg(target_os = "solana")]
    {
        extern "C" {
            fn sol_log_compute_units_();
        }
        // SAFETY: a syscall without arguments that only writes a log line.
        unsafe { sol_log_compute_units_() }
    }
}

/// Compute-unit trace points for profiling (feature `cu-trace`, never in a
/// deployed build): logs the label and the remaining compute units.
#[macro_export]
macro_rules! cu_trace {
    ($label:literal) => {
        #[cfg(feature = "cu-trace")]
        {
            anchor_lang::prelude::msg!($label);
            $crate::log_compute_units();
        }
    };
}

/// Re-exported so clients name the same instructions sysvar id.
pub use solana_instructions_sysvar;

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

    /// Agent locks part of the policy's free balance in a new escrow, within
    /// the policy's limits.
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

    /// Anyone unlocks an escrow whose time is up: Funded after its deadline,
    /// ProofSubmitted waiting for approval or a dependency after
    /// review_timeout, Disputed after dispute_timeout.
    pub fn escrow_refund(ctx: Context<EscrowRefund>) -> Result<()> {
        instructions::escrow_refund::escrow_refund(ctx)
    }

    /// Owner changes limits, tiers, expiry, allowlist mode or the agent key.
    pub fn policy_update(ctx: Context<PolicyUpdate>, args: PolicyUpdateArgs) -> Result<()> {
        instructions::policy_update::policy_update(ctx, args)
    }

    /// Owner or agent (kill switch) pauses escrow creation.
    pub fn policy_pause(ctx: Context<PolicyPause>) -> Result<()> {
        instructions::policy_pause::policy_pause(ctx)
    }

    /// Owner resumes a paused policy.
    pub fn policy_resume(ctx: Context<PolicyResume>) -> Result<()> {
        instructions::policy_resume::policy_resume(ctx)
    }

    /// Owner withdraws `amount` base units of the free balance.
    pub fn policy_withdraw(ctx: Context<PolicyWithdraw>, amount: u64) -> Result<()> {
        instructions::policy_withdraw::policy_withdraw(ctx, amount)
    }

    /// Owner adds `provider` to the policy's allowlist.
    pub fn provider_allow(ctx: Context<ProviderAllow>, provider: Pubkey) -> Result<()> {
        instructions::provider_allow::provider_allow(ctx, provider)
    }

    /// Owner removes a provider from the allowlist.
    pub fn provider_disallow(ctx: Context<ProviderDisallow>) -> Result<()> {
        instructions::provider_disallow::provider_disallow(ctx)
    }

    /// Owner vetoes a proven delay-tier escrow before release (-> Disputed).
    pub fn escrow_veto(ctx: Context<EscrowVeto>) -> Result<()> {
        instructions::escrow_veto::escrow_veto(ctx)
    }

    /// Agent or owner disputes a proven escrow before release (-> Disputed).
    pub fn escrow_dispute(ctx: Context<EscrowDispute>) -> Result<()> {
        instructions::escrow_dispute::escrow_dispute(ctx)
    }

    /// The policy's arbiter (or its owner) splits a disputed escrow:
    /// `provider_bps` to the provider, the rest back to the free balance.
    pub fn escrow_resolve(ctx: Context<EscrowResolve>, provider_bps: u16) -> Result<()> {
        instructions::escrow_resolve::escrow_resolve(ctx, provider_bps)
    }

    /// Agent and provider cancel an unproven escrow; its amount is free again.
    pub fn escrow_cancel(ctx: Context<EscrowCancel>) -> Result<()> {
        instructions::escrow_cancel::escrow_cancel(ctx)
    }

    /// Anyone closes a settled escrow that was kept for its dependents, once
    /// none is left; rent to its payer. (Others close when they settle.)
    pub fn escrow_close(ctx: Context<EscrowClose>) -> Result<()> {
        instructions::escrow_close::escrow_close(ctx)
    }

    /// Anyone submits the owner's signed off-chain message approving a
    /// proven approval-tier escrow (an ed25519 instruction in the same
    /// transaction; see `offchain`); released as by escrow_approve.
    pub fn escrow_approve_offchain(
        ctx: Context<EscrowApproveOffchain>,
        expires_at: i64,
    ) -> Result<()> {
        instructions::escrow_approve_offchain::escrow_approve_offchain(ctx, expires_at)
    }

    /// Anyone submits the owner's signed off-chain message vetoing a proven
    /// delay-tier escrow (-> Disputed), as by escrow_veto.
    pub fn escrow_veto_offchain(ctx: Context<EscrowVetoOffchain>, expires_at: i64) -> Result<()> {
        instructions::escrow_veto_offchain::escrow_veto_offchain(ctx, expires_at)
    }
}
