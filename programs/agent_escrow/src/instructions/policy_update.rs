//! `policy_update`: the owner changes limits, tiers, timeouts, the arbiter,
//! expiry, allowlist modes or rotates the agent key. Escrows already
//! created keep their tier.

use anchor_lang::prelude::*;

use crate::{error::EscrowError, events::PolicyUpdated, state::Policy};

/// Arguments of `policy_update`: every field is optional; `None` keeps the
/// current value. The result must satisfy the same bounds as policy_create
/// (and the arbiter may never be the agent, before or after a rotation).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyUpdateArgs {
    /// New agent key (rotation); not the owner, not the default key.
    pub agent: Option<Pubkey>,
    pub per_escrow_max: Option<u64>,
    pub daily_cap: Option<u64>,
    pub monthly_cap: Option<u64>,
    pub instant_max: Option<u64>,
    pub delay_max: Option<u64>,
    pub delay_seconds: Option<i64>,
    /// 0 = never; otherwise a future unix time.
    pub expires_at: Option<i64>,
    pub require_allowlist: Option<bool>,
    pub review_unlisted: Option<bool>,
    /// New dispute arbiter (not the agent).
    pub arbiter: Option<Pubkey>,
    /// Seconds, 3,600..=7,776,000.
    pub dispute_timeout: Option<i64>,
    /// Seconds, 3,600..=7,776,000.
    pub review_timeout: Option<i64>,
    /// Seconds, 3,600..=31,536,000.
    pub max_escrow_duration: Option<i64>,
}

/// Accounts, in order:
/// 0. `[signer]` owner.
/// 1. `[writable]` policy.
#[derive(Accounts)]
pub struct PolicyUpdate<'info> {
    pub owner: Signer<'info>,

    #[account(mut, has_one = owner)]
    pub policy: AccountLoader<'info, Policy>,
}

pub fn policy_update(ctx: Context<PolicyUpdate>, args: PolicyUpdateArgs) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let mut policy = ctx.accounts.policy.load_mut()?;
    if let Some(agent) = args.agent {
        require!(
            agent != Pubkey::default() && agent != policy.owner,
            EscrowError::InvalidAgent
        );
        policy.agent = agent;
    }
    if let Some(expires_at) = args.expires_at {
        if expires_at != 0 && expires_at <= now {
            msg!("expires_at {} <= now {}", expires_at, now);
            return err!(EscrowError::ExpiryInPast);
        }
        policy.expires_at = expires_at;
    }
    policy.arbiter = args.arbiter.unwrap_or(policy.arbiter);
    policy.per_escrow_max = args.per_escrow_max.unwrap_or(policy.per_escrow_max);
    policy.daily_cap = args.daily_cap.unwrap_or(policy.daily_cap);
    policy.monthly_cap = args.monthly_cap.unwrap_or(policy.monthly_cap);
    policy.instant_max = args.instant_max.unwrap_or(policy.instant_max);
    policy.delay_max = args.delay_max.unwrap_or(policy.delay_max);
    policy.delay_seconds = args.delay_seconds.unwrap_or(policy.delay_seconds);
    policy.dispute_timeout = args.dispute_timeout.unwrap_or(policy.dispute_timeout);
    policy.review_timeout = args.review_timeout.unwrap_or(policy.review_timeout);
    policy.max_escrow_duration = args
        .max_escrow_duration
        .unwrap_or(policy.max_escrow_duration);
    if let Some(required) = args.require_allowlist {
        policy.require_allowlist = u8::from(required);
    }
    if let Some(review) = args.review_unlisted {
        policy.review_unlisted = u8::from(review);
    }
    policy.validate_limits()?;

    emit!(PolicyUpdated {
        policy: ctx.accounts.policy.key(),
        agent: policy.agent,
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
        require_allowlist: policy.require_allowlist != 0,
        review_unlisted: policy.review_unlisted != 0,
    });
    Ok(())
}
