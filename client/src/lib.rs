//! Client library for the agent-escrow program (no CLI code here).
//!
//! - [`pda`]: addresses, from the program's own seed constants.
//! - [`instructions`]: pure instruction builders.
//! - [`accounts`] / [`events`]: decoding of accounts and of the event audit trail.
//! - [`amount`]: exact decimal-string <-> base-unit conversion.
//! - [`preflight`]: the program's bounds checked on the client before any
//!   fee is spent; each refusal names the program error it anticipates.
//! - [`transport`]: one trait over chains; [`embedded`] implements it with
//!   LiteSVM running the real program binary.
//! - [`client`]: `EscrowClient`, which signs, sends and reads.
//! - [`batch`]: throughput over JSON-RPC: many transactions signed on one
//!   blockhash, sent concurrently (256 in flight), confirmed in bulk with
//!   `getSignatureStatuses`, re-signed when their blockhash expires unseen,
//!   each with its outcome and latency; and the escrow pipeline (create,
//!   then the instant-tier proof) that never creates an escrow twice.

pub mod accounts;
pub mod amount;
pub mod batch;
pub mod client;
pub mod deploy;
pub mod embedded;
pub mod error;
pub mod events;
pub mod instructions;
pub mod offchain;
pub mod pda;
pub mod preflight;
pub mod rpc;
pub mod transport;
pub mod verify;

pub use agent_escrow;
pub use anchor_lang;
pub use client::{CreateOutcome, EscrowClient, HistoryItem, SendOptions};
pub use error::{ClientError, ProgramFailure};
pub use solana_account::Account;
pub use solana_keypair::Keypair;
pub use solana_signer::Signer;

/// sha256 of `bytes`: task hashes and proof hashes.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}
