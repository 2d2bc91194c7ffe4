//! One interface over the ways to reach a chain. The embedded LiteSVM
//! backend ([`crate::embedded::EmbeddedSvm`]) implements it today; the
//! JSON-RPC backend implements the same trait.

use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::Transaction;

use crate::{error::ClientError, events::EscrowEvent};

/// What a confirmed transaction produced.
#[derive(Debug, Clone)]
pub struct TxOutcome {
    pub signature: Signature,
    /// Compute units the whole transaction consumed.
    pub compute_units: u64,
    pub logs: Vec<String>,
    /// This program's events, decoded from `logs`, in order.
    pub events: Vec<EscrowEvent>,
}

/// A chain the client can read from and send transactions to.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// A short description for messages ("embedded", an RPC URL).
    fn describe(&self) -> String;
    /// A recent blockhash to sign with.
    async fn latest_blockhash(&self) -> Result<Hash, ClientError>;
    /// Sends a signed transaction and waits until it is confirmed or rejected.
    async fn send_transaction(&self, tx: Transaction) -> Result<TxOutcome, ClientError>;
    /// The account at `address`, or `None` if it does not exist.
    async fn get_account(&self, address: &Pubkey) -> Result<Option<Account>, ClientError>;
    /// The cluster's clock (`Clock::unix_timestamp`), unix seconds.
    async fn unix_timestamp(&self) -> Result<i64, ClientError>;
    /// Lamports an account of `len` bytes needs to be rent-exempt.
    async fn minimum_balance_for_rent_exemption(&self, len: usize) -> Result<u64, ClientError>;
}
