//! `policy_resume`: the owner lifts a pause.

use anchor_lang::prelude::*;

use crate::{events::PolicyResumed, state::Policy};

/// Accounts, in order:
/// 0. `[signer]` owner.
/// 1. `[writable]` policy.
#[derive(Accounts)]
pub struct PolicyResume<'info> {
    pub owner: Signer<'info>,

    #[account(mut, has_one = owner)]
    pub policy: AccountLoader<'info, Policy>,
}

pub fn policy_resume(ctx: Context<PolicyResume>) -> Result<()> {
    ctx.accounts.policy.load_mut()?.paused = 0;
    emit!(PolicyResumed {
        policy: ctx.accounts.policy.key()
    });
    Ok(())
}
