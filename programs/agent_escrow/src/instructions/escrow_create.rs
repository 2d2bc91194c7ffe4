//! `escrow_create`: the agent locks part of the policy's budget for a task.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::{
    constants::{
        ACCOUNT_VERSION, ESCROW_SEED, ESCROW_VAULT_SEED, MAX_ESCROW_DURATION, POLICY_SEED,
    },
    error::EscrowError,
    events::EscrowCreated,
    state::{AllowEntry, Escrow, EscrowState, Policy},
    transfer::transfer_checked,
};

/// Arguments of `escrow_create`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct EscrowCreateArgs {
    /// Client-chosen id (seeds `["escrow", policy, escrow_id LE]`): a retried
    /// create hits the existing account instead of making a duplicate.
    pub escrow_id: u64,
    /// Who is paid on release.
    pub provider: Pubkey,
    /// Base units to lock; 1..=per_escrow_max.
    pub amount: u64,
    /// sha256 of the task specification (not all zeros).
    pub task_hash: [u8; 32],
    /// Unix seconds; now < deadline <= now + 365 days.
    pub deadline: i64,
    /// Key whose ed25519 attestation escrow_submit_proof will require.
    pub verifier: Option<Pubkey>,
    /// Key that resolves disputes (default: the policy owner).
    pub arbiter: Option<Pubkey>,
    /// An escrow of the same policy that must be Released before this one;
    /// pass it as the `depends_on` account.
    pub depends_on: Option<Pubkey>,
}

/// Accounts, in order:
/// 0. `[signer]` agent.
/// 1. `[signer, writable]` payer (rent for the escrow and its vault; recorded as `rent_payer`)
/// 2. `[writable]` policy.
/// 3. `[writable]` policy vault.
/// 4. `[writable]` escrow PDA (created)
/// 5. `[writable]` escrow vault PDA (created)
/// 6. `[]` mint.
/// 7. `[]` token program.
/// 8. `[]` system program.
/// 9. `[]` allowlist entry `["allow", policy, provider]` (optional: pass the
///    program id for none; required when the policy requires the allowlist).
/// 10. `[]` depends_on escrow (optional: required when `args.depends_on` is set).
#[derive(Accounts)]
#[instruction(args: EscrowCreateArgs)]
pub struct EscrowCreate<'info> {
    pub agent: Signer<'info>,

    #[account(mut)]
    pub payer: Signer<'info>,

    #[account(mut, has_one = agent, has_one = vault, has_one = mint)]
    pub policy: AccountLoader<'info, Policy>,

    /// Policy vault; checked by `has_one = vault` on the policy.
    #[account(mut)]
    pub vault: InterfaceAccount<'info, TokenAccount>,

    #[account(
        init,
        payer = payer,
        space = Escrow::LEN,
        seeds = [ESCROW_SEED, policy.key().as_ref(), &args.escrow_id.to_le_bytes()],
        bump,
    )]
    pub escrow: AccountLoader<'info, Escrow>,

    #[account(
        init,
        payer = payer,
        seeds = [ESCROW_VAULT_SEED, escrow.key().as_ref()],
        bump,
        token::mint = mint,
        token::authority = escrow,
        token::token_program = token_program,
    )]
    pub escrow_vault: InterfaceAccount<'info, TokenAccount>,

    pub mint: InterfaceAccount<'info, Mint>,

    pub token_program: Interface<'info, TokenInterface>,

    pub system_program: Program<'info, System>,

    pub allow_entry: Option<Account<'info, AllowEntry>>,

    pub depends_on: Option<AccountLoader<'info, Escrow>>,
}

pub fn escrow_create(ctx: Context<EscrowCreate>, args: EscrowCreateArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &ctx.accounts;
    let policy_key = accounts.policy.key();
    let mut policy = accounts.policy.load_mut()?;

    if policy.paused != 0 {
        return err!(EscrowError::PolicyPaused);
    }
    if policy.expires_at != 0 && now >= policy.expires_at {
        msg!("now {} >= expires_at {}", now, policy.expires_at);
        return err!(EscrowError::PolicyExpired);
    }
    require!(args.amount > 0, EscrowError::ZeroAmount);
    if args.amount > policy.per_escrow_max {
        msg!(
            "amount {} > per_escrow_max {}",
            args.amount,
            policy.per_escrow_max
        );
        return err!(EscrowError::PerEscrowCapExceeded);
    }
    let latest_deadline = now
        .checked_add(MAX_ESCROW_DURATION)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    if args.deadline <= now || args.deadline > latest_deadline {
        msg!(
            "deadline {} not in ({}, {}]",
            args.deadline,
            now,
            latest_deadline
        );
        return err!(EscrowError::DeadlineOutOfRange);
    }
    let bad_provider = args.provider == Pubkey::default()
        || args.provider == policy.agent
        || args.provider == policy.owner
        || args.provider == policy_key;
    require!(!bad_provider, EscrowError::InvalidProvider);
    require!(args.task_hash != [0u8; 32], EscrowError::ZeroHash);
    if policy.require_allowlist != 0 {
        let allowed = accounts
            .allow_entry
            .as_ref()
            .is_some_and(|entry| entry.policy == policy_key && entry.provider == args.provider);
        if !allowed {
            msg!("provider {} has no allowlist entry", args.provider);
            return err!(EscrowError::ProviderNotAllowed);
        }
    }
    if let Some(upstream_key) = args.depends_on {
        let upstream = accounts
            .depends_on
            .as_ref()
            .ok_or(EscrowError::InvalidDependency)?;
        require_keys_eq!(upstream.key(), upstream_key, EscrowError::InvalidDependency);
        let upstream = upstream.load()?;
        let open = matches!(
            upstream.state()?,
            EscrowState::Funded
                | EscrowState::ProofSubmitted
                | EscrowState::Disputed
                | EscrowState::Released
        );
        require!(
            upstream.policy == policy_key && open,
            EscrowError::InvalidDependency
        );
    }
    if accounts.vault.amount < args.amount {
        msg!(
            "vault balance {} < amount {}",
            accounts.vault.amount,
            args.amount
        );
        return err!(EscrowError::InsufficientBudget);
    }

    let vault_balance = accounts
        .vault
        .amount
        .checked_sub(args.amount)
        .ok_or(EscrowError::InsufficientBudget)?;
    let (spent_24h, spent_30d) = policy.charge(now, args.amount)?;
    let tier = policy.tier_for(args.amount);
    policy.total_escrowed = policy
        .total_escrowed
        .checked_add(args.amount)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    policy.escrows_created = policy
        .escrows_created
        .checked_add(1)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    let release_delay = policy.delay_seconds;
    let decimals = policy.decimals;
    let (owner, seed_agent, mint, bump) =
        (policy.owner, policy.seed_agent, policy.mint, policy.bump);
    // The CPI borrows the policy account (its authority); release ours first.
    drop(policy);
    let seeds: &[&[u8]] = &[
        POLICY_SEED,
        owner.as_ref(),
        seed_agent.as_ref(),
        mint.as_ref(),
        core::slice::from_ref(&bump),
    ];
    transfer_checked(
        &accounts.token_program.to_account_info(),
        &accounts.vault.to_account_info(),
        &accounts.mint.to_account_info(),
        &accounts.escrow_vault.to_account_info(),
        &accounts.policy.to_account_info(),
        &[seeds],
        args.amount,
        decimals,
    )?;

    let mut escrow = accounts.escrow.load_init()?;
    escrow.policy = policy_key;
    escrow.provider = args.provider;
    escrow.vault = accounts.escrow_vault.key();
    escrow.rent_payer = accounts.payer.key();
    escrow.task_hash = args.task_hash;
    escrow.escrow_id = args.escrow_id;
    escrow.amount = args.amount;
    escrow.created_at = now;
    escrow.deadline = args.deadline;
    escrow.release_delay = release_delay;
    escrow.verifier = args.verifier.unwrap_or_default();
    escrow.arbiter = args.arbiter.unwrap_or_default();
    escrow.depends_on = args.depends_on.unwrap_or_default();
    escrow.version = ACCOUNT_VERSION;
    escrow.bump = ctx.bumps.escrow;
    escrow.vault_bump = ctx.bumps.escrow_vault;
    escrow.state = EscrowState::Funded as u8;
    escrow.tier = tier as u8;

    emit!(EscrowCreated {
        policy: policy_key,
        escrow: accounts.escrow.key(),
        escrow_id: args.escrow_id,
        provider: args.provider,
        amount: args.amount,
        tier,
        deadline: args.deadline,
        task_hash: args.task_hash,
        spent_24h,
        spent_30d,
        vault_balance,
        state: EscrowState::Funded,
    });
    Ok(())
}
