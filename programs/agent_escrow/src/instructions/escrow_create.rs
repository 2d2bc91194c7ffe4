//! `escrow_create`: the agent locks part of the policy's free balance for
//! a task. No tokens move: the amount stays in the policy vault, counted
//! in `policy.locked` until the escrow settles.

use anchor_lang::prelude::*;

use crate::{
    constants::{ACCOUNT_VERSION, ESCROW_SEED},
    create::create_pda_account,
    error::EscrowError,
    events::EscrowCreated,
    state::{AllowEntry, Escrow, EscrowState, Policy, ReleaseTier, FLAG_DEPENDS_ON, FLAG_VERIFIER},
    transfer::vault_amount,
};

/// Arguments of `escrow_create`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct EscrowCreateArgs {
    /// Id in the seeds `["escrow", policy, escrow_id LE]`: unused, and in
    /// `[next_escrow_id - 256, next_escrow_id + 256)` (see
    /// `Policy::claim_escrow_id`). A retried create of the same id can land
    /// at most once; an id is never used twice.
    pub escrow_id: u64,
    /// Bump of the escrow PDA. The escrow account must not sign the
    /// transaction, so the system program creates it only with the PDA
    /// signature of the seeds with this bump: the address is that PDA, and
    /// the program does no bump search (no compute-unit variance). It does
    /// not insist on the canonical bump: a caller passing another valid
    /// bump creates the escrow at that other address of the same seeds, but
    /// the id is still used once, so there is never a second escrow for it.
    /// Clients pass the canonical bump (`find_program_address`).
    pub bump: u8,
    /// Who is paid on release: not the default key, the agent, the owner,
    /// the policy or its vault.
    pub provider: Pubkey,
    /// Base units to lock; 1..=per_escrow_max and <= the free balance.
    pub amount: u64,
    /// sha256 of the task specification (not all zeros); kept in the event.
    pub task_hash: [u8; 32],
    /// Unix seconds; now < deadline <= now + policy.max_escrow_duration.
    pub deadline: i64,
    /// Key whose ed25519 attestation escrow_submit_proof will require.
    pub verifier: Option<Pubkey>,
    /// An open escrow of the same policy (or a Released one still kept for
    /// its dependents) that must be Released before this one can be paid;
    /// pass it as the `depends_on` account.
    pub depends_on: Option<Pubkey>,
}

/// Accounts, in order:
/// 0. `[signer]` agent.
/// 1. `[signer, writable]` payer (rent for the escrow; recorded as
///    `rent_payer`, which gets it back when the escrow settles).
/// 2. `[writable]` policy.
/// 3. `[]` policy vault (its balance bounds the free balance).
/// 4. `[writable]` escrow PDA (created).
/// 5. `[]` system program.
/// 6. `[]` allowlist entry `["allow", policy, provider]` (optional: pass the
///    program id for none; required when the policy requires the allowlist,
///    and without it `review_unlisted` policies give the approval tier).
/// 7. `[writable]` depends_on escrow (optional: required when
///    `args.depends_on` is set; gains a dependent).
#[derive(Accounts)]
pub struct EscrowCreate<'info> {
    pub agent: Signer<'info>,

    #[account(mut)]
    pub payer: Signer<'info>,

    #[account(mut, has_one = agent, has_one = vault @ EscrowError::VaultMismatch)]
    pub policy: AccountLoader<'info, Policy>,

    /// CHECK: the policy's vault (`has_one = vault`); only its balance is read.
    pub vault: UncheckedAccount<'info>,

    /// The new escrow: the PDA `["escrow", policy, escrow_id (u64 LE)]` with
    /// `args.bump` (clients derive it; the IDL has no seeds for it because
    /// they are checked in the handler, not by a constraint).
    /// CHECK: created here at the PDA `["escrow", policy, escrow_id LE, bump]`:
    /// it must not have signed the transaction (`InvalidEscrowAddress`), so
    /// only the PDA signature from those seeds can create it.
    #[account(mut)]
    pub escrow: UncheckedAccount<'info>,

    pub system_program: Program<'info, System>,

    pub allow_entry: Option<Account<'info, AllowEntry>>,

    #[account(mut)]
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
        .checked_add(policy.max_escrow_duration)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    if args.deadline <= now || args.deadline > latest_deadline {
        msg!(
            "deadline {} not in ({}, {}] (max_escrow_duration {})",
            args.deadline,
            now,
            latest_deadline,
            policy.max_escrow_duration
        );
        return err!(EscrowError::DeadlineOutOfRange);
    }
    let bad_provider = args.provider == Pubkey::default()
        || args.provider == policy.agent
        || args.provider == policy.owner
        || args.provider == policy_key
        || args.provider == policy.vault;
    require!(!bad_provider, EscrowError::InvalidProvider);
    require!(args.task_hash != [0u8; 32], EscrowError::ZeroHash);
    let listed = accounts
        .allow_entry
        .as_ref()
        .is_some_and(|entry| entry.policy == policy_key && entry.provider == args.provider);
    if policy.require_allowlist != 0 && !listed {
        msg!("provider {} has no allowlist entry", args.provider);
        return err!(EscrowError::ProviderNotAllowed);
    }
    if let Some(upstream_key) = args.depends_on {
        let upstream = accounts
            .depends_on
            .as_ref()
            .ok_or(EscrowError::InvalidDependency)?;
        require_keys_eq!(upstream.key(), upstream_key, EscrowError::InvalidDependency);
        let mut upstream = upstream.load_mut()?;
        let usable = matches!(
            upstream.state()?,
            EscrowState::Funded
                | EscrowState::ProofSubmitted
                | EscrowState::Disputed
                | EscrowState::Released
        );
        require!(
            upstream.policy == policy_key && usable,
            EscrowError::InvalidDependency
        );
        upstream.dependents = upstream
            .dependents
            .checked_add(1)
            .ok_or(EscrowError::TooManyDependents)?;
    }
    let balance = vault_amount(&accounts.vault)?;
    let free = policy.free(balance)?;
    if free < args.amount {
        msg!(
            "free balance {} (vault {} - locked {}) < amount {}",
            free,
            balance,
            policy.locked,
            args.amount
        );
        return err!(EscrowError::InsufficientBudget);
    }
    policy.claim_escrow_id(args.escrow_id)?;
    let (spent_24h, spent_30d) = policy.charge(now, args.amount)?;
    let tier = if policy.review_unlisted != 0 && !listed {
        ReleaseTier::Approval
    } else {
        policy.tier_for(args.amount)
    };
    policy.locked = policy
        .locked
        .checked_add(args.amount)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    policy.total_escrowed = policy
        .total_escrowed
        .checked_add(args.amount)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    policy.escrows_created = policy
        .escrows_created
        .checked_add(1)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    let locked = policy.locked;
    drop(policy);

    // Only the PDA's own signature (the seeds below, with the client's
    // bump) may create the escrow. An escrow account that signed the
    // transaction itself could be created at any address (a keypair the
    // agent holds, reusable once closed), so it is refused.
    if accounts.escrow.is_signer {
        msg!(
            "escrow {} signed the transaction: it must be the PDA of escrow_id {}",
            accounts.escrow.key,
            args.escrow_id
        );
        return err!(EscrowError::InvalidEscrowAddress);
    }
    let id = args.escrow_id.to_le_bytes();
    let seeds: &[&[u8]] = &[
        ESCROW_SEED,
        policy_key.as_ref(),
        &id,
        core::slice::from_ref(&args.bump),
    ];
    let space = Escrow::space(args.verifier.is_some(), args.depends_on.is_some());
    create_pda_account(
        &accounts.payer,
        &accounts.escrow,
        &accounts.system_program,
        space,
        &crate::ID,
        seeds,
    )?;

    {
        let info = accounts.escrow.to_account_info();
        let mut data = info.try_borrow_mut_data()?;
        let (disc, rest) = data.split_at_mut(8);
        disc.copy_from_slice(Escrow::DISCRIMINATOR);
        let (fixed, tail) = rest.split_at_mut(core::mem::size_of::<Escrow>());
        let escrow: &mut Escrow = bytemuck::from_bytes_mut(fixed);
        escrow.policy = policy_key;
        escrow.provider = args.provider;
        escrow.rent_payer = accounts.payer.key();
        escrow
            .task_tag
            .copy_from_slice(args.task_hash.get(..8).ok_or(EscrowError::ZeroHash)?);
        escrow.amount = args.amount;
        escrow.created_at = now;
        escrow.deadline = args.deadline;
        escrow.version = ACCOUNT_VERSION;
        escrow.state = EscrowState::Funded as u8;
        escrow.tier = tier as u8;
        let mut at = 0usize;
        for (flag, key) in [
            (FLAG_VERIFIER, args.verifier),
            (FLAG_DEPENDS_ON, args.depends_on),
        ] {
            if let Some(key) = key {
                escrow.flags |= flag;
                let end = at.checked_add(32).ok_or(EscrowError::ArithmeticOverflow)?;
                tail.get_mut(at..end)
                    .ok_or(EscrowError::ArithmeticOverflow)?
                    .copy_from_slice(key.as_ref());
                at = end;
            }
        }
    }

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
        free_balance: free
            .checked_sub(args.amount)
            .ok_or(EscrowError::ArithmeticOverflow)?,
        locked,
        state: EscrowState::Funded,
    });
    Ok(())
}
