//! The embedded backend: a LiteSVM instance inside this process, running
//! the real SBPF program binary (`target/deploy/agent_escrow.so`) with the
//! SPL Token, Token-2022 and Associated Token Account programs LiteSVM
//! bundles, and the ed25519 precompile.
//!
//! State can be saved to a JSON file and loaded again, so separate CLI
//! invocations share one chain: every account that differs from a fresh
//! SVM, the clock, and the transaction history used by `history`.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::Mutex,
};

use anchor_lang::{prelude::Pubkey, solana_program::clock::Clock};
use base64::Engine;
use litesvm::LiteSVM;
use serde::{Deserialize, Serialize};
use solana_account::{Account, ReadableAccount};
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::Transaction;

use crate::{
    error::ClientError,
    events::parse_events,
    pda::PROGRAM_ID,
    transport::{HistoryEntry, Memcmp, Simulation, Transport, TxOutcome},
};

/// Environment variable naming the program binary to load.
pub const PROGRAM_SO_ENV: &str = "AGENT_ESCROW_SO";

/// Layout version of the saved state file.
const STATE_VERSION: u32 = 1;

/// A confirmed transaction as the embedded chain remembers it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Landed {
    signature: String,
    unix_time: i64,
    accounts: Vec<String>,
    logs: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SavedAccount {
    lamports: u64,
    owner: String,
    executable: bool,
    rent_epoch: u64,
    /// Base64 of the account data.
    data: String,
}

/// The saved-state file (JSON).
#[derive(Debug, Serialize, Deserialize)]
struct SavedState {
    version: u32,
    unix_timestamp: i64,
    slot: u64,
    accounts: BTreeMap<String, SavedAccount>,
    history: Vec<Landed>,
}

struct Inner {
    svm: LiteSVM,
    history: Vec<Landed>,
}

/// LiteSVM with the agent-escrow program loaded at [`PROGRAM_ID`].
pub struct EmbeddedSvm {
    inner: Mutex<Inner>,
    program_bytes: Vec<u8>,
    /// Set by anything that changes chain state (sends, airdrops, clock moves).
    dirty: std::sync::atomic::AtomicBool,
}

fn fresh_svm(program_bytes: &[u8], so_path: &Path) -> Result<LiteSVM, ClientError> {
    let mut svm = LiteSVM::new();
    svm.add_program(PROGRAM_ID, program_bytes)
        .map_err(|e| ClientError::ProgramBinary {
            path: so_path.display().to_string(),
            reason: format!("LiteSVM rejected it: {e:?}"),
        })?;
    Ok(svm)
}

fn state_error(path: &Path, reason: impl std::fmt::Display) -> ClientError {
    ClientError::Transport(format!(
        "embedded state file {}: {reason}. Delete it or run `agent-escrow embedded reset`",
        path.display()
    ))
}

impl EmbeddedSvm {
    /// Loads the program from `so_path` and sets the clock to the host's
    /// wall-clock time.
    pub fn new(so_path: &Path) -> Result<Self, ClientError> {
        let program_bytes = std::fs::read(so_path).map_err(|e| ClientError::ProgramBinary {
            path: so_path.display().to_string(),
            reason: e.to_string(),
        })?;
        let mut svm = fresh_svm(&program_bytes, so_path)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let mut clock: Clock = svm.get_sysvar();
        clock.unix_timestamp = now;
        svm.set_sysvar(&clock);
        Ok(Self {
            inner: Mutex::new(Inner {
                svm,
                history: Vec::new(),
            }),
            program_bytes,
            dirty: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// `$AGENT_ESCROW_SO`, else `target/deploy/agent_escrow.so` under `workspace_root`.
    pub fn program_path(workspace_root: &Path) -> PathBuf {
        std::env::var_os(PROGRAM_SO_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root.join("target/deploy/agent_escrow.so"))
    }

    /// Loads the program from `so_path` and, if `state` exists, the chain
    /// state saved there (the program itself always comes from `so_path`).
    pub fn open(so_path: &Path, state: &Path) -> Result<Self, ClientError> {
        let embedded = Self::new(so_path)?;
        if !state.exists() {
            return Ok(embedded);
        }
        let text = std::fs::read_to_string(state).map_err(|e| state_error(state, e))?;
        let saved: SavedState = serde_json::from_str(&text).map_err(|e| state_error(state, e))?;
        if saved.version != STATE_VERSION {
            return Err(state_error(
                state,
                format!("version {} (expected {STATE_VERSION})", saved.version),
            ));
        }
        {
            let mut inner = embedded.lock();
            for (key, account) in saved.accounts {
                let key: Pubkey = key.parse().map_err(|e| state_error(state, e))?;
                let owner: Pubkey = account.owner.parse().map_err(|e| state_error(state, e))?;
                let data = base64::engine::general_purpose::STANDARD
                    .decode(account.data)
                    .map_err(|e| state_error(state, e))?;
                let account = Account {
                    lamports: account.lamports,
                    data,
                    owner,
                    executable: account.executable,
                    rent_epoch: account.rent_epoch,
                };
                inner
                    .svm
                    .set_account(key, account)
                    .map_err(|e| state_error(state, format!("{e:?}")))?;
            }
            inner.svm.warp_to_slot(saved.slot);
            let mut clock: Clock = inner.svm.get_sysvar();
            clock.unix_timestamp = saved.unix_timestamp;
            inner.svm.set_sysvar(&clock);
            inner.history = saved.history;
        }
        Ok(embedded)
    }

    /// Writes the chain state to `state` (atomically: a temp file, then rename).
    pub fn save(&self, state: &Path) -> Result<(), ClientError> {
        let inner = self.lock();
        let reference = fresh_svm(&self.program_bytes, Path::new("<program>"))?;
        let mut accounts = BTreeMap::new();
        for (key, account) in inner.svm.accounts_db().inner.iter() {
            if reference.accounts_db().inner.get(key) == Some(account) || account.lamports() == 0 {
                continue;
            }
            // Sysvars are restored from the clock below; the program from the .so.
            if *account.owner()
                == anchor_lang::prelude::pubkey!("Sysvar1111111111111111111111111111111111111")
                || *key == PROGRAM_ID
            {
                continue;
            }
            accounts.insert(
                key.to_string(),
                SavedAccount {
                    lamports: account.lamports(),
                    owner: account.owner().to_string(),
                    executable: account.executable(),
                    rent_epoch: account.rent_epoch(),
                    data: base64::engine::general_purpose::STANDARD.encode(account.data()),
                },
            );
        }
        let clock: Clock = inner.svm.get_sysvar();
        let saved = SavedState {
            version: STATE_VERSION,
            unix_timestamp: clock.unix_timestamp,
            slot: clock.slot,
            accounts,
            history: inner.history.clone(),
        };
        let text = serde_json::to_string(&saved).map_err(|e| state_error(state, e))?;
        if let Some(dir) = state.parent() {
            std::fs::create_dir_all(dir).map_err(|e| state_error(state, e))?;
        }
        let tmp = state.with_extension("tmp");
        std::fs::write(&tmp, text).map_err(|e| state_error(state, e))?;
        std::fs::rename(&tmp, state).map_err(|e| state_error(state, e))
    }

    /// Whether anything changed the chain since it was created or opened.
    pub fn is_dirty(&self) -> bool {
        self.dirty.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn touch(&self) {
        self.dirty.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A poisoned lock only means another thread panicked mid-call; the
        // SVM state itself is still consistent between transactions.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Credits `lamports` to `address` (embedded chains have a free faucet).
    pub fn airdrop(&self, address: &Pubkey, lamports: u64) -> Result<(), ClientError> {
        self.touch();
        self.lock()
            .svm
            .airdrop(address, lamports)
            .map(|_| ())
            .map_err(|f| ClientError::Transaction {
                err: f.err,
                logs: f.meta.logs,
            })
    }

    /// Moves the cluster clock forward by `seconds`.
    pub fn advance_clock(&self, seconds: i64) {
        self.touch();
        let mut inner = self.lock();
        let mut clock: Clock = inner.svm.get_sysvar();
        clock.unix_timestamp = clock.unix_timestamp.saturating_add(seconds);
        inner.svm.set_sysvar(&clock);
    }

    /// Sets the cluster clock to `unix_timestamp`.
    pub fn set_unix_timestamp(&self, unix_timestamp: i64) {
        self.touch();
        let mut inner = self.lock();
        let mut clock: Clock = inner.svm.get_sysvar();
        clock.unix_timestamp = unix_timestamp;
        inner.svm.set_sysvar(&clock);
    }

    /// Direct access to the SVM, for tests that need to plant accounts.
    pub fn with_svm<R>(&self, f: impl FnOnce(&mut LiteSVM) -> R) -> R {
        f(&mut self.lock().svm)
    }
}

impl Transport for EmbeddedSvm {
    fn describe(&self) -> String {
        "embedded".to_string()
    }

    async fn latest_blockhash(&self) -> Result<Hash, ClientError> {
        Ok(self.lock().svm.latest_blockhash())
    }

    async fn send_transaction(&self, tx: Transaction) -> Result<TxOutcome, ClientError> {
        self.touch();
        let mut inner = self.lock();
        let accounts: Vec<String> = tx
            .message
            .account_keys
            .iter()
            .map(|k| k.to_string())
            .collect();
        let result = inner.svm.send_transaction(tx);
        // Each transaction lands in its own "block": later transactions get a
        // fresh blockhash, as on a real cluster.
        inner.svm.expire_blockhash();
        match result {
            Ok(meta) => {
                let unix_time = inner.svm.get_sysvar::<Clock>().unix_timestamp;
                inner.history.push(Landed {
                    signature: meta.signature.to_string(),
                    unix_time,
                    accounts,
                    logs: meta.logs.clone(),
                });
                Ok(TxOutcome {
                    signature: meta.signature,
                    compute_units: meta.compute_units_consumed,
                    events: parse_events(&meta.logs),
                    logs: meta.logs,
                })
            }
            Err(failed) => Err(ClientError::from_transaction(failed.err, failed.meta.logs)),
        }
    }

    async fn simulate_transaction(&self, tx: &Transaction) -> Result<Simulation, ClientError> {
        let inner = self.lock();
        Ok(match inner.svm.simulate_transaction(tx.clone()) {
            Ok(info) => Simulation {
                compute_units: info.meta.compute_units_consumed,
                logs: info.meta.logs,
                error: None,
            },
            Err(failed) => Simulation {
                compute_units: failed.meta.compute_units_consumed,
                error: Some(
                    ClientError::from_transaction(failed.err, failed.meta.logs.clone()).to_string(),
                ),
                logs: failed.meta.logs,
            },
        })
    }

    async fn get_account(&self, address: &Pubkey) -> Result<Option<Account>, ClientError> {
        Ok(self
            .lock()
            .svm
            .get_account(address)
            .filter(|a| a.lamports > 0))
    }

    async fn get_program_accounts(
        &self,
        program: &Pubkey,
        data_len: usize,
        filters: &[Memcmp],
    ) -> Result<Vec<(Pubkey, Account)>, ClientError> {
        let inner = self.lock();
        let mut out: Vec<(Pubkey, Account)> = inner
            .svm
            .get_program_accounts(program)
            .into_iter()
            .filter(|(_, a)| {
                a.data.len() == data_len
                    && filters.iter().all(|f| {
                        a.data.get(f.offset..f.offset + f.bytes.len()) == Some(f.bytes.as_slice())
                    })
            })
            .collect();
        out.sort_by_key(|(k, _)| *k);
        Ok(out)
    }

    async fn history(
        &self,
        address: &Pubkey,
        limit: usize,
    ) -> Result<Vec<HistoryEntry>, ClientError> {
        let key = address.to_string();
        let inner = self.lock();
        let matching: Vec<&Landed> = inner
            .history
            .iter()
            .filter(|l| l.accounts.contains(&key))
            .collect();
        let skip = matching.len().saturating_sub(limit);
        matching
            .into_iter()
            .skip(skip)
            .map(|l| {
                Ok(HistoryEntry {
                    signature: l
                        .signature
                        .parse::<Signature>()
                        .map_err(|e| ClientError::Transport(e.to_string()))?,
                    block_time: Some(l.unix_time),
                    logs: l.logs.clone(),
                })
            })
            .collect()
    }

    async fn unix_timestamp(&self) -> Result<i64, ClientError> {
        Ok(self.lock().svm.get_sysvar::<Clock>().unix_timestamp)
    }

    async fn minimum_balance_for_rent_exemption(&self, len: usize) -> Result<u64, ClientError> {
        Ok(self.lock().svm.minimum_balance_for_rent_exemption(len))
    }
}
