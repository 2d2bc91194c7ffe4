//! End-to-end over JSON-RPC against a real solana-test-validator (the
//! registry-built .so loaded as an upgradeable program at genesis): the seed
//! scenario through the client's RPC backend and through the `agent-escrow`
//! binary with `-u localhost`, concurrent agents, concurrent creates on one
//! policy, forced duplicate creates, and a deploy through the upgradeable
//! loader. Throughput and latency are printed (measured, never asserted).
//!
//! v2 layout: escrows hold no tokens (their amounts are locked in the pooled
//! policy vault: vault = free + locked), ids come from the policy's
//! `next_escrow_id` and are never reused, and an escrow is closed when it
//! settles (rent back to its payer) unless other escrows depend on it.
//!
//! Built only with `--features validator`; run by `scripts/validator-tests.sh`
//! inside a loopback-only network namespace.

use std::{
    future::Future,
    pin::Pin,
    task::Poll,
    time::{Duration, Instant},
};

use agent_escrow::{
    error::EscrowError,
    instructions::{EscrowCreateArgs, PolicyCreateArgs},
    state::{Escrow, EscrowState, ReleaseTier},
};
use agent_escrow_client::{
    events::EscrowEvent,
    instructions::{self, EscrowAccounts},
    pda::{associated_token_address, escrow_address, policy_address},
    rpc::RpcTransport,
    sha256,
    transport::{Transport, TxOutcome},
    ClientError, CreateOutcome, EscrowClient, Keypair, Signer,
};
use agent_escrow_tests::{default_limits, validator::Validator, USDC};
use anchor_lang::prelude::Pubkey;
use anchor_spl::token::spl_token;
use solana_transaction::Transaction;

const SOL: u64 = 1_000_000_000;

/// The first event of type `$name` in `$out.events` (a clone); panics naming
/// the events found when there is none.
macro_rules! event {
    ($out:expr, $name:ident) => {{
        let out: &TxOutcome = &$out;
        out.events
            .iter()
            .find_map(|e| match e {
                EscrowEvent::$name(x) => Some(x.clone()),
                _ => None,
            })
            .unwrap_or_else(|| {
                panic!(
                    "{} missing from {:?}",
                    stringify!($name),
                    out.events.iter().map(|e| e.name()).collect::<Vec<_>>()
                )
            })
    }};
}

/// Runs `futures` concurrently on the current task (no `Send` needed) and
/// returns their outputs in order.
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs
        .into_iter()
        .map(|o| o.expect("polled to completion"))
        .collect()
}

/// Everything a failed instruction must leave as it was, and what the
/// conservation invariant ties together.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Books {
    vault: u64,
    locked: u64,
    next_escrow_id: u64,
    escrows_created: u64,
    owner_tokens: u64,
    providers: Vec<u64>,
}

impl Books {
    fn free(&self) -> u64 {
        self.vault - self.locked
    }
}

struct World {
    client: EscrowClient<RpcTransport>,
    owner: Keypair,
    agent: Keypair,
    providers: Vec<Keypair>,
    mint: Pubkey,
    owner_ata: Pubkey,
}

impl World {
    async fn new(validator: &Validator, providers: usize) -> Self {
        let client = EscrowClient::new(validator.rpc());
        let (owner, agent) = (Keypair::new(), Keypair::new());
        let providers: Vec<Keypair> = (0..providers).map(|_| Keypair::new()).collect();
        for key in [&owner, &agent].into_iter().chain(providers.iter()) {
            client
                .transport()
                .airdrop(&key.pubkey(), 10 * SOL)
                .await
                .unwrap();
        }
        let mint = Keypair::new();
        client
            .create_mint(&owner, &mint, &owner.pubkey(), 6)
            .await
            .unwrap();
        let owner_ata = client
            .create_ata(&owner, &owner.pubkey(), &mint.pubkey())
            .await
            .unwrap();
        client
            .mint_to(&owner, &mint.pubkey(), &owner, &owner_ata, 10_000 * USDC)
            .await
            .unwrap();
        for p in &providers {
            client
                .create_ata(&owner, &p.pubkey(), &mint.pubkey())
                .await
                .unwrap();
        }
        World {
            client,
            owner,
            agent,
            providers,
            mint: mint.pubkey(),
            owner_ata,
        }
    }

    fn policy(&self) -> Pubkey {
        policy_address(&self.owner.pubkey(), &self.agent.pubkey(), &self.mint).0
    }

    fn escrow_key(&self, id: u64) -> Pubkey {
        escrow_address(&self.policy(), id).0
    }

    /// per_escrow_max 100, instant up to 25, delay up to 60 (then approval),
    /// daily cap 1,000, monthly 5,000; the owner is the arbiter.
    async fn create_policy(&self, delay_seconds: i64, deposit: u64) {
        let args = PolicyCreateArgs {
            daily_cap: 1_000 * USDC,
            monthly_cap: 5_000 * USDC,
            delay_seconds,
            ..default_limits(self.agent.pubkey())
        };
        let ix =
            instructions::policy_create(&self.owner.pubkey(), &self.mint, &spl_token::ID, args);
        let out = self.client.send(&[ix], &self.owner, &[]).await.unwrap();
        let created = event!(out, PolicyCreated);
        assert_eq!(
            (created.arbiter, created.delay_seconds),
            (self.owner.pubkey(), delay_seconds)
        );
        let ix = instructions::policy_deposit(
            &self.policy(),
            &self.mint,
            &spl_token::ID,
            &self.owner.pubkey(),
            &self.owner_ata,
            deposit,
        );
        let out = self.client.send(&[ix], &self.owner, &[]).await.unwrap();
        assert_eq!(event!(out, Deposited).vault_balance, deposit);
        let policy = self.client.policy(&self.policy()).await.unwrap();
        assert_eq!((policy.next_escrow_id, policy.locked), (0, 0));
    }

    async fn args(
        &self,
        id: u64,
        provider: usize,
        amount: u64,
        deadline_in: i64,
        depends_on: Option<u64>,
    ) -> EscrowCreateArgs {
        EscrowCreateArgs {
            escrow_id: id,
            bump: 0, // the builder sets the canonical bump
            provider: self.providers[provider].pubkey(),
            amount,
            task_hash: sha256(format!("task {id}").as_bytes()),
            deadline: self.client.transport().unix_timestamp().await.unwrap() + deadline_in,
            verifier: None,
            depends_on: depends_on.map(|u| self.escrow_key(u)),
        }
    }

    async fn create(
        &self,
        id: u64,
        provider: usize,
        amount: u64,
        depends_on: Option<u64>,
    ) -> Result<CreateOutcome, ClientError> {
        let args = self.args(id, provider, amount, 3_600, depends_on).await;
        self.client
            .escrow_create(&self.agent, &self.agent, &self.policy(), args)
            .await
    }

    /// Creates escrow `id` (the agent pays its rent) and returns the
    /// transaction; panics unless this call created it.
    async fn created(
        &self,
        id: u64,
        provider: usize,
        amount: u64,
        depends_on: Option<u64>,
    ) -> TxOutcome {
        match self.create(id, provider, amount, depends_on).await {
            Ok(CreateOutcome::Created(out)) => out,
            other => panic!("create {id}: {other:?}"),
        }
    }

    fn keys(&self, id: u64, provider: usize, depends_on: Option<u64>) -> EscrowAccounts {
        EscrowAccounts {
            policy: self.policy(),
            escrow: self.escrow_key(id),
            mint: self.mint,
            token_program: spl_token::ID,
            provider_token: associated_token_address(
                &self.providers[provider].pubkey(),
                &self.mint,
                &spl_token::ID,
            ),
            rent_payer: self.agent.pubkey(),
            depends_on: depends_on.map(|u| self.escrow_key(u)),
        }
    }

    async fn prove(&self, id: u64, provider: usize, depends_on: Option<u64>) -> TxOutcome {
        let p = &self.providers[provider];
        let ix = instructions::escrow_submit_proof(
            &p.pubkey(),
            &self.keys(id, provider, depends_on),
            sha256(b"deliverable"),
        );
        self.client.send(&[ix], p, &[]).await.unwrap()
    }

    /// Sends `ix` signed (and paid) by the owner.
    async fn owner_sends(
        &self,
        ix: anchor_lang::solana_program::instruction::Instruction,
    ) -> Result<TxOutcome, ClientError> {
        self.client.send(&[ix], &self.owner, &[]).await
    }

    async fn balance(&self, owner: &Pubkey) -> u64 {
        self.client
            .token_balance(&associated_token_address(owner, &self.mint, &spl_token::ID))
            .await
            .unwrap()
    }

    async fn lamports(&self, key: &Pubkey) -> u64 {
        self.client
            .transport()
            .get_account(key)
            .await
            .unwrap()
            .map_or(0, |a| a.lamports)
    }

    async fn escrow(&self, id: u64) -> Option<Escrow> {
        self.client.escrow(&self.escrow_key(id)).await.unwrap()
    }

    /// Rent of an escrow account with / without a depends_on key.
    async fn escrow_rent(&self, depends_on: bool) -> u64 {
        self.client
            .transport()
            .minimum_balance_for_rent_exemption(Escrow::space(false, depends_on))
            .await
            .unwrap()
    }

    /// The books, after checking the conservation invariant: the vault
    /// covers the locked amount, and locked = the sum of the open escrows.
    async fn books(&self) -> Books {
        let policy = self.client.policy(&self.policy()).await.unwrap();
        let vault = self.client.token_balance(&policy.vault).await.unwrap();
        let open: u64 = self
            .client
            .list_escrows(Some(&self.policy()), None, None)
            .await
            .unwrap()
            .iter()
            .filter(|(_, e)| {
                !EscrowState::from_u8(e.state)
                    .expect("known state")
                    .is_terminal()
            })
            .map(|(_, e)| e.amount)
            .sum();
        assert!(
            vault >= policy.locked,
            "vault {vault} < locked {}",
            policy.locked
        );
        assert_eq!(policy.locked, open, "locked != sum of the open escrows");
        let mut providers = Vec::new();
        for p in &self.providers {
            providers.push(self.balance(&p.pubkey()).await);
        }
        Books {
            vault,
            locked: policy.locked,
            next_escrow_id: policy.next_escrow_id,
            escrows_created: policy.escrows_created,
            owner_tokens: self.client.token_balance(&self.owner_ata).await.unwrap(),
            providers,
        }
    }

    /// `result` failed with the program's `error` (callers compare the books).
    #[track_caller]
    fn refused<T: std::fmt::Debug>(&self, result: Result<T, ClientError>, error: EscrowError) {
        let err = result.expect_err("expected a program error");
        assert_eq!(err.program_code(), Some(error.into()), "{err}");
    }
}

async fn sleep_until_cluster_time(rpc: &RpcTransport, unix: i64) {
    while rpc.unix_timestamp().await.unwrap() < unix {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Compute units of some instructions as the validator measured them.
#[derive(Default)]
struct ComputeUnits(Vec<(&'static str, u64)>);

impl ComputeUnits {
    fn record(&mut self, name: &'static str, out: &TxOutcome) {
        if !self.0.iter().any(|(n, _)| *n == name) {
            self.0.push((name, out.compute_units));
        }
    }
}

/// The seed scenario over the client's RPC backend: the research -> writing
/// -> review pipeline (each created while its upstream is still open), a
/// veto resolved 50/50, a refund after a real deadline, the over-cap escrow
/// refused with 6007; balances, events, closing and rent at every step.
async fn seed_scenario(validator: &Validator, cu: &mut ComputeUnits) {
    const DELAY: i64 = 3;
    let w = World::new(validator, 3).await;
    w.create_policy(DELAY, 500 * USDC).await;
    let agent = w.agent.pubkey();
    let (rent_plain, rent_dependent) = (w.escrow_rent(false).await, w.escrow_rent(true).await);
    let (research, writing, review) = (0, 1, 2);
    let start = w.books().await;
    assert_eq!(
        (
            start.vault,
            start.locked,
            start.owner_tokens,
            start.providers.clone()
        ),
        (500 * USDC, 0, 9_500 * USDC, vec![0, 0, 0])
    );

    // The pipeline is created up front, each escrow while its upstream is
    // still Funded; the ids are the policy's next ones. Nothing moves: the
    // amounts are locked in the vault.
    let agent_before = w.lamports(&agent).await;
    let out = w.created(research, 0, 50 * USDC, None).await;
    cu.record("escrow_create (validator)", &out);
    let created = event!(out, EscrowCreated);
    assert_eq!(
        (
            created.escrow,
            created.escrow_id,
            created.tier,
            created.free_balance,
            created.locked,
            created.state
        ),
        (
            w.escrow_key(research),
            research,
            ReleaseTier::Delay,
            450 * USDC,
            50 * USDC,
            EscrowState::Funded
        )
    );
    let created = event!(
        w.created(writing, 1, 75 * USDC, Some(research)).await,
        EscrowCreated
    );
    assert_eq!(
        (
            created.escrow_id,
            created.tier,
            created.free_balance,
            created.locked
        ),
        (writing, ReleaseTier::Approval, 375 * USDC, 125 * USDC)
    );
    let created = event!(
        w.created(review, 2, 25 * USDC, Some(writing)).await,
        EscrowCreated
    );
    assert_eq!(
        (
            created.escrow_id,
            created.tier,
            created.free_balance,
            created.locked
        ),
        (review, ReleaseTier::Instant, 350 * USDC, 150 * USDC)
    );
    // The agent paid the three rents (plus fees); each account holds its rent.
    let paid = agent_before - w.lamports(&agent).await;
    let rents = rent_plain + 2 * rent_dependent;
    assert!(
        paid >= rents && paid - rents < 100_000,
        "agent paid {paid}, rents {rents}"
    );
    assert_eq!(w.lamports(&w.escrow_key(research)).await, rent_plain);
    assert_eq!(w.lamports(&w.escrow_key(writing)).await, rent_dependent);
    assert_eq!(w.lamports(&w.escrow_key(review)).await, rent_dependent);
    let dependents = |e: Option<Escrow>| e.map(|e| (e.state, e.dependents, e.rent_payer));
    assert_eq!(
        dependents(w.escrow(research).await),
        Some((EscrowState::Funded as u8, 1, agent))
    );
    assert_eq!(
        dependents(w.escrow(writing).await),
        Some((EscrowState::Funded as u8, 1, agent))
    );
    assert_eq!(
        dependents(w.escrow(review).await),
        Some((EscrowState::Funded as u8, 0, agent))
    );
    let books = w.books().await;
    assert_eq!(
        (
            books.vault,
            books.locked,
            books.free(),
            books.next_escrow_id
        ),
        (500 * USDC, 150 * USDC, 350 * USDC, 3)
    );
    let funded = w
        .client
        .list_escrows(Some(&w.policy()), None, Some(EscrowState::Funded))
        .await
        .unwrap();
    assert_eq!(funded.iter().map(|(k, _)| *k).collect::<Vec<_>>(), {
        let mut keys = vec![w.escrow_key(0), w.escrow_key(1), w.escrow_key(2)];
        keys.sort();
        keys
    });

    // review's proof arrives first: instant tier, but writing is not
    // released, so it is recorded and not paid.
    let out = w.prove(review, 2, Some(writing)).await;
    assert_eq!(
        out.events.iter().map(|e| e.name()).collect::<Vec<_>>(),
        ["ProofSubmitted"]
    );
    assert_eq!(
        w.escrow(review).await.unwrap().state,
        EscrowState::ProofSubmitted as u8
    );
    let release_review =
        instructions::escrow_release(&w.owner.pubkey(), &w.keys(review, 2, Some(writing)));
    w.refused(
        w.owner_sends(release_review.clone()).await,
        EscrowError::DependencyNotReleased,
    );
    assert_eq!(w.books().await, books);

    // writing's proof: the owner's approval must wait for research.
    w.prove(writing, 1, Some(research)).await;
    let approve =
        instructions::escrow_approve(&w.owner.pubkey(), &w.keys(writing, 1, Some(research)));
    w.refused(
        w.owner_sends(approve.clone()).await,
        EscrowError::DependencyNotReleased,
    );
    assert_eq!(w.books().await, books);

    // research (delay tier): release refused before the delay, paid after it
    // by anyone; its account stays while writing depends on it.
    w.prove(research, 0, None).await;
    let release = instructions::escrow_release(&w.owner.pubkey(), &w.keys(research, 0, None));
    w.refused(
        w.owner_sends(release.clone()).await,
        EscrowError::DelayNotElapsed,
    );
    assert_eq!(w.books().await, books);
    let proof_at = w.escrow(research).await.unwrap().state_at;
    sleep_until_cluster_time(w.client.transport(), proof_at + DELAY).await;
    let out = w.owner_sends(release).await.unwrap();
    cu.record("escrow_release, delay tier (validator)", &out);
    let released = event!(out, EscrowReleased);
    assert_eq!(
        (
            released.escrow,
            released.amount,
            released.tier,
            released.released_by,
            released.locked,
            released.rent_returned,
            released.state
        ),
        (
            w.escrow_key(research),
            50 * USDC,
            ReleaseTier::Delay,
            w.owner.pubkey(),
            100 * USDC,
            0,
            EscrowState::Released
        )
    );
    assert_eq!(
        dependents(w.escrow(research).await),
        Some((EscrowState::Released as u8, 1, agent))
    );
    let close_research =
        instructions::escrow_close(&w.owner.pubkey(), &w.escrow_key(research), &agent);
    w.refused(
        w.owner_sends(close_research.clone()).await,
        EscrowError::HasDependents,
    );
    let kept = w
        .client
        .list_escrows(Some(&w.policy()), None, Some(EscrowState::Released))
        .await
        .unwrap();
    assert_eq!(
        kept.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        [w.escrow_key(research)]
    );
    let books = w.books().await;
    assert_eq!(
        (books.vault, books.locked, books.providers.clone()),
        (450 * USDC, 100 * USDC, vec![50 * USDC, 0, 0])
    );

    // The owner approves writing: paid; research loses its dependent;
    // writing stays while review depends on it.
    let out = w.owner_sends(approve).await.unwrap();
    cu.record("escrow_approve (validator)", &out);
    let released = event!(out, EscrowReleased);
    assert_eq!(
        (
            released.amount,
            released.tier,
            released.locked,
            released.rent_returned
        ),
        (75 * USDC, ReleaseTier::Approval, 25 * USDC, 0)
    );
    assert_eq!(
        dependents(w.escrow(research).await),
        Some((EscrowState::Released as u8, 0, agent))
    );
    assert_eq!(
        dependents(w.escrow(writing).await),
        Some((EscrowState::Released as u8, 1, agent))
    );

    // research can now be closed by anyone: the rent goes to the agent.
    let agent_before = w.lamports(&agent).await;
    let out = w.owner_sends(close_research).await.unwrap();
    let closed = event!(out, EscrowClosed);
    assert_eq!(
        (
            closed.escrow,
            closed.rent_payer,
            closed.lamports,
            closed.state
        ),
        (
            w.escrow_key(research),
            agent,
            rent_plain,
            EscrowState::Released
        )
    );
    assert!(w.escrow(research).await.is_none());
    assert_eq!(w.lamports(&agent).await, agent_before + rent_plain);

    // review (proven earlier) is released by anyone now that writing is:
    // it closes at once, rent back to the agent.
    let agent_before = w.lamports(&agent).await;
    let out = w.owner_sends(release_review).await.unwrap();
    let released = event!(out, EscrowReleased);
    assert_eq!(
        (
            released.amount,
            released.tier,
            released.locked,
            released.rent_returned
        ),
        (25 * USDC, ReleaseTier::Instant, 0, rent_dependent)
    );
    assert!(w.escrow(review).await.is_none());
    assert_eq!(w.lamports(&agent).await, agent_before + rent_dependent);
    assert_eq!(
        dependents(w.escrow(writing).await),
        Some((EscrowState::Released as u8, 0, agent))
    );
    let agent_before = w.lamports(&agent).await;
    let out = w
        .owner_sends(instructions::escrow_close(
            &w.owner.pubkey(),
            &w.escrow_key(writing),
            &agent,
        ))
        .await
        .unwrap();
    assert_eq!(event!(out, EscrowClosed).lamports, rent_dependent);
    assert!(w.escrow(writing).await.is_none());
    assert_eq!(w.lamports(&agent).await, agent_before + rent_dependent);
    let books = w.books().await;
    assert_eq!(
        (books.vault, books.locked, books.providers.clone()),
        (350 * USDC, 0, vec![50 * USDC, 75 * USDC, 25 * USDC])
    );

    // A vetoed delay-tier escrow, resolved 50/50 by the owner (the policy's
    // arbiter): 20 paid, 20 free again, the account closed.
    let veto_id = w.client.next_escrow_id(&w.policy()).await.unwrap();
    assert_eq!(veto_id, 3);
    w.created(veto_id, 0, 40 * USDC, None).await;
    w.prove(veto_id, 0, None).await;
    let out = w
        .owner_sends(instructions::escrow_veto(
            &w.owner.pubkey(),
            &w.policy(),
            &w.escrow_key(veto_id),
        ))
        .await
        .unwrap();
    let disputed = event!(out, EscrowDisputed);
    assert_eq!(
        (disputed.veto, disputed.amount, disputed.state),
        (true, 40 * USDC, EscrowState::Disputed)
    );
    let agent_before = w.lamports(&agent).await;
    let resolve = instructions::escrow_resolve(&w.owner.pubkey(), &w.keys(veto_id, 0, None), 5_000);
    let out = w.owner_sends(resolve).await.unwrap();
    let resolved = event!(out, DisputeResolved);
    assert_eq!(
        (
            resolved.arbiter,
            resolved.provider_bps,
            resolved.provider_amount,
            resolved.refund_amount,
            resolved.rent_returned,
            resolved.state
        ),
        (
            w.owner.pubkey(),
            5_000,
            20 * USDC,
            20 * USDC,
            rent_plain,
            EscrowState::Resolved
        )
    );
    assert!(w.escrow(veto_id).await.is_none());
    assert_eq!(w.lamports(&agent).await, agent_before + rent_plain);
    let books = w.books().await;
    assert_eq!(
        (books.vault, books.locked, books.providers[0]),
        (330 * USDC, 0, 70 * USDC)
    );

    // A refund after a real deadline (4 s of cluster time): no tokens move,
    // the 10 are free again, the account is closed.
    let refund_id = 4;
    let args = w.args(refund_id, 1, 10 * USDC, 4, None).await;
    let deadline = args.deadline;
    w.client
        .escrow_create(&w.agent, &w.agent, &w.policy(), args)
        .await
        .unwrap();
    let books = w.books().await;
    assert_eq!(
        (books.vault, books.locked, books.free()),
        (330 * USDC, 10 * USDC, 320 * USDC)
    );
    let refund = instructions::escrow_refund(&w.owner.pubkey(), &w.keys(refund_id, 1, None));
    w.refused(
        w.owner_sends(refund.clone()).await,
        EscrowError::DeadlineNotReached,
    );
    assert_eq!(w.books().await, books);
    sleep_until_cluster_time(w.client.transport(), deadline).await;
    let agent_before = w.lamports(&agent).await;
    let out = w.owner_sends(refund).await.unwrap();
    let refunded = event!(out, EscrowRefunded);
    assert_eq!(
        (
            refunded.amount,
            refunded.from_state,
            refunded.free_balance,
            refunded.spent_24h,
            refunded.rent_returned,
            refunded.state
        ),
        (
            10 * USDC,
            EscrowState::Funded,
            330 * USDC,
            170 * USDC,
            rent_plain,
            EscrowState::Refunded
        )
    );
    assert!(w.escrow(refund_id).await.is_none());
    assert_eq!(w.lamports(&agent).await, agent_before + rent_plain);

    // Over the per-escrow cap: refused in preflight with the program's
    // error; nothing changes and the id stays free.
    let books = w.books().await;
    w.refused(
        w.create(5, 0, 150 * USDC, None).await,
        EscrowError::PerEscrowCapExceeded,
    );
    assert!(w.escrow(5).await.is_none());
    assert_eq!(w.books().await, books);

    // Final balances: providers 50 + 20, 75, 25; vault 500 - 170 paid.
    assert_eq!(
        books,
        Books {
            vault: 330 * USDC,
            locked: 0,
            next_escrow_id: 5,
            escrows_created: 5,
            owner_tokens: 9_500 * USDC,
            providers: vec![70 * USDC, 75 * USDC, 25 * USDC],
        }
    );
    let policy = w.client.policy(&w.policy()).await.unwrap();
    assert_eq!(
        (policy.total_released, policy.total_refunded),
        (170 * USDC, 30 * USDC)
    );
    // Every escrow is settled and closed: none is listed any more.
    assert!(w
        .client
        .list_escrows(Some(&w.policy()), None, None)
        .await
        .unwrap()
        .is_empty());
    // The audit trail, read back through getSignaturesForAddress +
    // getTransaction: it outlives the closed accounts.
    let history = w.client.history(&w.policy(), 1_000).await.unwrap();
    let names: Vec<&str> = history
        .iter()
        .flat_map(|h| h.events.iter().map(|e| e.name()))
        .collect();
    for expected in [
        "PolicyCreated",
        "Deposited",
        "EscrowCreated",
        "ProofSubmitted",
        "EscrowReleased",
        "EscrowDisputed",
        "DisputeResolved",
        "EscrowRefunded",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    let count = |name: &str| names.iter().filter(|n| **n == name).count();
    assert_eq!(
        (
            count("EscrowCreated"),
            count("ProofSubmitted"),
            count("EscrowReleased")
        ),
        (5, 4, 3)
    );
    assert_eq!(names.first(), Some(&"PolicyCreated"));
    // escrow_close does not touch the policy: its EscrowClosed is in the
    // escrow's own history (which also holds the transactions of writing
    // that named research as its dependency: filtered out here).
    let research_key = w.escrow_key(research).to_string();
    let research_history = w
        .client
        .history(&w.escrow_key(research), 100)
        .await
        .unwrap();
    let names: Vec<&str> = research_history
        .iter()
        .flat_map(|h| h.events.iter())
        .filter(|e| e.record().escrow.as_deref() == Some(research_key.as_str()))
        .map(|e| e.name())
        .collect();
    assert_eq!(
        names,
        [
            "EscrowCreated",
            "ProofSubmitted",
            "EscrowReleased",
            "EscrowClosed"
        ],
        "research's history"
    );
}

/// The same kinds of operations through the `agent-escrow` binary, `-u localhost`.
async fn cli_scenario(validator: &Validator) -> Vec<(String, Vec<Duration>)> {
    let dir = tempfile::tempdir().unwrap();
    let rpc = validator.rpc();
    let rent_plain = rpc
        .minimum_balance_for_rent_exemption(Escrow::space(false, false))
        .await
        .unwrap();
    // The CLI binary of this workspace (built by `make test` before this suite).
    let bin = std::env::var("AGENT_ESCROW_BIN").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../target/debug/agent-escrow").to_string()
    });
    // `-u localhost` is http://127.0.0.1:8899, where the suite's validator runs.
    let url = if validator.url == "http://127.0.0.1:8899" {
        "localhost".to_string()
    } else {
        validator.url.clone()
    };
    let command = |args: &[&str]| {
        let mut command = std::process::Command::new(&bin);
        command
            .args(["-u", &url])
            .args(args)
            .current_dir(dir.path());
        command
    };
    let run = |args: &[&str]| {
        let started = Instant::now();
        let out = command(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (String::from_utf8(out.stdout).unwrap(), started.elapsed())
    };
    let json = |args: &[&str]| {
        let mut args = args.to_vec();
        args.extend(["--output", "json"]);
        let (out, t) = run(&args);
        let value: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"));
        (value, t)
    };
    let fails = |args: &[&str], code: i32| {
        let out = command(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stderr).unwrap()
    };
    let pubkey = |name: &str| {
        run(&["keygen", "new", "-o", &format!("{name}.json")]);
        run(&["keygen", "pubkey", &format!("{name}.json")])
            .0
            .trim()
            .to_string()
    };
    let (owner, agent, provider, mint) = (
        pubkey("owner"),
        pubkey("agent"),
        pubkey("provider"),
        pubkey("usdc"),
    );
    for key in [&owner, &agent, &provider] {
        rpc.airdrop(&key.parse().unwrap(), 10 * SOL).await.unwrap();
    }
    let mut timings: Vec<(String, Vec<Duration>)> = Vec::new();
    let mut time = |name: &str, elapsed: Duration| match timings.iter_mut().find(|(n, _)| n == name)
    {
        Some((_, list)) => list.push(elapsed),
        None => timings.push((name.to_string(), vec![elapsed])),
    };
    run(&[
        "-k",
        "owner.json",
        "mint",
        "create",
        "--mint-keypair",
        "usdc.json",
    ]);
    run(&["-k", "owner.json", "mint", "to", &mint, &owner, "1000"]);
    let (_, t) = run(&[
        "-k",
        "owner.json",
        "policy",
        "create",
        "--agent",
        &agent,
        "--mint",
        &mint,
        "--per-escrow-max",
        "100",
        "--daily-cap",
        "1000",
        "--monthly-cap",
        "5000",
        "--instant-max",
        "25",
        "--delay-max",
        "60",
        "--delay",
        "1h",
    ]);
    time("policy create", t);
    let policy = run(&[
        "policy", "address", "--owner", &owner, "--agent", &agent, "--mint", &mint,
    ])
    .0
    .trim()
    .to_string();
    let (_, t) = run(&["-k", "owner.json", "policy", "deposit", &policy, "500"]);
    time("policy deposit", t);
    let create_args = |task: &str| {
        vec![
            "-k".to_string(),
            "agent.json".into(),
            "escrow".into(),
            "create".into(),
            policy.clone(),
            "--provider".into(),
            provider.clone(),
            "--amount".into(),
            "10".into(),
            "--task-file".into(),
            task.to_string(),
            "--deadline".into(),
            "1h".into(),
        ]
    };
    for i in 0..5u64 {
        std::fs::write(dir.path().join("task.txt"), format!("task {i}")).unwrap();
        std::fs::write(dir.path().join("work.txt"), format!("work {i}")).unwrap();
        let args = create_args("task.txt");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // The default id is the policy's next one; 10 of the free balance is locked.
        let (created, t) = json(&args);
        time("escrow create", t);
        let escrow = created["escrow"].as_str().unwrap().to_string();
        assert_eq!(
            (
                n(&created["escrowId"]),
                created["tier"].as_str(),
                n(&created["locked"]),
                n(&created["freeBalance"]),
            ),
            (
                Some(i),
                Some("Instant"),
                Some(10 * USDC),
                Some((490 - 10 * i) * USDC)
            ),
            "{created}"
        );
        // Running the same command again reports the open escrow, sends nothing.
        let (again, t) = json(&args);
        time("escrow create (re-run: reports the open escrow)", t);
        assert_eq!(
            (
                again["escrow"].as_str(),
                n(&again["escrowId"]),
                again["alreadyExisted"].as_bool(),
                again["state"].as_str()
            ),
            (Some(escrow.as_str()), Some(i), Some(true), Some("Funded")),
            "{again}"
        );
        assert!(again.get("signature").is_none(), "{again}");
        // Its address: by id (no network), or the open escrow for these terms.
        let by_id = run(&["escrow", "address", &policy, "--escrow-id", &i.to_string()]).0;
        assert_eq!(by_id.trim(), escrow);
        let (by_terms, t) = run(&[
            "escrow",
            "address",
            &policy,
            "--provider",
            &provider,
            "--amount",
            "10",
            "--task-file",
            "task.txt",
        ]);
        time("escrow address (open escrow for a task)", t);
        assert_eq!(by_terms.trim(), escrow);
        let (shown, t) = json(&["escrow", "show", &escrow]);
        time("escrow show", t);
        assert_eq!(
            (
                n(&shown["escrowId"]),
                shown["state"].as_str(),
                shown["rentPayer"].as_str(),
                n(&shown["rentLamports"])
            ),
            (
                Some(i),
                Some("Funded"),
                Some(agent.as_str()),
                Some(rent_plain)
            )
        );
        // The proof pays at once; the escrow is closed, its rent back with the agent.
        let (out, t) = run(&[
            "-k",
            "provider.json",
            "escrow",
            "proof",
            &escrow,
            "--file",
            "work.txt",
        ]);
        assert!(out.contains("paid (instant tier)"), "{out}");
        assert!(
            out.contains(&format!(
                "The escrow is settled and its account closed: {rent_plain} lamports of rent \
                 returned to {agent}"
            )),
            "{out}"
        );
        time("escrow proof (instant release)", t);
        let err = fails(&["escrow", "show", &escrow], 2);
        assert!(err.contains("is settled (Released) and closed"), "{err}");
        let (shown, t) = json(&["policy", "show", &policy]);
        time("policy show", t);
        assert_eq!(
            (
                n(&shown["vaultBalance"]),
                n(&shown["locked"]),
                n(&shown["freeBalance"]),
                n(&shown["nextEscrowId"])
            ),
            (
                Some((490 - 10 * i) * USDC),
                Some(0),
                Some((490 - 10 * i) * USDC),
                Some(i + 1)
            )
        );
        let (out, t) = run(&["history", "--escrow", &escrow]);
        assert!(
            out.contains("EscrowCreated")
                && out.contains("ProofSubmitted")
                && out.contains("EscrowReleased"),
            "{out}"
        );
        time("history --escrow", t);
    }
    // Settled escrows are closed: the list is empty.
    let (listed, t) = json(&["escrow", "list", "--policy", &policy]);
    time("escrow list", t);
    assert_eq!(listed["escrows"].as_array().unwrap().len(), 0, "{listed}");
    let (balance, _) = json(&["mint", "balance", &mint, &provider]);
    assert_eq!(n(&balance["amount"]), Some(50 * USDC));

    // Three agent processes create at once on this policy with the default
    // id: each ends with its own escrow under a distinct id (5, 6, 7).
    let started = Instant::now();
    let children: Vec<_> = (0..3)
        .map(|k| {
            let task = format!("parallel-{k}.txt");
            std::fs::write(dir.path().join(&task), format!("parallel task {k}")).unwrap();
            let mut args = create_args(&task);
            args.extend(["--output".into(), "json".into()]);
            command(&args.iter().map(String::as_str).collect::<Vec<_>>())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ids = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "concurrent escrow create: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(created.get("alreadyExisted").is_none(), "{created}");
        ids.push(n(&created["escrowId"]).unwrap());
    }
    time(
        "escrow create, 3 processes at once (all done)",
        started.elapsed(),
    );
    ids.sort();
    assert_eq!(ids, [5, 6, 7]);
    let (shown, _) = json(&["policy", "show", &policy]);
    assert_eq!(
        (
            n(&shown["locked"]),
            n(&shown["nextEscrowId"]),
            n(&shown["escrowsCreated"])
        ),
        (Some(30 * USDC), Some(8), Some(8))
    );
    let (listed, _) = json(&["escrow", "list", "--policy", &policy, "--state", "funded"]);
    assert_eq!(listed["escrows"].as_array().unwrap().len(), 3, "{listed}");

    // A durable nonce on a real cluster: the owner signs a deposit offline
    // against the nonce; the presigned transaction is submitted afterwards
    // (the client waits on the nonce, not on a blockhash's validity).
    let nonce = pubkey("nonce");
    run(&[
        "-k",
        "owner.json",
        "nonce",
        "create",
        "nonce.json",
        "--authority",
        &owner,
    ]);
    let (shown, _) = json(&["nonce", "show", &nonce]);
    let value = shown["nonce"].as_str().unwrap().to_string();
    let (vault_before, _) = json(&["policy", "show", &policy]);
    let presigned = [
        "policy",
        "deposit",
        &policy,
        "1",
        "--nonce",
        &nonce,
        "--blockhash",
        &value,
    ];
    let (signed, _) = json(&[&presigned[..], &["-k", "owner.json", "--sign-only"]].concat());
    let signature = signed["signers"][0].as_str().unwrap().to_string();
    let (landed, t) = json(
        &[
            &presigned[..],
            &[
                "-k",
                &owner,
                "--nonce-authority",
                &owner,
                "--signer",
                &signature,
            ],
        ]
        .concat(),
    );
    time("policy deposit, presigned with a durable nonce", t);
    assert_eq!(landed["events"][0]["name"], "Deposited", "{landed}");
    let (vault_after, _) = json(&["policy", "show", &policy]);
    assert_eq!(
        n(&vault_after["vaultBalance"]),
        n(&vault_before["vaultBalance"]).map(|v| v + USDC)
    );
    let (advanced, _) = json(&["nonce", "show", &nonce]);
    assert_ne!(advanced["nonce"], value.as_str());
    // The owner approves on a Ledger without blind signing: a clear-text
    // off-chain message, signed on the owner's machine (`--offchain
    // --sign-only`, here with a keypair file), submitted by the agent.
    std::fs::write(dir.path().join("big-task.txt"), "a large task").unwrap();
    std::fs::write(dir.path().join("big-work.txt"), "the large work").unwrap();
    let mut args = create_args("big-task.txt");
    args[8] = "90".into();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (created, _) = json(&args);
    let big = created["escrow"].as_str().unwrap().to_string();
    run(&[
        "-k",
        "provider.json",
        "escrow",
        "proof",
        &big,
        "--file",
        "big-work.txt",
    ]);
    let (signed, t) = json(&[
        "-k",
        "owner.json",
        "escrow",
        "approve",
        &big,
        "--offchain",
        "--sign-only",
    ]);
    time(
        "escrow approve --offchain --sign-only (owner signs the message)",
        t,
    );
    assert!(
        signed["ownerMessage"]
            .as_str()
            .unwrap()
            .starts_with("agent-escrow: approve release | amount: 90.000000 of mint "),
        "{signed}"
    );
    let submit: Vec<String> = signed["submit"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .skip(1)
        .map(str::to_string)
        .collect();
    let mut args: Vec<&str> = vec!["-k", "agent.json"];
    args.extend(submit.iter().map(String::as_str));
    let balance = || n(&json(&["mint", "balance", &mint, &provider]).0["amount"]).unwrap();
    let paid_before = balance();
    let (approved, t) = json(&args);
    time("escrow approve --owner-signature (agent submits)", t);
    let names: Vec<&str> = approved["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["OwnerMessageAccepted", "EscrowReleased"],
        "{approved}"
    );
    assert_eq!(
        approved["events"][0]["fields"]["submittedBy"],
        agent.as_str()
    );
    assert_eq!(balance(), paid_before + 90 * USDC);
    let err = fails(&["escrow", "show", &big], 2);
    assert!(err.contains("is settled (Released) and closed"), "{err}");
    // History reads past getSignaturesForAddress's 1,000-per-call limit.
    let (history, _) = json(&["history", "--policy", &policy, "--limit", "1001"]);
    assert_eq!(history["truncated"], false, "{history}");
    let (short, _) = json(&["history", "--policy", &policy, "--limit", "1"]);
    assert_eq!(short["truncated"], true, "{short}");
    timings
}

/// Creates escrow `id` and settles it on the instant proof.
async fn create_and_settle(w: &World, id: u64) {
    w.created(id, 0, 5 * USDC, None).await;
    let out = w.prove(id, 0, None).await;
    assert_eq!(event!(out, EscrowReleased).amount, 5 * USDC);
}

/// Several agents creating and settling escrows at once, concurrent creates
/// on one policy, and forced duplicate creates. Returns (escrows settled,
/// seconds) for the four agents, and for the concurrent creates on one policy.
async fn concurrency(validator: &Validator) -> ((usize, Duration), (usize, Duration)) {
    const AGENTS: usize = 4;
    const EACH: u64 = 5;
    const ONE_POLICY: u64 = 8;
    let mut worlds = Vec::new();
    for _ in 0..AGENTS {
        let w = World::new(validator, 1).await;
        w.create_policy(0, 500 * USDC).await;
        worlds.push(w);
    }
    async fn settle(w: &World) {
        for _ in 0..EACH {
            let id = w.client.next_escrow_id(&w.policy()).await.unwrap();
            create_and_settle(w, id).await;
        }
    }
    let started = Instant::now();
    // Four agents at once: their transactions are in flight concurrently.
    join_all(worlds.iter().map(settle).collect()).await;
    let agents = started.elapsed();
    for w in &worlds {
        let books = w.books().await;
        assert_eq!(
            (
                books.providers[0],
                books.vault,
                books.locked,
                books.next_escrow_id,
                books.escrows_created
            ),
            (EACH * 5 * USDC, 500 * USDC - EACH * 5 * USDC, 0, EACH, EACH)
        );
    }

    // One policy, eight creates at once: ids next, next + 1, ... (the
    // program accepts any unused id within 256 of its next id), each lands.
    let w = &worlds[1];
    let next = w.client.next_escrow_id(&w.policy()).await.unwrap();
    let ids: Vec<u64> = (next..next + ONE_POLICY).collect();
    let started = Instant::now();
    let outcomes = join_all(
        ids.iter()
            .map(|&id| w.created(id, 0, 5 * USDC, None))
            .collect(),
    )
    .await;
    let mut created: Vec<u64> = outcomes
        .iter()
        .map(|out| event!(out, EscrowCreated).escrow_id)
        .collect();
    created.sort();
    assert_eq!(created, ids);
    let mut signatures: Vec<_> = outcomes.iter().map(|o| o.signature).collect();
    signatures.sort();
    signatures.dedup();
    assert_eq!(signatures.len(), ids.len());
    let books = w.books().await;
    assert_eq!(
        (books.locked, books.next_escrow_id, books.escrows_created),
        (ONE_POLICY * 5 * USDC, next + ONE_POLICY, EACH + ONE_POLICY)
    );
    let proofs = join_all(ids.iter().map(|&id| w.prove(id, 0, None)).collect()).await;
    let one_policy = started.elapsed();
    for out in &proofs {
        assert_eq!(event!(out, EscrowReleased).amount, 5 * USDC);
    }
    let books = w.books().await;
    assert_eq!(
        (books.locked, books.providers[0]),
        (0, (EACH + ONE_POLICY) * 5 * USDC)
    );
    for &id in &ids {
        assert!(w.escrow(id).await.is_none(), "escrow {id} not closed");
    }

    // Forced retries. (a) The same create transaction sent twice at once
    // lands exactly once.
    let w = &worlds[0];
    let id = w.client.next_escrow_id(&w.policy()).await.unwrap();
    let args = w.args(id, 0, 7 * USDC, 3_600, None).await;
    let ix = instructions::escrow_create(
        &w.policy(),
        &w.agent.pubkey(),
        &w.agent.pubkey(),
        args.clone(),
        false,
    );
    let blockhash = w.client.transport().latest_blockhash().await.unwrap();
    let tx =
        Transaction::new_signed_with_payer(&[ix], Some(&w.agent.pubkey()), &[&w.agent], blockhash);
    let before = w.books().await;
    let sends = join_all(vec![
        w.client.transport().send_transaction(tx.clone()),
        w.client.transport().send_transaction(tx.clone()),
    ])
    .await;
    let landed: Vec<_> = sends
        .iter()
        .filter_map(|r| match r {
            Ok(out) => Some(out.signature),
            // The second copy was seen as the same transaction.
            Err(ClientError::Transaction { err, .. })
                if format!("{err:?}") == "AlreadyProcessed" =>
            {
                None
            }
            Err(e) => panic!("duplicate send: {e}"),
        })
        .collect();
    assert!(!landed.is_empty(), "{sends:?}");
    assert!(landed.iter().all(|s| *s == tx.signatures[0]), "{landed:?}");
    println!(
        "forced duplicate, one transaction sent twice at once: {} call(s) saw it confirmed, {} \
         AlreadyProcessed",
        landed.len(),
        sends.len() - landed.len()
    );
    let after = w.books().await;
    assert_eq!(
        (after.locked, after.next_escrow_id, after.escrows_created),
        (before.locked + 7 * USDC, id + 1, before.escrows_created + 1)
    );
    let history = w.client.history(&w.escrow_key(id), 100).await.unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    // (b) Another transaction creating the same id (here with another
    // deadline) is refused with EscrowIdUnavailable; nothing changes.
    let mut other = args.clone();
    other.deadline += 1;
    let ix = instructions::escrow_create(
        &w.policy(),
        &w.agent.pubkey(),
        &w.agent.pubkey(),
        other,
        false,
    );
    w.refused(
        w.client.send(&[ix], &w.agent, &[]).await,
        EscrowError::EscrowIdUnavailable,
    );
    assert_eq!(w.books().await, after);
    // (c) The client's retry of the same create reports the existing escrow
    // and sends nothing; with other terms it names the conflict.
    let again = w
        .client
        .escrow_create(&w.agent, &w.agent, &w.policy(), args.clone())
        .await
        .unwrap();
    assert!(
        matches!(&again, CreateOutcome::AlreadyExists(e)
            if e.amount == 7 * USDC && e.state == EscrowState::Funded as u8),
        "{again:?}"
    );
    let mut different = args.clone();
    different.amount = 8 * USDC;
    let err = w
        .client
        .escrow_create(&w.agent, &w.agent, &w.policy(), different)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ClientError::EscrowIdTaken { escrow_id, .. } if escrow_id == id),
        "{err}"
    );
    assert_eq!(w.books().await, after);
    // (d) Two client calls with the same new id at once: one escrow.
    let id2 = id + 1;
    let args2 = w.args(id2, 0, 6 * USDC, 3_600, None).await;
    let results = join_all(vec![
        w.client
            .escrow_create(&w.agent, &w.agent, &w.policy(), args2.clone()),
        w.client
            .escrow_create(&w.agent, &w.agent, &w.policy(), args2.clone()),
    ])
    .await;
    // Both calls may build the identical transaction (same blockhash, signers
    // and instruction: same signature), which the cluster lands once; or one
    // lands and the other finds it. Either way exactly one escrow exists.
    let signatures: Vec<_> = results
        .iter()
        .filter_map(|r| match r {
            Ok(CreateOutcome::Created(outcome)) => Some(outcome.signature),
            Ok(CreateOutcome::AlreadyExists(_)) => None,
            Err(e) => panic!("duplicate create failed: {e}"),
        })
        .collect();
    assert!(!signatures.is_empty(), "{results:?}");
    assert!(
        signatures.windows(2).all(|p| p[0] == p[1]),
        "two different transactions created escrows: {signatures:?}"
    );
    println!(
        "forced duplicate, two escrow_create calls with one new id at once: {} Created (same \
         signature), {} AlreadyExists",
        signatures.len(),
        results.len() - signatures.len()
    );
    let books = w.books().await;
    assert_eq!(
        (books.locked, books.next_escrow_id, books.escrows_created),
        (13 * USDC, id2 + 1, after.escrows_created + 1)
    );
    // (e) Once settled and closed, the same create can never land again:
    // the id is used for good.
    w.prove(id, 0, None).await;
    assert!(w.escrow(id).await.is_none());
    w.refused(
        w.client
            .escrow_create(&w.agent, &w.agent, &w.policy(), args)
            .await,
        EscrowError::EscrowIdUnavailable,
    );
    let books = w.books().await;
    assert_eq!(
        (books.locked, books.next_escrow_id, books.escrows_created),
        (6 * USDC, id2 + 1, after.escrows_created + 1)
    );
    (
        (AGENTS * EACH as usize, agents),
        (ONE_POLICY as usize, one_policy),
    )
}

/// The client's batch path (`agent_escrow_client::batch`) on 300 escrows
/// over 4 policies: 20 of them created beforehand (an earlier attempt that
/// landed), 10 jobs given twice, then every 10th escrow's create and proof
/// sent again (same bytes, then re-signed). Exact counts and balances: each
/// escrow created once and paid once; retries add nothing. Returns (escrows
/// settled, seconds of the pipeline call); no wall-clock assertion.
async fn batch_scenario(validator: &Validator) -> (usize, Duration) {
    use agent_escrow_client::batch::{BatchConfig, BatchSender, BatchTx, Created};
    use agent_escrow_tests::throughput::{Fleet, PipelineStats};
    const POLICIES: usize = 4;
    const PER_POLICY: u64 = 75;
    const ESCROWS: usize = POLICIES * PER_POLICY as usize;
    let sender = BatchSender::new(validator.url.clone(), BatchConfig::default());
    let fleet = Fleet::new(validator, &sender, POLICIES, PER_POLICY, USDC, 0).await;
    let deadline = fleet.now().await + 3_600;
    let jobs = fleet.jobs(0..PER_POLICY, deadline);
    assert_eq!(jobs.len(), ESCROWS);

    // An earlier attempt landed for every 15th escrow: created, not paid.
    let early: Vec<usize> = (0..ESCROWS).step_by(15).collect();
    let reports = sender
        .send(
            early
                .iter()
                .map(|&i| BatchTx::new(&[jobs[i].create_instruction()], jobs[i].agent, &[]))
                .collect(),
        )
        .await
        .unwrap();
    assert!(reports.iter().all(|r| r.landed()), "{reports:?}");

    // The pipeline, with 10 jobs given twice.
    let mut input = jobs.clone();
    input.extend((0..10).map(|k| jobs[k * 7].clone()));
    let started = Instant::now();
    let reports = sender.create_and_settle(&input).await.unwrap();
    let took = started.elapsed();
    let stats = PipelineStats::of(&reports);
    assert_eq!(
        (
            stats.duplicates,
            stats.created_landed,
            stats.created_earlier,
            stats.not_created,
            stats.settled
        ),
        (10, ESCROWS - early.len(), early.len(), 0, ESCROWS),
        "{stats:?}"
    );
    for (i, r) in reports.iter().enumerate() {
        if i >= ESCROWS {
            assert_eq!(r.duplicate_of, Some((i - ESCROWS) * 7));
            assert!(r.create.is_none() && r.proof.is_none());
        } else if early.contains(&i) {
            // Refused (id used), then found Funded with these terms; or, if
            // signed on the same blockhash, the very transaction that landed.
            assert_eq!(r.created, Some(Created::Earlier), "escrow {i}");
            let create = r.create.as_ref().unwrap();
            let code = create.result.as_ref().err().and_then(|e| e.program_code());
            assert!(
                code == Some(EscrowError::EscrowIdUnavailable.into()) || create.before_batch,
                "{create:?}"
            );
            assert!(r.settled && !r.proof.as_ref().unwrap().before_batch);
        } else {
            assert_eq!(r.created, Some(Created::Landed), "escrow {i}");
            assert!(r.settled && r.latency().is_some(), "{r:?}");
        }
    }
    assert_eq!(
        (stats.create_signatures, stats.proof_signatures),
        (ESCROWS - early.len(), ESCROWS)
    );
    let books = fleet.books().await;
    for b in &books {
        assert_eq!(
            (
                b.next_escrow_id,
                b.escrows_created,
                b.locked,
                b.vault,
                b.provider
            ),
            (
                PER_POLICY,
                PER_POLICY,
                0,
                fleet.deposit - PER_POLICY * USDC,
                PER_POLICY * USDC
            ),
            "{b:?}"
        );
    }

    // Retries of every 10th escrow. (a) The same bytes: reported as their
    // original landing (same signature, before this batch), nothing new.
    let slice: Vec<usize> = (0..ESCROWS).step_by(10).collect();
    let again: Vec<_> = slice
        .iter()
        .flat_map(|&i| reports[i].create.iter().chain(reports[i].proof.iter()))
        .filter(|tx| tx.landed())
        .map(|tx| (tx.signature, BatchTx::signed(tx.transaction.clone())))
        .collect();
    let originals: Vec<_> = again.iter().map(|(s, _)| *s).collect();
    let resent = sender
        .send(again.into_iter().map(|(_, tx)| tx).collect())
        .await
        .unwrap();
    for (r, original) in resent.iter().zip(&originals) {
        assert!(
            r.landed() && r.before_batch && r.signature == *original,
            "{r:?}"
        );
    }
    // (b) Re-signed: the pipeline creates nothing (the ids are used and the
    // escrows closed), so no proof is sent.
    let rerun = sender
        .create_and_settle(&slice.iter().map(|&i| jobs[i].clone()).collect::<Vec<_>>())
        .await
        .unwrap();
    for r in &rerun {
        assert_eq!((r.created, r.settled), (None, false), "{r:?}");
        let err = r.create.as_ref().unwrap().result.as_ref().unwrap_err();
        assert_eq!(
            err.program_code(),
            Some(EscrowError::EscrowIdUnavailable.into()),
            "{err}"
        );
    }
    assert_eq!(fleet.books().await, books, "retries changed the books");
    (stats.settled, took)
}

/// Sequential create + instant settle by one agent.
async fn sequential(validator: &Validator, cu: &mut ComputeUnits) -> (usize, Duration) {
    let w = World::new(validator, 1).await;
    w.create_policy(0, 500 * USDC).await;
    let started = Instant::now();
    for id in 0..10 {
        w.created(id, 0, 5 * USDC, None).await;
        let out = w.prove(id, 0, None).await;
        cu.record("escrow_submit_proof, instant release (validator)", &out);
    }
    let elapsed = started.elapsed();
    let books = w.books().await;
    assert_eq!(
        (books.providers[0], books.locked, books.next_escrow_id),
        (50 * USDC, 0, 10)
    );
    (10, elapsed)
}

fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// Deploys the .so through the upgradeable loader (buffer, parallel writes,
/// deploy) to the program id in keys/, on an empty validator, then uses it.
async fn deploy_scenario() -> Duration {
    let validator = Validator::start_empty(8999).await;
    let client = EscrowClient::new(validator.rpc());
    let payer = Keypair::new();
    // Distinct amounts: identical airdrop requests would be one transaction.
    for sol in [10, 11, 12] {
        client
            .transport()
            .airdrop(&payer.pubkey(), sol * SOL)
            .await
            .unwrap();
    }
    let key_json = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../keys/agent_escrow-keypair.json"
    ))
    .unwrap();
    let key_bytes: Vec<u8> = serde_json::from_str(&key_json).unwrap();
    let program = Keypair::try_from(&key_bytes[..]).unwrap();
    assert_eq!(program.pubkey(), agent_escrow_client::pda::PROGRAM_ID);
    let elf = std::fs::read(agent_escrow_tests::program_so()).unwrap();
    let started = Instant::now();
    agent_escrow_client::deploy::deploy_program(&client, &payer, &program, &elf)
        .await
        .unwrap();
    let took = started.elapsed();
    // The deployed bytes are the file: ProgramData holds it, zero-padded to
    // twice its length, with the payer as upgrade authority; the CLI agrees,
    // and a one-byte change is caught.
    let deployed =
        agent_escrow_client::verify::fetch_deployed(client.transport(), &program.pubkey())
            .await
            .unwrap();
    assert_eq!(deployed.upgrade_authority, Some(payer.pubkey()));
    assert_eq!(deployed.data.len(), 2 * elf.len());
    assert!(agent_escrow_client::verify::compare(&elf, &deployed).matches());
    let mut changed = elf.clone();
    changed[elf.len() / 3] ^= 0x80;
    assert!(!agent_escrow_client::verify::compare(&changed, &deployed).matches());
    let bin = std::env::var("AGENT_ESCROW_BIN").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../target/debug/agent-escrow").to_string()
    });
    let so = agent_escrow_tests::program_so();
    let out = std::process::Command::new(&bin)
        .args(["-u", &validator.url, "program", "verify"])
        .arg(&so)
        .args(["--output", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["matches"], true);
    assert_eq!(report["upgradeAuthority"], payer.pubkey().to_string());
    assert_eq!(report["deployedCapacity"], (2 * elf.len()).to_string());
    // The program works: a policy, a deposit, an instant escrow
    // paid on proof (and closed).
    let program_account = client
        .transport()
        .get_account(&program.pubkey())
        .await
        .unwrap()
        .unwrap();
    assert!(program_account.executable);
    let w = World::new(&validator, 1).await;
    w.create_policy(0, 100 * USDC).await;
    create_and_settle(&w, 0).await;
    assert!(w.escrow(0).await.is_none());
    let books = w.books().await;
    assert_eq!(
        (books.providers[0], books.vault, books.locked),
        (5 * USDC, 95 * USDC, 0)
    );
    took
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_end_to_end() {
    let suite = Instant::now();
    let validator = Validator::start().await;
    let mut cu = ComputeUnits::default();
    seed_scenario(&validator, &mut cu).await;
    let timings = cli_scenario(&validator).await;
    let (seq_n, seq_t) = sequential(&validator, &mut cu).await;
    let ((con_n, con_t), (one_n, one_t)) = concurrency(&validator).await;
    let startup = validator.startup;
    drop(validator);
    let deploy = match std::env::var_os("AGENT_ESCROW_RPC_URL") {
        None => Some(deploy_scenario().await),
        Some(_) => None, // an external cluster already has the program
    };

    println!(
        "\nsolana-test-validator start-up (spawn to confirmed blockhash): {:.1} s",
        startup.as_secs_f64()
    );
    if let Some(deploy) = deploy {
        println!(
            "upgradeable-loader deploy of the .so (buffer + parallel writes + deploy): {:.1} s",
            deploy.as_secs_f64()
        );
    }
    println!(
        "escrows created and settled, sequential: {seq_n} in {:.1} s = {:.2}/s",
        seq_t.as_secs_f64(),
        seq_n as f64 / seq_t.as_secs_f64()
    );
    println!(
        "escrows created and settled, 4 agents concurrently: {con_n} in {:.1} s = {:.2}/s",
        con_t.as_secs_f64(),
        con_n as f64 / con_t.as_secs_f64()
    );
    println!(
        "escrows created and settled, one policy, {one_n} creates at once (ids next..next+{}): \
         {one_n} in {:.1} s = {:.2}/s",
        one_n - 1,
        one_t.as_secs_f64(),
        one_n as f64 / one_t.as_secs_f64()
    );
    for (name, units) in &cu.0 {
        println!("compute units, {name}: {units}");
    }
    println!("\n| CLI command (-u localhost) | runs | p50 | p95 |\n|---|---:|---:|---:|");
    for (name, samples) in &timings {
        println!(
            "| {name} | {} | {:.2} s | {:.2} s |",
            samples.len(),
            percentile(samples, 0.5).as_secs_f64(),
            percentile(samples, 0.95).as_secs_f64()
        );
    }
    println!("\nsuite wall time: {:.1} s", suite.elapsed().as_secs_f64());
}

/// The batch path on its own validator (runs before the end-to-end test:
/// the suite runs one test at a time, in name order).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_batch_path() {
    let validator = Validator::start().await;
    let (settled, took) = batch_scenario(&validator).await;
    println!(
        "escrows created and settled, batch path (agent_escrow_client::batch, 4 policies): \
         {settled} in {:.1} s = {:.0}/s",
        took.as_secs_f64(),
        settled as f64 / took.as_secs_f64()
    );
}

/// A u64 from the CLI's JSON: a decimal string, a token amount object (its
/// `amount`), or a small JSON number.
fn n(value: &serde_json::Value) -> Option<u64> {
    match value {
        serde_json::Value::String(s) => s.parse().ok(),
        serde_json::Value::Object(o) => o.get("amount").and_then(n),
        serde_json::Value::Number(x) => x.as_u64(),
        _ => None,
    }
}
