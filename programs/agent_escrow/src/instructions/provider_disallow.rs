//! `provider_disallow`: the owner removes a provider from the allowlist
//! (closes its PDA; rent back to the owner).

use anchor_lang::prelude::*;

use crate::{
    events::ProviderDisallowed,
    state::{AllowEntry, Policy},
};

/// Accounts, in order:
/// 0. `[signer, writable]` owner (receives the rent).
/// 1. `[]` policy.
/// 2. `[writable]` allowlist entry (closed).
#[derive(Accounts)]
pub struct ProviderDisallow<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,

    #[account(has_one = owner)]
    pub policy: AccountLoader<'info, Policy>,

    #[account(mut, has_one = policy, close = owner)]
    pub allow_entry: Account<'info, AllowEntry>,
}

pub fn provider_disallow(ctx: Context<ProviderDisallow>) -> Result<()> {
    emit!(ProviderDisallowed {
        policy: ctx.accounts.policy.key(),
        provider: ctx.accounts.allow_entry.provider,
    });
    Ok(())
}
