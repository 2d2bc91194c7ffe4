//! `provider_allow`: the owner adds a provider to the allowlist
//! (PDA `["allow", policy, provider]`).

use anchor_lang::prelude::*;

use crate::{
    constants::{ACCOUNT_VERSION, ALLOW_SEED},
    events::ProviderAllowed,
    state::{AllowEntry, Policy},
};

/// Accounts, in order:
/// 0. `[signer, writable]` owner (pays rent).
/// 1. `[]` policy.
/// 2. `[writable]` allowlist entry PDA (created).
/// 3. `[]` system program.
#[derive(Accounts)]
#[instruction(provider: Pubkey)]
pub struct ProviderAllow<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,

    #[account(has_one = owner)]
    pub policy: AccountLoader<'info, Policy>,

    #[account(
        init,
        payer = owner,
        space = 8 + AllowEntry::INIT_SPACE,
        seeds = [ALLOW_SEED, policy.key().as_ref(), provider.as_ref()],
        bump,
    )]
    pub allow_entry: Account<'info, AllowEntry>,

    pub system_program: Program<'info, System>,
}

pub fn provider_allow(ctx: Context<ProviderAllow>, provider: Pubkey) -> Result<()> {
    let entry = &mut ctx.accounts.allow_entry;
    entry.policy = ctx.accounts.policy.key();
    entry.provider = provider;
    entry.version = ACCOUNT_VERSION;
    entry.bump = ctx.bumps.allow_entry;
    emit!(ProviderAllowed {
        policy: entry.policy,
        provider
    });
    Ok(())
}
