//! Verifier attestations: an ed25519 signature-verify instruction in the same
//! transaction, found through the instructions sysvar at any index.
//!
//! The ed25519 program (`Ed25519SigVerify111111111111111111111111111`, a
//! runtime precompile) fails the whole transaction if a signature is invalid,
//! so this module only checks *who* signed *what*: the public key must be the
//! escrow's verifier and the message must be [`attestation_message`] for this
//! program, escrow, provider, mint, amount and proof_hash.
//!
//! Ed25519 instruction data (source: agave `ed25519-program`): `u8` count,
//! `u8` padding, then per signature 7 little-endian `u16`s: signature offset,
//! signature instruction index, public key offset, public key instruction
//! index, message offset, message size, message instruction index. An index
//! of `u16::MAX` means "this instruction". Offsets that point into another
//! instruction are refused (`AttestationMalformed`), so the checked bytes are
//! exactly the bytes the precompile verified.

use anchor_lang::prelude::*;
use solana_instructions_sysvar::load_instruction_at_checked;

use crate::{constants::ATTESTATION_DOMAIN, error::EscrowError};

/// Program id of the ed25519 signature-verify precompile.
pub const ED25519_PROGRAM_ID: Pubkey = pubkey!("Ed25519SigVerify111111111111111111111111111");

/// Length of the canonical attestation message, bytes.
pub const ATTESTATION_LEN: usize = 192;

/// The canonical message a verifier signs (192 bytes):
/// `domain "agent-escrow:attest:v1\0\0" (24) | program id (32) | escrow (32) |
/// provider (32) | mint (32) | amount u64 LE (8) | proof_hash (32)`.
pub fn attestation_message(
    program_id: &Pubkey,
    escrow: &Pubkey,
    provider: &Pubkey,
    mint: &Pubkey,
    amount: u64,
    proof_hash: &[u8; 32],
) -> [u8; ATTESTATION_LEN] {
    let mut message = [0u8; ATTESTATION_LEN];
    let parts: [&[u8]; 7] = [
        ATTESTATION_DOMAIN,
        program_id.as_ref(),
        escrow.as_ref(),
        provider.as_ref(),
        mint.as_ref(),
        &amount.to_le_bytes(),
        proof_hash,
    ];
    let mut at = 0usize;
    for part in parts {
        // Fixed sizes summing to ATTESTATION_LEN: no slice can fall outside.
        if let Some(dst) = message.get_mut(at..at.saturating_add(part.len())) {
            dst.copy_from_slice(part);
        }
        at = at.saturating_add(part.len());
    }
    message
}

/// How close a candidate signature came; the closest failure is reported.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Miss {
    Missing,
    WrongSigner,
    Malformed,
    WrongProgram,
    WrongEscrow,
    FieldMismatch,
}

impl From<Miss> for EscrowError {
    fn from(miss: Miss) -> Self {
        match miss {
            Miss::Missing => EscrowError::AttestationMissing,
            Miss::WrongSigner => EscrowError::AttestationWrongSigner,
            Miss::Malformed => EscrowError::AttestationMalformed,
            Miss::WrongProgram => EscrowError::AttestationWrongProgram,
            Miss::WrongEscrow => EscrowError::AttestationWrongEscrow,
            Miss::FieldMismatch => EscrowError::AttestationFieldMismatch,
        }
    }
}

fn read_u16(data: &[u8], at: usize) -> Option<u16> {
    let bytes = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([*bytes.first()?, *bytes.get(1)?]))
}

/// Checks one ed25519 instruction (at transaction index `index`).
fn check_ed25519(
    data: &[u8],
    index: usize,
    verifier: &Pubkey,
    expected: &[u8; ATTESTATION_LEN],
) -> core::result::Result<(), Miss> {
    let count = usize::from(*data.first().ok_or(Miss::Malformed)?);
    let mut closest = Miss::Missing;
    for i in 0..count {
        let base = i
            .checked_mul(14)
            .and_then(|o| o.checked_add(2))
            .ok_or(Miss::Malformed)?;
        let field = |n: usize| {
            n.checked_mul(2)
                .and_then(|o| base.checked_add(o))
                .and_then(|at| read_u16(data, at))
                .ok_or(Miss::Malformed)
        };
        let own = |ix: u16| ix == u16::MAX || usize::from(ix) == index;
        let (sig_ix, pk_off, pk_ix) = (field(1)?, usize::from(field(2)?), field(3)?);
        let (msg_off, msg_len, msg_ix) =
            (usize::from(field(4)?), usize::from(field(5)?), field(6)?);
        if !(own(sig_ix) && own(pk_ix) && own(msg_ix)) {
            closest = closest.max(Miss::Malformed);
            continue;
        }
        let pubkey = data
            .get(pk_off..pk_off.saturating_add(32))
            .ok_or(Miss::Malformed)?;
        let message = data
            .get(msg_off..msg_off.saturating_add(msg_len))
            .ok_or(Miss::Malformed)?;
        if pubkey != verifier.as_ref() {
            closest = closest.max(Miss::WrongSigner);
            continue;
        }
        let section =
            |range: core::ops::Range<usize>| (message.get(range.clone()), expected.get(range));
        let miss = if message.len() != ATTESTATION_LEN || section(0..24).0 != section(0..24).1 {
            Some(Miss::Malformed)
        } else if section(24..56).0 != section(24..56).1 {
            Some(Miss::WrongProgram)
        } else if section(56..88).0 != section(56..88).1 {
            Some(Miss::WrongEscrow)
        } else if message != expected.as_slice() {
            Some(Miss::FieldMismatch)
        } else {
            None
        };
        match miss {
            None => return Ok(()),
            Some(miss) => closest = closest.max(miss),
        }
    }
    Err(closest)
}

/// Succeeds if some ed25519 instruction of this transaction carries a
/// signature by `verifier` over exactly `expected`; otherwise fails with the
/// error of the closest candidate (missing < wrong signer < malformed < wrong
/// program < wrong escrow < field mismatch).
pub fn verify_attestation(
    instructions_sysvar: &AccountInfo,
    verifier: &Pubkey,
    expected: &[u8; ATTESTATION_LEN],
) -> Result<()> {
    let mut closest = Miss::Missing;
    let mut index = 0usize;
    while let Ok(ix) = load_instruction_at_checked(index, instructions_sysvar) {
        if ix.program_id == ED25519_PROGRAM_ID {
            match check_ed25519(&ix.data, index, verifier, expected) {
                Ok(()) => return Ok(()),
                Err(miss) => closest = closest.max(miss),
            }
        }
        index = index
            .checked_add(1)
            .ok_or(EscrowError::ArithmeticOverflow)?;
    }
    Err(EscrowError::from(closest).into())
}
