//! A fleet of policies for the batch path, shared by the throughput
//! benchmark (`src/bin/throughput.rs`) and the validator suite's batch
//! test: one owner, and per policy its own agent and provider (every create
//! write-locks its policy and agent, every proof its policy, vault and
//! provider: separate policies land in parallel). Set up through the batch
//! path itself: SOL transfers, provider token accounts and the policies
//! (create + deposit) each go out as one batch.

use std::time::{Duration, Instant};

use agent_escrow::instructions::{EscrowCreateArgs, PolicyCreateArgs};
use agent_escrow_client::{
    batch::{BatchConfig, BatchSender, BatchTx, EscrowJob, EscrowReport, TxReport},
    instructions,
    pda::{associated_token_address, policy_address},
    rpc::RpcTransport,
    sha256,
    transport::Transport,
    EscrowClient, Keypair, Signer,
};
use anchor_lang::{prelude::Pubkey, solana_program::system_instruction};
use anchor_spl::{associated_token::spl_associated_token_account, token::spl_token};

use crate::{default_limits, validator::Validator};

/// Lamports per SOL.
pub const SOL: u64 = 1_000_000_000;

/// One policy: its agent (signs and pays creates, and the escrows' rent,
/// returned at settlement) and its provider (signs and pays proofs).
pub struct Lane {
    pub agent: Keypair,
    pub provider: Keypair,
    pub policy: Pubkey,
    /// The provider's USDC account (paid on each instant proof).
    pub provider_ata: Pubkey,
}

/// The books of one policy, read from the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaneBooks {
    pub next_escrow_id: u64,
    pub escrows_created: u64,
    /// USDC base units locked in open escrows.
    pub locked: u64,
    /// USDC base units in the policy vault.
    pub vault: u64,
    /// USDC base units the provider holds.
    pub provider: u64,
}

/// Policies funded for `per_policy` escrows of `amount` each.
pub struct Fleet {
    pub client: EscrowClient<RpcTransport>,
    pub owner: Keypair,
    pub mint: Pubkey,
    pub lanes: Vec<Lane>,
    /// Fee payers of the SOL-transfer ceiling, and their recipients.
    pub payers: Vec<Keypair>,
    pub recipients: Vec<Keypair>,
    /// USDC base units per escrow (= the policies' instant_max).
    pub amount: u64,
    /// Escrows each policy is funded for.
    pub per_policy: u64,
    /// USDC base units deposited per policy (also its daily and monthly
    /// cap): `(per_policy + 1) × amount`.
    pub deposit: u64,
    /// Seconds the set-up took.
    pub setup: Duration,
}

/// Panics naming the first failures if any report did not land.
fn all_landed(what: &str, reports: &[TxReport]) {
    let failed: Vec<String> = reports
        .iter()
        .filter_map(|r| {
            r.result
                .as_ref()
                .err()
                .map(|e| format!("{}: {e}", r.signature))
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{what}: {} of {} failed, e.g. {:?}",
        failed.len(),
        reports.len(),
        &failed[..failed.len().min(3)]
    );
}

impl Fleet {
    /// Funds `policies` policies for `per_policy` escrows of `amount` USDC
    /// base units each (per_escrow_max = instant_max = delay_max = `amount`;
    /// daily and monthly caps = the deposit = (`per_policy` + 1) × `amount`), and
    /// `payers` fee payers (1 SOL each) with as many recipients for the
    /// transfer ceiling.
    pub async fn new(
        validator: &Validator,
        sender: &BatchSender,
        policies: usize,
        per_policy: u64,
        amount: u64,
        payers: usize,
    ) -> Self {
        let started = Instant::now();
        let client = EscrowClient::new(validator.rpc());
        let owner = Keypair::new();
        let lanes_sol = 2 * SOL + per_policy * 10_000;
        let need = policies as u64 * (lanes_sol + SOL / 2) + payers as u64 * (SOL + SOL / 100);
        client
            .transport()
            .airdrop(&owner.pubkey(), need + 10 * SOL)
            .await
            .expect("airdrop to the owner");
        let mint = Keypair::new();
        client
            .create_mint(&owner, &mint, &owner.pubkey(), 6)
            .await
            .expect("create the mint");
        let mint = mint.pubkey();
        // One escrow's worth more than needed: a re-sent create then meets
        // the id check (EscrowIdUnavailable), not InsufficientBudget.
        let deposit = (per_policy + 1) * amount;
        let owner_ata = client
            .create_ata(&owner, &owner.pubkey(), &mint)
            .await
            .expect("owner ATA");
        client
            .mint_to(&owner, &mint, &owner, &owner_ata, deposit * policies as u64)
            .await
            .expect("mint to the owner");

        let lanes: Vec<Lane> = (0..policies)
            .map(|_| {
                let (agent, provider) = (Keypair::new(), Keypair::new());
                Lane {
                    policy: policy_address(&owner.pubkey(), &agent.pubkey(), &mint).0,
                    provider_ata: associated_token_address(
                        &provider.pubkey(),
                        &mint,
                        &spl_token::ID,
                    ),
                    agent,
                    provider,
                }
            })
            .collect();
        let payers: Vec<Keypair> = (0..payers).map(|_| Keypair::new()).collect();
        let recipients: Vec<Keypair> = (0..payers.len()).map(|_| Keypair::new()).collect();

        // SOL for every key, and the providers' token accounts.
        let from = owner.pubkey();
        let mut txs = Vec::new();
        for lane in &lanes {
            txs.push(BatchTx::new(
                &[system_instruction::transfer(
                    &from,
                    &lane.agent.pubkey(),
                    lanes_sol,
                )],
                &owner,
                &[],
            ));
            txs.push(BatchTx::new(
                &[
                    system_instruction::transfer(&from, &lane.provider.pubkey(), SOL / 2),
                    spl_associated_token_account::instruction::create_associated_token_account_idempotent(
                        &from,
                        &lane.provider.pubkey(),
                        &mint,
                        &spl_token::ID,
                    ),
                ],
                &owner,
                &[],
            ));
        }
        for (payer, recipient) in payers.iter().zip(&recipients) {
            txs.push(BatchTx::new(
                &[
                    system_instruction::transfer(&from, &payer.pubkey(), SOL),
                    system_instruction::transfer(&from, &recipient.pubkey(), SOL / 100),
                ],
                &owner,
                &[],
            ));
        }
        all_landed("funding", &sender.send(txs).await.expect("funding batch"));

        // The policies: create + deposit in one transaction each.
        let txs = lanes
            .iter()
            .map(|lane| {
                let args = PolicyCreateArgs {
                    per_escrow_max: amount,
                    daily_cap: deposit,
                    monthly_cap: deposit,
                    instant_max: amount,
                    delay_max: amount,
                    ..default_limits(lane.agent.pubkey())
                };
                BatchTx::new(
                    &[
                        instructions::policy_create(&from, &mint, &spl_token::ID, args),
                        instructions::policy_deposit(
                            &lane.policy,
                            &mint,
                            &spl_token::ID,
                            &from,
                            &owner_ata,
                            deposit,
                        ),
                    ],
                    &owner,
                    &[],
                )
            })
            .collect();
        all_landed("policies", &sender.send(txs).await.expect("policy batch"));
        Fleet {
            client,
            owner,
            mint,
            lanes,
            payers,
            recipients,
            amount,
            per_policy,
            deposit,
            setup: started.elapsed(),
        }
    }

    /// Escrows `ids` of every policy, interleaved (id 0 of each policy,
    /// then id 1, ...): `amount` to the policy's provider, task hash
    /// sha256("task <policy> <id>"), due at unix second `deadline`.
    pub fn jobs(&self, ids: std::ops::Range<u64>, deadline: i64) -> Vec<EscrowJob<'_>> {
        let mut jobs = Vec::new();
        for id in ids {
            for lane in &self.lanes {
                jobs.push(EscrowJob {
                    policy: lane.policy,
                    mint: self.mint,
                    token_program: spl_token::ID,
                    agent: &lane.agent,
                    provider: &lane.provider,
                    args: EscrowCreateArgs {
                        escrow_id: id,
                        bump: 0,
                        provider: lane.provider.pubkey(),
                        amount: self.amount,
                        task_hash: sha256(format!("task {} {id}", lane.policy).as_bytes()),
                        deadline,
                        verifier: None,
                        depends_on: None,
                    },
                    with_allow_entry: false,
                    proof_hash: sha256(format!("deliverable {id}").as_bytes()),
                });
            }
        }
        jobs
    }

    /// `count` SOL transfers, all distinct (payer k mod P to recipient
    /// (k / P) mod P, 1 + k lamports), each paid and signed by its payer.
    pub fn transfers(&self, count: usize) -> Vec<BatchTx<'_>> {
        let p = self.payers.len().max(1);
        (0..count)
            .map(|k| {
                let payer = &self.payers[k % p];
                let to = self.recipients[(k / p) % p].pubkey();
                BatchTx::new(
                    &[system_instruction::transfer(
                        &payer.pubkey(),
                        &to,
                        1 + k as u64,
                    )],
                    payer,
                    &[],
                )
            })
            .collect()
    }

    /// Cluster time (unix seconds).
    pub async fn now(&self) -> i64 {
        self.client
            .transport()
            .unix_timestamp()
            .await
            .expect("cluster time")
    }

    /// Every policy's books.
    pub async fn books(&self) -> Vec<LaneBooks> {
        let mut books = Vec::new();
        for lane in &self.lanes {
            let policy = self.client.policy(&lane.policy).await.expect("policy");
            books.push(LaneBooks {
                next_escrow_id: policy.next_escrow_id,
                escrows_created: policy.escrows_created,
                locked: policy.locked,
                vault: self
                    .client
                    .token_balance(&policy.vault)
                    .await
                    .expect("vault"),
                provider: self
                    .client
                    .token_balance(&lane.provider_ata)
                    .await
                    .expect("provider"),
            });
        }
        books
    }
}

/// What a pipeline run did: escrows created (by this run's create, or
/// found from an earlier attempt), settled, and refused; distinct create
/// and proof signatures that landed; the window from the first create
/// sent to the last proof confirmed; latencies (create sent to proof
/// confirmed) of the escrows settled.
#[derive(Debug, Default)]
pub struct PipelineStats {
    pub jobs: usize,
    pub duplicates: usize,
    pub created_landed: usize,
    pub created_earlier: usize,
    pub not_created: usize,
    pub settled: usize,
    pub create_signatures: usize,
    pub proof_signatures: usize,
    pub resigned: usize,
    pub window: Duration,
    pub latencies: Vec<Duration>,
    /// A few errors, for the output.
    pub errors: Vec<String>,
}

impl PipelineStats {
    pub fn of(reports: &[EscrowReport]) -> Self {
        use agent_escrow_client::batch::Created;
        let mut stats = PipelineStats {
            jobs: reports.len(),
            ..Default::default()
        };
        let mut creates = std::collections::HashSet::new();
        let mut proofs = std::collections::HashSet::new();
        let mut first: Option<Instant> = None;
        let mut last: Option<Instant> = None;
        for r in reports {
            if r.duplicate_of.is_some() {
                stats.duplicates += 1;
                continue;
            }
            match r.created {
                Some(Created::Landed) => stats.created_landed += 1,
                Some(Created::Earlier) => stats.created_earlier += 1,
                None => stats.not_created += 1,
            }
            for tx in r.create.iter().chain(r.proof.iter()) {
                if tx.signings > 1 {
                    stats.resigned += 1;
                }
                if let Err(e) = &tx.result {
                    if stats.errors.len() < 5 {
                        stats.errors.push(format!("escrow {}: {e}", r.escrow_id));
                    }
                }
            }
            if let Some(c) = r.create.as_ref().filter(|c| c.landed()) {
                creates.insert(c.signature);
            }
            if let Some(sent) = r.create.as_ref().and_then(|c| c.first_sent) {
                first = Some(first.map_or(sent, |f| f.min(sent)));
            }
            if let Some(p) = r.proof.as_ref().filter(|p| p.landed()) {
                proofs.insert(p.signature);
                last = Some(last.map_or(p.resolved_at, |l| l.max(p.resolved_at)));
            }
            if r.settled {
                stats.settled += 1;
            }
            if let Some(latency) = r.latency() {
                stats.latencies.push(latency);
            }
        }
        stats.create_signatures = creates.len();
        stats.proof_signatures = proofs.len();
        if let (Some(first), Some(last)) = (first, last) {
            stats.window = last.saturating_duration_since(first);
        }
        stats
    }

    /// The `p` quantile (0..=1) of the latencies (zero if none).
    pub fn latency(&self, p: f64) -> Duration {
        percentile(&self.latencies, p)
    }
}

/// The `p` quantile (0..=1, nearest rank) of `samples` (zero if empty).
pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// A batch sender to `validator` with `config`.
pub fn sender(validator: &Validator, config: BatchConfig) -> BatchSender {
    BatchSender::new(validator.url.clone(), config)
}
