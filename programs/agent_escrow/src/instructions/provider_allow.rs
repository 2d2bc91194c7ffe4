//! `provider_allow`: the owner adds a provider to the allowlist
//! (PDA `["allow", policy, provider]`).

use anchor_lang::prelude::*;

use crate::{
    constants::{ACCOUNT_VERSION, ALLOW_SEED},
    create::create_pda_account,
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

    /// CHECK: the PDA `["allow", policy, provider]` (checked by `seeds`),
    /// created here; `AccountAlreadyInUse` from the System Program if the
    /// provider is listed already.
    #[account(
        mut,
        seeds = [ALLOW_SEED, policy.key().as_ref(), provider.as_ref()],
        bump,
    )]
    pub allow_entry: UncheckedAccount<'info>,

    pub system_program: Program<'info, System>,
}

pub fn provider_allow(ctx: Context<ProviderAllow>, provider: Pubkey) -> Result<()> {
    let accounts = &ctx.accounts;
    let policy = accounts.policy.key();
    let bump = ctx.bumps.allow_entry;
    let seeds: &[&[u8]] = &[
        ALLOW_SEED,
        policy.as_ref(),
        provider.as_ref(),
        core::slice::from_ref(&bump),
    ];
    create_pda_account(
        &accounts.owner,
        &accounts.allow_entry,
        &accounts.system_program,
        8 + AllowEntry::INIT_SPACE,
        &crate::ID,
        seeds,
    )?;
    let entry = AllowEntry {
        policy,
        provider,
        version: ACCOUNT_VERSION,
        bump,
    };
    let info = accounts.allow_entry.to_account_info();
    let mut data = info.try_borrow_mut_data()?;
    let mut writer: &mut [u8] = &mut data;
    entry.try_serialize(&mut writer)?;
    emit!(ProviderAllowed { policy, provider });
    Ok(())
}
