//! Rolling spend windows kept in fixed buckets.
//!
//! A window of `N` buckets of `W` seconds guards a cap over `(N - 1) * W`
//! seconds (24 h with 25 hourly buckets, 30 days with 31 daily buckets).
//! Each charge goes into the bucket of the period it happens in; a new charge
//! is allowed only if the sum over the current period and the `N - 1` before
//! it stays within the cap.
//!
//! Guarantee: no interval of `(N - 1) * W` seconds, wherever it starts, holds
//! more net spend than the cap. Proof: such an interval touches at most `N`
//! consecutive periods `[a, a + N - 1]`. Let `j` be the period of the last
//! charge inside it; `j - (N - 1) <= a`, so the check made at that charge
//! summed every charge of the interval, and it passed. Refunds only lower
//! buckets. The cost of the guarantee: a charge keeps counting for between
//! `(N - 1) * W` and `N * W` seconds (24-25 h, 30-31 days), never less.

use anchor_lang::prelude::*;

use crate::error::EscrowError;

/// One bucket: the net amount (base units) charged during `period`, where
/// `period = unix_time / bucket_seconds`. 16 bytes: `period` u64 LE, `amount` u64 LE.
#[zero_copy]
#[derive(Default, Debug, PartialEq, Eq)]
pub struct SpendBucket {
    /// Period index (unix seconds / bucket width). 0 with amount 0 = unused.
    pub period: u64,
    /// Net base units charged in this period.
    pub amount: u64,
}

/// Period index of `unix_time` for buckets `width` seconds wide.
pub fn period_of(unix_time: i64, width: i64) -> Result<u64> {
    let period = unix_time
        .checked_div(width)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    u64::try_from(period).map_err(|_| error!(EscrowError::ClockBeforeEpoch))
}

fn slot(buckets: &[SpendBucket], period: u64) -> Result<usize> {
    let len = u64::try_from(buckets.len()).map_err(|_| error!(EscrowError::ArithmeticOverflow))?;
    let index = period
        .checked_rem(len)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    usize::try_from(index).map_err(|_| error!(EscrowError::ArithmeticOverflow))
}

/// Net spend (base units) in the window ending at `current`: the buckets whose
/// period is in `[current - (N - 1), current]`.
pub fn window_total(buckets: &[SpendBucket], current: u64) -> Result<u64> {
    let len = buckets.len() as u64;
    buckets
        .iter()
        .filter(|bucket| bucket.period <= current && current.saturating_sub(bucket.period) < len)
        .try_fold(0u64, |total, bucket| total.checked_add(bucket.amount))
        .ok_or_else(|| error!(EscrowError::ArithmeticOverflow))
}

/// Adds `amount` to the bucket of `current`, recycling the slot if it still
/// holds an older period.
pub fn charge(buckets: &mut [SpendBucket], current: u64, amount: u64) -> Result<()> {
    let index = slot(buckets, current)?;
    let bucket = buckets
        .get_mut(index)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    if bucket.period != current {
        *bucket = SpendBucket {
            period: current,
            amount: 0,
        };
    }
    bucket.amount = bucket
        .amount
        .checked_add(amount)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    Ok(())
}

/// Takes `amount` back out of the bucket of `period` if that slot still holds
/// `period` (not yet recycled by a newer charge). A slot that has left the
/// window but was not recycled is credited too, harmlessly: it no longer
/// counts towards any window. Returns whether a credit was made.
pub fn credit(buckets: &mut [SpendBucket], period: u64, amount: u64) -> Result<bool> {
    let index = slot(buckets, period)?;
    let bucket = buckets
        .get_mut(index)
        .ok_or(EscrowError::ArithmeticOverflow)?;
    if bucket.period != period {
        return Ok(false);
    }
    bucket.amount = bucket
        .amount
        .checked_sub(amount)
        .ok_or(EscrowError::SpendBucketUnderflow)?;
    Ok(true)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use super::*;

    fn window(n: usize) -> Vec<SpendBucket> {
        vec![SpendBucket::default(); n]
    }

    #[test]
    fn charge_counts_for_n_periods_then_expires() {
        let mut b = window(25);
        charge(&mut b, 1_000, 7).unwrap();
        assert_eq!(window_total(&b, 1_000).unwrap(), 7);
        assert_eq!(window_total(&b, 1_024).unwrap(), 7);
        assert_eq!(window_total(&b, 1_025).unwrap(), 0);
        // a later charge recycles the slot of period 1_000
        charge(&mut b, 1_025, 3).unwrap();
        assert_eq!(window_total(&b, 1_025).unwrap(), 3);
        assert!(!credit(&mut b, 1_000, 7).unwrap());
    }

    #[test]
    fn credit_only_inside_window() {
        let mut b = window(31);
        charge(&mut b, 50, 10).unwrap();
        charge(&mut b, 51, 5).unwrap();
        assert!(credit(&mut b, 50, 4).unwrap());
        assert_eq!(window_total(&b, 51).unwrap(), 11);
        assert!(credit(&mut b, 50, 7).is_err());
    }
}
