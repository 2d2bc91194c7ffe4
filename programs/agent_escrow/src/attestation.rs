//! Verifier attestations: an ed25519 signature-verify instruction in the same
//! transaction (see [`crate::ed25519`] for how it is found and which offsets
//! are accepted) whose public key is the escrow's verifier and whose message
//! is [`attestation_message`] for this program, escrow, provider, mint,
//! amount and proof_hash.

use anchor_lang::prelude::*;

use crate::{constants::ATTESTATION_DOMAIN, ed25519::find_signature, error::EscrowError};

/// Re-exported: the ed25519 precompile's program id.
pub use crate::ed25519::ED25519_PROGRAM_ID;

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

/// Judges one signature: the verifier's key over exactly `expected`.
fn judge(
    pubkey: &[u8],
    message: &[u8],
    verifier: &Pubkey,
    expected: &[u8; ATTESTATION_LEN],
) -> core::result::Result<(), Miss> {
    if pubkey != verifier.as_ref() {
        return Err(Miss::WrongSigner);
    }
    let section =
        |range: core::ops::Range<usize>| (message.get(range.clone()), expected.get(range));
    if message.len() != ATTESTATION_LEN || section(0..24).0 != section(0..24).1 {
        Err(Miss::Malformed)
    } else if section(24..56).0 != section(24..56).1 {
        Err(Miss::WrongProgram)
    } else if section(56..88).0 != section(56..88).1 {
        Err(Miss::WrongEscrow)
    } else if message != expected.as_slice() {
        Err(Miss::FieldMismatch)
    } else {
        Ok(())
    }
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
    find_signature(
        instructions_sysvar,
        Miss::Missing,
        Miss::Malformed,
        |pubkey, message| judge(pubkey, message, verifier, expected),
    )
    .map_err(|miss| EscrowError::from(miss).into())
}
