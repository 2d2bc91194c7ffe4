//! `policy_pause`: the owner, or the agent itself (a kill switch), stops
//! escrow creation. Only the owner resumes (`policy_resume`).

use anchor_lang::prelude::*;

use crate::{error::EscrowError, events::PolicyPaused, state::Policy};

/// Accounts, in order:
/// 0. `[signer]` authority: the policy's owner or agent.
/// 1. `[writable]` policy.
#[derive(Accounts)]
pub struct PolicyPause<'info> {
    pub authority: Signer<'info>,

    #[account(mut)]
    pub policy: AccountLoader<'info, Policy>,
}

/// Sets `paused`; pausing a paused policy succeeds (a kill switch must not fail).
pub fn policy_pause(ctx: Context<PolicyPause>) -> Result<()> {
    let mut policy = ctx.accounts.policy.load_mut()?;
    let by = ctx.accounts.authority.key();
    require!(
        by == policy.owner || by == policy.agent,
        EscrowError::Unauthorized
    );
    policy.paused = 1;
    emit!(PolicyPaused {
        policy: ctx.accounts.policy.key(),
        by
    });
    Ok(())
}
