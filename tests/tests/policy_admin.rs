use agent_escrow::{
    constants::{MAX_ESCROW_DURATION, MAX_TIMEOUT_SECONDS, MIN_TIMEOUT_SECONDS},
    error::EscrowError,
    instructions::PolicyUpdateArgs,
};
use agent_escrow_client::{events::EscrowEvent, instructions, Signer};
use agent_escrow_tests::*;
use anchor_lang::{
    error::ErrorCode as AnchorError, prelude::Pubkey, solana_program::instruction::Instruction,
};

fn update(h: &Harness, args: PolicyUpdateArgs) -> Instruction {
    instructions::policy_update(&h.owner.pubkey(), &h.policy(), args)
}

fn withdraw(h: &Harness, destination: &Pubkey, amount: u64) -> Instruction {
    instructions::policy_withdraw(
        &h.owner.pubkey(),
        &h.policy(),
        &h.mint,
        &h.token_program,
        destination,
        amount,
    )
}

/// The policy account's bytes: a failed update must leave them untouched.
fn policy_bytes(h: &Harness) -> Vec<u8> {
    h.svm()
        .with_svm(|svm| svm.get_account(&h.policy()).unwrap().data)
}

#[tokio::test]
async fn owner_updates_limits_and_event_reports_them() {
    let h = Harness::with_policy().await;
    let arbiter = key(44).pubkey();
    let args = PolicyUpdateArgs {
        per_escrow_max: Some(10 * USDC),
        instant_max: Some(5 * USDC),
        arbiter: Some(arbiter),
        dispute_timeout: Some(7_200),
        review_timeout: Some(10_800),
        max_escrow_duration: Some(86_400),
        ..Default::default()
    };
    let out = h.send(update(&h, args), &h.owner).await.unwrap();
    let p = h.policy_state().await;
    assert_eq!(
        (p.per_escrow_max, p.instant_max, p.daily_cap, p.delay_max),
        (10 * USDC, 5 * USDC, 300 * USDC, 60 * USDC)
    );
    assert_eq!(
        (
            p.arbiter,
            p.dispute_timeout,
            p.review_timeout,
            p.max_escrow_duration
        ),
        (arbiter, 7_200, 10_800, 86_400)
    );
    match out.events.as_slice() {
        [EscrowEvent::PolicyUpdated(e)] => {
            assert_eq!(
                (e.policy, e.agent, e.arbiter),
                (h.policy(), h.agent.pubkey(), arbiter)
            );
            assert_eq!(
                (e.per_escrow_max, e.instant_max, e.daily_cap, e.monthly_cap),
                (10 * USDC, 5 * USDC, 300 * USDC, 1_000 * USDC)
            );
            assert_eq!(
                (e.delay_max, e.delay_seconds, e.expires_at),
                (60 * USDC, 3_600, 0)
            );
            assert_eq!(
                (e.dispute_timeout, e.review_timeout, e.max_escrow_duration),
                (7_200, 10_800, 86_400)
            );
            assert!(!e.require_allowlist && !e.review_unlisted);
        }
        other => panic!("{other:?}"),
    }
    let before = h.balances().await;
    assert_program_error(
        h.create_escrow(0, 0, 10 * USDC + 1).await,
        EscrowError::PerEscrowCapExceeded,
    );
    assert_eq!(h.balances().await, before);
    h.create_escrow(0, 0, 10 * USDC).await.unwrap();
    assert_eq!(h.balances().await["locked"], 10 * USDC);
}

#[tokio::test]
async fn update_keeps_invariants_and_needs_owner() {
    let h = Harness::with_policy().await;
    let original = policy_bytes(&h);
    let cases: Vec<(PolicyUpdateArgs, EscrowError)> = vec![
        (
            PolicyUpdateArgs {
                daily_cap: Some(99 * USDC),
                ..Default::default()
            },
            EscrowError::InvalidPolicyLimits,
        ),
        (
            PolicyUpdateArgs {
                expires_at: Some(START),
                ..Default::default()
            },
            EscrowError::ExpiryInPast,
        ),
        (
            PolicyUpdateArgs {
                agent: Some(h.owner.pubkey()),
                ..Default::default()
            },
            EscrowError::InvalidAgent,
        ),
        (
            PolicyUpdateArgs {
                agent: Some(Pubkey::default()),
                ..Default::default()
            },
            EscrowError::InvalidAgent,
        ),
        (
            PolicyUpdateArgs {
                delay_seconds: Some(-1),
                ..Default::default()
            },
            EscrowError::DelayOutOfRange,
        ),
    ];
    for (args, error) in cases {
        assert_program_error(h.send(update(&h, args), &h.owner).await, error);
    }
    for signer in [&h.agent, &h.attacker] {
        let args = PolicyUpdateArgs {
            per_escrow_max: Some(1),
            ..Default::default()
        };
        let ix = instructions::policy_update(&signer.pubkey(), &h.policy(), args);
        assert_code(
            h.send(ix, signer).await,
            AnchorError::ConstraintHasOne.into(),
        );
    }
    assert_eq!(policy_bytes(&h), original);
    assert_eq!(h.policy_state().await.per_escrow_max, 100 * USDC);
}

#[tokio::test]
async fn update_timeouts_bounds_are_exact() {
    let h = Harness::with_policy().await;
    let original = policy_bytes(&h);
    let timeout =
        |dispute: Option<i64>, review: Option<i64>, duration: Option<i64>| PolicyUpdateArgs {
            dispute_timeout: dispute,
            review_timeout: review,
            max_escrow_duration: duration,
            ..Default::default()
        };
    for bad in [
        timeout(Some(3_599), None, None),
        timeout(Some(7_776_001), None, None),
        timeout(Some(0), None, None),
        timeout(None, Some(3_599), None),
        timeout(None, Some(7_776_001), None),
        timeout(None, Some(-1), None),
        timeout(None, None, Some(3_599)),
        timeout(None, None, Some(31_536_001)),
    ] {
        assert_program_error(
            h.send(update(&h, bad.clone()), &h.owner).await,
            EscrowError::TimeoutOutOfRange,
        );
    }
    assert_eq!(policy_bytes(&h), original);
    // The edges are accepted.
    for (low, high) in [
        (MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS),
        (MAX_TIMEOUT_SECONDS, MIN_TIMEOUT_SECONDS),
    ] {
        h.send(
            update(&h, timeout(Some(low), Some(high), Some(low))),
            &h.owner,
        )
        .await
        .unwrap();
        let p = h.policy_state().await;
        assert_eq!(
            (p.dispute_timeout, p.review_timeout, p.max_escrow_duration),
            (low, high, low)
        );
    }
    assert_eq!(
        (MIN_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS),
        (3_600, 7_776_000)
    );
    h.send(
        update(&h, timeout(None, None, Some(MAX_ESCROW_DURATION))),
        &h.owner,
    )
    .await
    .unwrap();
    assert_eq!(h.policy_state().await.max_escrow_duration, 31_536_000);
}

#[tokio::test]
async fn arbiter_is_never_the_agent() {
    let h = Harness::with_policy().await;
    let original = policy_bytes(&h);
    // Naming the agent (or the default key) as arbiter.
    for arbiter in [h.agent.pubkey(), Pubkey::default()] {
        let args = PolicyUpdateArgs {
            arbiter: Some(arbiter),
            ..Default::default()
        };
        assert_program_error(
            h.send(update(&h, args), &h.owner).await,
            EscrowError::InvalidArbiter,
        );
    }
    // Both at once: a new agent that is also the new arbiter.
    let k = key(47).pubkey();
    let args = PolicyUpdateArgs {
        agent: Some(k),
        arbiter: Some(k),
        ..Default::default()
    };
    assert_program_error(
        h.send(update(&h, args), &h.owner).await,
        EscrowError::InvalidArbiter,
    );
    // Rotating the agent onto the arbiter's key.
    let arbiter = key(44).pubkey();
    h.send(
        update(
            &h,
            PolicyUpdateArgs {
                arbiter: Some(arbiter),
                ..Default::default()
            },
        ),
        &h.owner,
    )
    .await
    .unwrap();
    let with_arbiter = policy_bytes(&h);
    assert_ne!(with_arbiter, original);
    let args = PolicyUpdateArgs {
        agent: Some(arbiter),
        ..Default::default()
    };
    assert_program_error(
        h.send(update(&h, args), &h.owner).await,
        EscrowError::InvalidArbiter,
    );
    assert_eq!(policy_bytes(&h), with_arbiter);
    let p = h.policy_state().await;
    assert_eq!((p.agent, p.arbiter), (h.agent.pubkey(), arbiter));
}

#[tokio::test]
async fn rotated_agent_key_takes_over() {
    // Given a policy whose agent key is rotated to a new key.
    let h = Harness::with_policy().await;
    let new_agent = key(42);
    h.svm().airdrop(&new_agent.pubkey(), FUNDING).unwrap();
    let out = h
        .send(
            update(
                &h,
                PolicyUpdateArgs {
                    agent: Some(new_agent.pubkey()),
                    ..Default::default()
                },
            ),
            &h.owner,
        )
        .await
        .unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::PolicyUpdated(e)] if e.agent == new_agent.pubkey()
    ));
    // The old key can no longer create escrows, nor pause.
    let before = h.balances().await;
    assert_code(
        h.create_escrow(0, 0, USDC).await,
        AnchorError::ConstraintHasOne.into(),
    );
    assert_program_error(
        h.send(
            instructions::policy_pause(&h.agent.pubkey(), &h.policy()),
            &h.agent,
        )
        .await,
        EscrowError::Unauthorized,
    );
    assert_eq!(h.balances().await, before);
    // The new key can, and the policy PDA (derived from the original key) still signs transfers.
    let args = h
        .escrow_args(0, h.providers[0].pubkey(), 20 * USDC, 600)
        .await;
    let ix = instructions::escrow_create(
        &h.policy(),
        &new_agent.pubkey(),
        &new_agent.pubkey(),
        args,
        false,
    );
    h.send(ix, &new_agent).await.unwrap();
    let keys = agent_escrow_client::instructions::EscrowAccounts {
        rent_payer: new_agent.pubkey(),
        ..h.keys(0, 0, None)
    };
    h.send(
        instructions::escrow_submit_proof(&h.providers[0].pubkey(), &keys, proof_hash(0)),
        &h.providers[0],
    )
    .await
    .unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_0"], 20 * USDC);
    assert_eq!((after["vault"], after["locked"]), (480 * USDC, 0));
    h.send(withdraw(&h, &h.owner_ata, USDC), &h.owner)
        .await
        .unwrap();
    assert_eq!(h.balances().await["vault"], 479 * USDC);
}

#[tokio::test]
async fn agent_kill_switch_and_owner_resume() {
    let h = Harness::with_policy().await;
    // The agent pauses itself.
    let out = h
        .send(
            instructions::policy_pause(&h.agent.pubkey(), &h.policy()),
            &h.agent,
        )
        .await
        .unwrap();
    assert!(
        matches!(out.events.as_slice(), [EscrowEvent::PolicyPaused(e)] if e.by == h.agent.pubkey() && e.policy == h.policy())
    );
    assert_eq!(h.policy_state().await.paused, 1);
    let before = h.balances().await;
    assert_program_error(h.create_escrow(0, 0, USDC).await, EscrowError::PolicyPaused);
    assert_eq!(h.balances().await, before);
    // Pausing again succeeds (a kill switch never fails); strangers cannot pause.
    h.send(
        instructions::policy_pause(&h.owner.pubkey(), &h.policy()),
        &h.owner,
    )
    .await
    .unwrap();
    assert_program_error(
        h.send(
            instructions::policy_pause(&h.attacker.pubkey(), &h.policy()),
            &h.attacker,
        )
        .await,
        EscrowError::Unauthorized,
    );
    // Only the owner resumes.
    assert_code(
        h.send(
            instructions::policy_resume(&h.agent.pubkey(), &h.policy()),
            &h.agent,
        )
        .await,
        AnchorError::ConstraintHasOne.into(),
    );
    let out = h
        .send(
            instructions::policy_resume(&h.owner.pubkey(), &h.policy()),
            &h.owner,
        )
        .await
        .unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::PolicyResumed(e)] if e.policy == h.policy()
    ));
    assert_eq!(h.policy_state().await.paused, 0);
    h.create_escrow(0, 0, USDC).await.unwrap();
}

#[tokio::test]
async fn pause_stops_creation_only() {
    // Escrows already open still settle while the policy is paused.
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 10 * USDC).await.unwrap();
    h.send(
        instructions::policy_pause(&h.agent.pubkey(), &h.policy()),
        &h.agent,
    )
    .await
    .unwrap();
    let before = h.balances().await;
    h.submit_proof(0, 0).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_0"], before["provider_0"] + 10 * USDC);
    assert_eq!(after["locked"], 0);
    h.send(withdraw(&h, &h.owner_ata, 490 * USDC), &h.owner)
        .await
        .unwrap();
    assert_eq!(h.balances().await["vault"], 0);
}

#[tokio::test]
async fn owner_withdraws_free_balance_only() {
    let h = Harness::with_policy().await; // 500 USDC in the vault
    h.create_escrow(0, 0, 100 * USDC).await.unwrap(); // 100 locked by escrow 0
    let before = h.balances().await;
    assert_eq!(
        (before["vault"], before["locked"]),
        (500 * USDC, 100 * USDC)
    );
    let result = h
        .send(withdraw(&h, &h.owner_ata, 400 * USDC + 1), &h.owner)
        .await;
    match &result {
        Err(agent_escrow_client::ClientError::Program(f)) => assert_eq!(
            f.details,
            vec![
                "amount 400000001 > free balance 400000000 (vault 500000000 - locked 100000000)"
                    .to_string()
            ]
        ),
        other => panic!("{other:?}"),
    }
    assert_program_error(result, EscrowError::InsufficientVaultBalance);
    assert_program_error(
        h.send(withdraw(&h, &h.owner_ata, 0), &h.owner).await,
        EscrowError::ZeroAmount,
    );
    assert_eq!(h.balances().await, before);
    let out = h
        .send(withdraw(&h, &h.owner_ata, 400 * USDC), &h.owner)
        .await
        .unwrap();
    let after = h.balances().await;
    assert_eq!(after["vault"], 100 * USDC);
    assert_eq!(after["locked"], 100 * USDC, "escrowed funds untouched");
    assert_eq!(after["owner"], before["owner"] + 400 * USDC);
    match out.events.as_slice() {
        [EscrowEvent::Withdrawn(e)] => assert_eq!(
            (
                e.policy,
                e.destination,
                e.amount,
                e.vault_balance,
                e.free_balance
            ),
            (h.policy(), h.owner_ata, 400 * USDC, 100 * USDC, 0)
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(h.policy_state().await.total_withdrawn, 400 * USDC);
    // Nothing free is left: even 1 base unit is refused.
    assert_program_error(
        h.send(withdraw(&h, &h.owner_ata, 1), &h.owner).await,
        EscrowError::InsufficientVaultBalance,
    );
    // Nor can a new escrow lock anything.
    assert_program_error(
        h.create_escrow(1, 1, 1).await,
        EscrowError::InsufficientBudget,
    );
    h.svm().set_unix_timestamp(START + 86_400);
    h.refund(0).await.unwrap();
    // Refunded: the 100 are free again and can be withdrawn.
    let out = h
        .send(withdraw(&h, &h.owner_ata, 100 * USDC), &h.owner)
        .await
        .unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::Withdrawn(e)] if (e.vault_balance, e.free_balance) == (0, 0)
    ));
    let end = h.balances().await;
    assert_eq!((end["vault"], end["locked"]), (0, 0));
    assert_eq!(end["owner"], before["owner"] + 500 * USDC);
}

#[tokio::test]
async fn withdraw_to_the_vault_itself_is_refused() {
    let h = Harness::with_policy().await;
    let before = h.balances().await;
    assert_program_error(
        h.send(withdraw(&h, &h.vault(), USDC), &h.owner).await,
        EscrowError::VaultMismatch,
    );
    assert_eq!(h.balances().await, before);
    assert_eq!(h.policy_state().await.total_withdrawn, 0);
}

#[tokio::test]
async fn only_owner_withdraws() {
    let h = Harness::with_policy().await;
    let attacker_ata = h
        .client
        .create_ata(&h.attacker, &h.attacker.pubkey(), &h.mint)
        .await
        .unwrap();
    let before = h.balances().await;
    for signer in [&h.agent, &h.attacker] {
        let ix = instructions::policy_withdraw(
            &signer.pubkey(),
            &h.policy(),
            &h.mint,
            &h.token_program,
            &attacker_ata,
            USDC,
        );
        assert_code(
            h.send(ix, signer).await,
            AnchorError::ConstraintHasOne.into(),
        );
    }
    assert_eq!(h.balances().await, before);
    assert_eq!(h.client.token_balance(&attacker_ata).await.unwrap(), 0);
}
