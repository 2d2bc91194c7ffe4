//! The owner's off-chain approvals and vetoes (program module
//! `agent_escrow::offchain`): the message an owner reads and signs, the
//! check of a signature before anything is sent, and the two-instruction
//! transaction that puts it on chain (an ed25519 signature-verify
//! instruction, then `escrow_approve_offchain` / `escrow_veto_offchain`).
//!
//! The envelope is built by the program crate's own code, so the client and
//! the program cannot disagree on a byte. A signer that is a Ledger
//! (`usb://ledger`) signs it through solana-remote-wallet, which sends any
//! message starting with `0xff` (the off-chain signing domain) to the
//! Solana app's off-chain message command (INS 0x07).

use agent_escrow::{
    offchain::{OwnerAction, OwnerMessage, HEADER_LEN},
    state::{Escrow, Policy},
    ID as PROGRAM_ID,
};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use solana_signature::Signature;

use crate::instructions::{self, EscrowAccounts};

pub use agent_escrow::offchain::MAX_EXPIRES_AT;

/// The message for `action` on the escrow at `address` (read from the
/// chain with its policy at `policy_address`), expiring at `expires_at`
/// (unix seconds). The proof's time is the escrow's `state_at`: read the
/// escrow after its proof, or the program refuses the message
/// (`OwnerMessageProofMismatch`).
pub fn owner_message(
    action: OwnerAction,
    (policy_address, policy): (&Pubkey, &Policy),
    (address, escrow): (&Pubkey, &Escrow),
    expires_at: i64,
) -> OwnerMessage {
    OwnerMessage {
        action,
        amount: escrow.amount,
        decimals: policy.decimals,
        mint: policy.mint,
        provider: escrow.provider,
        escrow: *address,
        policy: *policy_address,
        proof_at: escrow.state_at,
        expires_at,
    }
}

/// A message ready to sign: the text shown on the device and the envelope
/// bytes signed (application domain = this program, signer = the owner).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignableMessage {
    pub message: OwnerMessage,
    pub owner: Pubkey,
    /// Printable ASCII, one line.
    pub text: String,
    pub envelope: Vec<u8>,
}

/// Errors building a message: only an expiry the text cannot show.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum MessageError {
    #[error("expires_at {0} is outside 0..={MAX_EXPIRES_AT} (1970-01-01 to 9999-12-31 UTC)")]
    ExpiryOutOfRange(i64),
}

impl SignableMessage {
    /// Builds the envelope for `owner`; the text is its part after the
    /// header.
    pub fn new(message: OwnerMessage, owner: Pubkey) -> Result<Self, MessageError> {
        let envelope = message
            .envelope(&PROGRAM_ID, &owner)
            .ok_or(MessageError::ExpiryOutOfRange(message.expires_at))?;
        // Printable ASCII by construction (base58, digits, labels).
        let text =
            String::from_utf8_lossy(envelope.get(HEADER_LEN..).unwrap_or_default()).into_owned();
        Ok(Self {
            message,
            owner,
            text,
            envelope,
        })
    }

    /// Whether `signature` is the owner's ed25519 signature over the envelope.
    pub fn verifies(&self, signature: &Signature) -> bool {
        signature.verify(self.owner.as_ref(), &self.envelope)
    }

    /// The transaction's instructions: the ed25519 signature-verify
    /// instruction carrying `signature` over the envelope, then
    /// `escrow_approve_offchain` or `escrow_veto_offchain` signed by
    /// `submitter` (any key). The signature is the owner's
    /// ([`Self::instructions_signed_by`] names another key, which the
    /// program refuses: for tests and `--skip-checks`).
    pub fn instructions(
        &self,
        submitter: &Pubkey,
        keys: &EscrowAccounts,
        signature: &Signature,
    ) -> Vec<Instruction> {
        self.instructions_signed_by(&self.owner, submitter, keys, signature)
    }

    /// [`Self::instructions`] for a signature made by `signer`.
    pub fn instructions_signed_by(
        &self,
        signer: &Pubkey,
        submitter: &Pubkey,
        keys: &EscrowAccounts,
        signature: &Signature,
    ) -> Vec<Instruction> {
        let bytes: [u8; 64] = (*signature).into();
        let verify = instructions::ed25519_signature(signer, &bytes, &self.envelope);
        let act = match self.message.action {
            OwnerAction::ApproveRelease => {
                instructions::escrow_approve_offchain(submitter, keys, self.message.expires_at)
            }
            OwnerAction::VetoRelease => instructions::escrow_veto_offchain(
                submitter,
                &keys.policy,
                &keys.escrow,
                self.message.expires_at,
            ),
        };
        vec![verify, act]
    }
}
