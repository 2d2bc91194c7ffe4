//! Account substitution, for every account of every fund-moving or
//! privileged instruction (v2 account lists: pooled vault, no escrow
//! vaults, the rent payer, the optional depends_on escrow, the vault
//! read-only in create/refund/cancel): each non-signer, non-program account
//! is replaced in turn by every attacker-supplied candidate (a fake mint
//! with the same decimals, attacker token accounts, the provider's own
//! token account in the fake mint, another provider's token account, the policy's own vault, another policy and its vault,
//! another policy's escrow, an open and a settled escrow of the same
//! policy, the attacker's wallet, an uninitialized key). Every such
//! transaction must be sent and refused on chain, leaving every watched
//! account byte-for-byte as it was; then the unmodified instruction must
//! succeed, proving the baseline was valid.

use std::collections::BTreeMap;

use agent_escrow::{error::EscrowError, instructions::PolicyCreateArgs};
use agent_escrow_client::{
    instructions::{self, EscrowAccounts},
    pda::{escrow_address, policy_address, policy_vault_address},
    transport::Transport,
    ClientError, Keypair, Signer,
};
use agent_escrow_tests::*;
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};

/// The world every scenario starts from (clock at START + 1 day + 10 s).
/// Policy A (the harness's; review and dispute timeouts 1 h, caps raised)
/// with 1,000 USDC and escrows:
///   0: instant 20 to provider 0, Funded (deadline in 2 days)
///   1: delay 50 to provider 1, proven at START (delay passed)
///   2: approval 90 to provider 2, proven at START (review timeout passed)
///   3: 10 to provider 0, Funded, deadline START + 100 (passed)
///   4: delay 40 to provider 1, proven then vetoed at START (Disputed,
///      dispute timeout passed)
///   5: 10 to provider 2, Funded (cancellable)
///   6: instant 5 to provider 0, Released, kept until its dependent 7
///      settled (7: instant 5 to provider 1, Released and closed): closable
///   8: instant 10 to provider 2, Released, kept for its dependents 9-12
///   9: delay 50 to provider 1, depends on 8, proven at START (releasable)
///  10: 10 to provider 0, depends on 8, Funded, deadline passed (refundable)
///  11: instant 15 to provider 0, depends on 8, Funded (proof pays at once)
///  12: 10 to provider 1, depends on 8, Funded (cancellable)
/// Policy B (same owner and mint, agent key(60)) with 100 USDC and escrow
/// B0 (Funded); an attacker mint with 6 decimals; attacker token accounts
/// in both mints.
struct World {
    h: Harness,
    candidates: Vec<(&'static str, Pubkey)>,
    watched: Vec<Pubkey>,
}

const KEPT: u64 = 8;

async fn world() -> World {
    let h = Harness::new().await;
    h.policy_create(PolicyCreateArgs {
        daily_cap: 1_000 * USDC,
        monthly_cap: 5_000 * USDC,
        review_timeout: Some(3_600),
        dispute_timeout: Some(3_600),
        ..default_limits(h.agent.pubkey())
    })
    .await
    .unwrap();
    h.deposit(1_000 * USDC).await.unwrap();
    let p = |i: usize| h.providers[i].pubkey();
    let create = |id: u64, provider: usize, amount: u64, deadline_in: i64, dep: Option<u64>| {
        let h = &h;
        async move {
            let mut args = h
                .escrow_args(id, p(provider), amount * USDC, deadline_in)
                .await;
            args.depends_on = dep.map(|d| h.escrow(d));
            h.create_escrow_with(args).await.unwrap();
        }
    };
    for (id, provider, amount) in [
        (0u64, 0usize, 20),
        (1, 1, 50),
        (2, 2, 90),
        (4, 1, 40),
        (5, 2, 10),
    ] {
        create(id, provider, amount, 2 * 86_400, None).await;
    }
    create(3, 0, 10, 100, None).await;
    create(6, 0, 5, 2 * 86_400, None).await;
    create(7, 1, 5, 2 * 86_400, Some(6)).await;
    create(KEPT, 2, 10, 2 * 86_400, None).await;
    create(9, 1, 50, 2 * 86_400, Some(KEPT)).await;
    create(10, 0, 10, 100, Some(KEPT)).await;
    create(11, 0, 15, 2 * 86_400, Some(KEPT)).await;
    create(12, 1, 10, 2 * 86_400, Some(KEPT)).await;
    for (id, provider) in [(1u64, 1usize), (2, 2), (4, 1), (6, 0), (KEPT, 2)] {
        h.submit_proof(id, provider).await.unwrap();
    }
    for (id, provider, dep) in [(7u64, 1usize, 6u64), (9, 1, KEPT)] {
        let ix = instructions::escrow_submit_proof(
            &p(provider),
            &h.keys(id, provider, Some(dep)),
            proof_hash(id),
        );
        h.send(ix, &h.providers[provider]).await.unwrap();
    }
    h.send(
        instructions::escrow_veto(&h.owner.pubkey(), &h.policy(), &h.escrow(4)),
        &h.owner,
    )
    .await
    .unwrap();
    // 6 and 8 are kept (terminal) for their dependents; 7 is gone.
    let kept = h.escrow_state(6).await;
    assert_eq!((kept.state, kept.dependents), (2, 0));
    let kept = h.escrow_state(KEPT).await;
    assert_eq!((kept.state, kept.dependents), (2, 4));
    assert!(h.client.escrow(&h.escrow(7)).await.unwrap().is_none());

    // Policy B with its own vault and escrow.
    let agent_b = key(60);
    h.svm().airdrop(&agent_b.pubkey(), FUNDING).unwrap();
    let ix = instructions::policy_create(
        &h.owner.pubkey(),
        &h.mint,
        &h.token_program,
        default_limits(agent_b.pubkey()),
    );
    h.send(ix, &h.owner).await.unwrap();
    let policy_b = policy_address(&h.owner.pubkey(), &agent_b.pubkey(), &h.mint).0;
    let ix = instructions::policy_deposit(
        &policy_b,
        &h.mint,
        &h.token_program,
        &h.owner.pubkey(),
        &h.owner_ata,
        100 * USDC,
    );
    h.send(ix, &h.owner).await.unwrap();
    let args = h.escrow_args(0, p(0), 30 * USDC, 86_400).await;
    let ix =
        instructions::escrow_create(&policy_b, &agent_b.pubkey(), &agent_b.pubkey(), args, false);
    h.send(ix, &agent_b).await.unwrap();
    let escrow_b0 = escrow_address(&policy_b, 0).0;

    // The attacker's mint (same decimals) and token accounts.
    let fake_mint = key(61);
    h.client
        .create_mint(&h.attacker, &fake_mint, &h.attacker.pubkey(), 6)
        .await
        .unwrap();
    let attacker_fake_ata = h
        .client
        .create_ata(&h.attacker, &h.attacker.pubkey(), &fake_mint.pubkey())
        .await
        .unwrap();
    h.client
        .mint_to(
            &h.attacker,
            &fake_mint.pubkey(),
            &h.attacker,
            &attacker_fake_ata,
            1_000 * USDC,
        )
        .await
        .unwrap();
    let attacker_ata = h
        .client
        .create_ata(&h.attacker, &h.attacker.pubkey(), &h.mint)
        .await
        .unwrap();
    // Provider 0's own token account, but in the attacker's mint.
    let provider_fake_ata = h
        .client
        .create_ata(&h.attacker, &p(0), &fake_mint.pubkey())
        .await
        .unwrap();

    h.svm().set_unix_timestamp(START + 86_410);
    let candidates = vec![
        ("fake mint (same decimals)", fake_mint.pubkey()),
        ("attacker token account", attacker_ata),
        ("attacker token account, fake mint", attacker_fake_ata),
        (
            "provider 0's token account in the fake mint",
            provider_fake_ata,
        ),
        // A real token account in the policy's mint owned by someone else
        // (for the payouts of escrows 1, 4 and 9 it is the provider's own
        // account, and the candidate is skipped in that slot).
        ("another provider's token account", h.ata(&p(1))),
        ("the policy's own vault", h.vault()),
        ("another policy's vault", policy_vault_address(&policy_b).0),
        ("another policy", policy_b),
        ("another policy's escrow", escrow_b0),
        ("an open escrow of the same policy", h.escrow(5)),
        ("a settled escrow kept for its dependents", h.escrow(KEPT)),
        ("the attacker's wallet", h.attacker.pubkey()),
        ("uninitialized account", Pubkey::new_from_array([99; 32])),
    ];
    let mut watched = vec![
        h.policy(),
        h.vault(),
        h.owner_ata,
        policy_b,
        policy_vault_address(&policy_b).0,
        escrow_b0,
        attacker_ata,
        attacker_fake_ata,
        provider_fake_ata,
        fake_mint.pubkey(),
        h.mint,
        // The rent payer of every escrow of A (and fee payer of some
        // scenarios: the fee payer's own lamports are not compared).
        h.agent.pubkey(),
        h.attacker.pubkey(),
        agent_escrow_client::pda::allow_address(&h.policy(), &p(0)).0,
    ];
    for id in 0..25 {
        watched.push(h.escrow(id));
    }
    for provider in &h.providers {
        watched.push(h.ata(&provider.pubkey()));
    }
    World {
        h,
        candidates,
        watched,
    }
}

/// How many substitutions each outcome had, for the report.
type Tally = BTreeMap<String, usize>;

impl World {
    async fn snapshot(&self) -> BTreeMap<Pubkey, Option<(u64, Vec<u8>)>> {
        let mut out = BTreeMap::new();
        for key in &self.watched {
            let account = self.h.svm().get_account(key).await.unwrap();
            out.insert(*key, account.map(|a| (a.lamports, a.data)));
        }
        out
    }

    /// Tries every substitution of `ix` (signed by `signers`, the first
    /// pays fees), except the account indexes in `free` (the caller's own
    /// choice, e.g. a withdrawal destination); then sends `ix` itself.
    async fn check(
        &self,
        name: &str,
        ix: Instruction,
        signers: &[&Keypair],
        free: &[usize],
        tally: &mut Tally,
    ) -> usize {
        let programs = [
            agent_escrow_client::pda::PROGRAM_ID,
            anchor_spl::token::ID,
            anchor_spl::token_2022::ID,
            anchor_lang::solana_program::system_program::ID,
            instructions::INSTRUCTIONS_SYSVAR_ID,
        ];
        let (payer, rest) = signers.split_first().unwrap();
        let extra: Vec<&dyn Signer> = rest.iter().map(|k| *k as &dyn Signer).collect();
        let mut tried = 0;
        for index in 0..ix.accounts.len() {
            let meta = &ix.accounts[index];
            if meta.is_signer || programs.contains(&meta.pubkey) || free.contains(&index) {
                continue;
            }
            for (label, candidate) in &self.candidates {
                if *candidate == meta.pubkey {
                    continue;
                }
                let mut bad = ix.clone();
                bad.accounts[index].pubkey = *candidate;
                let before = self.snapshot().await;
                let result = self.h.client.send(&[bad], *payer, &extra).await;
                // Refused on chain (not a client-side signing failure, which
                // would prove nothing).
                let outcome = match &result {
                    Err(ClientError::Program(f)) => format!("{} {}", f.code, f.name),
                    Err(ClientError::Transaction { err, .. }) => format!("{err:?}"),
                    other => panic!("{name}: account {index} replaced by {label}: {other:?}"),
                };
                let after = self.snapshot().await;
                let changed: Vec<&Pubkey> = before
                    .keys()
                    .filter(|k| **k != payer.pubkey() && before[*k] != after[*k])
                    .collect();
                assert!(
                    changed.is_empty(),
                    "{name}: account {index} -> {label} changed {changed:?}"
                );
                *tally.entry(outcome).or_default() += 1;
                tried += 1;
            }
        }
        self.h
            .client
            .send(&[ix], *payer, &extra)
            .await
            .unwrap_or_else(|e| panic!("{name}: valid baseline failed: {e}"));
        tried
    }
}

/// Escrow accounts of escrow `id` (provider index `p`, dependency `dep`).
fn keys(w: &World, id: u64, p: usize, dep: Option<u64>) -> EscrowAccounts {
    w.h.keys(id, p, dep)
}

#[tokio::test]
async fn every_account_of_every_instruction_resists_substitution() {
    let mut total = 0;
    let mut tally = Tally::new();
    let mut per_instruction = Vec::new();
    macro_rules! scenario {
        ($name:literal, $w:ident, $ix:expr, [$($signer:expr),+], $free:expr) => {{
            let $w = world().await;
            let ix = $ix;
            let signers: Vec<&Keypair> = vec![$($signer),+];
            let n = $w.check($name, ix, &signers, &$free, &mut tally).await;
            per_instruction.push(($name, n));
            total += n;
        }};
    }
    scenario!(
        "policy_deposit",
        w,
        instructions::policy_deposit(
            &w.h.policy(),
            &w.h.mint,
            &w.h.token_program,
            &w.h.owner.pubkey(),
            &w.h.owner_ata,
            USDC
        ),
        [&w.h.owner],
        []
    );
    // Slot 3 (destination) is free: the owner withdraws wherever it likes.
    scenario!(
        "policy_withdraw",
        w,
        instructions::policy_withdraw(
            &w.h.owner.pubkey(),
            &w.h.policy(),
            &w.h.mint,
            &w.h.token_program,
            &w.h.owner_ata,
            USDC
        ),
        [&w.h.owner],
        [3]
    );
    scenario!(
        "escrow_create",
        w,
        {
            let args =
                w.h.escrow_args(20, w.h.providers[0].pubkey(), 10 * USDC, 600)
                    .await;
            instructions::escrow_create(
                &w.h.policy(),
                &w.h.agent.pubkey(),
                &w.h.agent.pubkey(),
                args,
                false,
            )
        },
        [&w.h.agent],
        []
    );
    scenario!(
        "escrow_create (depends_on a kept escrow)",
        w,
        {
            let mut args =
                w.h.escrow_args(21, w.h.providers[0].pubkey(), 10 * USDC, 600)
                    .await;
            args.depends_on = Some(w.h.escrow(KEPT));
            instructions::escrow_create(
                &w.h.policy(),
                &w.h.agent.pubkey(),
                &w.h.agent.pubkey(),
                args,
                false,
            )
        },
        [&w.h.agent],
        []
    );
    scenario!(
        "provider_allow",
        w,
        instructions::provider_allow(
            &w.h.owner.pubkey(),
            &w.h.policy(),
            &w.h.providers[0].pubkey()
        ),
        [&w.h.owner],
        []
    );
    scenario!(
        "escrow_submit_proof (instant: pays)",
        w,
        instructions::escrow_submit_proof(
            &w.h.providers[0].pubkey(),
            &keys(&w, 0, 0, None),
            proof_hash(0)
        ),
        [&w.h.providers[0]],
        []
    );
    scenario!(
        "escrow_submit_proof (instant, dependency released: pays)",
        w,
        instructions::escrow_submit_proof(
            &w.h.providers[0].pubkey(),
            &keys(&w, 11, 0, Some(KEPT)),
            proof_hash(11)
        ),
        [&w.h.providers[0]],
        []
    );
    scenario!(
        "escrow_release",
        w,
        instructions::escrow_release(&w.h.cranker.pubkey(), &keys(&w, 1, 1, None)),
        [&w.h.cranker],
        []
    );
    scenario!(
        "escrow_release (with dependency)",
        w,
        instructions::escrow_release(&w.h.cranker.pubkey(), &keys(&w, 9, 1, Some(KEPT))),
        [&w.h.cranker],
        []
    );
    scenario!(
        "escrow_approve",
        w,
        instructions::escrow_approve(&w.h.owner.pubkey(), &keys(&w, 2, 2, None)),
        [&w.h.owner],
        []
    );
    scenario!(
        "escrow_refund (Funded, deadline passed)",
        w,
        instructions::escrow_refund(&w.h.cranker.pubkey(), &keys(&w, 3, 0, None)),
        [&w.h.cranker],
        []
    );
    scenario!(
        "escrow_refund (Funded, with dependency)",
        w,
        instructions::escrow_refund(&w.h.cranker.pubkey(), &keys(&w, 10, 0, Some(KEPT))),
        [&w.h.cranker],
        []
    );
    scenario!(
        "escrow_refund (ProofSubmitted, review timeout passed)",
        w,
        instructions::escrow_refund(&w.h.cranker.pubkey(), &keys(&w, 2, 2, None)),
        [&w.h.cranker],
        []
    );
    scenario!(
        "escrow_refund (Disputed, dispute timeout passed)",
        w,
        instructions::escrow_refund(&w.h.cranker.pubkey(), &keys(&w, 4, 1, None)),
        [&w.h.cranker],
        []
    );
    scenario!(
        "escrow_resolve",
        w,
        instructions::escrow_resolve(&w.h.owner.pubkey(), &keys(&w, 4, 1, None), 5_000),
        [&w.h.owner],
        []
    );
    scenario!(
        "escrow_cancel",
        w,
        instructions::escrow_cancel(
            &w.h.agent.pubkey(),
            &w.h.providers[2].pubkey(),
            &keys(&w, 5, 2, None)
        ),
        [&w.h.agent, &w.h.providers[2]],
        []
    );
    scenario!(
        "escrow_cancel (with dependency)",
        w,
        instructions::escrow_cancel(
            &w.h.agent.pubkey(),
            &w.h.providers[1].pubkey(),
            &keys(&w, 12, 1, Some(KEPT))
        ),
        [&w.h.agent, &w.h.providers[1]],
        []
    );
    scenario!(
        "escrow_close",
        w,
        instructions::escrow_close(&w.h.cranker.pubkey(), &w.h.escrow(6), &w.h.agent.pubkey()),
        [&w.h.cranker],
        []
    );
    scenario!(
        "escrow_veto",
        w,
        instructions::escrow_veto(&w.h.owner.pubkey(), &w.h.policy(), &w.h.escrow(1)),
        [&w.h.owner],
        []
    );
    scenario!(
        "escrow_dispute",
        w,
        instructions::escrow_dispute(&w.h.agent.pubkey(), &w.h.policy(), &w.h.escrow(2)),
        [&w.h.agent],
        []
    );
    // Slot 1 (policy) is free: policy B has the same owner, who may update it.
    scenario!(
        "policy_update",
        w,
        instructions::policy_update(
            &w.h.owner.pubkey(),
            &w.h.policy(),
            agent_escrow::instructions::PolicyUpdateArgs {
                per_escrow_max: Some(50 * USDC),
                ..Default::default()
            }
        ),
        [&w.h.owner],
        [1]
    );
    scenario!(
        "policy_pause",
        w,
        instructions::policy_pause(&w.h.agent.pubkey(), &w.h.policy()),
        [&w.h.agent],
        []
    );
    for (name, n) in &per_instruction {
        println!("{n:4} substitutions: {name}");
    }
    println!("refusals by error: {tally:#?}");
    println!("substitutions tried: {total}");
    assert!(total > 1_000, "only {total} substitutions tried");
}

#[tokio::test]
async fn wrong_token_program_is_refused() {
    // Token-2022, the system program or this program passed where the
    // policy's mint is SPL Token: MintProgramMismatch, before any transfer.
    let w = world().await;
    let before = w.snapshot().await;
    for program in [
        anchor_spl::token_2022::ID,
        anchor_lang::solana_program::system_program::ID,
        agent_escrow_client::pda::PROGRAM_ID,
    ] {
        let with = |mut keys: EscrowAccounts| {
            keys.token_program = program;
            keys
        };
        let cases: [(Instruction, &Keypair); 5] = [
            (
                instructions::escrow_submit_proof(
                    &w.h.providers[0].pubkey(),
                    &with(keys(&w, 0, 0, None)),
                    proof_hash(0),
                ),
                &w.h.providers[0],
            ),
            (
                instructions::escrow_release(&w.h.cranker.pubkey(), &with(keys(&w, 1, 1, None))),
                &w.h.cranker,
            ),
            (
                instructions::escrow_approve(&w.h.owner.pubkey(), &with(keys(&w, 2, 2, None))),
                &w.h.owner,
            ),
            (
                instructions::escrow_resolve(
                    &w.h.owner.pubkey(),
                    &with(keys(&w, 4, 1, None)),
                    5_000,
                ),
                &w.h.owner,
            ),
            (
                instructions::policy_withdraw(
                    &w.h.owner.pubkey(),
                    &w.h.policy(),
                    &w.h.mint,
                    &program,
                    &w.h.owner_ata,
                    USDC,
                ),
                &w.h.owner,
            ),
        ];
        for (ix, signer) in cases {
            assert_program_error(w.h.send(ix, signer).await, EscrowError::MintProgramMismatch);
        }
        let ix = instructions::policy_deposit(
            &w.h.policy(),
            &w.h.mint,
            &program,
            &w.h.owner.pubkey(),
            &w.h.owner_ata,
            USDC,
        );
        assert_program_error(
            w.h.send(ix, &w.h.owner).await,
            EscrowError::MintProgramMismatch,
        );
    }
    assert!(
        w.snapshot().await == before,
        "a refused transaction changed state"
    );
}
