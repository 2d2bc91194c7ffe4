//! The embedded backend: a LiteSVM instance inside this process, running
//! the real SBPF program binary (`target/deploy/agent_escrow.so`) with the
//! SPL Token, Token-2022 and Associated Token Account programs LiteSVM
//! bundles, and the ed25519 precompile.
//!
//! State can be saved to a JSON file and loaded again, so separate CLI
//! invocations share one chain: every account that differs from a fresh
//! SVM, the clock, the latest blockhash, and the transaction history used
//! by `history`.
//!
//! # Concurrency model
//!
//! A state file has one writer at a time. A process that uses it takes an
//! exclusive advisory lock ([`StateLock`], `flock(2)` on `<state>.lock`)
//! *before* loading the state and holds it until after saving, so
//! load → execute → save is one critical section: concurrent commands run
//! one after another, never on the same snapshot (no lost writes). Saving
//! writes a temporary file in the same directory and renames it over the
//! state file, so a process that reads the file without the lock sees the
//! old state or the new one, never a torn file. A save that fails is an
//! error the caller must report instead of success: the transactions of
//! that process did not happen on the saved chain.
//!
//! As on a real cluster a signature lands at most once: the blockhash moves
//! on after every transaction and is saved, and a transaction whose
//! signature is already in the history is refused with
//! `TransactionError::AlreadyProcessed`.

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
    /// How many times the blockhash moved on since genesis (once per sent
    /// transaction): replayed on load, as LiteSVM derives each blockhash
    /// from the previous one. 0 in files saved before it was kept.
    #[serde(default)]
    blockhash_count: u64,
    /// The latest blockhash (base58), to check the replay.
    #[serde(default)]
    blockhash: Option<String>,
    /// Signatures of transactions executed with an error (fee charged):
    /// they cannot be processed again either.
    #[serde(default)]
    failed: Vec<String>,
}

/// An exclusive lock on an embedded state file, held from before
/// [`EmbeddedSvm::open`] until after [`EmbeddedSvm::save`] (see the module
/// docs). Released when dropped (the lock file itself stays: deleting it
/// would let two processes lock two different files).
#[derive(Debug)]
pub struct StateLock {
    _file: std::fs::File,
    path: PathBuf,
}

impl StateLock {
    /// The lock file for `state`: `<state>.lock` beside it.
    pub fn path_for(state: &Path) -> PathBuf {
        let mut name = state.file_name().unwrap_or_default().to_os_string();
        name.push(".lock");
        state.with_file_name(name)
    }

    /// Takes the lock on `state`, waiting for the process that holds it.
    /// `waiting` is called once, before blocking, if another process holds
    /// it (e.g. to tell the user why nothing happens).
    pub fn acquire(state: &Path, waiting: impl FnOnce(&Path)) -> Result<Self, ClientError> {
        use fs2::FileExt;
        let path = Self::path_for(state);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| state_error(state, e))?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| {
                state_error(
                    state,
                    format!("cannot open lock file {}: {e}", path.display()),
                )
            })?;
        if file.try_lock_exclusive().is_err() {
            waiting(&path);
            file.lock_exclusive()
                .map_err(|e| state_error(state, format!("cannot lock {}: {e}", path.display())))?;
        }
        Ok(Self { _file: file, path })
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

struct Inner {
    svm: LiteSVM,
    history: Vec<Landed>,
    /// Blockhash moves since genesis (see [`SavedState::blockhash_count`]).
    blockhash_count: u64,
    /// See [`SavedState::failed`].
    failed: Vec<String>,
}

/// LiteSVM with the agent-escrow program loaded at [`PROGRAM_ID`].
pub struct EmbeddedSvm {
    inner: Mutex<Inner>,
    program_bytes: Vec<u8>,
    /// Set by anything that changes chain state (sends, airdrops, clock moves).
    dirty: std::sync::atomic::AtomicBool,
}

/// LiteSVM with the program. LiteSVM's own signature check is off so that
/// simulations skip it (as RPC `simulateTransaction` with `sigVerify:
/// false` does, for `--dry-run` and compute-unit estimates);
/// [`EmbeddedSvm`]'s `send_transaction` verifies every signature itself
/// before executing, and refuses a signature it has seen.
fn fresh_svm(program_bytes: &[u8], so_path: &Path) -> Result<LiteSVM, ClientError> {
    let mut svm = LiteSVM::new().with_sigverify(false);
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

/// A failed save: nothing this process did reached the saved chain.
fn save_error(path: &Path, reason: impl std::fmt::Display) -> ClientError {
    ClientError::Transport(format!(
        "cannot save the embedded state file {}: {reason}. Nothing this command did was \
         saved (the chain is as before it ran); make the file and its directory writable, \
         or pass --embedded-state PATH",
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
                blockhash_count: 0,
                failed: Vec::new(),
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
            for _ in 0..saved.blockhash_count {
                inner.svm.expire_blockhash();
            }
            inner.blockhash_count = saved.blockhash_count;
            if let Some(saved_hash) = &saved.blockhash {
                let latest = inner.svm.latest_blockhash().to_string();
                if *saved_hash != latest {
                    return Err(state_error(
                        state,
                        format!("blockhash {saved_hash} does not replay (got {latest})"),
                    ));
                }
            }
            let mut clock: Clock = inner.svm.get_sysvar();
            clock.unix_timestamp = saved.unix_timestamp;
            inner.svm.set_sysvar(&clock);
            inner.history = saved.history;
            inner.failed = saved.failed;
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
            blockhash_count: inner.blockhash_count,
            blockhash: Some(inner.svm.latest_blockhash().to_string()),
            failed: inner.failed.clone(),
        };
        let text = serde_json::to_string(&saved).map_err(|e| save_error(state, e))?;
        let dir = match state.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(dir) => dir.to_path_buf(),
            None => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|e| save_error(state, e))?;
        // A uniquely named temporary file in the same directory (same file
        // system), flushed, then renamed over the state file: readers see
        // the old file or the new one, never a partial write.
        let mut tmp = tempfile::Builder::new()
            .prefix(".agent-escrow-state")
            .tempfile_in(&dir)
            .map_err(|e| save_error(state, format!("cannot write in {}: {e}", dir.display())))?;
        use std::io::Write;
        tmp.write_all(text.as_bytes())
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| save_error(state, e))?;
        tmp.persist(state)
            .map(|_| ())
            .map_err(|e| save_error(state, e.error))
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

/// Stores the durable nonce of `blockhash` in the nonce account `nonce`, as
/// the runtime does for a nonce transaction that fails. Layout (bincode of
/// `solana_nonce::versions::Versions::Current(State::Initialized(Data))`,
/// 80 bytes): version u32 = 1 | state u32 = 1 | authority (32) | durable
/// nonce (32) @40 | lamports_per_signature u64.
fn advance_nonce(svm: &mut LiteSVM, nonce: &Pubkey, blockhash: &Hash) {
    let Some(mut account) = svm.get_account(nonce) else {
        return;
    };
    let initialized =
        account.data.len() == 80 && account.data.get(..8) == Some(&[1, 0, 0, 0, 1, 0, 0, 0][..]);
    if !initialized {
        return;
    }
    let durable =
        solana_nonce::state::DurableNonce::from_blockhash(&solana_nonce_hash(blockhash.to_bytes()));
    account.data[40..72].copy_from_slice(durable.as_hash().as_ref());
    let _ = svm.set_account(*nonce, account);
}

/// `solana-nonce` 3 names `solana-hash` 3's `Hash`; this crate uses 4.
fn solana_nonce_hash(bytes: [u8; 32]) -> solana_nonce_hash::Hash {
    solana_nonce_hash::Hash::new_from_array(bytes)
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
        if let Err(err) = tx.verify() {
            return Err(ClientError::Transaction {
                err,
                logs: Vec::new(),
            });
        }
        // A signature lands once, also across processes sharing the state
        // file.
        if let Some(signature) = tx.signatures.first() {
            let signature = signature.to_string();
            if inner.history.iter().any(|l| l.signature == signature)
                || inner.failed.contains(&signature)
            {
                return Err(ClientError::Transaction {
                    err: solana_transaction_error::TransactionError::AlreadyProcessed,
                    logs: Vec::new(),
                });
            }
        }
        let signature = tx.signatures.first().copied().unwrap_or_default();
        let nonce = crate::transport::durable_nonce_account(&tx);
        let blockhash = inner.svm.latest_blockhash();
        let result = inner.svm.send_transaction(tx);
        // Each transaction lands in its own "block": later transactions get a
        // fresh blockhash, as on a real cluster.
        inner.svm.expire_blockhash();
        inner.blockhash_count += 1;
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
            Err(failed) => {
                // Executed with an error: the fee is charged and, as on a
                // cluster, the signature is spent and a durable nonce is
                // advanced all the same (LiteSVM rolls both back).
                if let solana_transaction_error::TransactionError::InstructionError(..) = failed.err
                {
                    inner.failed.push(signature.to_string());
                    if let Some(nonce) = nonce {
                        advance_nonce(&mut inner.svm, &nonce, &blockhash);
                    }
                }
                Err(ClientError::from_transaction(failed.err, failed.meta.logs))
            }
        }
    }

    async fn simulate_transaction(&self, tx: &Transaction) -> Result<Simulation, ClientError> {
        let inner = self.lock();
        // As RPC's `replaceRecentBlockhash`: an unsigned estimate built with
        // the default blockhash (compute-unit sizing) simulates on the latest.
        let mut tx = tx.clone();
        if tx.message.recent_blockhash == Hash::default() {
            tx.message.recent_blockhash = inner.svm.latest_blockhash();
        }
        Ok(match inner.svm.simulate_transaction(tx) {
            Ok(info) => Simulation {
                compute_units: info.meta.compute_units_consumed,
                logs: info.meta.logs,
                error: None,
                err: None,
            },
            Err(failed) => Simulation {
                compute_units: failed.meta.compute_units_consumed,
                error: Some(
                    ClientError::from_transaction(failed.err.clone(), failed.meta.logs.clone())
                        .to_string(),
                ),
                err: Some(failed.err),
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
