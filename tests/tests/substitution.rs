//! Account substitution, for every account of every fund-moving or
//! privileged instruction: each non-signer, non-program account is replaced
//! in turn by every attacker-supplied candidate (a fake mint with the same
//! decimals, attacker token accounts, another policy's vault and policy,
//! another escrow's vault and escrow, an uninitialized key). Every such
//! transaction must fail and leave every watched account byte-for-byte as it
//! was; then the unmodified instruction must succeed, proving the baseline
//! was valid.

use std::collections::BTreeMap;

use agent_escrow_client::{
    instructions,
    pda::{escrow_address, escrow_vault_address, policy_address, policy_vault_address},
    transport::Transport,
    Keypair, Signer,
};
use agent_escrow_tests::*;
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};

/// The world every scenario starts from (clock at START + 1 day + 10 s):
/// policy A (the harness's) with escrows
///   0: instant 20 USDC to provider 0, Funded (deadline in 2 days)
///   1: delay 50 to provider 1, proven at START (delay passed)
///   2: approval 90 to provider 2, proven
///   3: 10 to provider 0, Funded, deadline START + 100 (passed)
///   4: delay 40 to provider 1, proven then vetoed (Disputed)
///   5: 10 to provider 2, Funded (cancellable)
///   6: instant 5 to provider 0, Released at START (closable)
/// policy B (same owner and mint, agent key(60)) with 100 USDC and escrow B0 (Funded);
/// an attacker mint with 6 decimals; attacker token accounts in both mints.
struct World {
    h: Harness,
    policy_b: Pubkey,
    fake_mint: Pubkey,
    candidates: Vec<(&'static str, Pubkey)>,
    watched: Vec<Pubkey>,
}

async fn world() -> World {
    let h = Harness::with_policy().await;
    let p = |i: usize| h.providers[i].pubkey();
    for (id, provider, amount) in [
        (0u64, 0usize, 20),
        (1, 1, 50),
        (2, 2, 90),
        (4, 1, 40),
        (5, 2, 10),
        (6, 0, 5),
    ] {
        let args = h
            .escrow_args(id, p(provider), amount * USDC, 2 * 86_400)
            .await;
        h.create_escrow_with(args).await.unwrap();
    }
    let args = h.escrow_args(3, p(0), 10 * USDC, 100).await;
    h.create_escrow_with(args).await.unwrap();
    for (id, provider) in [(1u64, 1usize), (2, 2), (4, 1), (6, 0)] {
        h.submit_proof(id, provider).await.unwrap();
    }
    h.send(
        instructions::escrow_veto(&h.owner.pubkey(), &h.policy(), &h.escrow(4)),
        &h.owner,
    )
    .await
    .unwrap();

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
    let ix = instructions::escrow_create(
        &policy_b,
        &h.mint,
        &h.token_program,
        &agent_b.pubkey(),
        &agent_b.pubkey(),
        args,
        false,
    );
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

    h.svm().set_unix_timestamp(START + 86_410);
    let candidates = vec![
        ("fake mint (same decimals)", fake_mint.pubkey()),
        ("attacker token account", attacker_ata),
        ("attacker token account, fake mint", attacker_fake_ata),
        ("another policy's vault", policy_vault_address(&policy_b).0),
        ("another policy", policy_b),
        ("another escrow's vault", escrow_vault_address(&escrow_b0).0),
        ("another escrow", escrow_b0),
        ("uninitialized account", Pubkey::new_from_array([99; 32])),
    ];
    let mut watched = vec![
        h.policy(),
        h.vault(),
        h.owner_ata,
        policy_b,
        policy_vault_address(&policy_b).0,
        escrow_b0,
    ];
    watched.push(escrow_vault_address(&escrow_b0).0);
    // Fee payers' SOL accounts are not watched: a failed transaction still pays its fee.
    watched.extend([attacker_ata, attacker_fake_ata]);
    for id in 0..10 {
        watched.push(h.escrow(id));
        watched.push(escrow_vault_address(&h.escrow(id)).0);
    }
    for provider in &h.providers {
        watched.push(h.ata(&provider.pubkey()));
    }
    World {
        h,
        policy_b,
        fake_mint: fake_mint.pubkey(),
        candidates,
        watched,
    }
}

impl World {
    async fn snapshot(&self) -> BTreeMap<Pubkey, Option<(u64, Vec<u8>)>> {
        let mut out = BTreeMap::new();
        for key in &self.watched {
            let account = self.h.svm().get_account(key).await.unwrap();
            out.insert(*key, account.map(|a| (a.lamports, a.data)));
        }
        out
    }

    /// Tries every substitution of `ix` (signed by `signers`, first pays
    /// fees), except the account indexes in `free` (the caller's own choice,
    /// e.g. a withdrawal destination); then sends `ix` itself.
    async fn check(
        &self,
        name: &str,
        ix: Instruction,
        signers: &[&Keypair],
        free: &[usize],
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
                assert!(
                    result.is_err(),
                    "{name}: account {index} replaced by {label} was accepted"
                );
                let after = self.snapshot().await;
                let changed: Vec<&Pubkey> =
                    before.keys().filter(|k| before[*k] != after[*k]).collect();
                assert!(
                    changed.is_empty(),
                    "{name}: account {index} -> {label} changed {changed:?}"
                );
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

#[tokio::test]
async fn every_account_of_every_instruction_resists_substitution() {
    let mut total = 0;
    let free: [usize; 0] = [];
    let _ = free;
    macro_rules! scenario {
        ($name:literal, $w:ident, $ix:expr, [$($signer:expr),+], $free:expr) => {{
            let $w = world().await;
            let ix = $ix;
            let signers: Vec<&Keypair> = vec![$($signer),+];
            total += $w.check($name, ix, &signers, &$free).await;
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
                w.h.escrow_args(9, w.h.providers[0].pubkey(), 10 * USDC, 600)
                    .await;
            instructions::escrow_create(
                &w.h.policy(),
                &w.h.mint,
                &w.h.token_program,
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
        "escrow_submit_proof",
        w,
        instructions::escrow_submit_proof(
            &w.h.providers[0].pubkey(),
            &w.h.keys(0, 0, None),
            proof_hash(0)
        ),
        [&w.h.providers[0]],
        []
    );
    scenario!(
        "escrow_release",
        w,
        instructions::escrow_release(&w.h.cranker.pubkey(), &w.h.keys(1, 1, None)),
        [&w.h.cranker],
        []
    );
    scenario!(
        "escrow_approve",
        w,
        instructions::escrow_approve(&w.h.owner.pubkey(), &w.h.keys(2, 2, None)),
        [&w.h.owner],
        []
    );
    scenario!(
        "escrow_refund",
        w,
        instructions::escrow_refund(
            &w.h.cranker.pubkey(),
            &w.h.policy(),
            &w.h.escrow(3),
            &w.h.mint,
            &w.h.token_program
        ),
        [&w.h.cranker],
        []
    );
    scenario!(
        "escrow_resolve",
        w,
        instructions::escrow_resolve(&w.h.owner.pubkey(), &w.h.keys(4, 1, None), 5_000),
        [&w.h.owner],
        []
    );
    scenario!(
        "escrow_cancel",
        w,
        instructions::escrow_cancel(
            &w.h.agent.pubkey(),
            &w.h.providers[2].pubkey(),
            &w.h.policy(),
            &w.h.escrow(5),
            &w.h.mint,
            &w.h.token_program
        ),
        [&w.h.agent, &w.h.providers[2]],
        []
    );
    scenario!(
        "escrow_close",
        w,
        instructions::escrow_close(
            &w.h.cranker.pubkey(),
            &w.h.escrow(6),
            &w.h.agent.pubkey(),
            &w.h.token_program
        ),
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
    println!("substitutions tried: {total}");
    assert!(total > 300, "only {total} substitutions tried");
}

#[tokio::test]
async fn wrong_token_program_is_refused() {
    // Token-2022 passed where the policy's mint is SPL Token.
    let w = world().await;
    let _ = (&w.policy_b, &w.fake_mint);
    let before = w.snapshot().await;
    let mut keys = w.h.keys(0, 0, None);
    keys.token_program = anchor_spl::token_2022::ID;
    let ix = instructions::escrow_submit_proof(&w.h.providers[0].pubkey(), &keys, proof_hash(0));
    assert!(w.h.send(ix, &w.h.providers[0]).await.is_err());
    let ix = instructions::escrow_refund(
        &w.h.cranker.pubkey(),
        &w.h.policy(),
        &w.h.escrow(3),
        &w.h.mint,
        &anchor_spl::token_2022::ID,
    );
    assert!(w.h.send(ix, &w.h.cranker).await.is_err());
    assert!(
        w.snapshot().await == before,
        "a refused transaction changed state"
    );
}
