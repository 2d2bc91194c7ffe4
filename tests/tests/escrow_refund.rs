//! `escrow_refund` (anyone): Funded at the deadline, ProofSubmitted waiting
//! for approval `review_timeout` after the proof; nothing moves out of the
//! vault, the amount is unlocked and credited, the escrow closes.

use agent_escrow::{
    constants::DEFAULT_REVIEW_TIMEOUT, error::EscrowError, instructions::PolicyCreateArgs,
    state::EscrowState,
};
use agent_escrow_client::{
    events::EscrowEvent, instructions, instructions::EscrowAccounts, Signer,
};
use agent_escrow_tests::*;
use anchor_lang::error::ErrorCode as AnchorError;

#[tokio::test]
async fn refund_at_exact_deadline_unlocks_and_credits_spend() {
    // Given a 100 USDC escrow with deadline START + 86_400.
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 100 * USDC).await.unwrap();
    h.svm().set_unix_timestamp(START + 86_399);
    let before = h.balances().await;
    assert_eq!(before["locked"], 100 * USDC);
    assert_program_error(h.refund(0).await, EscrowError::DeadlineNotReached);
    assert_eq!(h.balances().await, before);
    // At the deadline anyone refunds it.
    h.svm().set_unix_timestamp(START + 86_400);
    let agent_before = lamports(&h, &h.agent.pubkey());
    let out = h.refund(0).await.unwrap();
    let after = h.balances().await;
    // No tokens move: the amount is unlocked inside the vault.
    assert_eq!(after["vault"], before["vault"]);
    assert_eq!(after["owner"], before["owner"]);
    assert_eq!(after["provider_0"], before["provider_0"]);
    assert_eq!(after["locked"], 0);
    // The escrow is closed and its rent is back at the agent.
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
    assert_eq!(lamports(&h, &h.agent.pubkey()), agent_before + ESCROW_RENT);
    // The hour bucket (24 h old) and the day bucket are both still in their
    // windows, so both are credited.
    let p = h.policy_state().await;
    assert_eq!(p.spent(START + 86_400).unwrap(), (0, 0));
    assert_eq!(p.total_refunded, 100 * USDC);
    match out.events.as_slice() {
        [EscrowEvent::EscrowRefunded(r)] => {
            assert_eq!(
                (r.policy, r.escrow, r.amount, r.from_state),
                (h.policy(), h.escrow(0), 100 * USDC, EscrowState::Funded)
            );
            assert_eq!(
                (r.free_balance, r.spent_24h, r.spent_30d, r.rent_returned),
                (500 * USDC, 0, 0, ESCROW_RENT)
            );
            assert_eq!(r.state, EscrowState::Refunded);
        }
        other => panic!("unexpected events {other:?}"),
    }
    // A second refund finds no escrow.
    assert_code(
        h.refund(0).await,
        AnchorError::AccountOwnedByWrongProgram.into(),
    );
    assert_eq!(h.balances().await, after);
}

#[tokio::test]
async fn refund_credits_only_buckets_still_in_window() {
    // Given 100 USDC escrowed at START with a 2-day deadline, and 10 more.
    let h = Harness::with_policy().await;
    let args = h
        .escrow_args(0, h.providers[0].pubkey(), 100 * USDC, 2 * 86_400)
        .await;
    h.create_escrow_with(args).await.unwrap();
    h.create_escrow(1, 0, 10 * USDC).await.unwrap();
    // When it is refunded 2 days later (outside the 25-hour window), only the
    // monthly window gets the credit.
    h.svm().set_unix_timestamp(START + 2 * 86_400);
    let out = h.refund(0).await.unwrap();
    let p = h.policy_state().await;
    assert_eq!(p.spent(START + 2 * 86_400).unwrap(), (0, 10 * USDC));
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::EscrowRefunded(r)] if (r.spent_24h, r.spent_30d, r.free_balance) == (0, 10 * USDC, 490 * USDC)
    ));
    assert_eq!(h.balances().await["locked"], 10 * USDC);
}

#[tokio::test]
async fn releasable_escrow_cannot_be_refunded() {
    // A proven delay-tier escrow (no dependency) is releasable by anyone:
    // no refund, however late.
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    let before = h.balances().await;
    for t in [START + 86_400, START + DEFAULT_REVIEW_TIMEOUT + 86_400] {
        h.svm().set_unix_timestamp(t);
        assert_program_error(h.refund(0).await, EscrowError::RefundNotDue);
    }
    assert_eq!(h.balances().await, before);
    h.release(0, 0).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_0"], before["provider_0"] + 50 * USDC);
    assert_eq!(after["locked"], 0);
}

#[tokio::test]
async fn approval_escrow_refunds_review_timeout_after_proof() {
    // Given an approval-tier escrow (90) proven at START + 500, and a 10 USDC escrow.
    let h = Harness::with_policy().await;
    h.create_escrow(0, 1, 90 * USDC).await.unwrap();
    h.create_escrow(1, 2, 10 * USDC).await.unwrap();
    h.svm().set_unix_timestamp(START + 500);
    h.submit_proof(0, 1).await.unwrap();
    assert_eq!(
        h.policy_state().await.review_timeout,
        DEFAULT_REVIEW_TIMEOUT
    );
    // One second before review_timeout (counted from the proof, not the deadline): not due.
    h.svm()
        .set_unix_timestamp(START + 500 + DEFAULT_REVIEW_TIMEOUT - 1);
    let before = h.balances().await;
    assert_program_error(h.refund(0).await, EscrowError::RefundNotDue);
    assert_eq!(h.balances().await, before);
    // At review_timeout anyone refunds it.
    let now = START + 500 + DEFAULT_REVIEW_TIMEOUT;
    h.svm().set_unix_timestamp(now);
    let agent_before = lamports(&h, &h.agent.pubkey());
    let out = h.refund(0).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["vault"], before["vault"]);
    assert_eq!(after["provider_1"], before["provider_1"]);
    assert_eq!(after["locked"], 10 * USDC);
    assert_eq!(lamports(&h, &h.agent.pubkey()), agent_before + ESCROW_RENT);
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
    // 14 days on: the day bucket of START is credited (the hour bucket has
    // left the 24 h window anyway).
    let p = h.policy_state().await;
    assert_eq!(p.spent(now).unwrap(), (0, 10 * USDC));
    assert_eq!(p.total_refunded, 90 * USDC);
    match out.events.as_slice() {
        [EscrowEvent::EscrowRefunded(r)] => {
            assert_eq!(
                (r.escrow, r.amount, r.from_state, r.state),
                (
                    h.escrow(0),
                    90 * USDC,
                    EscrowState::ProofSubmitted,
                    EscrowState::Refunded
                )
            );
            assert_eq!(
                (r.free_balance, r.spent_24h, r.spent_30d, r.rent_returned),
                (490 * USDC, 0, 10 * USDC, ESCROW_RENT)
            );
        }
        other => panic!("unexpected events {other:?}"),
    }
    // The owner can no longer approve it.
    assert_code(
        h.approve(0, 1).await,
        AnchorError::AccountOwnedByWrongProgram.into(),
    );
}

#[tokio::test]
async fn review_timeout_follows_the_policy_and_credits_both_windows() {
    // Given the shortest review timeout (1 h) and an approval-tier escrow proven at START.
    let h = Harness::new().await;
    let args = PolicyCreateArgs {
        review_timeout: Some(3_600),
        ..default_limits(h.agent.pubkey())
    };
    h.policy_create(args).await.unwrap();
    h.deposit(500 * USDC).await.unwrap();
    h.create_escrow(0, 1, 90 * USDC).await.unwrap();
    h.submit_proof(0, 1).await.unwrap();
    h.svm().set_unix_timestamp(START + 3_599);
    assert_program_error(h.refund(0).await, EscrowError::RefundNotDue);
    h.svm().set_unix_timestamp(START + 3_600);
    let before = h.balances().await;
    let out = h.refund(0).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["vault"], before["vault"]);
    assert_eq!((before["locked"], after["locked"]), (90 * USDC, 0));
    // One hour on, both the hour and the day buckets are credited.
    assert_eq!(h.policy_state().await.spent(START + 3_600).unwrap(), (0, 0));
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::EscrowRefunded(r)]
            if r.from_state == EscrowState::ProofSubmitted && (r.spent_24h, r.spent_30d) == (0, 0)
    ));
}

#[tokio::test]
async fn refund_checks_the_rent_payer() {
    // Given an escrow whose rent the cranker paid.
    let h = Harness::with_policy().await;
    let args = h
        .escrow_args(0, h.providers[0].pubkey(), 10 * USDC, 60)
        .await;
    let ix = instructions::escrow_create(
        &h.policy(),
        &h.agent.pubkey(),
        &h.cranker.pubkey(),
        args,
        false,
    );
    h.client.send(&[ix], &h.agent, &[&h.cranker]).await.unwrap();
    h.svm().advance_clock(60);
    // Naming anyone else as rent payer is refused.
    let before = h.balances().await;
    for wrong in [h.agent.pubkey(), h.attacker.pubkey()] {
        let keys = EscrowAccounts {
            rent_payer: wrong,
            ..h.keys(0, 0, None)
        };
        assert_program_error(
            h.send(
                instructions::escrow_refund(&h.attacker.pubkey(), &keys),
                &h.attacker,
            )
            .await,
            EscrowError::RentPayerMismatch,
        );
    }
    assert_eq!(h.balances().await, before);
    // A stranger cranks the refund; the rent goes to the cranker who paid it.
    let keys = EscrowAccounts {
        rent_payer: h.cranker.pubkey(),
        ..h.keys(0, 0, None)
    };
    let cranker_before = lamports(&h, &h.cranker.pubkey());
    h.send(
        instructions::escrow_refund(&h.attacker.pubkey(), &keys),
        &h.attacker,
    )
    .await
    .unwrap();
    assert_eq!(
        lamports(&h, &h.cranker.pubkey()),
        cranker_before + ESCROW_RENT
    );
    assert_eq!(h.balances().await["locked"], 0);
}

#[tokio::test]
async fn settled_escrows_cannot_be_refunded() {
    let h = Harness::with_policy().await;
    // Instant escrow released on proof: gone.
    h.create_escrow(0, 0, 10 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    h.svm().set_unix_timestamp(START + 30 * 86_400);
    let before = h.balances().await;
    assert_code(
        h.refund(0).await,
        AnchorError::AccountOwnedByWrongProgram.into(),
    );
    assert_eq!(h.balances().await, before);
}
