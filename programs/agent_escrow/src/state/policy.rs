//! The agent's mandate: limits, tiers, spend windows and lifetime counters.

use anchor_lang::prelude::*;

use crate::{
    constants::{
        DAILY_BUCKETS, DAY_SECONDS, HOURLY_BUCKETS, HOUR_SECONDS, ID_WINDOW, MAX_ESCROW_DURATION,
        MAX_TIMEOUT_SECONDS, MIN_TIMEOUT_SECONDS,
    },
    error::EscrowError,
    state::spend::{self, SpendBucket},
};

/// Release tier of an escrow, fixed when it is created (byte `tier`).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum ReleaseTier {
    /// amount <= instant_max: released inside escrow_submit_proof.
    Instant,
    /// instant_max < amount <= delay_max: anyone may release delay_seconds after proof.
    Delay,
    /// amount > delay_max: released only by the owner's escrow_approve.
    Approval,
}

/// PDA `["policy", owner, agent, mint]` (agent = `seed_agent`, the key at
/// creation); zero-copy, 8-byte discriminator then this `#[repr(C)]` struct
/// (see `Policy::LEN`). Amounts are base units of `mint` (USDC: 1 USDC =
/// 1_000_000), times are unix seconds.
///
/// Funds: the vault holds `locked` (the sum of open escrows' amounts) plus
/// the free balance (`vault.amount - locked`); only the free balance can be
/// locked by a new escrow or withdrawn by the owner.
#[account(zero_copy)]
#[derive(Debug)]
pub struct Policy {
    /// Root authority (offset 8): signs create/approve; receives withdrawals.
    pub owner: Pubkey,
    /// Hot key allowed to create escrows within the limits (offset 40).
    pub agent: Pubkey,
    /// The one mint this policy pays in (offset 72).
    pub mint: Pubkey,
    /// Policy vault: token account `["policy_vault", policy]` (offset 104).
    pub vault: Pubkey,
    /// The agent key the PDA was derived from (its seeds); differs from
    /// `agent` after a key rotation (offset 136).
    pub seed_agent: Pubkey,
    /// Who resolves disputes (offset 168): set by the owner only (default:
    /// the owner), never the agent. The owner can always resolve as well.
    pub arbiter: Pubkey,
    /// Largest single escrow, base units.
    pub per_escrow_max: u64,
    /// Cap on net spend in any 24 h interval, base units.
    pub daily_cap: u64,
    /// Cap on net spend in any 30 day interval, base units.
    pub monthly_cap: u64,
    /// Escrows up to this amount release on proof, base units.
    pub instant_max: u64,
    /// Escrows up to this amount (and above instant_max) release after the delay.
    pub delay_max: u64,
    /// Seconds after the proof before a delay-tier escrow can be released.
    pub delay_seconds: i64,
    /// Unix time after which no escrow can be created; 0 = never.
    pub expires_at: i64,
    /// Seconds a Disputed escrow waits for the arbiter before anyone may
    /// refund it to the policy ([`crate::constants::MIN_TIMEOUT_SECONDS`]..=
    /// [`crate::constants::MAX_TIMEOUT_SECONDS`]).
    pub dispute_timeout: i64,
    /// Seconds a proven escrow waits for the owner's approval (or for its
    /// dependency) before anyone may refund it to the policy (same bounds).
    pub review_timeout: i64,
    /// Longest deadline an escrow may set, seconds after its creation
    /// (1 h..=365 days).
    pub max_escrow_duration: i64,
    /// Base units locked by open escrows (inside the vault balance).
    pub locked: u64,
    /// Smallest id above every escrow id used so far (see `claim_escrow_id`).
    pub next_escrow_id: u64,
    /// Which ids of `[next_escrow_id - 256, next_escrow_id)` are used: bit
    /// `id % 256` (word `id % 256 / 64`, bit `id % 64`).
    pub used_ids: [u64; 4],
    /// Lifetime base units deposited into the vault.
    pub total_deposited: u64,
    /// Lifetime base units locked in escrows.
    pub total_escrowed: u64,
    /// Lifetime base units paid to providers.
    pub total_released: u64,
    /// Lifetime base units unlocked back into the free balance.
    pub total_refunded: u64,
    /// Lifetime number of escrows created.
    pub escrows_created: u64,
    /// Lifetime base units withdrawn by the owner.
    pub total_withdrawn: u64,
    /// Hourly spend buckets guarding `daily_cap` (see `state::spend`).
    pub hourly: [SpendBucket; HOURLY_BUCKETS as usize],
    /// Daily spend buckets guarding `monthly_cap`.
    pub daily: [SpendBucket; DAILY_BUCKETS as usize],
    /// Layout version ([`crate::constants::ACCOUNT_VERSION`]).
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// Bump of the policy vault PDA.
    pub vault_bump: u8,
    /// 1 = paused: no escrow can be created.
    pub paused: u8,
    /// Mint decimals, cached for transfer_checked.
    pub decimals: u8,
    /// 1 = escrow_create needs the provider's allowlist PDA.
    pub require_allowlist: u8,
    /// 1 = an escrow to a provider without an allowlist entry takes the
    /// approval tier whatever its amount ("new providers: manual review").
    pub review_unlisted: u8,
    /// Reserved, zero.
    pub _reserved: [u8; 1],
}

impl Policy {
    /// Account size in bytes including the 8-byte discriminator.
    pub const LEN: usize = 8 + core::mem::size_of::<Policy>();

    /// The tier an escrow of `amount` base units gets under this policy.
    pub fn tier_for(&self, amount: u64) -> ReleaseTier {
        if amount <= self.instant_max {
            ReleaseTier::Instant
        } else if amount <= self.delay_max {
            ReleaseTier::Delay
        } else {
            ReleaseTier::Approval
        }
    }

    /// Net spend in the 24 h and 30 day windows ending at `now`, base units.
    pub fn spent(&self, now: i64) -> Result<(u64, u64)> {
        Ok((
            spend::window_total(&self.hourly, spend::period_of(now, HOUR_SECONDS)?)?,
            spend::window_total(&self.daily, spend::period_of(now, DAY_SECONDS)?)?,
        ))
    }

    /// Charges `amount` at `now` against both windows, failing with
    /// `DailyCapExceeded` / `MonthlyCapExceeded` (values logged) if a cap would
    /// be passed. Returns the spend in both windows after the charge.
    pub fn charge(&mut self, now: i64, amount: u64) -> Result<(u64, u64)> {
        let (day, month) = self.spent(now)?;
        let day_after = day
            .checked_add(amount)
            .ok_or(EscrowError::ArithmeticOverflow)?;
        if day_after > self.daily_cap {
            msg!(
                "24h spend {} + amount {} > daily_cap {}",
                day,
                amount,
                self.daily_cap
            );
            return err!(EscrowError::DailyCapExceeded);
        }
        let month_after = month
            .checked_add(amount)
            .ok_or(EscrowError::ArithmeticOverflow)?;
        if month_after > self.monthly_cap {
            msg!(
                "30d spend {} + amount {} > monthly_cap {}",
                month,
                amount,
                self.monthly_cap
            );
            return err!(EscrowError::MonthlyCapExceeded);
        }
        spend::charge(
            &mut self.hourly,
            spend::period_of(now, HOUR_SECONDS)?,
            amount,
        )?;
        spend::charge(&mut self.daily, spend::period_of(now, DAY_SECONDS)?, amount)?;
        Ok((day_after, month_after))
    }

    /// Credits `amount` charged at `charged_at` back to whichever of its
    /// buckets are still inside their window.
    pub fn credit(&mut self, charged_at: i64, amount: u64) -> Result<()> {
        spend::credit(
            &mut self.hourly,
            spend::period_of(charged_at, HOUR_SECONDS)?,
            amount,
        )?;
        spend::credit(
            &mut self.daily,
            spend::period_of(charged_at, DAY_SECONDS)?,
            amount,
        )?;
        Ok(())
    }

    /// Free balance: `vault_amount - locked` (what a new escrow may lock and
    /// the owner may withdraw). Tokens sent to the vault from outside simply
    /// raise it. `InsufficientBudget` if the vault holds less than `locked`,
    /// which no instruction of this program can cause.
    pub fn free(&self, vault_amount: u64) -> Result<u64> {
        vault_amount
            .checked_sub(self.locked)
            .ok_or_else(|| error!(EscrowError::InsufficientBudget))
    }

    /// Unlocks `amount` (an escrow left the open states).
    pub fn unlock(&mut self, amount: u64) -> Result<()> {
        self.locked = self
            .locked
            .checked_sub(amount)
            .ok_or(EscrowError::ArithmeticOverflow)?;
        Ok(())
    }

    /// Unlocks `amount` that is going back to the free balance (refund,
    /// cancel, the refunded part of a resolution): credits the spend buckets
    /// it was charged to at `charged_at` (those still inside their window)
    /// and returns the net spend in the 24 h and 30 day windows at `now`.
    pub fn unlock_refund(&mut self, charged_at: i64, amount: u64, now: i64) -> Result<(u64, u64)> {
        self.credit(charged_at, amount)?;
        self.unlock(amount)?;
        self.total_refunded = self
            .total_refunded
            .checked_add(amount)
            .ok_or(EscrowError::ArithmeticOverflow)?;
        self.spent(now)
    }

    /// Marks `id` used, or fails with `EscrowIdUnavailable` if it was used
    /// before or lies outside `[next_escrow_id - 256, next_escrow_id + 256)`.
    /// Ids above `next_escrow_id` move the window up; the ids it leaves
    /// behind can never be used. So no escrow address is ever created twice,
    /// and any attestation or approval made for one escrow can never apply
    /// to another.
    pub fn claim_escrow_id(&mut self, id: u64) -> Result<()> {
        let next = self.next_escrow_id;
        let unavailable = || {
            msg!(
                "escrow_id {} is used or outside [{}, {})",
                id,
                next.saturating_sub(ID_WINDOW),
                next.saturating_add(ID_WINDOW)
            );
            error!(EscrowError::EscrowIdUnavailable)
        };
        if id >= next {
            if id >= next.saturating_add(ID_WINDOW) {
                return Err(unavailable());
            }
            // Ids next..=id enter the window; their slots held ids 256 lower.
            let mut evict = next;
            while evict < id {
                self.set_id_bit(evict, false);
                evict = evict
                    .checked_add(1)
                    .ok_or(EscrowError::ArithmeticOverflow)?;
            }
            self.next_escrow_id = id.checked_add(1).ok_or(EscrowError::ArithmeticOverflow)?;
        } else if next.saturating_sub(id) > ID_WINDOW || self.id_bit(id) {
            return Err(unavailable());
        }
        self.set_id_bit(id, true);
        Ok(())
    }

    fn id_bit(&self, id: u64) -> bool {
        let (word, bit) = id_slot(id);
        self.used_ids.get(word).is_some_and(|w| w & bit != 0)
    }

    fn set_id_bit(&mut self, id: u64, used: bool) {
        let (word, bit) = id_slot(id);
        if let Some(w) = self.used_ids.get_mut(word) {
            if used {
                *w |= bit;
            } else {
                *w &= !bit;
            }
        }
    }

    /// What the policy PDA needs to sign for its vault, copied out of the
    /// account so that it is not borrowed during the transfer CPI.
    pub fn vault_signer(&self) -> VaultSigner {
        VaultSigner {
            owner: self.owner,
            seed_agent: self.seed_agent,
            mint: self.mint,
            bump: self.bump,
            decimals: self.decimals,
        }
    }

    /// Checks the limit invariants every policy must hold.
    pub fn validate_limits(&self) -> Result<()> {
        let ordered = self.per_escrow_max > 0
            && self.per_escrow_max <= self.daily_cap
            && self.daily_cap <= self.monthly_cap
            && self.instant_max <= self.delay_max;
        if !ordered {
            msg!(
                "per_escrow_max {} daily_cap {} monthly_cap {} instant_max {} delay_max {}",
                self.per_escrow_max,
                self.daily_cap,
                self.monthly_cap,
                self.instant_max,
                self.delay_max
            );
            return err!(EscrowError::InvalidPolicyLimits);
        }
        if !(0..=crate::constants::MAX_DELAY_SECONDS).contains(&self.delay_seconds) {
            msg!("delay_seconds {}", self.delay_seconds);
            return err!(EscrowError::DelayOutOfRange);
        }
        let timeouts = MIN_TIMEOUT_SECONDS..=MAX_TIMEOUT_SECONDS;
        if !timeouts.contains(&self.dispute_timeout) || !timeouts.contains(&self.review_timeout) {
            msg!(
                "dispute_timeout {} review_timeout {} not in [{}, {}]",
                self.dispute_timeout,
                self.review_timeout,
                MIN_TIMEOUT_SECONDS,
                MAX_TIMEOUT_SECONDS
            );
            return err!(EscrowError::TimeoutOutOfRange);
        }
        if !(MIN_TIMEOUT_SECONDS..=MAX_ESCROW_DURATION).contains(&self.max_escrow_duration) {
            msg!(
                "max_escrow_duration {} not in [{}, {}]",
                self.max_escrow_duration,
                MIN_TIMEOUT_SECONDS,
                MAX_ESCROW_DURATION
            );
            return err!(EscrowError::TimeoutOutOfRange);
        }
        let agent_arbiter = self.arbiter == self.agent || self.arbiter == Pubkey::default();
        if agent_arbiter {
            msg!(
                "arbiter {} must not be the agent or the default key",
                self.arbiter
            );
            return err!(EscrowError::InvalidArbiter);
        }
        Ok(())
    }
}

/// Word index and bit mask of `id` in `used_ids`.
fn id_slot(id: u64) -> (usize, u64) {
    let slot = id % ID_WINDOW;
    ((slot / 64) as usize, 1u64 << (slot % 64))
}

/// The policy PDA's seeds and the mint's decimals: all a transfer out of
/// the policy vault needs (see `settle::transfer_from_vault`).
#[derive(Clone, Copy, Debug)]
pub struct VaultSigner {
    pub owner: Pubkey,
    pub seed_agent: Pubkey,
    pub mint: Pubkey,
    pub bump: u8,
    pub decimals: u8,
}

impl VaultSigner {
    /// Signer seeds of the policy PDA: `["policy", owner, seed_agent, mint, bump]`.
    pub fn seeds(&self) -> [&[u8]; 5] {
        [
            crate::constants::POLICY_SEED,
            self.owner.as_ref(),
            self.seed_agent.as_ref(),
            self.mint.as_ref(),
            core::slice::from_ref(&self.bump),
        ]
    }
}
