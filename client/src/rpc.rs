//! JSON-RPC backend over solana-client's nonblocking `RpcClient`.

use std::time::Duration;

use anchor_lang::prelude::Pubkey;
use solana_account::Account;
use solana_client::{
    client_error::{ClientError as RpcClientError, ClientErrorKind as ErrorKind},
    nonblocking::rpc_client::RpcClient,
    rpc_client::GetConfirmedSignaturesForAddress2Config,
    rpc_config::{
        RpcAccountInfoConfig, RpcProgramAccountsConfig, RpcSendTransactionConfig,
        RpcSimulateTransactionConfig, RpcTransactionConfig,
    },
    rpc_filter::{Memcmp as RpcMemcmp, RpcFilterType},
    rpc_request::{RpcError, RpcResponseErrorData},
};
use solana_commitment_config::CommitmentConfig;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::Transaction;
use solana_transaction_status_client_types::{
    option_serializer::OptionSerializer, UiTransactionEncoding,
};

use crate::{
    error::ClientError,
    events::parse_events,
    transport::{HistoryEntry, Memcmp, Simulation, Transport, TxOutcome},
};

/// How often the signature status is polled while waiting for confirmation.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// A cluster reached over JSON-RPC at one commitment level.
pub struct RpcTransport {
    client: RpcClient,
    commitment: CommitmentConfig,
}

impl RpcTransport {
    /// `url`: an HTTP(S) JSON-RPC endpoint; reads and confirmations use `commitment`.
    pub fn new(url: String, commitment: CommitmentConfig) -> Self {
        Self {
            client: RpcClient::new_with_commitment(url, commitment),
            commitment,
        }
    }

    /// The underlying client (for calls this trait does not cover).
    pub fn rpc(&self) -> &RpcClient {
        &self.client
    }

    /// Requests `lamports` from the cluster's faucet (localnet, devnet) and
    /// waits until the airdrop is confirmed.
    pub async fn airdrop(&self, to: &Pubkey, lamports: u64) -> Result<(), ClientError> {
        let signature = self
            .client
            .request_airdrop(to, lamports)
            .await
            .map_err(|e| self.network(e))?;
        for _ in 0..240 {
            if self
                .client
                .confirm_transaction_with_commitment(&signature, self.commitment)
                .await
                .map_err(|e| self.network(e))?
                .value
            {
                return Ok(());
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
        Err(ClientError::Transport(format!(
            "airdrop {signature} not confirmed within 60 s"
        )))
    }

    async fn fetch_outcome(&self, signature: Signature) -> Result<TxOutcome, ClientError> {
        let config = RpcTransactionConfig {
            encoding: Some(UiTransactionEncoding::Base64),
            commitment: Some(self.commitment),
            max_supported_transaction_version: Some(0),
        };
        // The transaction is confirmed; its details can lag a moment behind.
        let mut last_error = None;
        for _ in 0..20 {
            match self
                .client
                .get_transaction_with_config(&signature, config)
                .await
            {
                Ok(tx) => {
                    let meta = tx.transaction.meta.ok_or_else(|| {
                        ClientError::Transport("transaction has no status meta".into())
                    })?;
                    let logs = option(meta.log_messages).unwrap_or_default();
                    if let Some(err) = meta.err {
                        return Err(ClientError::from_transaction(err.into(), logs));
                    }
                    return Ok(TxOutcome {
                        signature,
                        compute_units: option(meta.compute_units_consumed).unwrap_or_default(),
                        events: parse_events(&logs),
                        logs,
                    });
                }
                Err(e) => last_error = Some(e),
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
        Err(match last_error {
            Some(e) => self.network(e),
            None => ClientError::Transport(format!("transaction {signature} not found")),
        })
    }
}

impl RpcTransport {
    /// Whether the durable nonce in `nonce` is still `value` (the
    /// transaction signed with it can still land).
    async fn nonce_unchanged(&self, nonce: &Pubkey, value: &Hash) -> Result<bool, ClientError> {
        let account = self
            .client
            .get_account_with_commitment(nonce, self.commitment)
            .await
            .map_err(|e| self.network(e))?
            .value;
        Ok(account
            .and_then(|a| solana_rpc_client_nonce_utils::data_from_account(&a).ok())
            .is_some_and(|data| data.blockhash() == *value))
    }
}

/// How long the client waits for a durable-nonce transaction (it has no
/// blockhash expiry to wait for).
const NONCE_WAIT: std::time::Duration = std::time::Duration::from_secs(90);
/// How often it re-sends one meanwhile.
const NONCE_RESEND: std::time::Duration = std::time::Duration::from_secs(2);

fn option<T>(value: OptionSerializer<T>) -> Option<T> {
    match value {
        OptionSerializer::Some(v) => Some(v),
        _ => None,
    }
}

impl RpcTransport {
    /// Maps an RPC failure: a preflight rejection carries the program's
    /// error and logs; an endpoint that cannot be reached (connection
    /// refused, DNS, timeout, HTTP error status) is
    /// [`ClientError::Unreachable`] naming this transport's URL; anything
    /// else is a [`ClientError::Transport`] failure.
    fn network(&self, err: RpcClientError) -> ClientError {
        map_rpc_error(&self.client.url(), err)
    }
}

/// See [`RpcTransport::network`]; `url` is the endpoint's.
pub fn map_rpc_error(url: &str, err: RpcClientError) -> ClientError {
    if let ErrorKind::RpcError(RpcError::RpcResponseError {
        data: RpcResponseErrorData::SendTransactionPreflightFailure(sim),
        ..
    }) = err.kind()
    {
        if let Some(tx_err) = sim.err.clone() {
            return ClientError::from_transaction(
                tx_err.into(),
                sim.logs.clone().unwrap_or_default(),
            );
        }
    }
    if let Some(tx_err) = err.get_transaction_error() {
        return ClientError::from_transaction(tx_err, Vec::new());
    }
    if let Some(reason) = unreachable_reason(err.kind()) {
        return ClientError::Unreachable {
            url: url.to_string(),
            reason,
        };
    }
    ClientError::Transport(err.to_string())
}

/// Why the endpoint could not be reached, if that is what `kind` says:
/// the innermost cause of a connection failure ("Connection refused (os
/// error 111)", "dns error: ..."), a timeout, or an HTTP error status.
fn unreachable_reason(kind: &ErrorKind) -> Option<String> {
    match kind {
        ErrorKind::Reqwest(e) => {
            if e.is_timeout() {
                Some(format!("no answer in time ({})", innermost(e)))
            } else if e.is_connect() {
                Some(innermost(e))
            } else if let Some(status) = e.status() {
                Some(format!("HTTP status {status}"))
            } else if e.is_request() {
                Some(innermost(e))
            } else {
                None
            }
        }
        ErrorKind::Io(e) => Some(e.to_string()),
        // solana-rpc-client 4.2.2's `get_account_with_config` folds the
        // transport error into a string: "AccountNotFound: pubkey=...:
        // error sending request for url (...)".
        ErrorKind::RpcError(RpcError::ForUser(message))
            if message.contains("error sending request") =>
        {
            message
                .split_once("error sending request")
                .map(|(_, rest)| format!("error sending request{rest}"))
        }
        _ => None,
    }
}

/// The message of the deepest `source()` of `err` (the OS-level cause).
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut current = err;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

impl Transport for RpcTransport {
    fn describe(&self) -> String {
        self.client.url()
    }

    async fn latest_blockhash(&self) -> Result<Hash, ClientError> {
        Ok(self
            .client
            .get_latest_blockhash_with_commitment(self.commitment)
            .await
            .map_err(|e| self.network(e))?
            .0)
    }

    async fn send_transaction(&self, tx: Transaction) -> Result<TxOutcome, ClientError> {
        let blockhash = tx.message.recent_blockhash;
        let nonce = crate::transport::durable_nonce_account(&tx);
        let config = RpcSendTransactionConfig {
            preflight_commitment: Some(self.commitment.commitment),
            ..RpcSendTransactionConfig::default()
        };
        let signature = self
            .client
            .send_transaction_with_config(&tx, config)
            .await
            .map_err(|e| self.network(e))?;
        let started = std::time::Instant::now();
        let mut resent = std::time::Instant::now();
        loop {
            // Liveness first, then the status: a transaction that lands
            // between the two reads is seen by the status read (checking in
            // the other order could call a landed transaction expired).
            let alive = match &nonce {
                Some(nonce) => self.nonce_unchanged(nonce, &blockhash).await?,
                None => self
                    .client
                    .is_blockhash_valid(&blockhash, self.commitment)
                    .await
                    .map_err(|e| self.network(e))?,
            };
            let status = if alive {
                self.client.get_signature_statuses(&[signature]).await
            } else {
                // The last look, through the whole status history.
                self.client
                    .get_signature_statuses_with_history(&[signature])
                    .await
            }
            .map_err(|e| self.network(e))?;
            if let Some(Some(status)) = status.value.first() {
                if let Some(err) = &status.err {
                    let logs = self.fetch_outcome(signature).await.err().map(|e| match e {
                        ClientError::Program(f) => f.logs,
                        _ => Vec::new(),
                    });
                    return Err(ClientError::from_transaction(
                        err.clone(),
                        logs.unwrap_or_default(),
                    ));
                }
                if status.satisfies_commitment(self.commitment) {
                    return self.fetch_outcome(signature).await;
                }
            } else if !alive {
                // Not seen, and its blockhash has expired (or its durable
                // nonce moved on): it can never land.
                return Err(ClientError::Expired { signature });
            }
            if nonce.is_some() {
                // A durable-nonce transaction has no blockhash expiry: the
                // RPC node stops re-sending it after ~150 blocks. Re-send
                // the same bytes (harmless: a signature lands once) and give
                // up waiting, not on the transaction, after NONCE_WAIT.
                if started.elapsed() > NONCE_WAIT {
                    return Err(ClientError::Transport(format!(
                        "transaction {signature} (durable nonce) not confirmed within {} s; its \
                         nonce is still valid, so it may still land: check with `agent-escrow \
                         nonce show` and run the same command again (it lands at most once)",
                        NONCE_WAIT.as_secs()
                    )));
                }
                if resent.elapsed() > NONCE_RESEND {
                    resent = std::time::Instant::now();
                    let _ = self.client.send_transaction_with_config(&tx, config).await;
                }
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    async fn simulate_transaction(&self, tx: &Transaction) -> Result<Simulation, ClientError> {
        let config = RpcSimulateTransactionConfig {
            sig_verify: false,
            replace_recent_blockhash: true,
            commitment: Some(self.commitment),
            ..RpcSimulateTransactionConfig::default()
        };
        let result = self
            .client
            .simulate_transaction_with_config(tx, config)
            .await
            .map_err(|e| self.network(e))?
            .value;
        Ok(Simulation {
            compute_units: result.units_consumed.unwrap_or_default(),
            logs: result.logs.unwrap_or_default(),
            error: result.err.as_ref().map(|e| e.to_string()),
            err: result.err.map(Into::into),
        })
    }

    async fn get_account(&self, address: &Pubkey) -> Result<Option<Account>, ClientError> {
        Ok(self
            .client
            .get_account_with_commitment(address, self.commitment)
            .await
            .map_err(|e| self.network(e))?
            .value)
    }

    async fn get_program_accounts(
        &self,
        program: &Pubkey,
        data_len: usize,
        filters: &[Memcmp],
    ) -> Result<Vec<(Pubkey, Account)>, ClientError> {
        let mut rpc_filters = vec![RpcFilterType::DataSize(data_len as u64)];
        rpc_filters.extend(
            filters.iter().map(|f| {
                RpcFilterType::Memcmp(RpcMemcmp::new_raw_bytes(f.offset, f.bytes.clone()))
            }),
        );
        let config = RpcProgramAccountsConfig {
            filters: Some(rpc_filters),
            account_config: RpcAccountInfoConfig {
                encoding: Some(solana_account_decoder_client_types::UiAccountEncoding::Base64),
                commitment: Some(self.commitment),
                ..RpcAccountInfoConfig::default()
            },
            ..RpcProgramAccountsConfig::default()
        };
        let accounts = self
            .client
            .get_program_ui_accounts_with_config(program, config)
            .await
            .map_err(|e| self.network(e))?;
        Ok(accounts
            .into_iter()
            .filter_map(|(key, ui)| {
                let account = Account {
                    lamports: ui.lamports,
                    data: ui.data.decode()?,
                    owner: ui.owner.parse().ok()?,
                    executable: ui.executable,
                    rent_epoch: ui.rent_epoch,
                };
                Some((key, account))
            })
            .collect())
    }

    async fn history(
        &self,
        address: &Pubkey,
        limit: usize,
    ) -> Result<Vec<HistoryEntry>, ClientError> {
        // getSignaturesForAddress returns at most 1,000 signatures per call
        // (agave's MAX_GET_CONFIRMED_SIGNATURES_FOR_ADDRESS2_LIMIT): page
        // backwards with `before` until `limit` or the first transaction.
        const PAGE: usize = 1_000;
        let mut signatures = Vec::new();
        let mut before = None;
        while signatures.len() < limit {
            let config = GetConfirmedSignaturesForAddress2Config {
                before,
                limit: Some((limit - signatures.len()).min(PAGE)),
                commitment: Some(self.commitment),
                ..GetConfirmedSignaturesForAddress2Config::default()
            };
            let page = self
                .client
                .get_signatures_for_address_with_config(address, config)
                .await
                .map_err(|e| self.network(e))?;
            let full = page.len() == PAGE;
            before =
                match page.last() {
                    Some(last) => Some(last.signature.parse().map_err(|e| {
                        ClientError::Transport(format!("bad signature from RPC: {e}"))
                    })?),
                    None => None,
                };
            signatures.extend(page);
            if !full || before.is_none() {
                break;
            }
        }
        let mut entries = Vec::new();
        // RPC lists newest first; the audit trail reads oldest first.
        for status in signatures.into_iter().rev() {
            if status.err.is_some() {
                continue;
            }
            let signature: Signature = status
                .signature
                .parse()
                .map_err(|e| ClientError::Transport(format!("bad signature from RPC: {e}")))?;
            let outcome = self.fetch_outcome(signature).await?;
            entries.push(HistoryEntry {
                signature,
                block_time: status.block_time,
                logs: outcome.logs,
            });
        }
        Ok(entries)
    }

    async fn unix_timestamp(&self) -> Result<i64, ClientError> {
        // Clock sysvar layout (bincode): slot u64 | epoch_start_timestamp i64 |
        // epoch u64 | leader_schedule_epoch u64 | unix_timestamp i64.
        let clock = anchor_lang::prelude::pubkey!("SysvarC1ock11111111111111111111111111111111");
        let account = self
            .get_account(&clock)
            .await?
            .ok_or(ClientError::AccountNotFound(clock))?;
        account
            .data
            .get(32..40)
            .and_then(|b| b.try_into().ok())
            .map(i64::from_le_bytes)
            .ok_or(ClientError::AccountDecode {
                name: "Clock",
                reason: "sysvar data too short",
            })
    }

    async fn minimum_balance_for_rent_exemption(&self, len: usize) -> Result<u64, ClientError> {
        self.client
            .get_minimum_balance_for_rent_exemption(len)
            .await
            .map_err(|e| self.network(e))
    }
}
