//! Owner authorizations as clear-text Solana off-chain messages, so an owner
//! on a Ledger approves (or vetoes) a release by reading it on the device
//! instead of blind-signing a transaction.
//!
//! # Envelope (off-chain message v0, one signer): 85 header bytes + text
//!
//! | offset | bytes | field                                  | value here                |
//! |-------:|------:|----------------------------------------|---------------------------|
//! | 0      | 16    | signing domain                         | `"\xffsolana offchain"`   |
//! | 16     | 1     | header version                         | 0                         |
//! | 17     | 32    | application domain                     | this program's id         |
//! | 49     | 1     | message format                         | 0 (restricted ASCII)      |
//! | 50     | 1     | signer count                           | 1                         |
//! | 51     | 32    | signer                                 | the policy owner          |
//! | 83     | 2     | message length, u16 little-endian      | text length               |
//! | 85     | n     | message                                | [`OwnerMessage::text`]    |
//!
//! Sources: the off-chain message signing proposal (agave
//! `docs/src/proposals/off-chain-message-signing.md`, "Message Preamble") and
//! the Ledger Solana app's parser (LedgerHQ/app-solana
//! `handle_sign_offchain_message.c`, `parse_offchain_message_header` in
//! `libsol/parser.c`): it refuses a header version > 1, a zero or wrong
//! length, no signers, a v0 format > 1, a device key missing from the signer
//! list, and a whole envelope over 1,212 bytes (`MAX_OFFCHAIN_MESSAGE_LENGTH`);
//! it shows the text itself only when every byte is printable ASCII
//! (0x20..=0x7e; releases since 2025 also let 0x0a through, older ones and
//! the proposal's format 0 do not), and otherwise only a hash, behind the
//! blind-signing setting. The `solana-offchain-message` crate (3.0 and 4.0)
//! writes the older preamble (no application domain, no signer list), which
//! the app's v0 parser refuses, so the envelope is built here.
//!
//! # Text: one line of printable ASCII, fields joined by `" | "`
//!
//! ```text
//! agent-escrow: approve release | amount: 75.000000 USDC | to: <provider> | escrow: <escrow> | policy: <policy> | proof submitted: 2026-12-02T12:41:07Z | expires: 2026-12-02T13:00:00Z
//! ```
//!
//! The amount has exactly the mint's decimals; the unit is `USDC` for the
//! USDC mints of mainnet and devnet ([`crate::constants::USDC_MINTS`]) and
//! `of mint <mint>` for any other. Keys are base58; the proof's time (the
//! escrow's `state_at` while it is ProofSubmitted) and the expiry are UTC,
//! RFC 3339, to the second. No line feeds: the proposal's format 0 and the
//! app's older releases refuse them.
//!
//! # What the program checks
//!
//! An ed25519 instruction in the same transaction (found and offset-checked
//! by [`crate::ed25519::find_signature`]) whose key is the policy owner and
//! whose message is, byte for byte, the envelope the program rebuilds from
//! the accounts and the instruction's `expires_at`; the instruction itself
//! refuses `now >= expires_at` (`OwnerMessageExpired`). The message binds
//! the proof through its time: it can only be signed once the proof is on
//! chain, and applies to that proof only (the escrow stores no proof hash;
//! an escrow takes one proof, and the time it was recorded is in the
//! text). An approval signed in advance, for whatever proof comes later,
//! is not possible. Each escrow address
//! is used once ([`crate::constants::ID_WINDOW`]) and an escrow leaves
//! ProofSubmitted for good when it is released or vetoed, so a message acts
//! at most once.

use anchor_lang::prelude::*;

use crate::{constants::USDC_MINTS, ed25519::find_signature, error::EscrowError};

/// Signing domain that starts every off-chain message (16 bytes): `0xff`
/// can never start a transaction message, so an owner's signature over an
/// envelope is never a valid transaction signature.
pub const SIGNING_DOMAIN: &[u8; 16] = b"\xffsolana offchain";

/// Envelope header bytes with one signer: 16 + 1 + 32 + 1 + 1 + 32 + 2.
pub const HEADER_LEN: usize = 85;

/// Largest envelope the Ledger Solana app signs, bytes (its
/// `MAX_OFFCHAIN_MESSAGE_LENGTH`: min(1212, buffer - 1)).
pub const LEDGER_MAX_ENVELOPE_LEN: usize = 1_212;

/// Separator between the text's fields.
pub const FIELD_SEPARATOR: &[u8] = b" | ";

/// Fields of the text, in order.
pub const FIELD_COUNT: usize = 7;

/// Largest unix time the text can show (9999-12-31T23:59:59Z).
pub const MAX_EXPIRES_AT: i64 = 253_402_300_799;

/// What the owner authorizes.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq, InitSpace)]
pub enum OwnerAction {
    /// `escrow_approve_offchain`: release a proven approval-tier escrow.
    ApproveRelease,
    /// `escrow_veto_offchain`: stop a proven delay-tier escrow (-> Disputed).
    VetoRelease,
}

impl OwnerAction {
    /// The text's first field.
    pub fn headline(self) -> &'static str {
        match self {
            Self::ApproveRelease => "agent-escrow: approve release",
            Self::VetoRelease => "agent-escrow: veto release",
        }
    }
}

/// Everything the text names. Amounts in base units of `mint`; times in
/// unix seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OwnerMessage {
    pub action: OwnerAction,
    /// The escrow's amount, base units.
    pub amount: u64,
    /// The mint's decimals (the policy's cached `decimals`).
    pub decimals: u8,
    pub mint: Pubkey,
    /// Who is paid (the escrow's provider).
    pub provider: Pubkey,
    pub escrow: Pubkey,
    pub policy: Pubkey,
    /// When the proof was recorded (the escrow's `state_at` while it is
    /// ProofSubmitted), unix seconds.
    pub proof_at: i64,
    /// The message is refused once the cluster's unix time reaches this.
    pub expires_at: i64,
}

/// How close a signed message came; the closest failure is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Miss {
    Missing,
    WrongSigner,
    Malformed,
    WrongDomain,
    WrongAction,
    PolicyMismatch,
    EscrowMismatch,
    ProviderMismatch,
    AmountMismatch,
    ExpiryMismatch,
    ProofMismatch,
}

impl From<Miss> for EscrowError {
    fn from(miss: Miss) -> Self {
        match miss {
            Miss::Missing => EscrowError::OwnerMessageMissing,
            Miss::WrongSigner => EscrowError::OwnerMessageWrongSigner,
            Miss::Malformed => EscrowError::OwnerMessageMalformed,
            Miss::WrongDomain => EscrowError::OwnerMessageWrongDomain,
            Miss::WrongAction => EscrowError::OwnerMessageWrongAction,
            Miss::PolicyMismatch => EscrowError::OwnerMessagePolicyMismatch,
            Miss::EscrowMismatch => EscrowError::OwnerMessageEscrowMismatch,
            Miss::ProviderMismatch => EscrowError::OwnerMessageProviderMismatch,
            Miss::AmountMismatch => EscrowError::OwnerMessageAmountMismatch,
            Miss::ExpiryMismatch => EscrowError::OwnerMessageExpiryMismatch,
            Miss::ProofMismatch => EscrowError::OwnerMessageProofMismatch,
        }
    }
}

/// The error a mismatch in field `index` of the text is reported as.
const FIELD_MISS: [Miss; FIELD_COUNT] = [
    Miss::WrongAction,
    Miss::AmountMismatch,
    Miss::ProviderMismatch,
    Miss::EscrowMismatch,
    Miss::PolicyMismatch,
    Miss::ProofMismatch,
    Miss::ExpiryMismatch,
];

/// An envelope being written into a fixed buffer (no heap): the header,
/// then the text, with the end of each text field recorded. Anything that
/// would not fit [`LEDGER_MAX_ENVELOPE_LEN`] marks it overflowed.
struct Envelope {
    buf: [u8; LEDGER_MAX_ENVELOPE_LEN],
    len: usize,
    overflow: bool,
    /// Offsets (in `buf`) where each text field ends.
    ends: [usize; FIELD_COUNT],
}

impl Envelope {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.len.saturating_add(bytes.len());
        match self.buf.get_mut(self.len..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.len = end;
            }
            None => self.overflow = true,
        }
    }

    /// `value` in decimal, left-padded with zeros to `width` digits.
    fn put_number(&mut self, value: u64, width: usize) {
        let (digits, count) = decimal(value);
        for _ in count..width {
            self.put(b"0");
        }
        self.put(
            digits
                .get(digits.len().saturating_sub(count)..)
                .unwrap_or_default(),
        );
    }

    /// `amount` base units with exactly `decimals` fraction digits.
    fn put_amount(&mut self, amount: u64, decimals: u8) {
        let (digits, count) = decimal(amount);
        let digits = digits
            .get(digits.len().saturating_sub(count)..)
            .unwrap_or_default();
        let decimals = usize::from(decimals);
        if decimals == 0 {
            self.put(digits);
        } else if count > decimals {
            let point = count.saturating_sub(decimals);
            self.put(digits.get(..point).unwrap_or_default());
            self.put(b".");
            self.put(digits.get(point..).unwrap_or_default());
        } else {
            self.put(b"0.");
            for _ in count..decimals {
                self.put(b"0");
            }
            self.put(digits);
        }
    }

    /// A key in base58 (32..=44 characters, Bitcoin alphabet, as
    /// `Pubkey`'s `Display`). Written here rather than with `five8` (the
    /// encoder solana-address uses), which adds 6.7 KB to the binary; the
    /// host tests compare the two on every key they make.
    fn put_key(&mut self, key: &Pubkey) {
        let digits = base58(&key.to_bytes());
        self.put(digits.0.get(..digits.1).unwrap_or_default());
    }

    /// `unix` as RFC 3339 UTC to the second; `false` outside
    /// 0..=[`MAX_EXPIRES_AT`].
    fn put_time(&mut self, unix: i64) -> bool {
        let Some([year, month, day, hour, minute, second]) = civil_time(unix) else {
            return false;
        };
        for (value, width, after) in [
            (year, 4, b"-"),
            (month, 2, b"-"),
            (day, 2, b"T"),
            (hour, 2, b":"),
            (minute, 2, b":"),
            (second, 2, b"Z"),
        ] {
            self.put_number(value, width);
            self.put(after);
        }
        true
    }

    fn end_field(&mut self, index: usize) {
        if let Some(end) = self.ends.get_mut(index) {
            *end = self.len;
        }
    }

    fn bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

/// Bitcoin's base58 alphabet.
const BASE58_ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// 58^5: the 256-bit number is divided by it repeatedly, 5 digits at a time,
/// as eight big-endian u32 limbs (remainder < 2^30, so `rem << 32 | limb`
/// fits a u64 and each quotient a u32).
const BASE58_CHUNK: u64 = 656_356_768;

/// Base58 of 32 bytes: the digits (most significant first) and their count.
pub fn base58(bytes: &[u8; 32]) -> ([u8; 64], usize) {
    let mut limbs = [0u32; 8];
    for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(4)) {
        *limb = u32::from_be_bytes([
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
            chunk.get(3).copied().unwrap_or(0),
        ]);
    }
    // Least significant digit first.
    let mut reversed = [0u8; 64];
    let mut count = 0usize;
    loop {
        let mut rem = 0u64;
        for limb in limbs.iter_mut() {
            let current = (rem << 32) | u64::from(*limb);
            *limb = u32::try_from(current / BASE58_CHUNK).unwrap_or(0);
            rem = current % BASE58_CHUNK;
        }
        for _ in 0..5 {
            if let Some(slot) = reversed.get_mut(count) {
                *slot = (rem % 58) as u8;
            }
            rem /= 58;
            count = count.saturating_add(1);
        }
        if limbs.iter().all(|l| *l == 0) {
            break;
        }
    }
    // Drop the high zero digits of the last chunk; then one '1' per
    // leading zero byte (base58's rule).
    while count > 0 && reversed.get(count.saturating_sub(1)) == Some(&0) {
        count = count.saturating_sub(1);
    }
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    let mut out = [0u8; 64];
    let total = count.saturating_add(zeros);
    for (i, slot) in out.iter_mut().take(total).enumerate() {
        *slot = if i < zeros {
            b'1'
        } else {
            let digit = reversed
                .get(total.saturating_sub(1).saturating_sub(i))
                .copied()
                .unwrap_or(0);
            BASE58_ALPHABET
                .get(usize::from(digit))
                .copied()
                .unwrap_or(b'1')
        };
    }
    (out, total)
}

/// Decimal digits of `value`, right-aligned in 20 bytes, and their count.
fn decimal(mut value: u64) -> ([u8; 20], usize) {
    let mut digits = [b'0'; 20];
    let mut count = 0usize;
    for slot in digits.iter_mut().rev() {
        // value % 10 < 10: the cast and the add cannot overflow.
        *slot = b'0'.saturating_add((value % 10) as u8);
        value /= 10;
        count = count.saturating_add(1);
        if value == 0 {
            break;
        }
    }
    (digits, count)
}

/// `unix` as [year, month, day, hour, minute, second] (UTC, proleptic
/// Gregorian), for 0..=[`MAX_EXPIRES_AT`]; `None` outside. Civil date from
/// days since the epoch by Howard Hinnant's `civil_from_days`.
fn civil_time(unix: i64) -> Option<[u64; 6]> {
    if !(0..=MAX_EXPIRES_AT).contains(&unix) {
        return None;
    }
    let secs = u64::try_from(unix).ok()?;
    let (days, rest) = (secs.checked_div(86_400)?, secs.checked_rem(86_400)?);
    let z = days.checked_add(719_468)?;
    let era = z.checked_div(146_097)?;
    let doe = z.checked_sub(era.checked_mul(146_097)?)?;
    let yoe = doe
        .checked_sub(doe.checked_div(1_460)?)?
        .checked_add(doe.checked_div(36_524)?)?
        .checked_sub(doe.checked_div(146_096)?)?
        .checked_div(365)?;
    let doy = doe.checked_sub(
        yoe.checked_mul(365)?
            .checked_add(yoe.checked_div(4)?)?
            .checked_sub(yoe.checked_div(100)?)?,
    )?;
    let mp = doy.checked_mul(5)?.checked_add(2)?.checked_div(153)?;
    let day = doy
        .checked_sub(mp.checked_mul(153)?.checked_add(2)?.checked_div(5)?)?
        .checked_add(1)?;
    let month = if mp < 10 {
        mp.checked_add(3)?
    } else {
        mp.checked_sub(9)?
    };
    let year = yoe
        .checked_add(era.checked_mul(400)?)?
        .checked_add(u64::from(month <= 2))?;
    Some([
        year,
        month,
        day,
        rest.checked_div(3_600)?,
        rest.checked_rem(3_600)?.checked_div(60)?,
        rest.checked_rem(60)?,
    ])
}

impl Envelope {
    fn empty() -> Self {
        Self {
            buf: [0; LEDGER_MAX_ENVELOPE_LEN],
            len: 0,
            overflow: false,
            ends: [0; FIELD_COUNT],
        }
    }

    /// Writes the whole envelope of `message` for `program_id` and `owner`
    /// into `self` (cleared first; the caller owns the buffer, so it lives
    /// in one stack frame); `false` if a time cannot be shown or the
    /// envelope would not fit.
    fn build(&mut self, message: &OwnerMessage, program_id: &Pubkey, owner: &Pubkey) -> bool {
        self.len = 0;
        self.overflow = false;
        self.put(SIGNING_DOMAIN);
        self.put(&[0]); // header version
        self.put(program_id.as_ref());
        self.put(&[0, 1]); // format: restricted ASCII; one signer
        self.put(owner.as_ref());
        self.put(&[0, 0]); // text length, filled in below
        self.put(message.action.headline().as_bytes());
        self.end_field(0);
        self.put(FIELD_SEPARATOR);
        self.put(b"amount: ");
        self.put_amount(message.amount, message.decimals);
        if USDC_MINTS.contains(&message.mint) {
            self.put(b" USDC");
        } else {
            self.put(b" of mint ");
            self.put_key(&message.mint);
        }
        self.end_field(1);
        for (index, label, key) in [
            (2, b"to: ".as_slice(), &message.provider),
            (3, b"escrow: ".as_slice(), &message.escrow),
            (4, b"policy: ".as_slice(), &message.policy),
        ] {
            self.put(FIELD_SEPARATOR);
            self.put(label);
            self.put_key(key);
            self.end_field(index);
        }
        for (index, label, time) in [
            (5, b"proof submitted: ".as_slice(), message.proof_at),
            (6, b"expires: ".as_slice(), message.expires_at),
        ] {
            self.put(FIELD_SEPARATOR);
            self.put(label);
            if !self.put_time(time) {
                return false;
            }
            self.end_field(index);
        }
        let Some(text) = self
            .len
            .checked_sub(HEADER_LEN)
            .and_then(|n| u16::try_from(n).ok())
        else {
            return false;
        };
        match self.buf.get_mut(83..HEADER_LEN) {
            Some(dst) => dst.copy_from_slice(&text.to_le_bytes()),
            None => return false,
        }
        !self.overflow
    }

    /// Field `index` of the text.
    fn field(&self, index: usize) -> &[u8] {
        let start = match index.checked_sub(1) {
            None => HEADER_LEN,
            Some(before) => self
                .ends
                .get(before)
                .map_or(0, |end| end.saturating_add(FIELD_SEPARATOR.len())),
        };
        let end = self.ends.get(index).copied().unwrap_or(0);
        self.buf.get(start..end).unwrap_or_default()
    }
}

impl OwnerMessage {
    /// The text the owner reads on the device (see the module docs):
    /// printable ASCII, one line; `None` when `expires_at` is outside
    /// 0..=[`MAX_EXPIRES_AT`] or the text would not fit the Ledger app.
    pub fn text(&self) -> Option<Vec<u8>> {
        let mut envelope = Envelope::empty();
        if !envelope.build(self, &Pubkey::default(), &Pubkey::default()) {
            return None;
        }
        envelope.bytes().get(HEADER_LEN..).map(<[u8]>::to_vec)
    }

    /// The envelope the owner signs (see the module docs): header for
    /// application domain `program_id` and the single signer `owner`, then
    /// [`Self::text`]; at most [`LEDGER_MAX_ENVELOPE_LEN`] bytes.
    pub fn envelope(&self, program_id: &Pubkey, owner: &Pubkey) -> Option<Vec<u8>> {
        let mut envelope = Envelope::empty();
        envelope
            .build(self, program_id, owner)
            .then(|| envelope.bytes().to_vec())
    }
}

/// The field of `text` starting at `from`, and where the next one starts
/// (`None` after the last).
fn next_field(text: &[u8], from: usize) -> (&[u8], Option<usize>) {
    let rest = text.get(from..).unwrap_or_default();
    let found = rest
        .windows(FIELD_SEPARATOR.len())
        .position(|window| window == FIELD_SEPARATOR);
    match found {
        Some(at) => (
            rest.get(..at).unwrap_or_default(),
            Some(
                from.saturating_add(at)
                    .saturating_add(FIELD_SEPARATOR.len()),
            ),
        ),
        None => (rest, None),
    }
}

/// Judges one signed message against the expected envelope.
fn judge(
    pubkey: &[u8],
    message: &[u8],
    (program_id, owner): (&Pubkey, &Pubkey),
    expected: &Envelope,
) -> core::result::Result<(), Miss> {
    if pubkey != owner.as_ref() {
        return Err(Miss::WrongSigner);
    }
    if message == expected.bytes() {
        return Ok(());
    }
    let header = message.get(..HEADER_LEN).ok_or(Miss::Malformed)?;
    let text = message.get(HEADER_LEN..).unwrap_or_default();
    let declared = usize::from(u16::from_le_bytes([
        *header.get(83).ok_or(Miss::Malformed)?,
        *header.get(84).ok_or(Miss::Malformed)?,
    ]));
    if header.get(..16) != Some(SIGNING_DOMAIN.as_slice())
        || header.get(16) != Some(&0)
        || header.get(49) != Some(&0)
        || declared != text.len()
        || !text.iter().all(|b| (0x20..=0x7e).contains(b))
    {
        return Err(Miss::Malformed);
    }
    if header.get(17..49) != Some(program_id.as_ref()) {
        return Err(Miss::WrongDomain);
    }
    if header.get(50) != Some(&1) || header.get(51..83) != Some(owner.as_ref()) {
        return Err(Miss::WrongSigner);
    }
    let mut from = Some(0usize);
    for (index, miss) in FIELD_MISS.iter().enumerate() {
        let Some(start) = from else {
            return Err(*miss);
        };
        let (field, next) = next_field(text, start);
        if field != expected.field(index) {
            return Err(*miss);
        }
        from = next;
    }
    Err(Miss::Malformed)
}

/// Succeeds if an ed25519 instruction of this transaction carries the
/// policy owner's signature over exactly `message`'s envelope (application
/// domain `program_id`, signer `owner`). Otherwise fails with the error of
/// the closest candidate: `OwnerMessageMissing`, `...WrongSigner` (another
/// key, or another signer list), `...Malformed` (header, length, a byte
/// outside printable ASCII, offsets into another instruction, an expiry the
/// text cannot show), `...WrongDomain` (another application domain),
/// `...WrongAction`, `...PolicyMismatch`, `...EscrowMismatch`,
/// `...ProviderMismatch`, `...AmountMismatch` (amount or mint) and
/// `...ProofMismatch` (signed for another proof, or before the proof) and
/// `...ExpiryMismatch` (the signed expiry is not the instruction's
/// `expires_at`). The caller checks the expiry against the clock.
pub fn verify_owner_message(
    instructions_sysvar: &AccountInfo,
    program_id: &Pubkey,
    owner: &Pubkey,
    message: &OwnerMessage,
) -> Result<()> {
    let mut expected = Envelope::empty();
    if !expected.build(message, program_id, owner) {
        msg!(
            "proof_at {} or expires_at {} is outside 0..={}",
            message.proof_at,
            message.expires_at,
            MAX_EXPIRES_AT
        );
        return err!(EscrowError::OwnerMessageMalformed);
    }
    find_signature(
        instructions_sysvar,
        Miss::Missing,
        Miss::Malformed,
        |pubkey, signed| judge(pubkey, signed, (program_id, owner), &expected),
    )
    .map_err(|miss| EscrowError::from(miss).into())
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects
)]
mod tests {
    use super::*;

    /// `unix` as the text shows it; `None` outside 0..=MAX_EXPIRES_AT.
    fn format_time(unix: i64) -> Option<Vec<u8>> {
        let mut w = Envelope::empty();
        w.put_time(unix).then(|| w.bytes().to_vec())
    }

    /// `amount` base units as the text shows it (every decimal).
    fn format_amount(amount: u64, decimals: u8) -> Vec<u8> {
        let mut w = Envelope::empty();
        w.put_amount(amount, decimals);
        w.bytes().to_vec()
    }

    #[test]
    fn times_match_known_dates() {
        let cases = [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_764_680_400, "2025-12-02T13:00:00Z"),
            (1_798_200_000, "2026-12-25T12:00:00Z"),
            (MAX_EXPIRES_AT, "9999-12-31T23:59:59Z"),
        ];
        for (unix, text) in cases {
            assert_eq!(
                format_time(unix).as_deref(),
                Some(text.as_bytes()),
                "{unix}"
            );
        }
        assert_eq!(format_time(-1), None);
        assert_eq!(format_time(MAX_EXPIRES_AT + 1), None);
    }

    #[test]
    fn amounts_keep_every_decimal() {
        assert_eq!(format_amount(75_000_000, 6), b"75.000000");
        assert_eq!(format_amount(1, 6), b"0.000001");
        assert_eq!(format_amount(0, 6), b"0.000000");
        assert_eq!(format_amount(42, 0), b"42");
        assert_eq!(format_amount(u64::MAX, 6), b"18446744073709.551615");
        assert_eq!(format_amount(5, 20).len(), 22);
    }

    #[test]
    fn base58_matches_display() {
        let mut keys = vec![
            Pubkey::default(),
            Pubkey::new_from_array([0xff; 32]),
            Pubkey::new_from_array([1; 32]),
            crate::ID,
            USDC_MINTS[0],
            USDC_MINTS[1],
        ];
        let mut with_zeros = [0u8; 32];
        with_zeros[31] = 1;
        keys.push(Pubkey::new_from_array(with_zeros));
        with_zeros[3] = 200;
        keys.push(Pubkey::new_from_array(with_zeros));
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..2_000 {
            let mut bytes = [0u8; 32];
            for b in bytes.iter_mut() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                *b = state as u8;
            }
            let leading = (state % 4) as usize;
            bytes[..leading].fill(0);
            keys.push(Pubkey::new_from_array(bytes));
        }
        for key in keys {
            let (digits, len) = base58(&key.to_bytes());
            assert_eq!(
                std::str::from_utf8(&digits[..len]).unwrap(),
                key.to_string()
            );
        }
    }

    #[test]
    fn fields_split_back() {
        assert_eq!(next_field(b"a | b", 0), (&b"a"[..], Some(4)));
        assert_eq!(next_field(b"a | b", 4), (&b"b"[..], None));
        assert_eq!(next_field(b" | ", 0), (&b""[..], Some(3)));
        assert_eq!(next_field(b"a", 5), (&b""[..], None));
    }

    #[test]
    fn envelope_fields_are_recorded() {
        let key = Pubkey::new_from_array([1; 32]);
        let message = OwnerMessage {
            action: OwnerAction::VetoRelease,
            amount: 1,
            decimals: 6,
            mint: USDC_MINTS[1],
            provider: key,
            escrow: key,
            policy: key,
            proof_at: 86_399,
            expires_at: 0,
        };
        let mut envelope = Envelope::empty();
        assert!(envelope.build(&message, &key, &key));
        assert_eq!(envelope.field(0), b"agent-escrow: veto release");
        assert_eq!(envelope.field(1), b"amount: 0.000001 USDC");
        assert_eq!(envelope.field(2), format!("to: {key}").as_bytes());
        assert_eq!(envelope.field(5), b"proof submitted: 1970-01-01T23:59:59Z");
        assert_eq!(envelope.field(6), b"expires: 1970-01-01T00:00:00Z");
        assert_eq!(
            message.text().unwrap(),
            format!(
                "agent-escrow: veto release | amount: 0.000001 USDC | to: {key} | escrow: {key} | policy: {key} | proof submitted: 1970-01-01T23:59:59Z | expires: 1970-01-01T00:00:00Z"
            )
            .as_bytes()
        );
    }
}
