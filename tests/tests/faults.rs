//! Client faults: a transport that loses transactions before or after they
//! land, times out and expires blockhashes. Retries never create a second
//! escrow (v2: a re-sent create carries the same escrow id, which the
//! program accepts only once, even after the escrow has settled and
//! closed) and every failure surfaces as a clear error. Also: the
//! program's instruction-data decoding fuzzed on the .so (no abort, only
//! errors).

use std::sync::Mutex;

use agent_escrow::error::EscrowError;
use agent_escrow_client::{
    embedded::EmbeddedSvm,
    instructions, sha256,
    transport::{HistoryEntry, Memcmp, Simulation, Transport, TxOutcome},
    Account, ClientError, CreateOutcome, EscrowClient, SendOptions, Signer,
};
use agent_escrow_tests::*;
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use proptest::prelude::*;
use solana_hash::Hash;
use solana_transaction::Transaction;

/// What the faulty transport does to the next sends, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Deliver normally.
    None,
    /// Never reaches the cluster; reported as an expired blockhash.
    DropBeforeLanding,
    /// Lands, but the response is lost; reported as an expired blockhash.
    LoseResponse,
    /// Lands, but the client sees a timeout.
    TimeoutAfterLanding,
    /// Never sent: the RPC node timed out.
    TimeoutBeforeSending,
}

struct Faulty<'a> {
    inner: &'a EmbeddedSvm,
    plan: Mutex<Vec<Fault>>,
}

impl Transport for Faulty<'_> {
    fn describe(&self) -> String {
        "faulty".into()
    }
    async fn latest_blockhash(&self) -> Result<Hash, ClientError> {
        self.inner.latest_blockhash().await
    }
    async fn send_transaction(&self, tx: Transaction) -> Result<TxOutcome, ClientError> {
        let fault = {
            let mut plan = self.plan.lock().unwrap();
            if plan.is_empty() {
                Fault::None
            } else {
                plan.remove(0)
            }
        };
        let signature = tx.signatures[0];
        match fault {
            Fault::None => self.inner.send_transaction(tx).await,
            Fault::DropBeforeLanding => Err(ClientError::Expired { signature }),
            Fault::TimeoutBeforeSending => {
                Err(ClientError::Transport("operation timed out".into()))
            }
            Fault::LoseResponse => {
                let _ = self.inner.send_transaction(tx).await;
                Err(ClientError::Expired { signature })
            }
            Fault::TimeoutAfterLanding => {
                let _ = self.inner.send_transaction(tx).await;
                Err(ClientError::Transport("operation timed out".into()))
            }
        }
    }
    async fn simulate_transaction(&self, tx: &Transaction) -> Result<Simulation, ClientError> {
        self.inner.simulate_transaction(tx).await
    }
    async fn get_account(&self, address: &Pubkey) -> Result<Option<Account>, ClientError> {
        self.inner.get_account(address).await
    }
    async fn get_program_accounts(
        &self,
        program: &Pubkey,
        len: usize,
        filters: &[Memcmp],
    ) -> Result<Vec<(Pubkey, Account)>, ClientError> {
        self.inner.get_program_accounts(program, len, filters).await
    }
    async fn history(
        &self,
        address: &Pubkey,
        limit: usize,
    ) -> Result<Vec<HistoryEntry>, ClientError> {
        self.inner.history(address, limit).await
    }
    async fn unix_timestamp(&self) -> Result<i64, ClientError> {
        self.inner.unix_timestamp().await
    }
    async fn minimum_balance_for_rent_exemption(&self, len: usize) -> Result<u64, ClientError> {
        self.inner.minimum_balance_for_rent_exemption(len).await
    }
}

fn faulty(h: &Harness, plan: Vec<Fault>) -> EscrowClient<Faulty<'_>> {
    EscrowClient::new(Faulty {
        inner: h.svm(),
        plan: Mutex::new(plan),
    })
    .with_options(SendOptions {
        attempts: 3,
        ..SendOptions::default()
    })
}

#[tokio::test]
async fn create_survives_every_fault_without_duplicates() {
    use Fault::*;
    let h = Harness::with_policy().await;
    let plans: [(&str, Vec<Fault>); 6] = [
        ("dropped, then delivered", vec![DropBeforeLanding]),
        (
            "dropped twice, then delivered",
            vec![DropBeforeLanding, DropBeforeLanding],
        ),
        ("landed, response lost", vec![LoseResponse]),
        ("landed, timed out", vec![TimeoutAfterLanding]),
        (
            "landed, response lost, retry refused on chain",
            vec![LoseResponse, None],
        ),
        ("never sent: timeout", vec![TimeoutBeforeSending]),
    ];
    for (id, (name, plan)) in plans.into_iter().enumerate() {
        let id = id as u64;
        let client = faulty(&h, plan.clone());
        let args = h
            .escrow_args(id, h.providers[0].pubkey(), USDC, 3_600)
            .await;
        let before = h.policy_state().await;
        let vault_before = h.balances().await["vault"];
        let result = client
            .escrow_create(&h.agent, &h.agent, &h.policy(), args.clone())
            .await;
        let exists = h.client.escrow(&h.escrow(id)).await.unwrap().is_some();
        match (&plan[..], &result) {
            // The timeout before sending is surfaced as it is, and nothing exists.
            ([TimeoutBeforeSending], Err(ClientError::Transport(msg))) => {
                assert!(msg.contains("timed out"), "{name}: {msg}");
                assert!(!exists, "{name}");
            }
            // A create that landed and whose retry was refused (the id is
            // spent) is reported as the existing escrow.
            ([LoseResponse, ..] | [TimeoutAfterLanding], Ok(CreateOutcome::AlreadyExists(e))) => {
                assert!(exists, "{name}");
                assert_eq!((e.amount, e.provider), (USDC, h.providers[0].pubkey()));
            }
            // Dropped before landing: the retry creates it.
            ([DropBeforeLanding, ..], Ok(CreateOutcome::Created(_))) => assert!(exists, "{name}"),
            (_, other) => panic!("{name}: {other:?}"),
        }
        let after = h.policy_state().await;
        let created = u64::from(exists);
        assert_eq!(
            after.escrows_created - before.escrows_created,
            created,
            "{name}: created {} escrows",
            after.escrows_created - before.escrows_created
        );
        assert_eq!(after.locked - before.locked, created * USDC, "{name}");
        // Nothing moves at creation in v2: the amount is locked inside the vault.
        assert_eq!(h.balances().await["vault"], vault_before, "{name}");
        // A second call with the same terms never makes another.
        let again = client
            .escrow_create(&h.agent, &h.agent, &h.policy(), args.clone())
            .await;
        if !exists {
            // Nothing had been sent: this call creates it, once.
            assert!(
                matches!(again, Ok(CreateOutcome::Created(_))),
                "{name}: {again:?}"
            );
        } else {
            assert!(
                matches!(again, Ok(CreateOutcome::AlreadyExists(_))),
                "{name}: {again:?}"
            );
            // And the raw transaction re-sent as it is: the program refuses the id.
            let ix = instructions::escrow_create(
                &h.policy(),
                &h.agent.pubkey(),
                &h.agent.pubkey(),
                args,
                false,
            );
            assert_program_error(h.send(ix, &h.agent).await, EscrowError::EscrowIdUnavailable);
        }
        // In every case: exactly one escrow for this id, its amount locked once.
        let last = h.policy_state().await;
        assert_eq!(last.escrows_created - before.escrows_created, 1, "{name}");
        assert_eq!(last.locked - before.locked, USDC, "{name}");
        assert!(
            h.client.escrow(&h.escrow(id)).await.unwrap().is_some(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn retried_create_after_settlement_never_pays_twice() {
    // The create's response was lost; the escrow was then paid and closed
    // (instant tier). A re-run of the same create command (same id, same
    // terms) finds no account any more, sends, and is refused: the id can
    // never be used again, so the task is not paid twice.
    let h = Harness::with_policy().await;
    let client = faulty(&h, vec![Fault::LoseResponse]);
    let args = h
        .escrow_args(0, h.providers[0].pubkey(), 20 * USDC, 3_600)
        .await;
    let first = client
        .escrow_create(&h.agent, &h.agent, &h.policy(), args.clone())
        .await;
    assert!(
        matches!(first, Ok(CreateOutcome::AlreadyExists(_))),
        "{first:?}"
    );
    h.submit_proof(0, 0).await.unwrap();
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
    let before = h.balances().await;
    let created = h.policy_state().await.escrows_created;
    let again = client
        .escrow_create(&h.agent, &h.agent, &h.policy(), args.clone())
        .await;
    assert_program_error(again, EscrowError::EscrowIdUnavailable);
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
    assert_eq!(h.balances().await, before);
    assert_eq!(h.policy_state().await.escrows_created, created);
    assert_eq!(before["provider_0"], 20 * USDC);
    // Nor does a lost response on that second attempt change anything.
    let client = faulty(&h, vec![Fault::LoseResponse, Fault::LoseResponse]);
    let result = client
        .escrow_create(&h.agent, &h.agent, &h.policy(), args)
        .await;
    assert!(
        matches!(
            &result,
            Err(ClientError::Expired { .. }) | Err(ClientError::Program(_))
        ),
        "{result:?}"
    );
    assert_eq!(h.balances().await, before);
    assert_eq!(h.policy_state().await.escrows_created, created);
}

#[tokio::test]
async fn concurrent_creates_take_distinct_ids_in_any_order() {
    // Two creates in flight take next and next + 1; the later id lands
    // first, then the earlier one: both are accepted, once each.
    let h = Harness::with_policy().await;
    let next = h.client.next_escrow_id(&h.policy()).await.unwrap();
    assert_eq!(next, 0);
    for id in [next + 1, next] {
        let args = h
            .escrow_args(id, h.providers[0].pubkey(), USDC, 3_600)
            .await;
        let result = h
            .client
            .escrow_create(&h.agent, &h.agent, &h.policy(), args)
            .await;
        assert!(
            matches!(result, Ok(CreateOutcome::Created(_))),
            "{result:?}"
        );
    }
    let policy = h.policy_state().await;
    assert_eq!(policy.next_escrow_id, next + 2);
    assert_eq!(policy.escrows_created, 2);
    assert_eq!(policy.locked, 2 * USDC);
    let open = h
        .client
        .open_escrows_for_task(
            &h.policy(),
            &h.providers[0].pubkey(),
            USDC,
            &h.escrow_args(next, h.providers[0].pubkey(), USDC, 3_600)
                .await
                .task_hash,
        )
        .await
        .unwrap();
    assert_eq!(
        open.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        vec![h.escrow(next)]
    );
}

#[tokio::test]
async fn open_escrows_for_task_finds_escrows_with_optional_keys() {
    // A re-run of a create command looks for an open escrow for the same
    // task before creating another (open_escrows_for_task). It must find
    // the escrows whatever optional keys they carry (152, 184 and 216
    // bytes), and only the open ones.
    let h = Harness::with_policy().await;
    let task_hash = sha256(b"one task");
    for (id, verifier, depends_on) in [
        (0u64, false, None),
        (1, true, None),
        (2, false, Some(0u64)),
        (3, true, Some(0)),
        (4, false, None),
    ] {
        let mut args = h
            .escrow_args(id, h.providers[0].pubkey(), USDC, 3_600)
            .await;
        args.task_hash = task_hash;
        args.verifier = verifier.then(|| key(50).pubkey());
        args.depends_on = depends_on.map(|up| h.escrow(up));
        h.create_escrow_with(args).await.unwrap();
    }
    // #4 is cancelled (and closed): no longer open.
    let cancel = instructions::escrow_cancel(
        &h.agent.pubkey(),
        &h.providers[0].pubkey(),
        &h.keys(4, 0, None),
    );
    h.client
        .send(&[cancel], &h.agent, &[&h.providers[0]])
        .await
        .unwrap();
    let found = h
        .client
        .open_escrows_for_task(&h.policy(), &h.providers[0].pubkey(), USDC, &task_hash)
        .await
        .unwrap();
    let mut expected: Vec<Pubkey> = (0..4).map(|id| h.escrow(id)).collect();
    expected.sort();
    assert_eq!(found.iter().map(|(k, _)| *k).collect::<Vec<_>>(), expected);
    // Another task or amount finds none.
    let other = h
        .client
        .open_escrows_for_task(
            &h.policy(),
            &h.providers[0].pubkey(),
            USDC,
            &sha256(b"other"),
        )
        .await
        .unwrap();
    assert!(other.is_empty());
}

#[tokio::test]
async fn lost_response_on_payout_is_never_paid_twice() {
    // The proof's response is lost after it landed (instant tier: paid and
    // closed); the retry finds no escrow account any more (Anchor
    // AccountOwnedByWrongProgram, 3007), so the provider is paid exactly once.
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 20 * USDC).await.unwrap();
    let client = faulty(&h, vec![Fault::LoseResponse]);
    let keys = h.escrow_accounts(0, &h.providers[0].pubkey());
    let ix = instructions::escrow_submit_proof(&h.providers[0].pubkey(), &keys, proof_hash(0));
    let result = client.send(&[ix], &h.providers[0], &[]).await;
    assert_code(result, 3007);
    let b = h.balances().await;
    assert_eq!(
        (b["provider_0"], b["vault"], b["locked"]),
        (20 * USDC, 480 * USDC, 0)
    );
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());

    // Same for a delay-tier release cranked twice.
    h.create_escrow(1, 1, 50 * USDC).await.unwrap();
    h.submit_proof(1, 1).await.unwrap();
    h.svm().advance_clock(3_600);
    let client = faulty(&h, vec![Fault::TimeoutAfterLanding]);
    let keys = h.escrow_accounts(1, &h.providers[1].pubkey());
    let ix = instructions::escrow_release(&h.cranker.pubkey(), &keys);
    let lost = client
        .send(std::slice::from_ref(&ix), &h.cranker, &[])
        .await;
    assert!(matches!(lost, Err(ClientError::Transport(_))), "{lost:?}");
    assert_code(client.send(&[ix], &h.cranker, &[]).await, 3007);
    let b = h.balances().await;
    assert_eq!(
        (b["provider_1"], b["vault"], b["locked"]),
        (50 * USDC, 430 * USDC, 0)
    );
}

#[tokio::test]
async fn persistent_expiry_is_a_clear_error() {
    let h = Harness::with_policy().await;
    let client = faulty(&h, vec![Fault::DropBeforeLanding; 3]);
    let args = h.escrow_args(0, h.providers[0].pubkey(), USDC, 3_600).await;
    let err = client
        .escrow_create(&h.agent, &h.agent, &h.policy(), args.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Expired { .. }), "{err:?}");
    assert!(err.to_string().contains("can never land"), "{err}");
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
    // Nothing landed, so the id is still free: a later attempt creates it.
    assert_eq!(h.policy_state().await.next_escrow_id, 0);
    let result = h
        .client
        .escrow_create(&h.agent, &h.agent, &h.policy(), args)
        .await;
    assert!(
        matches!(result, Ok(CreateOutcome::Created(_))),
        "{result:?}"
    );
}

/// Custom error codes Anchor uses for instruction data it cannot decode.
const DECODE_ERRORS: [u32; 3] = [100, 101, 102]; // InstructionMissing, FallbackNotFound, DidNotDeserialize

fn raw(
    data: Vec<u8>,
    accounts: Vec<anchor_lang::solana_program::instruction::AccountMeta>,
) -> Instruction {
    Instruction {
        program_id: agent_escrow_client::pda::PROGRAM_ID,
        accounts,
        data,
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(32),
        .. ProptestConfig::default()
    })]

    /// Random instruction data, and real discriminators with random argument
    /// bytes: the program always answers with an error (never an abort), and
    /// nothing moves.
    #[test]
    fn instruction_data_fuzz(data in proptest::collection::vec(any::<u8>(), 0..200), disc in 0usize..19) {
        use anchor_lang::Discriminator;
        let discriminators: [&[u8]; 19] = [
            agent_escrow::instruction::PolicyCreate::DISCRIMINATOR,
            agent_escrow::instruction::PolicyUpdate::DISCRIMINATOR,
            agent_escrow::instruction::PolicyPause::DISCRIMINATOR,
            agent_escrow::instruction::PolicyResume::DISCRIMINATOR,
            agent_escrow::instruction::PolicyDeposit::DISCRIMINATOR,
            agent_escrow::instruction::PolicyWithdraw::DISCRIMINATOR,
            agent_escrow::instruction::ProviderAllow::DISCRIMINATOR,
            agent_escrow::instruction::ProviderDisallow::DISCRIMINATOR,
            agent_escrow::instruction::EscrowCreate::DISCRIMINATOR,
            agent_escrow::instruction::EscrowSubmitProof::DISCRIMINATOR,
            agent_escrow::instruction::EscrowRelease::DISCRIMINATOR,
            agent_escrow::instruction::EscrowApprove::DISCRIMINATOR,
            agent_escrow::instruction::EscrowRefund::DISCRIMINATOR,
            agent_escrow::instruction::EscrowVeto::DISCRIMINATOR,
            agent_escrow::instruction::EscrowDispute::DISCRIMINATOR,
            agent_escrow::instruction::EscrowResolve::DISCRIMINATOR,
            agent_escrow::instruction::EscrowCancel::DISCRIMINATOR,
            agent_escrow::instruction::EscrowClose::DISCRIMINATOR,
            &[0xff; 8],
        ];
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async {
            let h = Harness::with_policy().await;
            // Escrow 1: delay tier, proven, inside its delay (no instruction
            // on it can succeed yet).
            h.create_escrow(1, 1, 50 * USDC).await.unwrap();
            h.submit_proof(1, 1).await.unwrap();
            // A real escrow_create's accounts (agent signs), and a real
            // escrow_release's (a cranker signs), each with fuzzed data.
            let args = h.escrow_args(0, h.providers[0].pubkey(), USDC, 3_600).await;
            let create = instructions::escrow_create(&h.policy(), &h.agent.pubkey(), &h.agent.pubkey(), args, false);
            let release = instructions::escrow_release(&h.cranker.pubkey(), &h.keys(1, 1, None));
            let watched = [h.policy(), h.vault(), h.escrow(0), h.escrow(1), h.owner_ata];
            let snapshot = || async {
                let mut out = Vec::new();
                for key in &watched {
                    out.push(h.svm().get_account(key).await.unwrap().map(|a| (a.lamports, a.data)));
                }
                out
            };
            let before = snapshot().await;
            for (accounts, payer) in [(&create.accounts, &h.agent), (&release.accounts, &h.cranker)] {
                for payload in [data.clone(), [discriminators[disc], &data[..]].concat()] {
                    let result = h.client.send(&[raw(payload, accounts.clone())], payer, &[]).await;
                    match result {
                        Err(ClientError::Program(f)) => prop_assert!(
                            DECODE_ERRORS.contains(&f.code) || f.code >= 2000,
                            "unexpected code {} ({})", f.code, f.name
                        ),
                        Err(ClientError::Transaction { err, logs }) => {
                            // Never an abort: aborts surface as ProgramFailedToComplete.
                            prop_assert!(!format!("{err:?}").contains("ProgramFailedToComplete"), "{err:?} {logs:?}");
                        }
                        // A random payload can happen to decode; then it is a real, valid escrow_create.
                        Ok(_) => prop_assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_some()),
                        Err(other) => prop_assert!(false, "{other:?}"),
                    }
                }
            }
            if h.client.escrow(&h.escrow(0)).await.unwrap().is_none() {
                prop_assert!(snapshot().await == before, "a refused instruction changed an account");
            }
            Ok(())
        })?;
    }
}
