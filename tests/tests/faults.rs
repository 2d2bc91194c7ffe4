//! Client faults: a transport that loses transactions before or after they
//! land, times out and expires blockhashes. Retries never create a second
//! escrow and every failure surfaces as a clear error. Also: the program's
//! instruction-data decoding fuzzed on the .so (no abort, only errors).

use std::sync::Mutex;

use agent_escrow_client::{
    embedded::EmbeddedSvm,
    instructions,
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
        let before = h.policy_state().await.escrows_created;
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
            // Everything else ends with exactly one escrow, created or reported.
            (_, Ok(CreateOutcome::Created(_) | CreateOutcome::AlreadyExists(_))) => {
                assert!(exists, "{name}")
            }
            (_, other) => panic!("{name}: {other:?}"),
        }
        let after = h.policy_state().await.escrows_created;
        assert_eq!(
            after - before,
            u64::from(exists),
            "{name}: created {} escrows",
            after - before
        );
        // A second call with the same terms never makes another.
        let again = client
            .escrow_create(&h.agent, &h.agent, &h.policy(), args)
            .await;
        if exists {
            assert!(
                matches!(again, Ok(CreateOutcome::AlreadyExists(_))),
                "{name}: {again:?}"
            );
        }
        assert!(
            h.policy_state().await.escrows_created - before <= 1,
            "{name}"
        );
    }
}

#[tokio::test]
async fn lost_response_on_payout_is_never_paid_twice() {
    // The proof's response is lost after it landed; the retry is refused by
    // the program (InvalidEscrowState), so the provider is paid exactly once.
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 20 * USDC).await.unwrap();
    let client = faulty(&h, vec![Fault::LoseResponse]);
    let keys = h.escrow_accounts(0, &h.providers[0].pubkey());
    let ix = instructions::escrow_submit_proof(&h.providers[0].pubkey(), &keys, proof_hash(0));
    let result = client.send(&[ix], &h.providers[0], &[]).await;
    assert_code(
        result,
        agent_escrow::error::EscrowError::InvalidEscrowState.into(),
    );
    assert_eq!(h.balances().await["provider_0"], 20 * USDC);
}

#[tokio::test]
async fn persistent_expiry_is_a_clear_error() {
    let h = Harness::with_policy().await;
    let client = faulty(&h, vec![Fault::DropBeforeLanding; 3]);
    let args = h.escrow_args(0, h.providers[0].pubkey(), USDC, 3_600).await;
    let err = client
        .escrow_create(&h.agent, &h.agent, &h.policy(), args)
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::Expired { .. }), "{err:?}");
    assert!(err.to_string().contains("can never land"), "{err}");
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
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
            // A real escrow_create's accounts, with fuzzed data.
            let args = h.escrow_args(0, h.providers[0].pubkey(), USDC, 3_600).await;
            let valid = instructions::escrow_create(&h.policy(), &h.mint, &h.token_program, &h.agent.pubkey(), &h.agent.pubkey(), args, false);
            let before = h.balances().await;
            for payload in [data.clone(), [discriminators[disc], &data[..]].concat()] {
                let result = h.client.send(&[raw(payload, valid.accounts.clone())], &h.agent, &[]).await;
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
            if h.client.escrow(&h.escrow(0)).await.unwrap().is_none() {
                prop_assert_eq!(h.balances().await, before);
            }
            Ok(())
        })?;
    }
}
