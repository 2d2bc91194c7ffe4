//! Client library for the agent-escrow program (no CLI code here).
//!
//! - [`pda`]: addresses, from the program's own seed constants.
//! - [`instructions`]: pure instruction builders.
//! - [`accounts`] / [`events`]: decoding of accounts and of the event audit trail.
//! - [`amount`]: exact decimal-string <-> base-unit conversion.
//! - [`transport`]: one trait over chains; [`embedded`] implements it with
//!   LiteSVM running the real program binary.
//! - [`client`]: `EscrowClient`, which signs, sends and reads.

pub mod accounts;
pub mod amount;
pub mod client;
pub mod deploy;
pub mod embedded;
pub mod error;
pub mod events;
pub mod instructions;
pub mod pda;
pub mod rpc;
pub mod transport;

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
