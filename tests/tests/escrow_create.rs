use agent_escrow::{
    constants::MAX_ESCROW_DURATION,
    error::EscrowError,
    instructions::PolicyCreateArgs,
    state::{Escrow, EscrowState, ReleaseTier},
};
use agent_escrow_client::{events::EscrowEvent, instructions, CreateOutcome, Signer};
use agent_escrow_tests::*;
use anchor_lang::{error::ErrorCode as AnchorError, prelude::Pubkey};
use anchor_spl::token::spl_token;

#[tokio::test]
async fn locks_amount_in_escrow_vault() {
    let h = Harness::with_policy().await;
    let before = h.balances().await;
    let args = h
        .escrow_args(0, h.providers[0].pubkey(), 50 * USDC, 3_600)
        .await;
    let out = h.create_escrow_with(args.clone()).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["vault"], before["vault"] - 50 * USDC);
    assert_eq!(after["escrow_vault_0"], 50 * USDC);
    assert_eq!(after["owner"], before["owner"]);

    let e = h.escrow_state(0).await;
    assert_eq!(
        (e.policy, e.provider, e.amount, e.escrow_id),
        (h.policy(), h.providers[0].pubkey(), 50 * USDC, 0)
    );
    assert_eq!(
        (e.task_hash, e.deadline, e.created_at),
        (args.task_hash, args.deadline, START)
    );
    assert_eq!(
        (e.state, e.tier, e.version, e.release_delay),
        (
            EscrowState::Funded as u8,
            ReleaseTier::Delay as u8,
            1,
            3_600
        )
    );
    assert_eq!(e.rent_payer, h.agent.pubkey());
    // Documented byte layout: provider at offset 40, state at STATE_OFFSET.
    let raw = h
        .svm()
        .with_svm(|svm| svm.get_account(&h.escrow(0)).unwrap());
    assert_eq!(
        (raw.data.len(), Escrow::LEN, Escrow::STATE_OFFSET),
        (8 + 352, 8 + 352, 357)
    );
    assert_eq!(&raw.data[8..40], h.policy().as_ref());
    assert_eq!(&raw.data[40..72], h.providers[0].pubkey().as_ref());
    assert_eq!(raw.data[Escrow::STATE_OFFSET], EscrowState::Funded as u8);
    let p = h.policy_state().await;
    assert_eq!((p.total_escrowed, p.escrows_created), (50 * USDC, 1));
    assert_eq!(p.spent(START).unwrap(), (50 * USDC, 50 * USDC));

    match out.events.as_slice() {
        [EscrowEvent::EscrowCreated(ev)] => {
            assert_eq!(
                (ev.escrow, ev.escrow_id, ev.provider, ev.amount),
                (h.escrow(0), 0, h.providers[0].pubkey(), 50 * USDC)
            );
            assert_eq!(
                (ev.tier, ev.state),
                (ReleaseTier::Delay, EscrowState::Funded)
            );
            assert_eq!(
                (ev.spent_24h, ev.spent_30d, ev.vault_balance),
                (50 * USDC, 50 * USDC, 450 * USDC)
            );
        }
        other => panic!("unexpected events {other:?}"),
    }
}

#[tokio::test]
async fn tier_is_fixed_by_amount_at_creation() {
    let h = Harness::with_policy().await;
    for (id, amount, tier) in [
        (0, 1, ReleaseTier::Instant),
        (1, 25 * USDC, ReleaseTier::Instant),
        (2, 25 * USDC + 1, ReleaseTier::Delay),
        (3, 60 * USDC, ReleaseTier::Delay),
        (4, 60 * USDC + 1, ReleaseTier::Approval),
    ] {
        h.create_escrow(id, 0, amount).await.unwrap();
        assert_eq!(h.escrow_state(id).await.tier, tier as u8, "amount {amount}");
    }
}

#[tokio::test]
async fn per_escrow_cap_is_exact() {
    let h = Harness::with_policy().await;
    let before = h.balances().await;
    let result = h.create_escrow(0, 0, 100 * USDC + 1).await;
    match &result {
        Err(agent_escrow_client::ClientError::Program(f)) => {
            assert_eq!(f.name, "PerEscrowCapExceeded");
            assert_eq!(
                f.details,
                vec!["amount 100000001 > per_escrow_max 100000000".to_string()]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_program_error(result, EscrowError::PerEscrowCapExceeded);
    assert_program_error(
        h.create_escrow(0, 0, u64::MAX).await,
        EscrowError::PerEscrowCapExceeded,
    );
    assert_eq!(h.balances().await, before);
    assert!(
        h.client.escrow(&h.escrow(0)).await.unwrap().is_none(),
        "no half-made escrow"
    );
    h.create_escrow(0, 0, 100 * USDC).await.unwrap();
}

#[tokio::test]
async fn zero_amount_rejected() {
    let h = Harness::with_policy().await;
    let before = h.balances().await;
    assert_program_error(h.create_escrow(0, 0, 0).await, EscrowError::ZeroAmount);
    assert_eq!(h.balances().await, before);
}

#[tokio::test]
async fn daily_cap_holds_for_any_24h_interval() {
    // Given 300 USDC spent at 12:00:00 (the cap).
    let h = Harness::with_policy().await;
    h.deposit(1_000 * USDC).await.unwrap();
    for id in 0..3 {
        h.create_escrow(id, 0, 100 * USDC).await.unwrap();
    }
    let before = h.balances().await;
    assert_program_error(
        h.create_escrow(3, 0, 1).await,
        EscrowError::DailyCapExceeded,
    );
    // Exactly 24 h later the spend still counts (the window is 24-25 h, never less).
    h.svm().set_unix_timestamp(START + 86_400);
    assert_program_error(
        h.create_escrow(3, 0, 1).await,
        EscrowError::DailyCapExceeded,
    );
    h.svm().set_unix_timestamp(START + 86_400 + 3_599);
    assert_program_error(
        h.create_escrow(3, 0, 1).await,
        EscrowError::DailyCapExceeded,
    );
    assert_eq!(h.balances().await, before);
    // 25 h later the hour bucket of 12:00 has left the window.
    h.svm().set_unix_timestamp(START + 90_000);
    h.create_escrow(3, 0, 100 * USDC).await.unwrap();
}

#[tokio::test]
async fn no_double_spend_across_the_hour_edge() {
    // Spend the cap at 12:59:59, then try again at 13:00:00 and one day later:
    // a fixed calendar window would allow 2x the cap here.
    let h = Harness::with_policy().await;
    h.deposit(1_000 * USDC).await.unwrap();
    h.svm().set_unix_timestamp(START + 3_599);
    for id in 0..3 {
        h.create_escrow(id, 0, 100 * USDC).await.unwrap();
    }
    for t in [START + 3_600, START + 86_400, START + 86_400 + 3_599] {
        h.svm().set_unix_timestamp(t);
        assert_program_error(
            h.create_escrow(3, 0, 1).await,
            EscrowError::DailyCapExceeded,
        );
    }
    // 25 h after the spend's hour began, it is released from the window.
    h.svm().set_unix_timestamp(START + 90_000);
    h.create_escrow(3, 0, 1).await.unwrap();
}

#[tokio::test]
async fn monthly_cap_enforced() {
    let h = Harness::new().await;
    let args = PolicyCreateArgs {
        daily_cap: 100 * USDC,
        monthly_cap: 250 * USDC,
        ..default_limits(h.agent.pubkey())
    };
    h.policy_create(args).await.unwrap();
    h.deposit(1_000 * USDC).await.unwrap();
    for (id, day) in [(0u64, 0i64), (1, 2), (2, 4)] {
        h.svm().set_unix_timestamp(START + day * 90_000);
        let amount = if id == 2 { 50 * USDC } else { 100 * USDC };
        h.create_escrow(id, 0, amount).await.unwrap();
    }
    h.svm().set_unix_timestamp(START + 10 * 90_000);
    assert_program_error(
        h.create_escrow(3, 0, 1).await,
        EscrowError::MonthlyCapExceeded,
    );
    // 31 days after the first spend's day began it no longer counts.
    h.svm()
        .set_unix_timestamp(START - START % 86_400 + 31 * 86_400);
    h.create_escrow(3, 0, 100 * USDC).await.unwrap();
}

#[tokio::test]
async fn insufficient_budget_rejected() {
    let h = Harness::new().await;
    h.policy_create(default_limits(h.agent.pubkey()))
        .await
        .unwrap();
    h.deposit(40 * USDC).await.unwrap();
    let before = h.balances().await;
    assert_program_error(
        h.create_escrow(0, 0, 40 * USDC + 1).await,
        EscrowError::InsufficientBudget,
    );
    assert_eq!(h.balances().await, before);
    h.create_escrow(0, 0, 40 * USDC).await.unwrap();
    assert_eq!(h.client.token_balance(&h.vault()).await.unwrap(), 0);
}

#[tokio::test]
async fn deadline_bounds_are_exact() {
    let h = Harness::with_policy().await;
    let p = h.providers[0].pubkey();
    for bad in [0, -1, MAX_ESCROW_DURATION + 1] {
        let args = h.escrow_args(0, p, USDC, bad).await;
        assert_program_error(
            h.create_escrow_with(args).await,
            EscrowError::DeadlineOutOfRange,
        );
    }
    let args = h.escrow_args(0, p, USDC, 1).await;
    h.create_escrow_with(args).await.unwrap();
    let args = h.escrow_args(1, p, USDC, MAX_ESCROW_DURATION).await;
    h.create_escrow_with(args).await.unwrap();
}

#[tokio::test]
async fn provider_and_task_hash_validated() {
    let h = Harness::with_policy().await;
    for provider in [
        Pubkey::default(),
        h.agent.pubkey(),
        h.owner.pubkey(),
        h.policy(),
    ] {
        let args = h.escrow_args(0, provider, USDC, 60).await;
        assert_program_error(
            h.create_escrow_with(args).await,
            EscrowError::InvalidProvider,
        );
    }
    let mut args = h.escrow_args(0, h.providers[0].pubkey(), USDC, 60).await;
    args.task_hash = [0; 32];
    assert_program_error(h.create_escrow_with(args).await, EscrowError::ZeroHash);
}

#[tokio::test]
async fn only_the_agent_can_create() {
    let h = Harness::with_policy().await;
    let args = h.escrow_args(0, h.providers[0].pubkey(), USDC, 60).await;
    let ix = instructions::escrow_create(
        &h.policy(),
        &h.mint,
        &spl_token::ID,
        &h.attacker.pubkey(),
        &h.attacker.pubkey(),
        args,
        false,
    );
    let before = h.balances().await;
    assert_code(
        h.client.send(&[ix], &h.attacker, &[]).await,
        AnchorError::ConstraintHasOne.into(),
    );
    assert_eq!(h.balances().await, before);
}

#[tokio::test]
async fn expired_policy_creates_nothing() {
    let h = Harness::new().await;
    let args = PolicyCreateArgs {
        expires_at: START + 100,
        ..default_limits(h.agent.pubkey())
    };
    h.policy_create(args).await.unwrap();
    h.deposit(100 * USDC).await.unwrap();
    h.svm().set_unix_timestamp(START + 99);
    h.create_escrow(0, 0, USDC).await.unwrap();
    h.svm().set_unix_timestamp(START + 100);
    let before = h.balances().await;
    assert_program_error(
        h.create_escrow(1, 0, USDC).await,
        EscrowError::PolicyExpired,
    );
    assert_eq!(h.balances().await, before);
}

#[tokio::test]
async fn retried_create_is_idempotent() {
    let h = Harness::with_policy().await;
    let args = h
        .escrow_args(7, h.providers[1].pubkey(), 10 * USDC, 600)
        .await;
    let first = h
        .client
        .escrow_create(&h.agent, &h.agent, &h.policy(), args.clone())
        .await
        .unwrap();
    assert!(matches!(first, CreateOutcome::Created(_)));
    // The same request again reports the existing escrow and moves nothing.
    let before = h.balances().await;
    match h
        .client
        .escrow_create(&h.agent, &h.agent, &h.policy(), args.clone())
        .await
        .unwrap()
    {
        CreateOutcome::AlreadyExists(e) => assert_eq!((e.amount, e.escrow_id), (10 * USDC, 7)),
        other => panic!("{other:?}"),
    }
    // Different terms under the same id are refused before sending.
    let other = agent_escrow::instructions::EscrowCreateArgs {
        amount: 11 * USDC,
        ..args.clone()
    };
    assert!(matches!(
        h.client
            .escrow_create(&h.agent, &h.agent, &h.policy(), other)
            .await,
        Err(agent_escrow_client::ClientError::EscrowIdTaken { escrow_id: 7, .. })
    ));
    // On chain, a duplicate create fails in the system program (account in use).
    assert_code(h.create_escrow_with(args).await, 0);
    assert_eq!(h.balances().await, before);
    assert_eq!(h.policy_state().await.escrows_created, 1);
}
