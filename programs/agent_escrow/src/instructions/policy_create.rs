//! `policy_create`: the owner gives an agent a mandate over one mint.

use anchor_lang::prelude::*;

use crate::{
    constants::{
        ACCOUNT_VERSION, DEFAULT_DISPUTE_TIMEOUT, DEFAULT_ESCROW_DURATION, DEFAULT_REVIEW_TIMEOUT,
        POLICY_SEED, POLICY_VAULT_SEED,
    },
    create::create_pda_account,
    error::EscrowError,
    events::PolicyCreated,
    settle::check_token_program,
    state::Policy,
    transfer::{initialize_account3, screen_mint, TOKEN_ACCOUNT_LEN},
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
    /// Escrows to providers without an allowlist entry take the approval tier.
    pub review_unlisted: bool,
    /// Who resolves disputes; `None` = the owner. Never the agent.
    pub arbiter: Option<Pubkey>,
    /// Seconds a dispute waits for the arbiter before anyone may refund it;
    /// `None` = 14 days. 3,600..=7,776,000.
    pub dispute_timeout: Option<i64>,
    /// Seconds a proven escrow waits for approval or its dependency before
    /// anyone may refund it; `None` = 14 days. 3,600..=7,776,000.
    pub review_timeout: Option<i64>,
    /// Longest escrow deadline, seconds after creation; `None` = 30 days.
    /// 3,600..=31,536,000.
    pub max_escrow_duration: Option<i64>,
}

/// Accounts, in order:
/// 0. `[signer, writable]` owner (pays rent)
/// 1. `[writable]` policy PDA (created)
/// 2. `[]` mint (SPL Token, or Token-2022 without a refused extension)
/// 3. `[writable]` policy vault PDA `["policy_vault", policy]` (created)
/// 4. `[]` token program (the mint's owner)
/// 5. `[]` system program.
#[derive(Accounts)]
#[instruction(args: PolicyCreateArgs)]
pub struct PolicyCreate<'info> {
    #[account(mut)]
    pub owner: Signer<'info>,

    /// CHECK: the PDA (checked by `seeds`), created here.
    #[account(
        mut,
        seeds = [POLICY_SEED, owner.key().as_ref(), args.agent.as_ref(), mint.key().as_ref()],
        bump,
    )]
    pub policy: UncheckedAccount<'info>,

    /// CHECK: screened by `screen_mint` (owner, initialized, extensions).
    pub mint: UncheckedAccount<'info>,

    /// CHECK: the PDA is checked by `seeds`; created and initialized here.
    #[account(mut, seeds = [POLICY_VAULT_SEED, policy.key().as_ref()], bump)]
    pub vault: UncheckedAccount<'info>,

    /// CHECK: must own the mint; checked by `check_token_program`.
    pub token_program: UncheckedAccount<'info>,

    pub system_program: Program<'info, System>,
}

pub fn policy_create(ctx: Context<PolicyCreate>, args: PolicyCreateArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &ctx.accounts;
    let decimals = screen_mint(&accounts.mint)?;
    check_token_program(&accounts.token_program, &accounts.mint)?;
    if args.expires_at != 0 && args.expires_at <= now {
        msg!("expires_at {} <= now {}", args.expires_at, now);
        return err!(EscrowError::ExpiryInPast);
    }
    let owner = accounts.owner.key();
    if args.agent == Pubkey::default() || args.agent == owner {
        return err!(EscrowError::InvalidAgent);
    }
    let policy_key = accounts.policy.key();

    // The vault: a token account at its PDA, owned by the policy PDA.
    let vault_seeds: &[&[u8]] = &[
        POLICY_VAULT_SEED,
        policy_key.as_ref(),
        core::slice::from_ref(&ctx.bumps.vault),
    ];
    create_pda_account(
        &accounts.owner,
        &accounts.vault,
        &accounts.system_program,
        TOKEN_ACCOUNT_LEN,
        accounts.token_program.key,
        vault_seeds,
    )?;
    initialize_account3(
        &accounts.token_program,
        &accounts.vault,
        &accounts.mint,
        &policy_key,
    )?;

    let policy_seeds: &[&[u8]] = &[
        POLICY_SEED,
        owner.as_ref(),
        args.agent.as_ref(),
        accounts.mint.key.as_ref(),
        core::slice::from_ref(&ctx.bumps.policy),
    ];
    create_pda_account(
        &accounts.owner,
        &accounts.policy,
        &accounts.system_program,
        Policy::LEN,
        &crate::ID,
        policy_seeds,
    )?;
    let info = accounts.policy.to_account_info();
    let mut data = info.try_borrow_mut_data()?;
    let (disc, body) = data.split_at_mut(8);
    disc.copy_from_slice(Policy::DISCRIMINATOR);
    let policy: &mut Policy = bytemuck::from_bytes_mut(
        body.get_mut(..core::mem::size_of::<Policy>())
            .ok_or(EscrowError::ArithmeticOverflow)?,
    );
    policy.owner = owner;
    policy.agent = args.agent;
    policy.seed_agent = args.agent;
    policy.arbiter = args.arbiter.unwrap_or(owner);
    policy.require_allowlist = u8::from(args.require_allowlist);
    policy.review_unlisted = u8::from(args.review_unlisted);
    policy.mint = accounts.mint.key();
    policy.vault = accounts.vault.key();
    policy.per_escrow_max = args.per_escrow_max;
    policy.daily_cap = args.daily_cap;
    policy.monthly_cap = args.monthly_cap;
    policy.instant_max = args.instant_max;
    policy.delay_max = args.delay_max;
    policy.delay_seconds = args.delay_seconds;
    policy.expires_at = args.expires_at;
    policy.dispute_timeout = args.dispute_timeout.unwrap_or(DEFAULT_DISPUTE_TIMEOUT);
    policy.review_timeout = args.review_timeout.unwrap_or(DEFAULT_REVIEW_TIMEOUT);
    policy.max_escrow_duration = args.max_escrow_duration.unwrap_or(DEFAULT_ESCROW_DURATION);
    policy.version = ACCOUNT_VERSION;
    policy.bump = ctx.bumps.policy;
    policy.vault_bump = ctx.bumps.vault;
    policy.decimals = decimals;
    policy.validate_limits()?;

    emit!(PolicyCreated {
        policy: policy_key,
        owner,
        agent: policy.agent,
        mint: policy.mint,
        vault: policy.vault,
        arbiter: policy.arbiter,
        per_escrow_max: policy.per_escrow_max,
        daily_cap: policy.daily_cap,
        monthly_cap: policy.monthly_cap,
        instant_max: policy.instant_max,
        delay_max: policy.delay_max,
        delay_seconds: policy.delay_seconds,
        expires_at: policy.expires_at,
        dispute_timeout: policy.dispute_timeout,
        review_timeout: policy.review_timeout,
        max_escrow_duration: policy.max_escrow_duration,
        require_allowlist: args.require_allowlist,
        review_unlisted: args.review_unlisted,
    });
    Ok(())
}
