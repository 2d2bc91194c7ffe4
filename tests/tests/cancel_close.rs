//! `escrow_cancel` (agent + provider), the closing of escrows at
//! settlement (rent back to the payer), `escrow_close` for an upstream kept
//! by its dependents, and escrow ids that are never used twice.

use agent_escrow::{error::EscrowError, state::EscrowState};
use agent_escrow_client::{
    events::EscrowEvent, instructions, instructions::EscrowAccounts, ClientError, Signer,
};
use agent_escrow_tests::*;
use anchor_lang::{
    error::ErrorCode as AnchorError, prelude::Pubkey, solana_program::instruction::Instruction,
};

fn cancel(h: &Harness, keys: &EscrowAccounts, p: usize) -> Instruction {
    instructions::escrow_cancel(&h.agent.pubkey(), &h.providers[p].pubkey(), keys)
}

/// Sends a cancel signed by the agent and provider `p`, the provider paying
/// the fee (so the agent's lamports move only by the rent it gets back).
async fn send_cancel(
    h: &Harness,
    ix: Instruction,
    p: usize,
) -> Result<agent_escrow_client::transport::TxOutcome, ClientError> {
    h.client.send(&[ix], &h.providers[p], &[&h.agent]).await
}

fn close(h: &Harness, id: u64, rent_payer: &Pubkey) -> Instruction {
    instructions::escrow_close(&h.cranker.pubkey(), &h.escrow(id), rent_payer)
}

async fn create_dependent(h: &Harness, id: u64, p: usize, amount: u64, upstream: u64) {
    let mut args = h
        .escrow_args(id, h.providers[p].pubkey(), amount, 86_400)
        .await;
    args.depends_on = Some(h.escrow(upstream));
    h.create_escrow_with(args).await.unwrap();
}

#[tokio::test]
async fn agent_and_provider_cancel_together() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 80 * USDC).await.unwrap();
    let keys = h.keys(0, 0, None);
    // The agent alone cannot: the provider's signature is missing.
    let before = h.balances().await;
    let result = h.client.send(&[cancel(&h, &keys, 0)], &h.agent, &[]).await;
    assert!(matches!(result, Err(ClientError::Signing(_))), "{result:?}");
    // A different provider's signature does not count.
    let ix = cancel(&h, &keys, 1);
    assert_code(
        send_cancel(&h, ix, 1).await,
        AnchorError::ConstraintHasOne.into(),
    );
    // The provider with a stranger instead of the agent does not either.
    let mut ix = cancel(&h, &keys, 0);
    ix.accounts[0].pubkey = h.attacker.pubkey();
    assert_code(
        h.client.send(&[ix], &h.providers[0], &[&h.attacker]).await,
        AnchorError::ConstraintHasOne.into(),
    );
    assert_eq!(h.balances().await, before);
    assert_eq!(before["locked"], 80 * USDC);
    assert_eq!(h.escrow_state(0).await.state, EscrowState::Funded as u8);
    // Both sign: the amount is unlocked (no tokens move), the spend is
    // credited, and the escrow is closed with its rent back at the agent.
    let agent_before = lamports(&h, &h.agent.pubkey());
    assert_eq!(lamports(&h, &h.escrow(0)), ESCROW_RENT);
    let out = send_cancel(&h, cancel(&h, &keys, 0), 0).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["vault"], before["vault"]);
    assert_eq!(after["locked"], 0);
    assert_eq!(after["owner"], before["owner"]);
    assert_eq!(after["provider_0"], before["provider_0"]);
    let p = h.policy_state().await;
    assert_eq!(p.spent(START).unwrap(), (0, 0));
    assert_eq!(p.total_refunded, 80 * USDC);
    assert_eq!(lamports(&h, &h.agent.pubkey()), agent_before + ESCROW_RENT);
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
    assert_eq!(lamports(&h, &h.escrow(0)), 0);
    match out.events.as_slice() {
        [EscrowEvent::EscrowCancelled(e)] => {
            assert_eq!(
                (
                    e.policy,
                    e.escrow,
                    e.amount,
                    e.free_balance,
                    e.rent_returned
                ),
                (h.policy(), h.escrow(0), 80 * USDC, 500 * USDC, ESCROW_RENT)
            );
            assert_eq!(e.state, EscrowState::Cancelled);
        }
        other => panic!("{other:?}"),
    }
    // The account is gone: a second cancel fails at Anchor's account checks.
    assert_code(
        send_cancel(&h, cancel(&h, &keys, 0), 0).await,
        AnchorError::AccountOwnedByWrongProgram.into(),
    );
    assert_eq!(h.balances().await, after);
}

#[tokio::test]
async fn proven_escrow_cannot_be_cancelled() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    let before = h.balances().await;
    assert_program_error(
        send_cancel(&h, cancel(&h, &h.keys(0, 0, None), 0), 0).await,
        EscrowError::InvalidEscrowState,
    );
    assert_eq!(h.balances().await, before);
    assert_eq!(before["locked"], 50 * USDC);
    assert_eq!(
        h.escrow_state(0).await.state,
        EscrowState::ProofSubmitted as u8
    );
}

#[tokio::test]
async fn cancel_returns_rent_to_a_separate_payer_only() {
    // Given an escrow whose rent the cranker paid (payer != agent).
    let h = Harness::with_policy().await;
    let args = h
        .escrow_args(0, h.providers[0].pubkey(), 10 * USDC, 86_400)
        .await;
    let ix = instructions::escrow_create(
        &h.policy(),
        &h.agent.pubkey(),
        &h.cranker.pubkey(),
        args,
        false,
    );
    let cranker_before = lamports(&h, &h.cranker.pubkey());
    h.client.send(&[ix], &h.cranker, &[&h.agent]).await.unwrap();
    assert_eq!(
        lamports(&h, &h.cranker.pubkey()),
        cranker_before - ESCROW_RENT - 2 * 5_000
    );
    assert_eq!(h.escrow_state(0).await.rent_payer, h.cranker.pubkey());
    // Naming the agent as rent payer is refused.
    let keys = h.keys(0, 0, None);
    let before = h.balances().await;
    assert_program_error(
        send_cancel(&h, cancel(&h, &keys, 0), 0).await,
        EscrowError::RentPayerMismatch,
    );
    assert_eq!(h.balances().await, before);
    // With the recorded payer the rent goes back to the cranker.
    let keys = EscrowAccounts {
        rent_payer: h.cranker.pubkey(),
        ..keys
    };
    let (agent_before, cranker_before) = (
        lamports(&h, &h.agent.pubkey()),
        lamports(&h, &h.cranker.pubkey()),
    );
    let out = send_cancel(&h, cancel(&h, &keys, 0), 0).await.unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::EscrowCancelled(e)] if e.rent_returned == ESCROW_RENT
    ));
    assert_eq!(
        lamports(&h, &h.cranker.pubkey()),
        cranker_before + ESCROW_RENT
    );
    assert_eq!(lamports(&h, &h.agent.pubkey()), agent_before);
    assert_eq!(h.balances().await["locked"], 0);
}

#[tokio::test]
async fn escrow_is_closed_at_settlement_with_rent_back_at_the_payer() {
    // Given an instant escrow (the agent paid the rent) released at START.
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 10 * USDC).await.unwrap();
    assert_eq!(lamports(&h, &h.escrow(0)), ESCROW_RENT);
    let agent_before = lamports(&h, &h.agent.pubkey());
    let out = h.submit_proof(0, 0).await.unwrap();
    // The escrow is gone in the same instruction and the rent is back at the agent.
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
    assert_eq!(lamports(&h, &h.escrow(0)), 0);
    assert_eq!(lamports(&h, &h.agent.pubkey()), agent_before + ESCROW_RENT);
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::ProofSubmitted(_), EscrowEvent::EscrowReleased(e)] if e.rent_returned == ESCROW_RENT
    ));
    // Nothing is left to close: escrow_close fails on the missing account.
    assert_code(
        h.send(close(&h, 0, &h.agent.pubkey()), &h.cranker).await,
        AnchorError::AccountOwnedByWrongProgram.into(),
    );
}

#[tokio::test]
async fn open_escrows_cannot_be_closed() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    h.svm().set_unix_timestamp(START + 10 * 86_400);
    let before = h.balances().await;
    // Funded (even long past its deadline): refused.
    assert_program_error(
        h.send(close(&h, 0, &h.agent.pubkey()), &h.cranker).await,
        EscrowError::InvalidEscrowState,
    );
    // ProofSubmitted and Disputed: refused.
    h.create_escrow(1, 0, 50 * USDC).await.unwrap();
    h.submit_proof(1, 0).await.unwrap();
    assert_program_error(
        h.send(close(&h, 1, &h.agent.pubkey()), &h.cranker).await,
        EscrowError::InvalidEscrowState,
    );
    h.send(
        instructions::escrow_dispute(&h.agent.pubkey(), &h.policy(), &h.escrow(1)),
        &h.agent,
    )
    .await
    .unwrap();
    assert_program_error(
        h.send(close(&h, 1, &h.agent.pubkey()), &h.cranker).await,
        EscrowError::InvalidEscrowState,
    );
    assert_eq!(h.balances().await["locked"], 100 * USDC);
    assert_eq!(h.balances().await["vault"], before["vault"]);
    assert_eq!(lamports(&h, &h.escrow(0)), ESCROW_RENT);
    // Refunding closes it (no escrow_close needed).
    let out = h.refund(0).await.unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::EscrowRefunded(e)] if e.rent_returned == ESCROW_RENT && e.from_state == EscrowState::Funded
    ));
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
}

#[tokio::test]
async fn upstream_kept_by_dependents_closes_via_escrow_close() {
    // Given research (#0, instant) with two dependents (#1, #2).
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 10 * USDC).await.unwrap();
    create_dependent(&h, 1, 1, 10 * USDC, 0).await;
    create_dependent(&h, 2, 2, 10 * USDC, 0).await;
    assert_eq!(h.escrow_state(0).await.dependents, 2);
    let upstream_rent = lamports(&h, &h.escrow(0));
    assert_eq!(upstream_rent, ESCROW_RENT);
    // When #0 is released, it stays (terminal) for its dependents: no rent back yet.
    let agent_before = lamports(&h, &h.agent.pubkey());
    let out = h.submit_proof(0, 0).await.unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::ProofSubmitted(_), EscrowEvent::EscrowReleased(e)] if e.rent_returned == 0 && e.locked == 20 * USDC
    ));
    assert_eq!(lamports(&h, &h.agent.pubkey()), agent_before);
    let e = h.escrow_state(0).await;
    assert_eq!(
        (e.state, e.dependents, e.state_at),
        (EscrowState::Released as u8, 2, START)
    );
    // escrow_close: HasDependents while they are open; rent payer checked.
    assert_program_error(
        h.send(close(&h, 0, &h.agent.pubkey()), &h.cranker).await,
        EscrowError::HasDependents,
    );
    // One dependent settles (cancelled): one dependent left.
    let ix = instructions::escrow_cancel(
        &h.agent.pubkey(),
        &h.providers[1].pubkey(),
        &h.keys(1, 1, Some(0)),
    );
    h.client
        .send(&[ix], &h.providers[1], &[&h.agent])
        .await
        .unwrap();
    assert_eq!(h.escrow_state(0).await.dependents, 1);
    assert_program_error(
        h.send(close(&h, 0, &h.agent.pubkey()), &h.cranker).await,
        EscrowError::HasDependents,
    );
    // The other is paid (its dependency is Released).
    let proof = instructions::escrow_submit_proof(
        &h.providers[2].pubkey(),
        &h.keys(2, 2, Some(0)),
        proof_hash(2),
    );
    h.send(proof, &h.providers[2]).await.unwrap();
    assert_eq!(h.escrow_state(0).await.dependents, 0);
    assert_eq!(h.balances().await["locked"], 0);
    // Now anyone closes it; the rent must go to the recorded payer.
    assert_program_error(
        h.send(close(&h, 0, &h.cranker.pubkey()), &h.cranker).await,
        EscrowError::RentPayerMismatch,
    );
    let agent_before = lamports(&h, &h.agent.pubkey());
    let before = h.balances().await;
    let out = h
        .send(close(&h, 0, &h.agent.pubkey()), &h.cranker)
        .await
        .unwrap();
    assert_eq!(
        lamports(&h, &h.agent.pubkey()),
        agent_before + upstream_rent
    );
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
    assert_eq!(h.balances().await, before, "closing moves no tokens");
    match out.events.as_slice() {
        [EscrowEvent::EscrowClosed(e)] => {
            assert_eq!(
                (e.policy, e.escrow, e.rent_payer, e.lamports, e.state),
                (
                    h.policy(),
                    h.escrow(0),
                    h.agent.pubkey(),
                    upstream_rent,
                    EscrowState::Released
                )
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn escrow_ids_are_never_reused() {
    // A settled (closed) escrow's id can never be used again: no signature
    // or approval made for it can ever apply to a new escrow.
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 10 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
    let before = h.balances().await;
    assert_program_error(
        h.create_escrow(0, 0, 20 * USDC).await,
        EscrowError::EscrowIdUnavailable,
    );
    // Likewise after a cancel and after a refund.
    h.create_escrow(1, 0, 10 * USDC).await.unwrap();
    send_cancel(&h, cancel(&h, &h.keys(1, 0, None), 0), 0)
        .await
        .unwrap();
    let args = h
        .escrow_args(2, h.providers[0].pubkey(), 10 * USDC, 60)
        .await;
    h.create_escrow_with(args).await.unwrap();
    h.svm().advance_clock(60);
    h.refund(2).await.unwrap();
    let before_retry = h.balances().await;
    for id in [0, 1, 2] {
        assert_program_error(
            h.create_escrow(id, 0, 20 * USDC).await,
            EscrowError::EscrowIdUnavailable,
        );
        assert!(h.client.escrow(&h.escrow(id)).await.unwrap().is_none());
    }
    assert_eq!(h.balances().await, before_retry);
    assert_eq!(
        h.balances().await["provider_0"],
        before["provider_0"],
        "no second payout"
    );
    let p = h.policy_state().await;
    assert_eq!((p.escrows_created, p.next_escrow_id), (3, 3));
    // A fresh id works.
    h.create_escrow(3, 0, 20 * USDC).await.unwrap();
    assert_eq!(h.policy_state().await.next_escrow_id, 4);
}
