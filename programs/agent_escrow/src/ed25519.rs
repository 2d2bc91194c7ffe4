//! Signatures verified by the ed25519 precompile in the same transaction,
//! read through the instructions sysvar at any index. Shared by the
//! verifier attestation ([`crate::attestation`]) and the owner's off-chain
//! messages ([`crate::offchain`]).
//!
//! The ed25519 program (`Ed25519SigVerify111111111111111111111111111`, a
//! runtime precompile) fails the whole transaction if a signature is invalid,
//! so callers only check *who* signed *what*.
//!
//! Ed25519 instruction data (source: agave `ed25519-program`,
//! `solana_ed25519_program::Ed25519SignatureOffsets`): `u8` count, `u8`
//! padding, then per signature 7 little-endian `u16`s: signature offset,
//! signature instruction index, public key offset, public key instruction
//! index, message offset, message size, message instruction index. An index
//! of `u16::MAX` means "this instruction". A signature whose offsets point
//! into another instruction is never accepted (the caller's `malformed`
//! verdict), so the bytes judged are exactly the bytes the precompile
//! verified.

use anchor_lang::prelude::*;
use solana_instructions_sysvar::load_instruction_at_checked;

/// Program id of the ed25519 signature-verify precompile.
pub const ED25519_PROGRAM_ID: Pubkey = pubkey!("Ed25519SigVerify111111111111111111111111111");

/// Bytes of one signature's offsets record (7 little-endian `u16`s).
const OFFSETS_LEN: usize = 14;

/// Bytes before the first offsets record (count + padding).
const OFFSETS_START: usize = 2;

fn read_u16(data: &[u8], at: usize) -> Option<u16> {
    let bytes = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([*bytes.first()?, *bytes.get(1)?]))
}

/// Judges every signature of one ed25519 instruction (at transaction index
/// `index`); `Ok` at the first `judge` accepts, else the highest verdict.
fn scan_instruction<M: Ord + Copy>(
    data: &[u8],
    index: usize,
    (missing, malformed): (M, M),
    judge: &mut impl FnMut(&[u8], &[u8]) -> core::result::Result<(), M>,
) -> core::result::Result<(), M> {
    let count = usize::from(*data.first().ok_or(malformed)?);
    let mut closest = missing;
    for i in 0..count {
        let base = i
            .checked_mul(OFFSETS_LEN)
            .and_then(|o| o.checked_add(OFFSETS_START))
            .ok_or(malformed)?;
        let field = |n: usize| {
            n.checked_mul(2)
                .and_then(|o| base.checked_add(o))
                .and_then(|at| read_u16(data, at))
                .ok_or(malformed)
        };
        let own = |ix: u16| ix == u16::MAX || usize::from(ix) == index;
        let (sig_ix, pk_off, pk_ix) = (field(1)?, usize::from(field(2)?), field(3)?);
        let (msg_off, msg_len, msg_ix) =
            (usize::from(field(4)?), usize::from(field(5)?), field(6)?);
        if !(own(sig_ix) && own(pk_ix) && own(msg_ix)) {
            closest = closest.max(malformed);
            continue;
        }
        let pubkey = data
            .get(pk_off..pk_off.saturating_add(32))
            .ok_or(malformed)?;
        let message = data
            .get(msg_off..msg_off.saturating_add(msg_len))
            .ok_or(malformed)?;
        match judge(pubkey, message) {
            Ok(()) => return Ok(()),
            Err(verdict) => closest = closest.max(verdict),
        }
    }
    Err(closest)
}

/// Calls `judge(public key, message)` on every signature of every ed25519
/// instruction in this transaction whose offsets stay inside that
/// instruction, and succeeds at the first one it accepts. Otherwise fails
/// with the highest verdict seen: `missing` when there was no candidate,
/// `malformed` for a signature that points into another instruction (or
/// outside its own data), else what `judge` said. Verdicts are ordered by
/// `Ord`, so a caller ranks "how close a candidate came".
pub fn find_signature<M: Ord + Copy>(
    instructions_sysvar: &AccountInfo,
    missing: M,
    malformed: M,
    mut judge: impl FnMut(&[u8], &[u8]) -> core::result::Result<(), M>,
) -> core::result::Result<(), M> {
    let mut closest = missing;
    let mut index = 0usize;
    while let Ok(ix) = load_instruction_at_checked(index, instructions_sysvar) {
        if ix.program_id == ED25519_PROGRAM_ID {
            match scan_instruction(&ix.data, index, (missing, malformed), &mut judge) {
                Ok(()) => return Ok(()),
                Err(verdict) => closest = closest.max(verdict),
            }
        }
        index = match index.checked_add(1) {
            Some(next) => next,
            None => break,
        };
    }
    Err(closest)
}
