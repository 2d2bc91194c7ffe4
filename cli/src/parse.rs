//! Value parsers for command-line input. Each error says what was expected
//! and how to fix it; clap prefixes it with the offending argument.

use agent_escrow_client::{
    amount::{parse_amount, AmountError},
    anchor_lang::prelude::Pubkey,
};

/// A base58 public key.
pub fn parse_pubkey(input: &str) -> Result<Pubkey, String> {
    input.trim().parse::<Pubkey>().map_err(|_| {
        format!("'{input}' is not a public key: expected 32-44 base58 characters, e.g. the output of `solana-keygen pubkey`")
    })
}

/// A duration: a number with a unit (s, m, h, d), or several (`1h30m`).
/// A bare number is refused (is `--deadline 24` hours or seconds?): the
/// error suggests each unit. Returns seconds; 0 and above 3650 days are
/// refused.
pub fn parse_duration(input: &str) -> Result<i64, String> {
    let s = input.trim();
    let bad = || {
        format!("'{input}' is not a duration: use a number with a unit, e.g. 90s, 30m, 24h, 7d or 1h30m")
    };
    if s.is_empty() {
        return Err(bad());
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "'{input}' has no unit: write {s}s (seconds), {s}m (minutes), {s}h (hours) or {s}d (days)"
        ));
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => return Err(bad()),
        };
        let value: i64 = digits.parse().map_err(|_| bad())?;
        digits.clear();
        total = value
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
    }
    if !digits.is_empty() {
        return Err(bad());
    }
    check_duration(total, input)
}

fn check_duration(seconds: i64, input: &str) -> Result<i64, String> {
    const MAX: i64 = 3_650 * 86_400;
    if seconds <= 0 {
        return Err(format!("duration '{input}' must be at least 1 second"));
    }
    if seconds > MAX {
        return Err(format!("duration '{input}' is longer than 3650 days"));
    }
    Ok(seconds)
}

/// A 32-byte hash as 64 hexadecimal characters (an optional `0x` prefix is accepted).
pub fn parse_hash(input: &str) -> Result<[u8; 32], String> {
    let s = input.trim();
    let s = s.strip_prefix("0x").unwrap_or(s);
    let bad = || {
        format!("'{input}' is not a sha256 hash: expected 64 hexadecimal characters (e.g. from `sha256sum`)")
    };
    if s.len() != 64 {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte =
            u8::from_str_radix(s.get(2 * i..2 * i + 2).ok_or_else(bad)?, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// A percentage 0-100 with at most 2 decimals, as basis points (62.5 -> 6250).
pub fn parse_bps_percent(input: &str) -> Result<u16, String> {
    let bps = parse_amount(input, 2).map_err(|e| match e {
        AmountError::TooManyDecimals { .. } => {
            format!("'{input}' has more than 2 decimals: give a percentage like 62.5 or 33.33")
        }
        _ => format!("'{input}' is not a percentage: give a number from 0 to 100, e.g. 62.5"),
    })?;
    if bps > 10_000 {
        return Err(format!(
            "'{input}' is above 100: the provider's share is 0-100 percent"
        ));
    }
    Ok(bps as u16)
}

/// `PUBKEY=SIGNATURE`, as printed by `--sign-only`.
pub fn validate_pubkey_signature(input: &str) -> Result<(), String> {
    let (key, sig) = input
        .split_once('=')
        .ok_or_else(|| format!("'{input}' is not PUBKEY=SIGNATURE (as printed by --sign-only)"))?;
    parse_pubkey(key)?;
    sig.parse::<solana_signature::Signature>()
        .map(|_| ())
        .map_err(|_| format!("'{sig}' is not a signature: expected 64-88 base58 characters"))
}

/// Parses a decimal amount for `field` into base units of a mint with
/// `decimals`; the error names the field.
pub fn amount(field: &str, input: &str, decimals: u8) -> Result<u64, crate::CliError> {
    parse_amount(input, decimals).map_err(|e| crate::CliError::Input(format!("{field}: {e}")))
}

/// A point in time: unix seconds (`1767225600`) or RFC 3339
/// (`2026-01-01T00:00:00Z`, any offset). Bounded to what an owner message
/// can show: 1970-01-01 to 9999-12-31 UTC.
pub fn parse_time(input: &str) -> Result<i64, String> {
    let s = input.trim();
    let unix = if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse::<i64>()
            .map_err(|_| format!("'{input}' is too large for a unix time"))?
    } else {
        chrono::DateTime::parse_from_rfc3339(s)
            .map_err(|e| {
                format!("'{input}' is not a time ({e}): use unix seconds (1767225600) or RFC 3339 (2026-01-01T00:00:00Z)")
            })?
            .timestamp()
    };
    if !(0..=agent_escrow_client::offchain::MAX_EXPIRES_AT).contains(&unix) {
        return Err(format!(
            "'{input}' is outside 1970-01-01T00:00:00Z..=9999-12-31T23:59:59Z"
        ));
    }
    Ok(unix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("24"),
            Err(
                "'24' has no unit: write 24s (seconds), 24m (minutes), 24h (hours) or 24d (days)"
                    .into()
            )
        );
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("30m"), Ok(1_800));
        assert_eq!(parse_duration("24h"), Ok(86_400));
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert_eq!(parse_duration("1h30m"), Ok(5_400));
        for bad in [
            "",
            "0",
            "0s",
            "h",
            "5x",
            "1.5h",
            "-1h",
            "30m5",
            "99999999999999999999d",
            "3651d",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn hashes_and_percentages() {
        let hex = "ab".repeat(32);
        assert_eq!(parse_hash(&hex), Ok([0xab; 32]));
        assert_eq!(parse_hash(&format!("0x{hex}")), Ok([0xab; 32]));
        for bad in ["", "abc", &"g".repeat(64), &"ab".repeat(33)] {
            assert!(parse_hash(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_bps_percent("62.5"), Ok(6_250));
        assert_eq!(parse_bps_percent("100"), Ok(10_000));
        assert_eq!(parse_bps_percent("0"), Ok(0));
        for bad in ["100.01", "33.333", "-1", "abc", ""] {
            assert!(parse_bps_percent(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        /// Any input: a value or a clear error, never a panic.
        #[test]
        fn parsers_never_panic(input in ".{0,80}") {
            let _ = parse_duration(&input);
            let _ = parse_hash(&input);
            let _ = parse_bps_percent(&input);
            let _ = parse_pubkey(&input);
            let _ = validate_pubkey_signature(&input);
            // Signer sources (keypair paths, usb://ledger?key=..., prompt://,
            // stdin, pubkeys) are parsed by solana-clap-v3-utils for us.
            let _ = solana_clap_v3_utils::input_parsers::signer::SignerSource::parse(&input);
            let _ = solana_clap_v3_utils::input_parsers::signer::SignerSource::parse(format!("usb://ledger?key={input}"));
            for decimals in [0u8, 6, 9, 19, 20, 255] {
                let _ = agent_escrow_client::amount::parse_amount(&input, decimals);
            }
        }

        /// Numeric-looking input: exact round trip or a named error.
        #[test]
        fn amounts_round_trip(units in proptest::prelude::any::<u64>()) {
            let text = agent_escrow_client::amount::format_usdc(units);
            proptest::prop_assert_eq!(agent_escrow_client::amount::parse_usdc(&text), Ok(units));
        }

        #[test]
        fn durations_add_up(h in 0i64..1000, m in 0i64..60, s in 1i64..60) {
            proptest::prop_assert_eq!(parse_duration(&format!("{h}h{m}m{s}s")), Ok(h * 3_600 + m * 60 + s));
        }
    }

    #[test]
    fn pubkeys_and_signature_pairs() {
        assert!(parse_pubkey("11111111111111111111111111111111").is_ok());
        assert!(parse_pubkey("not-a-key").is_err());
        assert!(validate_pubkey_signature("11111111111111111111111111111111").is_err());
        assert!(validate_pubkey_signature("11111111111111111111111111111111=xyz").is_err());
    }

    #[test]
    fn times_are_unix_or_rfc3339() {
        assert_eq!(parse_time("1767225600"), Ok(1_767_225_600));
        assert_eq!(parse_time("2026-01-01T00:00:00Z"), Ok(1_767_225_600));
        assert_eq!(parse_time("2026-01-01T01:00:00+01:00"), Ok(1_767_225_600));
        assert!(parse_time("tomorrow").unwrap_err().contains("RFC 3339"));
        assert!(parse_time("1969-12-31T23:59:59Z")
            .unwrap_err()
            .contains("outside"));
        assert!(parse_time("99999999999999")
            .unwrap_err()
            .contains("outside"));
    }
}
