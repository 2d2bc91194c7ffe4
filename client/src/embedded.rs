//! The embedded backend: a LiteSVM instance inside this process, running
//! the real SBPF program binary (`target/deploy/agent_escrow.so`) with the
//! SPL Token and Associated Token Account programs LiteSVM bundles.

use std::{path::Path, sync::Mutex};

use anchor_lang::{prelude::Pubkey, solana_program::clock::Clock};
use litesvm::LiteSVM;
use solana_account::Account;
use solana_hash::Hash;
use solana_transaction::Transaction;

use crate::{
    error::ClientError,
    events::parse_events,
    pda::PROGRAM_ID,
    transport::{Transport, TxOutcome},
};

/// Environment variable naming the program binary to load.
pub const PROGRAM_SO_ENV: &str = "AGENT_ESCROW_SO";

/// LiteSVM with the agent-escrow program loaded at [`PROGRAM_ID`].
pub struct EmbeddedSvm {
    svm: Mutex<LiteSVM>,
}

impl EmbeddedSvm {
    /// Loads the program from `so_path` and sets the clock to the host's
    /// wall-clock time.
    pub fn new(so_path: &Path) -> Result<Self, ClientError> {
        let bytes = std::fs::read(so_path).map_err(|e| ClientError::ProgramBinary {
            path: so_path.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut svm = LiteSVM::new();
        svm.add_program(PROGRAM_ID, &bytes)
            .map_err(|e| ClientError::ProgramBinary {
                path: so_path.display().to_string(),
                reason: format!("LiteSVM rejected it: {e:?}"),
            })?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let mut clock: Clock = svm.get_sysvar();
        clock.unix_timestamp = now;
        svm.set_sysvar(&clock);
        Ok(Self {
            svm: Mutex::new(svm),
        })
    }

    /// Loads the program from `$AGENT_ESCROW_SO`, else from
    /// `target/deploy/agent_escrow.so` under `workspace_root`.
    pub fn from_env_or(workspace_root: &Path) -> Result<Self, ClientError> {
        let path = std::env::var_os(PROGRAM_SO_ENV)
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| workspace_root.join("target/deploy/agent_escrow.so"));
        Self::new(&path)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LiteSVM> {
        // A poisoned lock only means another thread panicked mid-call; the
        // SVM state itself is still consistent between transactions.
        self.svm.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Credits `lamports` to `address` (embedded chains have a free faucet).
    pub fn airdrop(&self, address: &Pubkey, lamports: u64) -> Result<(), ClientError> {
        self.lock()
            .airdrop(address, lamports)
            .map(|_| ())
            .map_err(|f| ClientError::Transaction {
                err: f.err,
                logs: f.meta.logs,
            })
    }

    /// Moves the cluster clock forward by `seconds`.
    pub fn advance_clock(&self, seconds: i64) {
        let mut svm = self.lock();
        let mut clock: Clock = svm.get_sysvar();
        clock.unix_timestamp = clock.unix_timestamp.saturating_add(seconds);
        svm.set_sysvar(&clock);
    }

    /// Sets the cluster clock to `unix_timestamp`.
    pub fn set_unix_timestamp(&self, unix_timestamp: i64) {
        let mut svm = self.lock();
        let mut clock: Clock = svm.get_sysvar();
        clock.unix_timestamp = unix_timestamp;
        svm.set_sysvar(&clock);
    }

    /// Direct access to the SVM, for tests that need to plant accounts.
    pub fn with_svm<R>(&self, f: impl FnOnce(&mut LiteSVM) -> R) -> R {
        f(&mut self.lock())
    }
}

impl Transport for EmbeddedSvm {
    fn describe(&self) -> String {
        "embedded".to_string()
    }

    async fn latest_blockhash(&self) -> Result<Hash, ClientError> {
        Ok(self.lock().latest_blockhash())
    }

    async fn send_transaction(&self, tx: Transaction) -> Result<TxOutcome, ClientError> {
        let mut svm = self.lock();
        let result = svm.send_transaction(tx);
        // Each transaction lands in its own "block": later transactions get a
        // fresh blockhash, as on a real cluster.
        svm.expire_blockhash();
        match result {
            Ok(meta) => Ok(TxOutcome {
                signature: meta.signature,
                compute_units: meta.compute_units_consumed,
                events: parse_events(&meta.logs),
                logs: meta.logs,
            }),
            Err(failed) => Err(ClientError::from_transaction(failed.err, failed.meta.logs)),
        }
    }

    async fn get_account(&self, address: &Pubkey) -> Result<Option<Account>, ClientError> {
        Ok(self.lock().get_account(address).filter(|a| a.lamports > 0))
    }

    async fn unix_timestamp(&self) -> Result<i64, ClientError> {
        Ok(self.lock().get_sysvar::<Clock>().unix_timestamp)
    }

    async fn minimum_balance_for_rent_exemption(&self, len: usize) -> Result<u64, ClientError> {
        Ok(self.lock().minimum_balance_for_rent_exemption(len))
    }
}
