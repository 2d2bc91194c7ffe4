//! One interface over the ways to reach a chain: the embedded LiteSVM
//! backend ([`crate::embedded::EmbeddedSvm`]) and JSON-RPC
//! ([`crate::rpc::RpcTransport`], a solana-client nonblocking `RpcClient`).

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

/// What a simulation of a transaction produced.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// Compute units consumed (also on failure, up to the failing point).
    pub compute_units: u64,
    pub logs: Vec<String>,
    /// The failure, as the client would report it after sending.
    pub error: Option<String>,
    /// The failure itself (build the client's error with
    /// [`crate::ClientError::from_transaction`] and [`Simulation::logs`]).
    pub err: Option<solana_transaction_error::TransactionError>,
}

/// A confirmed transaction that touched an address: for the audit trail.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub signature: Signature,
    /// Cluster time of the block (unix seconds), when known.
    pub block_time: Option<i64>,
    pub logs: Vec<String>,
}

/// A `getProgramAccounts` memcmp filter: `bytes` at `offset` of the account data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memcmp {
    pub offset: usize,
    pub bytes: Vec<u8>,
}

/// A chain the client can read from and send transactions to.
#[allow(async_fn_in_trait)]
pub trait Transport {
    /// A short description for messages ("embedded", an RPC URL).
    fn describe(&self) -> String;
    /// A recent blockhash to sign with.
    async fn latest_blockhash(&self) -> Result<Hash, ClientError>;
    /// Sends a signed transaction and waits until it is confirmed or rejected.
    /// A transaction whose blockhash expired unconfirmed is
    /// [`ClientError::Expired`]: it can no longer land, so re-signing is safe.
    async fn send_transaction(&self, tx: Transaction) -> Result<TxOutcome, ClientError>;
    /// Simulates a transaction (signatures not verified) without landing it.
    async fn simulate_transaction(&self, tx: &Transaction) -> Result<Simulation, ClientError>;
    /// The account at `address`, or `None` if it does not exist.
    async fn get_account(&self, address: &Pubkey) -> Result<Option<Account>, ClientError>;
    /// Accounts of `program` of exactly `data_len` bytes matching every filter.
    async fn get_program_accounts(
        &self,
        program: &Pubkey,
        data_len: usize,
        filters: &[Memcmp],
    ) -> Result<Vec<(Pubkey, Account)>, ClientError>;
    /// Confirmed transactions that touched `address`, oldest first (at most `limit`).
    async fn history(
        &self,
        address: &Pubkey,
        limit: usize,
    ) -> Result<Vec<HistoryEntry>, ClientError>;
    /// The cluster's clock (`Clock::unix_timestamp`), unix seconds.
    async fn unix_timestamp(&self) -> Result<i64, ClientError>;
    /// Lamports an account of `len` bytes needs to be rent-exempt.
    async fn minimum_balance_for_rent_exemption(&self, len: usize) -> Result<u64, ClientError>;
}

/// The nonce account of a durable-nonce transaction: its first instruction
/// is the system program's `AdvanceNonceAccount` (instruction index 4,
/// little-endian u32; accounts: nonce, recent blockhashes sysvar,
/// authority). Source: solana-system-interface `SystemInstruction`.
pub fn durable_nonce_account(tx: &Transaction) -> Option<Pubkey> {
    const ADVANCE_NONCE_ACCOUNT: [u8; 4] = 4u32.to_le_bytes();
    let first = tx.message.instructions.first()?;
    let program = tx
        .message
        .account_keys
        .get(usize::from(first.program_id_index))?;
    if *program != anchor_lang::solana_program::system_program::ID
        || first.data.get(..4) != Some(&ADVANCE_NONCE_ACCOUNT[..])
    {
        return None;
    }
    let index = usize::from(*first.accounts.first()?);
    tx.message.account_keys.get(index).copied()
}
