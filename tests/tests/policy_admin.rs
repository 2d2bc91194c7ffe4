use agent_escrow::{error::EscrowError, instructions::PolicyUpdateArgs};
use agent_escrow_client::{events::EscrowEvent, instructions, Signer};
use agent_escrow_tests::*;
use anchor_lang::error::ErrorCode as AnchorError;

#[tokio::test]
async fn owner_updates_limits_and_event_reports_them() {
    let h = Harness::with_policy().await;
    let args = PolicyUpdateArgs {
        per_escrow_max: Some(10 * USDC),
        instant_max: Some(5 * USDC),
        ..Default::default()
    };
    let out = h
        .send(
            instructions::policy_update(&h.owner.pubkey(), &h.policy(), args),
            &h.owner,
        )
        .await
        .unwrap();
    let p = h.policy_state().await;
    assert_eq!(
        (p.per_escrow_max, p.instant_max, p.daily_cap),
        (10 * USDC, 5 * USDC, 300 * USDC)
    );
    match out.events.as_slice() {
        [EscrowEvent::PolicyUpdated(e)] => assert_eq!(
            (e.per_escrow_max, e.instant_max, e.daily_cap),
            (10 * USDC, 5 * USDC, 300 * USDC)
        ),
        other => panic!("{other:?}"),
    }
    assert_program_error(
        h.create_escrow(0, 0, 10 * USDC + 1).await,
        EscrowError::PerEscrowCapExceeded,
    );
    h.create_escrow(0, 0, 10 * USDC).await.unwrap();
}

#[tokio::test]
async fn update_keeps_invariants_and_needs_owner() {
    let h = Harness::with_policy().await;
    let bad = PolicyUpdateArgs {
        daily_cap: Some(99 * USDC),
        ..Default::default()
    };
    assert_program_error(
        h.send(
            instructions::policy_update(&h.owner.pubkey(), &h.policy(), bad),
            &h.owner,
        )
        .await,
        EscrowError::InvalidPolicyLimits,
    );
    let bad = PolicyUpdateArgs {
        expires_at: Some(START),
        ..Default::default()
    };
    assert_program_error(
        h.send(
            instructions::policy_update(&h.owner.pubkey(), &h.policy(), bad),
            &h.owner,
        )
        .await,
        EscrowError::ExpiryInPast,
    );
    let bad = PolicyUpdateArgs {
        agent: Some(h.owner.pubkey()),
        ..Default::default()
    };
    assert_program_error(
        h.send(
            instructions::policy_update(&h.owner.pubkey(), &h.policy(), bad),
            &h.owner,
        )
        .await,
        EscrowError::InvalidAgent,
    );
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
    assert_eq!(h.policy_state().await.per_escrow_max, 100 * USDC);
}

#[tokio::test]
async fn rotated_agent_key_takes_over() {
    // Given a policy whose agent key is rotated to a new key.
    let h = Harness::with_policy().await;
    let new_agent = key(42);
    h.svm().airdrop(&new_agent.pubkey(), FUNDING).unwrap();
    let args = PolicyUpdateArgs {
        agent: Some(new_agent.pubkey()),
        ..Default::default()
    };
    h.send(
        instructions::policy_update(&h.owner.pubkey(), &h.policy(), args),
        &h.owner,
    )
    .await
    .unwrap();
    // The old key can no longer create escrows.
    assert_code(
        h.create_escrow(0, 0, USDC).await,
        AnchorError::ConstraintHasOne.into(),
    );
    // The new key can, and the policy PDA (derived from the original key) still signs transfers.
    let args = h
        .escrow_args(0, h.providers[0].pubkey(), 20 * USDC, 600)
        .await;
    let ix = instructions::escrow_create(
        &h.policy(),
        &h.mint,
        &h.token_program,
        &new_agent.pubkey(),
        &new_agent.pubkey(),
        args,
        false,
    );
    h.send(ix, &new_agent).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    assert_eq!(h.balances().await["provider_0"], 20 * USDC);
    let ix = instructions::policy_withdraw(
        &h.owner.pubkey(),
        &h.policy(),
        &h.mint,
        &h.token_program,
        &h.owner_ata,
        USDC,
    );
    h.send(ix, &h.owner).await.unwrap();
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
        matches!(out.events.as_slice(), [EscrowEvent::PolicyPaused(e)] if e.by == h.agent.pubkey())
    );
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
        [EscrowEvent::PolicyResumed(_)]
    ));
    h.create_escrow(0, 0, USDC).await.unwrap();
}

#[tokio::test]
async fn owner_withdraws_unlocked_funds_only() {
    let h = Harness::with_policy().await; // 500 USDC in the vault
    h.create_escrow(0, 0, 100 * USDC).await.unwrap(); // 100 locked in escrow 0
    let withdraw = |amount| {
        instructions::policy_withdraw(
            &h.owner.pubkey(),
            &h.policy(),
            &h.mint,
            &h.token_program,
            &h.owner_ata,
            amount,
        )
    };
    let before = h.balances().await;
    assert_program_error(
        h.send(withdraw(400 * USDC + 1), &h.owner).await,
        EscrowError::InsufficientVaultBalance,
    );
    assert_program_error(h.send(withdraw(0), &h.owner).await, EscrowError::ZeroAmount);
    assert_eq!(h.balances().await, before);
    let out = h.send(withdraw(400 * USDC), &h.owner).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["vault"], 0);
    assert_eq!(after["owner"], before["owner"] + 400 * USDC);
    assert_eq!(
        after["escrow_vault_0"],
        100 * USDC,
        "escrowed funds untouched"
    );
    assert!(
        matches!(out.events.as_slice(), [EscrowEvent::Withdrawn(e)] if e.amount == 400 * USDC && e.vault_balance == 0)
    );
    assert_eq!(h.policy_state().await.total_withdrawn, 400 * USDC);
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
}
