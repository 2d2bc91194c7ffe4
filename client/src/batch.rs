//! Batch sending over JSON-RPC: many transactions signed on one blockhash,
//! sent concurrently (bounded), confirmed in bulk, re-signed when their
//! blockhash expires, each with its own outcome and latency.
//!
//! [`EscrowClient::send`](crate::EscrowClient::send) waits for each
//! transaction's confirmation before the next is sent: about one escrow per
//! second against solana-test-validator. [`BatchSender`] keeps up to
//! [`BatchConfig::max_in_flight`] `sendTransaction` requests open at once,
//! polls `getSignatureStatuses` for every unconfirmed signature
//! ([`BatchConfig::status_chunk`] per call) and reports per transaction:
//! [`BatchSender::send`] for independent transactions,
//! [`BatchSender::create_and_settle`] for the escrow pipeline (create, then
//! the provider's instant-tier proof as soon as the create is confirmed).
//!
//! # Retries never pay twice
//!
//! - A transaction is re-signed (a new blockhash, so a new signature) only
//!   after its blockhash has expired *and* no status was found for any
//!   signature it was sent with. The blockhash check
//!   (`isBlockhashValid` at the batch's commitment) runs before the status
//!   query: once the blockhash is invalid in the committed bank, no later
//!   block can take the transaction, and every block that could have taken
//!   it is committed, so its status would show. Every signature a
//!   transaction was ever sent with stays watched until it resolves.
//! - Re-sending the same signed bytes is always harmless: the cluster
//!   processes one signature once. Before a round of sends, the batch asks
//!   `getSignatureStatuses` about the signatures new to it: one that has a
//!   status already (the very bytes of a transaction that landed) is not
//!   sent, and is reported with [`TxReport::before_batch`]; a create
//!   reported so is [`Created::Earlier`].
//! - An escrow's id is explicit (`EscrowCreateArgs::escrow_id`) and the
//!   program never accepts an id twice (`EscrowIdUnavailable`, 6042; or an
//!   earlier check, e.g. `InsufficientBudget` when the first landing used
//!   the last of the budget). A refused create whose escrow exists with the
//!   same terms (provider, amount, task tag) and is still `Funded` is an
//!   earlier attempt that landed: [`Created::Earlier`], counted once, and its
//!   proof is sent. One that no longer exists (settled and closed) stays
//!   refused: nothing was created by this batch.
//!
//! # Why not `solana_client::send_and_confirm_transactions_in_parallel`
//!
//! solana-client 4.2's `send_and_confirm_transactions_in_parallel_v2` does the
//! same send / bulk-confirm / re-sign loop, but does not fit here:
//! - it staggers sends by a fixed 10 ms (`SEND_INTERVAL`): at most 100
//!   transactions per second, below the 400 per second (create + proof) that
//!   200 escrows per second need;
//! - one signer set signs every message (`try_sign` fails on a key a message
//!   does not name), while a batch mixes agents (creates) and providers
//!   (proofs) across many policies;
//! - it returns only `Option<TransactionError>` per message: no signature,
//!   no latency, and no way to send a follow-up (the proof) when one lands;
//! - it spawns `'static + Send` tasks that own the signers.
//!
//! `solana_client::transaction_executor::TransactionExecutor` (blocking,
//! one thread per client, never re-signs) fits less. So this module
//! implements the loop on the nonblocking `RpcClient` directly.

use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::Arc,
    time::{Duration, Instant},
};

use agent_escrow::{constants::ID_WINDOW, instructions::EscrowCreateArgs, state::EscrowState};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use solana_client::{
    client_error::{ClientError as RpcClientError, ClientErrorKind},
    nonblocking::rpc_client::RpcClient,
    rpc_config::RpcSendTransactionConfig,
    rpc_request::{RpcError, RpcResponseErrorData},
};
use solana_commitment_config::CommitmentConfig;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;
use solana_transaction_status_client_types::UiTransactionEncoding;
use tokio::task::JoinSet;

use crate::{
    accounts::decode_escrow,
    error::ClientError,
    instructions::{self, EscrowAccounts},
    pda::{associated_token_address, escrow_address},
    rpc::RpcTransport,
};

/// Most signatures one `getSignatureStatuses` call accepts (the RPC limit,
/// `MAX_GET_SIGNATURE_STATUSES_QUERY_ITEMS`).
pub const MAX_STATUS_QUERY: usize = 256;

/// Accounts per `getMultipleAccounts` call (the RPC limit).
const MAX_ACCOUNTS_QUERY: usize = 100;

/// How a batch sends and confirms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchConfig {
    /// `sendTransaction` requests open at once (default 256).
    pub max_in_flight: usize,
    /// Signatures per `getSignatureStatuses` call: 1..=256 (default 256).
    pub status_chunk: usize,
    /// Pause between two status polls (default 100 ms; a test validator's
    /// slot is 400 ms).
    pub poll_interval: Duration,
    /// Blockhashes one transaction may be signed with: the first signing plus
    /// re-signings after expiry (default 4). A transaction still unseen when
    /// its last blockhash expires is reported as [`ClientError::Expired`].
    pub max_signings: u32,
    /// Times the same signed bytes are sent again after a transport error
    /// before the batch just waits for the blockhash to expire (default 5).
    pub send_attempts: u32,
    /// Skip the RPC node's preflight simulation (default `true`). A failing
    /// transaction then lands as failed (fee paid) and its error comes from
    /// `getSignatureStatuses` without logs; with preflight it is refused
    /// before landing with the simulation's logs, at about twice the RPC
    /// node's work per transaction.
    pub skip_preflight: bool,
    /// Commitment at which a transaction counts as landed, and at which
    /// blockhashes are fetched and checked (default `confirmed`).
    pub commitment: CommitmentConfig,
    /// New transactions are signed on one blockhash until it is this old
    /// (default 20 s; a blockhash is valid for 150 blocks, about 60 s).
    pub blockhash_max_age: Duration,
}

impl Default for BatchConfig {
    fn default() -> Self {
        Self {
            max_in_flight: 256,
            status_chunk: MAX_STATUS_QUERY,
            poll_interval: Duration::from_millis(100),
            max_signings: 4,
            send_attempts: 5,
            skip_preflight: true,
            commitment: CommitmentConfig::confirmed(),
            blockhash_max_age: Duration::from_secs(20),
        }
    }
}

/// One transaction of a batch.
pub struct BatchTx<'a> {
    /// Unsigned (signers present) or signed as given (signers absent).
    tx: Transaction,
    signers: Option<Vec<&'a dyn Signer>>,
}

impl<'a> BatchTx<'a> {
    /// `instructions` paid by `payer` and signed by it and `signers` (each
    /// key once, whatever roles it plays); signed by the batch on its
    /// current blockhash, and re-signed if that blockhash expires unseen.
    pub fn new(
        instructions: &[Instruction],
        payer: &'a dyn Signer,
        signers: &[&'a dyn Signer],
    ) -> Self {
        let mut all: Vec<&'a dyn Signer> = vec![payer];
        for signer in signers {
            if !all.iter().any(|s| s.pubkey() == signer.pubkey()) {
                all.push(*signer);
            }
        }
        Self {
            tx: Transaction::new_with_payer(instructions, Some(&payer.pubkey())),
            signers: Some(all),
        }
    }

    /// A transaction signed already: sent as it is, never re-signed (if its
    /// blockhash expires unseen it is reported as [`ClientError::Expired`]).
    /// Sending the bytes of a transaction that landed already reports that
    /// landing (same signature): the cluster processes a signature once.
    pub fn signed(tx: Transaction) -> Self {
        Self { tx, signers: None }
    }
}

/// What became of one transaction.
#[derive(Debug)]
pub struct TxReport {
    /// The signature that landed (or failed); else the last one sent.
    pub signature: Signature,
    /// `Ok` once landed without error at the batch's commitment; the
    /// program's error decoded by [`ClientError::from_transaction`] (no logs
    /// with `skip_preflight`); [`ClientError::Expired`] when its last
    /// blockhash expired unseen; [`ClientError::Signing`] when it could not
    /// be signed (nothing sent).
    pub result: Result<(), ClientError>,
    /// The slot it landed (or failed) in.
    pub slot: Option<u64>,
    /// Its signature had a status already when this batch was about to
    /// send it (the very bytes of a transaction that landed, e.g. a retry):
    /// not sent again, nothing new. Checked with one `getSignatureStatuses`
    /// per round of sends.
    pub before_batch: bool,
    /// Blockhashes it was signed with (1: never re-signed; 0: pre-signed).
    pub signings: u32,
    /// `sendTransaction` requests made for it.
    pub sends: u32,
    /// The transaction as last signed (its bytes can be sent again safely:
    /// a signature is processed once).
    pub transaction: Transaction,
    /// When it was first sent (`None`: never sent).
    pub first_sent: Option<Instant>,
    /// When the poll that resolved it returned.
    pub resolved_at: Instant,
}

impl TxReport {
    /// First send to the poll that saw it resolved (zero if never sent).
    pub fn latency(&self) -> Duration {
        self.first_sent
            .map(|sent| self.resolved_at.saturating_duration_since(sent))
            .unwrap_or_default()
    }

    /// Landed without error.
    pub fn landed(&self) -> bool {
        self.result.is_ok()
    }
}

/// One escrow for [`BatchSender::create_and_settle`]: created by its agent,
/// then paid on its provider's proof (instant tier: `args.amount` must be
/// at most the policy's `instant_max`, or the proof leaves it waiting and
/// [`EscrowReport::settled`] stays false).
#[derive(Clone)]
pub struct EscrowJob<'a> {
    pub policy: Pubkey,
    /// The policy's mint and its token program.
    pub mint: Pubkey,
    pub token_program: Pubkey,
    /// The policy's agent: signs the create and pays its fee and the
    /// escrow's rent (lamports, returned to it when the escrow settles).
    pub agent: &'a dyn Signer,
    /// `args.provider`: signs and pays for the proof; paid into its
    /// associated token account in `mint`, which must exist.
    pub provider: &'a dyn Signer,
    /// The create's arguments; `escrow_id` is explicit, so a retried
    /// create can land at most once. No verifier (the proof carries no
    /// attestation).
    pub args: EscrowCreateArgs,
    /// Pass the provider's allowlist entry (policies with an allowlist).
    pub with_allow_entry: bool,
    /// sha256 of the deliverable, recorded by the proof.
    pub proof_hash: [u8; 32],
}

impl EscrowJob<'_> {
    /// The escrow's address.
    pub fn escrow(&self) -> Pubkey {
        escrow_address(&self.policy, self.args.escrow_id).0
    }

    /// The accounts its proof names (rent back to the agent).
    pub fn accounts(&self) -> EscrowAccounts {
        EscrowAccounts {
            policy: self.policy,
            escrow: self.escrow(),
            mint: self.mint,
            token_program: self.token_program,
            provider_token: associated_token_address(
                &self.args.provider,
                &self.mint,
                &self.token_program,
            ),
            rent_payer: self.agent.pubkey(),
            depends_on: self.args.depends_on,
        }
    }

    /// `escrow_create`, the agent paying.
    pub fn create_instruction(&self) -> Instruction {
        let agent = self.agent.pubkey();
        instructions::escrow_create(
            &self.policy,
            &agent,
            &agent,
            self.args.clone(),
            self.with_allow_entry,
        )
    }

    /// `escrow_submit_proof`, the provider paying.
    pub fn proof_instruction(&self) -> Instruction {
        instructions::escrow_submit_proof(
            &self.provider.pubkey(),
            &self.accounts(),
            self.proof_hash,
        )
    }
}

/// How an escrow came to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// This batch's create transaction landed.
    Landed,
    /// An earlier attempt landed: the create was refused and the escrow
    /// exists, `Funded`, with this job's provider, amount and task tag; or
    /// the create's very bytes had landed before this batch started
    /// ([`TxReport::before_batch`]). Not created twice.
    Earlier,
}

/// What became of one [`EscrowJob`].
#[derive(Debug)]
pub struct EscrowReport {
    pub policy: Pubkey,
    pub escrow_id: u64,
    /// The create transaction (`None` for a repeat of an earlier job with
    /// the same policy and id, see [`EscrowReport::duplicate_of`]).
    pub create: Option<TxReport>,
    /// `Some` once the escrow exists (from this batch or an earlier one).
    pub created: Option<Created>,
    /// The proof transaction (sent once the escrow exists).
    pub proof: Option<TxReport>,
    /// The proof landed: the provider was paid `args.amount` (instant tier)
    /// and the escrow closed (by this batch unless the proof's
    /// [`TxReport::before_batch`]).
    pub settled: bool,
    /// Index of an earlier job with the same policy and escrow id: this one
    /// was not sent, and is not counted.
    pub duplicate_of: Option<usize>,
}

impl EscrowReport {
    /// Create first sent to proof confirmed, for an escrow this batch
    /// created ([`Created::Landed`]) and settled.
    pub fn latency(&self) -> Option<Duration> {
        if self.created != Some(Created::Landed) {
            return None;
        }
        let sent = self.create.as_ref()?.first_sent?;
        let proof = self.proof.as_ref().filter(|p| p.landed())?;
        Some(proof.resolved_at.saturating_duration_since(sent))
    }
}

/// Sends batches of transactions through one JSON-RPC endpoint.
pub struct BatchSender {
    rpc: Arc<RpcClient>,
    config: BatchConfig,
}

impl BatchSender {
    /// A sender to `url` (HTTP(S) JSON-RPC) with its own nonblocking
    /// `RpcClient` at `config.commitment` (shared by its send tasks).
    pub fn new(url: String, config: BatchConfig) -> Self {
        Self {
            rpc: Arc::new(RpcClient::new_with_commitment(url, config.commitment)),
            config,
        }
    }

    /// A sender to the endpoint of `transport`.
    pub fn for_transport(transport: &RpcTransport, config: BatchConfig) -> Self {
        Self::new(transport.rpc().url(), config)
    }

    /// The underlying client.
    pub fn rpc(&self) -> &RpcClient {
        &self.rpc
    }

    pub fn config(&self) -> &BatchConfig {
        &self.config
    }

    /// Sends every transaction and waits until each one has resolved;
    /// reports are in the order of `txs`. Identical transactions (same
    /// signature) are one transaction on the cluster and share one outcome:
    /// count landings by distinct signature. Fails only when the RPC node
    /// cannot be reached for blockhashes or statuses.
    pub async fn send<'a>(&self, txs: Vec<BatchTx<'a>>) -> Result<Vec<TxReport>, ClientError> {
        let mut engine = Engine::new(self).await?;
        for tx in txs {
            engine.queue.push(tx);
        }
        engine.run(&mut NoFollowUps).await?;
        Ok(engine.into_reports())
    }

    /// Creates every escrow and submits its provider's proof as soon as its
    /// create is confirmed; reports are in the order of `jobs`.
    ///
    /// The creates of one policy are sent in ascending id order, and only
    /// while the id is below the lowest unresolved create of that policy +
    /// 256 ([`ID_WINDOW`]), so every id stays inside the program's window
    /// whatever order they land in (ids of one policy should start at or
    /// near its `next_escrow_id`). Every create write-locks its policy: the
    /// more policies, the more creates land per block.
    ///
    /// A job repeating an earlier job's policy and id is not sent
    /// ([`EscrowReport::duplicate_of`]). A create the cluster refused
    /// (e.g. 6042 `EscrowIdUnavailable`) is checked against the chain (see
    /// the module docs): an existing `Funded` escrow with the same terms is
    /// [`Created::Earlier`] and gets its proof; anything else stays refused.
    /// A job whose provider does not sign for `args.provider` is refused
    /// with [`ClientError::Signing`] before anything is sent.
    pub async fn create_and_settle<'a>(
        &self,
        jobs: &[EscrowJob<'a>],
    ) -> Result<Vec<EscrowReport>, ClientError> {
        if let Some(job) = jobs.iter().find(|j| j.provider.pubkey() != j.args.provider) {
            return Err(ClientError::Signing(format!(
                "escrow {} of policy {}: the provider signer {} is not args.provider {}",
                job.args.escrow_id,
                job.policy,
                job.provider.pubkey(),
                job.args.provider
            )));
        }
        let mut pipeline = Pipeline::new(jobs);
        let mut engine = Engine::new(self).await?;
        pipeline.start(&mut engine.queue);
        engine.run(&mut pipeline).await?;
        pipeline.absorb(engine.into_reports());

        // Refused creates: one whose earlier attempt landed (the escrow is
        // Funded with these terms) gets its proof now.
        let refused: Vec<usize> = pipeline
            .escrows
            .iter()
            .enumerate()
            .filter(|(_, e)| e.create_refused)
            .map(|(i, _)| i)
            .collect();
        let mut earlier = Vec::new();
        for chunk in refused.chunks(MAX_ACCOUNTS_QUERY) {
            let keys: Vec<Pubkey> = chunk.iter().map(|&i| jobs[i].escrow()).collect();
            let accounts = self
                .rpc
                .get_multiple_accounts_with_commitment(&keys, self.config.commitment)
                .await
                .map_err(transport)?
                .value;
            for (&i, account) in chunk.iter().zip(accounts) {
                let Some(account) = account else { continue };
                let Ok(escrow) = decode_escrow(&account.data) else {
                    continue;
                };
                let args = &jobs[i].args;
                if escrow.provider == args.provider
                    && escrow.amount == args.amount
                    && escrow.task_tag[..] == args.task_hash[..8]
                    && escrow.state == EscrowState::Funded as u8
                {
                    earlier.push(i);
                }
            }
        }
        if !earlier.is_empty() {
            let mut engine = Engine::new(self).await?;
            for &i in &earlier {
                pipeline.escrows[i].created = Some(Created::Earlier);
                pipeline.send_proof(i, &mut engine.queue);
            }
            engine.run(&mut pipeline).await?;
            pipeline.absorb(engine.into_reports());
        }
        Ok(pipeline.into_reports())
    }
}

/// Reacts to resolved transactions (e.g. sends the proof once a create lands).
trait Driver<'a> {
    fn resolved(&mut self, job: usize, report: &TxReport, queue: &mut Queue<'a>);
}

struct NoFollowUps;

impl<'a> Driver<'a> for NoFollowUps {
    fn resolved(&mut self, _: usize, _: &TxReport, _: &mut Queue<'a>) {}
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting to be (re-)signed or re-sent.
    Queued,
    /// A `sendTransaction` request is open.
    Sending,
    /// Sent; waiting for a status.
    Pending,
    Done,
}

struct Job<'a> {
    tx: Transaction,
    signers: Option<Vec<&'a dyn Signer>>,
    /// Sign before the next send (first send, or its blockhash expired).
    needs_signing: bool,
    /// Every signature it was sent with (all watched until it resolves).
    signatures: Vec<Signature>,
    signings: u32,
    sends: u32,
    send_errors: u32,
    first_sent: Option<Instant>,
    /// Its signature had a status before this run sent it.
    before_batch: bool,
    state: State,
}

/// The jobs of one engine run and those ready to send.
struct Queue<'a> {
    jobs: Vec<Job<'a>>,
    ready: VecDeque<usize>,
}

impl<'a> Queue<'a> {
    /// Adds a transaction; returns its job index (in push order).
    fn push(&mut self, tx: BatchTx<'a>) -> usize {
        let index = self.jobs.len();
        let needs_signing = tx.signers.is_some();
        self.jobs.push(Job {
            tx: tx.tx,
            signers: tx.signers,
            needs_signing,
            signatures: Vec::new(),
            signings: 0,
            sends: 0,
            send_errors: 0,
            first_sent: None,
            before_batch: false,
            state: State::Queued,
        });
        self.ready.push_back(index);
        index
    }

    /// Like [`Queue::push`], but sent before every transaction queued so far.
    fn push_front(&mut self, tx: BatchTx<'a>) -> usize {
        let index = self.push(tx);
        self.ready.pop_back();
        self.ready.push_front(index);
        index
    }
}

type SendResult = (usize, Result<Signature, RpcClientError>);

struct Engine<'a, 's> {
    sender: &'s BatchSender,
    queue: Queue<'a>,
    reports: Vec<Option<TxReport>>,
    /// Signature -> jobs sent with it (identical transactions share one).
    watched: HashMap<Signature, Vec<usize>>,
    blockhash: Hash,
    blockhash_at: Instant,
    done: usize,
}

impl<'a, 's> Engine<'a, 's> {
    async fn new(sender: &'s BatchSender) -> Result<Self, ClientError> {
        let mut engine = Self {
            sender,
            queue: Queue {
                jobs: Vec::new(),
                ready: VecDeque::new(),
            },
            reports: Vec::new(),
            watched: HashMap::new(),
            blockhash: Hash::default(),
            blockhash_at: Instant::now(),
            done: 0,
        };
        engine.refresh_blockhash().await?;
        Ok(engine)
    }

    fn config(&self) -> &BatchConfig {
        &self.sender.config
    }

    async fn refresh_blockhash(&mut self) -> Result<(), ClientError> {
        let (hash, _) = self
            .sender
            .rpc
            .get_latest_blockhash_with_commitment(self.sender.config.commitment)
            .await
            .map_err(transport)?;
        self.blockhash = hash;
        self.blockhash_at = Instant::now();
        Ok(())
    }

    fn into_reports(self) -> Vec<TxReport> {
        // Every job resolved before `run` returned.
        self.reports.into_iter().flatten().collect()
    }

    async fn run(&mut self, driver: &mut dyn Driver<'a>) -> Result<(), ClientError> {
        let mut sends: JoinSet<SendResult> = JoinSet::new();
        let mut next_poll = tokio::time::Instant::now() + self.config().poll_interval;
        let max_in_flight = self.config().max_in_flight.max(1);
        loop {
            // Refill in rounds of at least 1/8 of the window (one status
            // pre-check per round), or whatever is ready if that is less.
            let room = max_in_flight.saturating_sub(sends.len());
            if room > 0 && (room >= max_in_flight / 8 || self.queue.ready.len() <= room) {
                let mut round = Vec::new();
                while round.len() < room {
                    let Some(job) = self.queue.ready.pop_front() else {
                        break;
                    };
                    if self.queue.jobs[job].state == State::Done {
                        continue;
                    }
                    if self.blockhash_at.elapsed() > self.config().blockhash_max_age {
                        self.refresh_blockhash().await?;
                    }
                    match self.prepare(job) {
                        Ok((tx, fresh)) => round.push((job, tx, fresh)),
                        Err(err) => self.resolve(job, None, None, Err(err), driver),
                    }
                }
                // A signature new to this run that has a status already
                // landed before: not sent, reported as `before_batch`.
                let fresh: Vec<Signature> = round
                    .iter()
                    .filter(|(_, _, fresh)| *fresh)
                    .filter_map(|(_, tx, _)| tx.signatures.first().copied())
                    .collect();
                let known = self.known(&fresh).await?;
                for (job, tx, _) in round {
                    let entry = &mut self.queue.jobs[job];
                    entry.first_sent.get_or_insert_with(Instant::now);
                    if tx.signatures.first().is_some_and(|s| known.contains(s)) {
                        entry.before_batch = true;
                        entry.state = State::Pending;
                        continue;
                    }
                    entry.sends = entry.sends.saturating_add(1);
                    entry.state = State::Sending;
                    let rpc = Arc::clone(&self.sender.rpc);
                    let config = self.send_config();
                    sends.spawn(async move {
                        (job, rpc.send_transaction_with_config(&tx, config).await)
                    });
                }
            }
            if self.done == self.queue.jobs.len() && sends.is_empty() {
                return Ok(());
            }
            tokio::select! {
                Some(joined) = sends.join_next(), if !sends.is_empty() => {
                    let (job, result) = joined
                        .map_err(|e| ClientError::Transport(format!("send task failed: {e}")))?;
                    self.sent(job, result, driver).await?;
                }
                _ = tokio::time::sleep_until(next_poll) => {
                    self.poll(driver).await?;
                    next_poll = tokio::time::Instant::now() + self.config().poll_interval;
                }
            }
        }
    }

    fn send_config(&self) -> RpcSendTransactionConfig {
        RpcSendTransactionConfig {
            skip_preflight: self.config().skip_preflight,
            preflight_commitment: Some(self.config().commitment.commitment),
            encoding: Some(UiTransactionEncoding::Base64),
            ..RpcSendTransactionConfig::default()
        }
    }

    /// Signs `job` if it needs it; returns the bytes to send, and whether
    /// their signature is new to this run.
    fn prepare(&mut self, job: usize) -> Result<(Transaction, bool), ClientError> {
        let blockhash = self.blockhash;
        let max_signings = self.config().max_signings.max(1);
        let entry = &mut self.queue.jobs[job];
        if entry.needs_signing {
            let signers = entry.signers.as_ref().ok_or_else(|| {
                ClientError::Signing("a pre-signed transaction cannot be re-signed".into())
            })?;
            if entry.signings >= max_signings {
                let signature = entry.tx.signatures.first().copied().unwrap_or_default();
                return Err(ClientError::Expired { signature });
            }
            entry
                .tx
                .try_sign(signers, blockhash)
                .map_err(|e| ClientError::Signing(e.to_string()))?;
            entry.signings = entry.signings.saturating_add(1);
            entry.needs_signing = false;
        }
        let signature = entry.tx.signatures.first().copied().unwrap_or_default();
        let fresh = !entry.signatures.contains(&signature);
        if fresh {
            entry.signatures.push(signature);
            let jobs = self.watched.entry(signature).or_default();
            if !jobs.contains(&job) {
                jobs.push(job);
            }
        }
        Ok((entry.tx.clone(), fresh))
    }

    /// Those of `signatures` that have a status (at any commitment), looked
    /// up through the whole status history (a transaction signed before the
    /// batch may have landed longer ago than the recent status cache holds).
    async fn known(&self, signatures: &[Signature]) -> Result<HashSet<Signature>, ClientError> {
        let mut known = HashSet::new();
        for part in signatures.chunks(self.config().status_chunk.clamp(1, MAX_STATUS_QUERY)) {
            let statuses = self
                .sender
                .rpc
                .get_signature_statuses_with_history(part)
                .await
                .map_err(transport)?
                .value;
            for (signature, status) in part.iter().zip(statuses) {
                if status.is_some() {
                    known.insert(*signature);
                }
            }
        }
        Ok(known)
    }

    /// A `sendTransaction` request returned.
    async fn sent(
        &mut self,
        job: usize,
        result: Result<Signature, RpcClientError>,
        driver: &mut dyn Driver<'a>,
    ) -> Result<(), ClientError> {
        let send_attempts = self.config().send_attempts;
        if self.queue.jobs[job].state == State::Done {
            return Ok(());
        }
        self.queue.jobs[job].state = State::Pending;
        let Err(err) = result else {
            return Ok(());
        };
        let (tx_err, logs) = match preflight_failure(&err) {
            Some((tx_err, logs)) => (Some(tx_err), logs),
            None => (err.get_transaction_error(), Vec::new()),
        };
        match tx_err {
            // Landed already (this signature): its status will say so.
            Some(TransactionError::AlreadyProcessed) => {}
            // The node does not know the blockhash (yet): sign on a fresh one.
            Some(TransactionError::BlockhashNotFound) => {
                let entry = &mut self.queue.jobs[job];
                if entry.signers.is_some() {
                    entry.needs_signing = true;
                    entry.state = State::Queued;
                    self.queue.ready.push_back(job);
                    self.refresh_blockhash().await?;
                }
            }
            Some(tx_err) => {
                let signature = self.queue.jobs[job]
                    .tx
                    .signatures
                    .first()
                    .copied()
                    .unwrap_or_default();
                // An older signature of this job may have landed: let its
                // status decide; this one was refused and never lands.
                if self.queue.jobs[job].signatures.len() <= 1 {
                    self.resolve(
                        job,
                        Some(signature),
                        None,
                        Err(ClientError::from_transaction(tx_err, logs)),
                        driver,
                    );
                }
            }
            // Transport trouble: it may or may not have arrived. The same
            // bytes are safe to send again; past the attempts, wait for the
            // status or the blockhash's expiry.
            None => {
                let entry = &mut self.queue.jobs[job];
                entry.send_errors = entry.send_errors.saturating_add(1);
                if entry.send_errors < send_attempts {
                    entry.state = State::Queued;
                    self.queue.ready.push_back(job);
                }
            }
        }
        Ok(())
    }

    /// Checks blockhashes, then statuses; resolves what landed or failed and
    /// queues what expired unseen for re-signing.
    async fn poll(&mut self, driver: &mut dyn Driver<'a>) -> Result<(), ClientError> {
        let pending: Vec<usize> = self
            .queue
            .jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| j.state == State::Pending)
            .map(|(i, _)| i)
            .collect();
        if pending.is_empty() {
            return Ok(());
        }
        let commitment = self.config().commitment;
        // Blockhash validity first (see the module docs for why this order).
        let hashes: HashSet<Hash> = pending
            .iter()
            .map(|&j| self.queue.jobs[j].tx.message.recent_blockhash)
            .collect();
        let mut expired = HashSet::new();
        for hash in hashes {
            if !self
                .sender
                .rpc
                .is_blockhash_valid(&hash, commitment)
                .await
                .map_err(transport)?
            {
                expired.insert(hash);
            }
        }
        // Signatures of unresolved jobs only (resolved ones are dropped).
        let signatures: Vec<Signature> = self.watched.keys().copied().collect();
        let mut queries = JoinSet::new();
        let chunk = self.config().status_chunk.clamp(1, MAX_STATUS_QUERY);
        for part in signatures.chunks(chunk) {
            let rpc = Arc::clone(&self.sender.rpc);
            let part = part.to_vec();
            queries.spawn(async move {
                let statuses = rpc.get_signature_statuses(&part).await;
                (part, statuses)
            });
        }
        // Per job: a landed signature wins over a failed one.
        let mut outcomes: HashMap<usize, (Signature, u64, Option<TransactionError>)> =
            HashMap::new();
        while let Some(joined) = queries.join_next().await {
            let (part, statuses) =
                joined.map_err(|e| ClientError::Transport(format!("status task failed: {e}")))?;
            let statuses = statuses.map_err(transport)?.value;
            for (signature, status) in part.iter().zip(statuses) {
                let Some(status) = status else { continue };
                if !status.satisfies_commitment(commitment) {
                    continue;
                }
                for &job in self.watched.get(signature).into_iter().flatten() {
                    let better = match outcomes.get(&job) {
                        None => true,
                        Some((_, _, Some(_))) => status.err.is_none(),
                        Some((_, _, None)) => false,
                    };
                    if better {
                        outcomes.insert(job, (*signature, status.slot, status.err.clone()));
                    }
                }
            }
        }
        for (job, (signature, slot, err)) in outcomes {
            if self.queue.jobs[job].state == State::Done {
                continue;
            }
            let result = match err {
                None => Ok(()),
                Some(err) => Err(ClientError::from_transaction(err, Vec::new())),
            };
            self.resolve(job, Some(signature), Some(slot), result, driver);
        }
        for job in pending {
            let entry = &mut self.queue.jobs[job];
            if entry.state != State::Pending
                || !expired.contains(&entry.tx.message.recent_blockhash)
            {
                continue;
            }
            if entry.signers.is_some() && entry.signings < self.sender.config.max_signings.max(1) {
                entry.needs_signing = true;
                entry.state = State::Queued;
                self.queue.ready.push_back(job);
            } else {
                let signature = entry.tx.signatures.first().copied().unwrap_or_default();
                self.resolve(
                    job,
                    Some(signature),
                    None,
                    Err(ClientError::Expired { signature }),
                    driver,
                );
            }
        }
        if !expired.is_empty() && expired.contains(&self.blockhash) {
            self.refresh_blockhash().await?;
        }
        Ok(())
    }

    fn resolve(
        &mut self,
        job: usize,
        signature: Option<Signature>,
        slot: Option<u64>,
        result: Result<(), ClientError>,
        driver: &mut dyn Driver<'a>,
    ) {
        let entry = &mut self.queue.jobs[job];
        if entry.state == State::Done {
            return;
        }
        entry.state = State::Done;
        self.done = self.done.saturating_add(1);
        for signature in &entry.signatures {
            if let Some(jobs) = self.watched.get_mut(signature) {
                jobs.retain(|&j| j != job);
                if jobs.is_empty() {
                    self.watched.remove(signature);
                }
            }
        }
        let report = TxReport {
            signature: signature
                .or_else(|| entry.tx.signatures.first().copied())
                .unwrap_or_default(),
            result,
            slot,
            before_batch: entry.before_batch,
            signings: entry.signings,
            sends: entry.sends,
            transaction: entry.tx.clone(),
            first_sent: entry.first_sent,
            resolved_at: Instant::now(),
        };
        if self.reports.len() < self.queue.jobs.len() {
            self.reports.resize_with(self.queue.jobs.len(), || None);
        }
        driver.resolved(job, &report, &mut self.queue);
        if self.reports.len() < self.queue.jobs.len() {
            self.reports.resize_with(self.queue.jobs.len(), || None);
        }
        self.reports[job] = Some(report);
    }
}

/// The simulation's error and logs of a preflight rejection.
fn preflight_failure(err: &RpcClientError) -> Option<(TransactionError, Vec<String>)> {
    if let ClientErrorKind::RpcError(RpcError::RpcResponseError {
        data: RpcResponseErrorData::SendTransactionPreflightFailure(sim),
        ..
    }) = err.kind()
    {
        let tx_err = sim.err.clone()?;
        return Some((tx_err.into(), sim.logs.clone().unwrap_or_default()));
    }
    None
}

fn transport(err: RpcClientError) -> ClientError {
    ClientError::Transport(err.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Create,
    Proof,
}

/// Per escrow: where it stands in the pipeline.
#[derive(Default)]
struct EscrowProgress {
    create: Option<TxReport>,
    proof: Option<TxReport>,
    created: Option<Created>,
    /// The cluster refused the create (checked against the chain afterwards).
    create_refused: bool,
    duplicate_of: Option<usize>,
}

/// Creates of one policy not yet sent, and those sent but unresolved.
#[derive(Default)]
struct PolicyLane {
    waiting: VecDeque<(u64, usize)>,
    unresolved: std::collections::BTreeSet<u64>,
}

struct Pipeline<'a, 'j> {
    jobs: &'j [EscrowJob<'a>],
    escrows: Vec<EscrowProgress>,
    /// Engine job index -> (escrow index, step), for the current engine run.
    steps: Vec<(usize, Step)>,
    lanes: HashMap<Pubkey, PolicyLane>,
}

impl<'a, 'j> Pipeline<'a, 'j> {
    fn new(jobs: &'j [EscrowJob<'a>]) -> Self {
        let mut escrows: Vec<EscrowProgress> =
            jobs.iter().map(|_| EscrowProgress::default()).collect();
        let mut seen: HashMap<(Pubkey, u64), usize> = HashMap::new();
        let mut lanes: HashMap<Pubkey, PolicyLane> = HashMap::new();
        for (i, job) in jobs.iter().enumerate() {
            match seen.get(&(job.policy, job.args.escrow_id)) {
                Some(&first) => escrows[i].duplicate_of = Some(first),
                None => {
                    seen.insert((job.policy, job.args.escrow_id), i);
                    lanes
                        .entry(job.policy)
                        .or_default()
                        .waiting
                        .push_back((job.args.escrow_id, i));
                }
            }
        }
        for lane in lanes.values_mut() {
            lane.waiting.make_contiguous().sort_unstable();
        }
        Self {
            jobs,
            escrows,
            steps: Vec::new(),
            lanes,
        }
    }

    fn start(&mut self, queue: &mut Queue<'a>) {
        let policies: Vec<Pubkey> = self.lanes.keys().copied().collect();
        for policy in policies {
            self.release(&policy, queue);
        }
    }

    /// Queues the creates of `policy` that fit in the id window.
    fn release(&mut self, policy: &Pubkey, queue: &mut Queue<'a>) {
        let Some(lane) = self.lanes.get_mut(policy) else {
            return;
        };
        while let Some(&(id, escrow)) = lane.waiting.front() {
            let lowest = lane.unresolved.first().copied().unwrap_or(id);
            if id >= lowest.saturating_add(ID_WINDOW) {
                break;
            }
            lane.waiting.pop_front();
            lane.unresolved.insert(id);
            let job = &self.jobs[escrow];
            // Job indices follow push order: `steps[index]` is this create.
            queue.push(BatchTx::new(&[job.create_instruction()], job.agent, &[]));
            self.steps.push((escrow, Step::Create));
        }
    }

    fn send_proof(&mut self, escrow: usize, queue: &mut Queue<'a>) {
        let job = &self.jobs[escrow];
        // Proofs go first: an escrow's latency is create sent to proof
        // confirmed, and a proof's queue is never longer than the creates'.
        queue.push_front(BatchTx::new(&[job.proof_instruction()], job.provider, &[]));
        self.steps.push((escrow, Step::Proof));
    }

    /// Takes the reports of an engine run (in job order) and starts the
    /// next run's job indices at 0.
    fn absorb(&mut self, reports: Vec<TxReport>) {
        for ((escrow, step), report) in self.steps.drain(..).zip(reports) {
            match step {
                Step::Create => self.escrows[escrow].create = Some(report),
                Step::Proof => self.escrows[escrow].proof = Some(report),
            }
        }
    }

    fn into_reports(self) -> Vec<EscrowReport> {
        self.jobs
            .iter()
            .zip(self.escrows)
            .map(|(job, e)| EscrowReport {
                policy: job.policy,
                escrow_id: job.args.escrow_id,
                settled: e.proof.as_ref().is_some_and(TxReport::landed),
                create: e.create,
                created: e.created,
                proof: e.proof,
                duplicate_of: e.duplicate_of,
            })
            .collect()
    }
}

impl<'a> Driver<'a> for Pipeline<'a, '_> {
    fn resolved(&mut self, job: usize, report: &TxReport, queue: &mut Queue<'a>) {
        let Some(&(escrow, step)) = self.steps.get(job) else {
            return;
        };
        match step {
            Step::Create => {
                let policy = self.jobs[escrow].policy;
                if let Some(lane) = self.lanes.get_mut(&policy) {
                    lane.unresolved.remove(&self.jobs[escrow].args.escrow_id);
                }
                match &report.result {
                    Ok(()) => {
                        self.escrows[escrow].created = Some(if report.before_batch {
                            Created::Earlier
                        } else {
                            Created::Landed
                        });
                        self.send_proof(escrow, queue);
                    }
                    // Checked against the chain after the run.
                    Err(ClientError::Program(_) | ClientError::Transaction { .. }) => {
                        self.escrows[escrow].create_refused = true;
                    }
                    Err(_) => {}
                }
                self.release(&policy, queue);
            }
            // Proof reports are taken by `absorb` after the run.
            Step::Proof => {}
        }
    }
}
