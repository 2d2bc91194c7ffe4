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

    /// `dup`: the only mutable `Account` here, so Anchor's duplicate-mutable
    /// check (a HashSet, ~10 KB of binary) has nothing to compare it with.
    #[account(mut, dup, has_one = policy, close = owner)]
    pub allow_entry: Account<'info, AllowEntry>,
}

pub fn provider_disallow(ctx: Context<ProviderDisallow>) -> Result<()> {
    emit!(ProviderDisallowed {
        policy: ctx.accounts.policy.key(),
        provider: ctx.accounts.allow_entry.provider,
    });
    Ok(())
}
