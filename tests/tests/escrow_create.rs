use agent_escrow::{
    constants::{DEFAULT_ESCROW_DURATION, ID_WINDOW, MAX_ESCROW_DURATION},
    error::EscrowError,
    instructions::{PolicyCreateArgs, PolicyUpdateArgs},
    state::{Escrow, EscrowState, ReleaseTier},
};
use agent_escrow_client::{
    events::EscrowEvent, instructions, transport::Transport, CreateOutcome, Signer,
};
use agent_escrow_tests::*;
use anchor_lang::{error::ErrorCode as AnchorError, prelude::Pubkey};

async fn with_args(args: impl FnOnce(PolicyCreateArgs) -> PolicyCreateArgs) -> Harness {
    let h = Harness::new().await;
    h.policy_create(args(default_limits(h.agent.pubkey())))
        .await
        .unwrap();
    h
}

#[tokio::test]
async fn locks_amount_in_policy_vault() {
    let h = Harness::with_policy().await;
    let before = h.balances().await;
    let agent_before = lamports(&h, &h.agent.pubkey());
    let args = h
        .escrow_args(0, h.providers[0].pubkey(), 50 * USDC, 3_600)
        .await;
    let out = h.create_escrow_with(args.clone()).await.unwrap();
    let after = h.balances().await;
    // No tokens move: the amount is locked inside the policy vault.
    assert_eq!(after["vault"], before["vault"]);
    assert_eq!(after["owner"], before["owner"]);
    assert_eq!((before["locked"], after["locked"]), (0, 50 * USDC));
    // The agent paid the escrow's rent (and the fee).
    assert_eq!(lamports(&h, &h.escrow(0)), ESCROW_RENT);
    assert_eq!(
        lamports(&h, &h.agent.pubkey()),
        agent_before - ESCROW_RENT - 5_000
    );

    let e = h.escrow_state(0).await;
    assert_eq!(
        (e.policy, e.provider, e.rent_payer, e.amount),
        (
            h.policy(),
            h.providers[0].pubkey(),
            h.agent.pubkey(),
            50 * USDC
        )
    );
    assert_eq!(e.task_tag[..], args.task_hash[..8]);
    assert_eq!(
        (e.created_at, e.deadline, e.state_at),
        (START, args.deadline, 0)
    );
    assert_eq!(
        (e.state, e.tier, e.version, e.flags, e.dependents),
        (EscrowState::Funded as u8, ReleaseTier::Delay as u8, 2, 0, 0)
    );
    // Documented byte layout: policy 8, provider 40, rent_payer 72,
    // task_tag 104, amount 112, state at STATE_OFFSET (145).
    let raw = h
        .svm()
        .with_svm(|svm| svm.get_account(&h.escrow(0)).unwrap());
    assert_eq!(
        (raw.data.len(), Escrow::LEN, Escrow::STATE_OFFSET),
        (8 + 144, 8 + 144, 145)
    );
    assert_eq!(raw.owner, agent_escrow::ID);
    assert_eq!(&raw.data[8..40], h.policy().as_ref());
    assert_eq!(&raw.data[40..72], h.providers[0].pubkey().as_ref());
    assert_eq!(&raw.data[72..104], h.agent.pubkey().as_ref());
    assert_eq!(&raw.data[104..112], &args.task_hash[..8]);
    assert_eq!(&raw.data[112..120], &(50 * USDC).to_le_bytes());
    assert_eq!(raw.data[Escrow::STATE_OFFSET], EscrowState::Funded as u8);
    let p = h.policy_state().await;
    assert_eq!(
        (
            p.total_escrowed,
            p.escrows_created,
            p.locked,
            p.next_escrow_id
        ),
        (50 * USDC, 1, 50 * USDC, 1)
    );
    assert_eq!(p.used_ids, [1, 0, 0, 0]);
    assert_eq!(p.spent(START).unwrap(), (50 * USDC, 50 * USDC));

    match out.events.as_slice() {
        [EscrowEvent::EscrowCreated(ev)] => {
            assert_eq!(
                (ev.policy, ev.escrow, ev.escrow_id, ev.provider, ev.amount),
                (
                    h.policy(),
                    h.escrow(0),
                    0,
                    h.providers[0].pubkey(),
                    50 * USDC
                )
            );
            assert_eq!(
                (ev.tier, ev.state, ev.deadline, ev.task_hash),
                (
                    ReleaseTier::Delay,
                    EscrowState::Funded,
                    args.deadline,
                    args.task_hash
                )
            );
            assert_eq!(
                (ev.spent_24h, ev.spent_30d, ev.free_balance, ev.locked),
                (50 * USDC, 50 * USDC, 450 * USDC, 50 * USDC)
            );
        }
        other => panic!("unexpected events {other:?}"),
    }
    // A second escrow reports the running totals.
    let out = h.create_escrow(1, 1, 30 * USDC).await.unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::EscrowCreated(ev)]
            if (ev.free_balance, ev.locked, ev.spent_24h) == (420 * USDC, 80 * USDC, 80 * USDC)
    ));
    assert_eq!(h.balances().await["vault"], 500 * USDC);
}

#[tokio::test]
async fn optional_keys_follow_the_fixed_part() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, USDC).await.unwrap();
    let verifier = key(50);
    let mut args = h.escrow_args(1, h.providers[1].pubkey(), USDC, 600).await;
    args.verifier = Some(verifier.pubkey());
    args.depends_on = Some(h.escrow(0));
    h.create_escrow_with(args).await.unwrap();
    let raw = h
        .svm()
        .with_svm(|svm| svm.get_account(&h.escrow(1)).unwrap());
    assert_eq!(raw.data.len(), Escrow::space(true, true));
    assert_eq!(raw.data.len(), 8 + 144 + 64);
    let e = h.escrow_state(1).await;
    assert_eq!(e.flags, 3);
    assert_eq!(
        agent_escrow_client::accounts::escrow_optional_keys(&raw.data, e.flags).unwrap(),
        (Some(verifier.pubkey()), Some(h.escrow(0)))
    );
    let rent = h
        .svm()
        .minimum_balance_for_rent_exemption(Escrow::space(true, true))
        .await
        .unwrap();
    assert_eq!(lamports(&h, &h.escrow(1)), rent);
    // The upstream counts its dependent.
    assert_eq!(h.escrow_state(0).await.dependents, 1);
    let keys = h.client.escrow_accounts(&h.escrow(1)).await.unwrap();
    assert_eq!(
        (keys.depends_on, keys.rent_payer, keys.provider_token),
        (
            Some(h.escrow(0)),
            h.agent.pubkey(),
            h.ata(&h.providers[1].pubkey())
        )
    );
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
        let out = h.create_escrow(id, 0, amount).await.unwrap();
        assert_eq!(h.escrow_state(id).await.tier, tier as u8, "amount {amount}");
        assert!(matches!(out.events.as_slice(), [EscrowEvent::EscrowCreated(e)] if e.tier == tier));
    }
    // A later policy update does not change the tier of existing escrows.
    h.send(
        instructions::policy_update(
            &h.owner.pubkey(),
            &h.policy(),
            PolicyUpdateArgs {
                instant_max: Some(0),
                delay_max: Some(0),
                ..Default::default()
            },
        ),
        &h.owner,
    )
    .await
    .unwrap();
    assert_eq!(h.escrow_state(0).await.tier, ReleaseTier::Instant as u8);
    h.create_escrow(5, 0, 1).await.unwrap();
    assert_eq!(h.escrow_state(5).await.tier, ReleaseTier::Approval as u8);
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
    // A failed create does not use up its id.
    assert_eq!(h.policy_state().await.next_escrow_id, 0);
    h.create_escrow(0, 0, 100 * USDC).await.unwrap();
    assert_eq!(h.balances().await["locked"], 100 * USDC);
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
    assert_eq!(h.balances().await["locked"], 400 * USDC);
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
    let h = with_args(|a| PolicyCreateArgs {
        daily_cap: 100 * USDC,
        monthly_cap: 250 * USDC,
        ..a
    })
    .await;
    h.deposit(1_000 * USDC).await.unwrap();
    for (id, day) in [(0u64, 0i64), (1, 2), (2, 4)] {
        h.svm().set_unix_timestamp(START + day * 90_000);
        let amount = if id == 2 { 50 * USDC } else { 100 * USDC };
        h.create_escrow(id, 0, amount).await.unwrap();
    }
    h.svm().set_unix_timestamp(START + 10 * 90_000);
    let before = h.balances().await;
    assert_program_error(
        h.create_escrow(3, 0, 1).await,
        EscrowError::MonthlyCapExceeded,
    );
    assert_eq!(h.balances().await, before);
    // 31 days after the first spend's day began it no longer counts.
    h.svm()
        .set_unix_timestamp(START - START % 86_400 + 31 * 86_400);
    h.create_escrow(3, 0, 100 * USDC).await.unwrap();
}

#[tokio::test]
async fn insufficient_free_balance_rejected() {
    let h = with_args(|a| a).await;
    h.deposit(40 * USDC).await.unwrap();
    let before = h.balances().await;
    assert_program_error(
        h.create_escrow(0, 0, 40 * USDC + 1).await,
        EscrowError::InsufficientBudget,
    );
    assert_eq!(h.balances().await, before);
    h.create_escrow(0, 0, 30 * USDC).await.unwrap();
    // 10 free: the locked 30 cannot be spent twice.
    assert_program_error(
        h.create_escrow(1, 1, 10 * USDC + 1).await,
        EscrowError::InsufficientBudget,
    );
    let out = h.create_escrow(1, 1, 10 * USDC).await.unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::EscrowCreated(e)] if (e.free_balance, e.locked) == (0, 40 * USDC)
    ));
    let after = h.balances().await;
    assert_eq!((after["vault"], after["locked"]), (40 * USDC, 40 * USDC));
    assert_program_error(
        h.create_escrow(2, 1, 1).await,
        EscrowError::InsufficientBudget,
    );
    // Settling one frees its amount for the next escrow (cancel: unlocked, no transfer).
    let cancel = instructions::escrow_cancel(
        &h.agent.pubkey(),
        &h.providers[1].pubkey(),
        &h.keys(1, 1, None),
    );
    h.client
        .send(&[cancel], &h.agent, &[&h.providers[1]])
        .await
        .unwrap();
    h.create_escrow(2, 1, 10 * USDC).await.unwrap();
}

#[tokio::test]
async fn deadline_bounds_are_exact() {
    // Default max_escrow_duration: 30 days.
    let h = Harness::with_policy().await;
    assert_eq!(
        h.policy_state().await.max_escrow_duration,
        DEFAULT_ESCROW_DURATION
    );
    let p = h.providers[0].pubkey();
    let before = h.balances().await;
    for bad in [0, -1, DEFAULT_ESCROW_DURATION + 1, MAX_ESCROW_DURATION] {
        let args = h.escrow_args(0, p, USDC, bad).await;
        assert_program_error(
            h.create_escrow_with(args).await,
            EscrowError::DeadlineOutOfRange,
        );
    }
    assert_eq!(h.balances().await, before);
    let args = h.escrow_args(0, p, USDC, 1).await;
    h.create_escrow_with(args).await.unwrap();
    let args = h.escrow_args(1, p, USDC, DEFAULT_ESCROW_DURATION).await;
    h.create_escrow_with(args).await.unwrap();
}

#[tokio::test]
async fn deadline_bound_follows_the_policy_max_escrow_duration() {
    // Given the shortest duration (1 h).
    let h = with_args(|a| PolicyCreateArgs {
        max_escrow_duration: Some(3_600),
        ..a
    })
    .await;
    h.deposit(100 * USDC).await.unwrap();
    let p = h.providers[0].pubkey();
    let args = h.escrow_args(0, p, USDC, 3_601).await;
    assert_program_error(
        h.create_escrow_with(args).await,
        EscrowError::DeadlineOutOfRange,
    );
    let args = h.escrow_args(0, p, USDC, 3_600).await;
    h.create_escrow_with(args).await.unwrap();
    // Raised to the protocol maximum (365 days) by the owner.
    h.send(
        instructions::policy_update(
            &h.owner.pubkey(),
            &h.policy(),
            PolicyUpdateArgs {
                max_escrow_duration: Some(MAX_ESCROW_DURATION),
                ..Default::default()
            },
        ),
        &h.owner,
    )
    .await
    .unwrap();
    let args = h.escrow_args(1, p, USDC, MAX_ESCROW_DURATION + 1).await;
    assert_program_error(
        h.create_escrow_with(args).await,
        EscrowError::DeadlineOutOfRange,
    );
    let args = h.escrow_args(1, p, USDC, MAX_ESCROW_DURATION).await;
    h.create_escrow_with(args).await.unwrap();
    assert_eq!(
        h.escrow_state(1).await.deadline,
        START + MAX_ESCROW_DURATION
    );
}

#[tokio::test]
async fn provider_and_task_hash_validated() {
    let h = Harness::with_policy().await;
    let before = h.balances().await;
    for provider in [
        Pubkey::default(),
        h.agent.pubkey(),
        h.owner.pubkey(),
        h.policy(),
        h.vault(),
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
    assert_eq!(h.balances().await, before);
}

#[tokio::test]
async fn only_the_agent_can_create() {
    let h = Harness::with_policy().await;
    let args = h.escrow_args(0, h.providers[0].pubkey(), USDC, 60).await;
    let ix = instructions::escrow_create(
        &h.policy(),
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
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
}

#[tokio::test]
async fn expired_policy_creates_nothing() {
    let h = with_args(|a| PolicyCreateArgs {
        expires_at: START + 100,
        ..a
    })
    .await;
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
        CreateOutcome::AlreadyExists(e) => assert_eq!(
            (e.amount, e.provider, e.task_tag[..] == args.task_hash[..8]),
            (10 * USDC, h.providers[1].pubkey(), true)
        ),
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
    // On chain, a duplicate create is refused: the id is used.
    assert_program_error(
        h.create_escrow_with(args.clone()).await,
        EscrowError::EscrowIdUnavailable,
    );
    assert_eq!(h.balances().await, before);
    assert_eq!(h.policy_state().await.escrows_created, 1);
    // The open escrow for the task can be found before creating another.
    let open = h
        .client
        .open_escrows_for_task(
            &h.policy(),
            &h.providers[1].pubkey(),
            10 * USDC,
            &args.task_hash,
        )
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].0, h.escrow(7));
}

#[tokio::test]
async fn escrow_id_window_is_exact() {
    // Ids are accepted once and only in [next - 256, next + 256).
    let h = Harness::with_policy().await;
    assert_eq!(h.client.next_escrow_id(&h.policy()).await.unwrap(), 0);
    let before = h.balances().await;
    assert_program_error(
        h.create_escrow(ID_WINDOW, 0, 1).await,
        EscrowError::EscrowIdUnavailable,
    );
    assert_eq!(h.balances().await, before);
    // next + 255 is accepted and moves the window up.
    h.create_escrow(ID_WINDOW - 1, 0, 1).await.unwrap();
    assert_eq!(h.policy_state().await.next_escrow_id, ID_WINDOW);
    assert_program_error(
        h.create_escrow(ID_WINDOW - 1, 0, 1).await,
        EscrowError::EscrowIdUnavailable,
    );
    // Ids skipped below next are still usable once (they were never used).
    h.create_escrow(0, 0, 1).await.unwrap();
    assert_program_error(
        h.create_escrow(0, 0, 1).await,
        EscrowError::EscrowIdUnavailable,
    );
    h.create_escrow(10, 0, 1).await.unwrap();
    // Moving the window to [256, 768) leaves every id below 256 behind for
    // good, used (0, 10, 255) or not (1).
    h.create_escrow(2 * ID_WINDOW - 1, 0, 1).await.unwrap();
    assert_eq!(h.policy_state().await.next_escrow_id, 2 * ID_WINDOW);
    let before = h.balances().await;
    for id in [0, 1, 10, ID_WINDOW - 1, 2 * ID_WINDOW - 1, 3 * ID_WINDOW] {
        assert_program_error(
            h.create_escrow(id, 0, 1).await,
            EscrowError::EscrowIdUnavailable,
        );
    }
    assert_eq!(h.balances().await, before);
    // next - 256 (= 256, never used) and next + 255 are the window's edges.
    h.create_escrow(ID_WINDOW, 0, 1).await.unwrap();
    h.create_escrow(3 * ID_WINDOW - 1, 0, 1).await.unwrap();
    let p = h.policy_state().await;
    assert_eq!(
        (p.escrows_created, p.locked, p.next_escrow_id),
        (6, 6, 3 * ID_WINDOW)
    );
}

#[tokio::test]
async fn escrow_address_must_be_the_canonical_pda_of_its_id() {
    use solana_transaction::{InstructionError, TransactionError};
    let h = Harness::with_policy().await;
    let before = h.balances().await;
    // The escrow account of id 1 passed for id 0: the PDA signature does not
    // match, so the system program refuses to create it.
    let args = h.escrow_args(0, h.providers[0].pubkey(), USDC, 600).await;
    let mut ix = instructions::escrow_create(
        &h.policy(),
        &h.agent.pubkey(),
        &h.agent.pubkey(),
        args.clone(),
        false,
    );
    ix.accounts[4].pubkey = h.escrow(1);
    match h.send(ix, &h.agent).await {
        Err(agent_escrow_client::ClientError::Transaction { err, .. }) => assert_eq!(
            err,
            TransactionError::InstructionError(0, InstructionError::PrivilegeEscalation)
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(h.balances().await, before);
    assert_eq!(h.policy_state().await.next_escrow_id, 0);
    for id in [0, 1] {
        assert_eq!(lamports(&h, &h.escrow(id)), 0);
    }
    // The right address with a wrong bump: the runtime refuses the signature.
    let args2 = h.escrow_args(0, h.providers[0].pubkey(), USDC, 600).await;
    let mut ix = instructions::escrow_create(
        &h.policy(),
        &h.agent.pubkey(),
        &h.agent.pubkey(),
        args2,
        false,
    );
    ix.data[16] = ix.data[16].wrapping_add(1);
    assert!(matches!(
        h.send(ix, &h.agent).await,
        Err(agent_escrow_client::ClientError::Transaction { .. })
    ));
    assert_eq!(h.balances().await, before);
    assert_eq!(lamports(&h, &h.escrow(0)), 0);
    // The canonical address with the canonical bump works.
    h.create_escrow_with(args).await.unwrap();
    assert_eq!(lamports(&h, &h.escrow(0)), ESCROW_RENT);
}

/// Documented behaviour (README, "Escrow ids and addresses"): the program
/// does not insist on the canonical bump (that would be a bump search, the
/// variance the v2 issue removes). A non-canonical bump creates the escrow
/// at that other PDA of the same seeds; the id is still used exactly once,
/// so no second escrow can ever exist for it, and listings find it.
#[tokio::test]
async fn non_canonical_escrow_bump_uses_the_id_once() {
    let h = Harness::with_policy().await;
    let before = h.balances().await;
    let args = h.escrow_args(0, h.providers[0].pubkey(), USDC, 600).await;
    // A non-canonical bump of the same seeds is another valid PDA address.
    let (canonical, canonical_bump) = agent_escrow_client::pda::escrow_address(&h.policy(), 0);
    let (other, bump) = (0..canonical_bump)
        .rev()
        .find_map(|bump| {
            Pubkey::create_program_address(
                &[b"escrow", h.policy().as_ref(), &0u64.to_le_bytes(), &[bump]],
                &agent_escrow::ID,
            )
            .ok()
            .map(|address| (address, bump))
        })
        .expect("a non-canonical bump");
    assert_ne!(other, canonical);
    let mut ix = instructions::escrow_create(
        &h.policy(),
        &h.agent.pubkey(),
        &h.agent.pubkey(),
        args,
        false,
    );
    ix.accounts[4].pubkey = other;
    // Instruction data: 8-byte discriminator, escrow_id (u64 LE), bump.
    assert_eq!(ix.data[16], canonical_bump);
    ix.data[16] = bump;
    h.send(ix, &h.agent).await.unwrap();
    assert!(lamports(&h, &other) > 0);
    assert_eq!(lamports(&h, &canonical), 0);
    // The id is used: the canonical address can never be created now.
    let again = h.escrow_args(0, h.providers[0].pubkey(), USDC, 600).await;
    assert_program_error(
        h.create_escrow_with(again).await,
        EscrowError::EscrowIdUnavailable,
    );
    assert_eq!(lamports(&h, &canonical), 0);
    let listed = h
        .client
        .list_escrows(Some(&h.policy()), None, None)
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        vec![other]
    );
    let after = h.balances().await;
    assert_eq!(after["locked"], before["locked"] + USDC);
}

#[tokio::test]
async fn open_escrows_for_task_finds_escrows_with_optional_keys() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, USDC).await.unwrap();
    let mut args = h.escrow_args(1, h.providers[1].pubkey(), USDC, 600).await;
    args.verifier = Some(key(50).pubkey());
    args.depends_on = Some(h.escrow(0));
    h.create_escrow_with(args.clone()).await.unwrap();
    let open = h
        .client
        .open_escrows_for_task(&h.policy(), &h.providers[1].pubkey(), USDC, &args.task_hash)
        .await
        .unwrap();
    assert_eq!(
        open.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        vec![h.escrow(1)]
    );
}
