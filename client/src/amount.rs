//! Exact conversion between decimal token amounts ("50", "0.25") and base
//! units. No floating point anywhere: "0.1" is exactly 100_000 base units of
//! a 6-decimal mint.

use thiserror::Error;

/// Decimals of USDC (SPL Token mint, devnet and mainnet alike).
pub const USDC_DECIMALS: u8 = 6;

/// Why a decimal amount was rejected. Each message names the bound and the fix.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AmountError {
    #[error("amount is empty: give a decimal number such as 50 or 0.25")]
    Empty,
    #[error("amount '{0}' is negative: amounts must be >= 0")]
    Negative(String),
    #[error("amount '{input}' has {given} decimal places; this mint allows at most {max}")]
    TooManyDecimals {
        input: String,
        given: usize,
        max: u8,
    },
    #[error("amount '{0}' is not a decimal number: use digits with at most one '.', e.g. 12.5")]
    Invalid(String),
    #[error("amount '{0}' is too large: the maximum is 18446744073709551615 base units")]
    Overflow(String),
}

/// Parses a decimal amount into base units of a mint with `decimals`.
///
/// Accepts `123`, `123.`, `.5`, `0.000001`, and `_` or `,` digit separators
/// are rejected (ambiguous between locales). Errors: see [`AmountError`].
///
/// ```
/// use agent_escrow_client::amount::parse_amount;
/// assert_eq!(parse_amount("0.25", 6), Ok(250_000));
/// assert!(parse_amount("0.0000001", 6).is_err());
/// ```
pub fn parse_amount(input: &str, decimals: u8) -> Result<u64, AmountError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(AmountError::Empty);
    }
    if s.starts_with('-') {
        return Err(AmountError::Negative(s.to_string()));
    }
    let s_unsigned = s.strip_prefix('+').unwrap_or(s);
    let (whole, frac) = match s_unsigned.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s_unsigned, ""),
    };
    let digits_only = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !digits_only(whole) || !digits_only(frac) {
        return Err(AmountError::Invalid(s.to_string()));
    }
    if frac.len() > usize::from(decimals) {
        return Err(AmountError::TooManyDecimals {
            input: s.to_string(),
            given: frac.len(),
            max: decimals,
        });
    }
    let overflow = || AmountError::Overflow(s.to_string());
    let scale = 10u64
        .checked_pow(u32::from(decimals))
        .ok_or_else(overflow)?;
    let whole_units = if whole.is_empty() {
        0
    } else {
        whole.parse::<u64>().map_err(|_| overflow())?
    };
    let frac_scale = 10u64
        .checked_pow(u32::from(decimals) - frac.len() as u32)
        .ok_or_else(overflow)?;
    let frac_units = if frac.is_empty() {
        0
    } else {
        frac.parse::<u64>().map_err(|_| overflow())? * frac_scale
    };
    whole_units
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac_units))
        .ok_or_else(overflow)
}

/// Parses decimal USDC into base units (6 decimals).
pub fn parse_usdc(input: &str) -> Result<u64, AmountError> {
    parse_amount(input, USDC_DECIMALS)
}

/// Formats base units as a decimal string with trailing zeros trimmed:
/// `format_amount(1_500_000, 6) == "1.5"`, `format_amount(0, 6) == "0"`.
pub fn format_amount(base_units: u64, decimals: u8) -> String {
    // Decimal-string arithmetic: exact for every u64 and every u8 of
    // decimals (10^decimals overflows u64 above 19).
    let digits = format!("{base_units:0>width$}", width = usize::from(decimals) + 1);
    let (whole, frac) = digits.split_at(digits.len() - usize::from(decimals));
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        whole.to_string()
    } else {
        format!("{whole}.{frac}")
    }
}

/// Formats USDC base units ("12.5").
pub fn format_usdc(base_units: u64) -> String {
    format_amount(base_units, USDC_DECIMALS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_any_decimals_without_overflow() {
        assert_eq!(format_amount(0, 6), "0");
        assert_eq!(format_amount(1, 6), "0.000001");
        assert_eq!(format_amount(75_000_000, 6), "75");
        assert_eq!(format_amount(12_500_000, 6), "12.5");
        assert_eq!(format_amount(u64::MAX, 0), "18446744073709551615");
        assert_eq!(format_amount(u64::MAX, 19), "1.8446744073709551615");
        assert_eq!(format_amount(5, 20), "0.00000000000000000005");
        assert_eq!(format_amount(u64::MAX, 255).len(), 257);
    }

    #[test]
    fn parses_exactly() {
        assert_eq!(parse_usdc("50"), Ok(50_000_000));
        assert_eq!(parse_usdc("0.25"), Ok(250_000));
        assert_eq!(parse_usdc(".5"), Ok(500_000));
        assert_eq!(parse_usdc("7."), Ok(7_000_000));
        assert_eq!(parse_usdc("0.000001"), Ok(1));
        assert_eq!(parse_usdc("0"), Ok(0));
        assert_eq!(parse_usdc("+3"), Ok(3_000_000));
        assert_eq!(parse_usdc("18446744073709.551615"), Ok(u64::MAX));
        assert_eq!(parse_amount("5", 0), Ok(5));
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(parse_usdc(""), Err(AmountError::Empty));
        assert!(matches!(parse_usdc("-1"), Err(AmountError::Negative(_))));
        assert!(matches!(
            parse_usdc("0.0000001"),
            Err(AmountError::TooManyDecimals {
                given: 7,
                max: 6,
                ..
            })
        ));
        assert!(matches!(
            parse_usdc("18446744073709.551616"),
            Err(AmountError::Overflow(_))
        ));
        assert!(matches!(
            parse_usdc("99999999999999999999999"),
            Err(AmountError::Overflow(_))
        ));
        for bad in [
            ".", "1.2.3", "1e6", "abc", "1,000", "1_000", " 1 2", "0x10", "NaN",
        ] {
            assert!(
                matches!(parse_usdc(bad), Err(AmountError::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn formats() {
        assert_eq!(format_usdc(1_500_000), "1.5");
        assert_eq!(format_usdc(1), "0.000001");
        assert_eq!(format_usdc(0), "0");
        assert_eq!(format_usdc(u64::MAX), "18446744073709.551615");
        for units in [0, 1, 10, 999_999, 1_000_000, 123_456_789, u64::MAX] {
            assert_eq!(parse_usdc(&format_usdc(units)), Ok(units));
        }
    }
}
