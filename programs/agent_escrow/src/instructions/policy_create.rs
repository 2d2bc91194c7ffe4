//! `policy_create`: the owner gives an agent a mandate over one mint.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{
    constants::{ACCOUNT_VERSION, POLICY_SEED, POLICY_VAULT_SEED},
    error::EscrowError,
    events::PolicyCreated,
    state::Policy,
};

/// Arguments of `policy_create`. Amounts in base units, times in unix seconds.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct PolicyCreateArgs {
    /// The agent's hot key (part of the policy seeds).
    pub agent: Pubkey,
    /// Largest single escrow; > 0 and <= daily_cap.
    pub per_escrow_max: u64,
    /// Cap on net spend in any 24 h interval; <= monthly_cap.
    pub daily_cap: u64,
    /// Cap on net spend in any 30 day interval.
    pub monthly_cap: u64,
    /// Escrows up to this amount release on proof.
    pub instant_max: u64,
    /// Escrows up to this amount release `delay_seconds` after proof; >= instant_max.
    pub delay_max: u64,
    /// 0..=2_592_000 seconds.
    pub delay_seconds: i64,
    /// 0 (never) or a future unix time.
    pub expires_at: i64,
    /// Escrows may pay only providers with an allowlist entry.
    pub require_allowlist: bool,
}

/// Accounts, in order:
/// 0. `[signer, writable]` owner (pays rent)
/// 1. `[writable]` policy PDA (created)
/// 2. `[]` mint.
/// 3. `[writable]` policy vault PDA (created)
/// 4. `[]` token program (SPL Token or Token-2022, the mint's owner)
/// 5. `[]` system program.
#[derive(Accounts)]
#[instruction(args: PolicyCreateArgs)]
pub struct PolicyCreate<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,

    #[account(
        init,
        payer = owner,
        space = Policy::LEN,
        seeds = [POLICY_SEED, owner.key().as_ref(), args.agent.as_ref(), mint.key().as_ref()],
        bump,
    )]
    pub policy: AccountLoader<'info, Policy>,

    #[account(mint::token_program = token_program)]
    pub mint: InterfaceAccount<'info, Mint>,

    #[account(
        init,
        payer = owner,
        seeds = [POLICY_VAULT_SEED, policy.key().as_ref()],
        bump,
        token::mint = mint,
        token::authority = policy,
        token::token_program = token_program,
    )]
    pub vault: InterfaceAccount<'info, TokenAccount>,

    /// SPL Token or Token-2022 (mint screened by `screen_mint`).
    pub token_program: Interface<'info, TokenInterface>,

    pub system_program: Program<'info, System>,
}

pub fn policy_create(ctx: Context<PolicyCreate>, args: PolicyCreateArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    screen_mint(&ctx.accounts.mint.to_account_info())?;
    if args.expires_at != 0 && args.expires_at <= now {
        msg!("expires_at {} <= now {}", args.expires_at, now);
        return err!(EscrowError::ExpiryInPast);
    }
    let invalid_agent = args.agent == Pubkey::default() || args.agent == ctx.accounts.owner.key();
    if invalid_agent {
        return err!(EscrowError::InvalidAgent);
    }

    let mut policy = ctx.accounts.policy.load_init()?;
    policy.owner = ctx.accounts.owner.key();
    policy.agent = args.agent;
    policy.seed_agent = args.agent;
    policy.require_allowlist = u8::from(args.require_allowlist);
    policy.mint = ctx.accounts.mint.key();
    policy.vault = ctx.accounts.vault.key();
    policy.per_escrow_max = args.per_escrow_max;
    policy.daily_cap = args.daily_cap;
    policy.monthly_cap = args.monthly_cap;
    policy.instant_max = args.instant_max;
    policy.delay_max = args.delay_max;
    policy.delay_seconds = args.delay_seconds;
    policy.expires_at = args.expires_at;
    policy.version = ACCOUNT_VERSION;
    policy.bump = ctx.bumps.policy;
    policy.vault_bump = ctx.bumps.vault;
    policy.decimals = ctx.accounts.mint.decimals;
    policy.validate_limits()?;

    emit!(PolicyCreated {
        policy: ctx.accounts.policy.key(),
        owner: policy.owner,
        agent: policy.agent,
        mint: policy.mint,
        vault: policy.vault,
        per_escrow_max: policy.per_escrow_max,
        daily_cap: policy.daily_cap,
        monthly_cap: policy.monthly_cap,
        instant_max: policy.instant_max,
        delay_max: policy.delay_max,
        delay_seconds: policy.delay_seconds,
        expires_at: policy.expires_at,
    });
    Ok(())
}

/// Token-2022 mint extensions a policy accepts: metadata, groups, close
/// authority and display-only scaling. Everything else is refused, the named
/// hostile ones (permanent delegate, transfer hook, transfer fee, default
/// account state, pausable, non-transferable, confidential transfer / mint-burn)
/// included, and so is any extension type this program does not know.
pub fn screen_mint(mint: &AccountInfo) -> Result<()> {
    use anchor_spl::token_2022::spl_token_2022::{
        extension::{BaseStateWithExtensions, ExtensionType as E, StateWithExtensions},
        state::Mint as MintState,
    };
    if *mint.owner != anchor_spl::token_2022::ID {
        return Ok(());
    }
    let data = mint.try_borrow_data()?;
    let state = StateWithExtensions::<MintState>::unpack(&data)?;
    for extension in state.get_extension_types()? {
        let benign = matches!(
            extension,
            E::MintCloseAuthority
                | E::MetadataPointer
                | E::TokenMetadata
                | E::GroupPointer
                | E::TokenGroup
                | E::GroupMemberPointer
                | E::TokenGroupMember
                | E::InterestBearingConfig
                | E::ScaledUiAmount
        );
        if !benign {
            msg!("mint extension {:?} is refused", extension);
            return err!(EscrowError::HostileMintExtension);
        }
    }
    Ok(())
}
