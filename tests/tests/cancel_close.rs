use agent_escrow::{error::EscrowError, state::EscrowState};
use agent_escrow_client::{events::EscrowEvent, instructions, pda::escrow_vault_address, Signer};
use agent_escrow_tests::*;
use anchor_lang::error::ErrorCode as AnchorError;

fn cancel(h: &Harness, id: u64, p: usize) -> anchor_lang::solana_program::instruction::Instruction {
    instructions::escrow_cancel(
        &h.agent.pubkey(),
        &h.providers[p].pubkey(),
        &h.policy(),
        &h.escrow(id),
        &h.mint,
        &h.token_program,
    )
}

#[tokio::test]
async fn agent_and_provider_cancel_together() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 80 * USDC).await.unwrap();
    // The agent alone cannot: the provider's signature is missing.
    let before = h.balances().await;
    let result = h.client.send(&[cancel(&h, 0, 0)], &h.agent, &[]).await;
    assert!(
        matches!(result, Err(agent_escrow_client::ClientError::Signing(_))),
        "{result:?}"
    );
    // A different provider's signature does not count.
    let mut ix = cancel(&h, 0, 1);
    ix.accounts[1].pubkey = h.providers[1].pubkey();
    assert_code(
        h.client.send(&[ix], &h.agent, &[&h.providers[1]]).await,
        AnchorError::ConstraintHasOne.into(),
    );
    assert_eq!(h.balances().await, before);
    // Both sign: funds return to the vault and the spend is credited.
    let out = h
        .client
        .send(&[cancel(&h, 0, 0)], &h.agent, &[&h.providers[0]])
        .await
        .unwrap();
    let after = h.balances().await;
    assert_eq!(after["vault"], before["vault"] + 80 * USDC);
    assert_eq!(after["escrow_vault_0"], 0);
    assert_eq!(h.policy_state().await.spent(START).unwrap(), (0, 0));
    assert!(
        matches!(out.events.as_slice(), [EscrowEvent::EscrowCancelled(e)] if e.amount == 80 * USDC && e.state == EscrowState::Cancelled)
    );
    assert_program_error(
        h.client
            .send(&[cancel(&h, 0, 0)], &h.agent, &[&h.providers[0]])
            .await,
        EscrowError::InvalidEscrowState,
    );
}

#[tokio::test]
async fn proven_escrow_cannot_be_cancelled() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    assert_program_error(
        h.client
            .send(&[cancel(&h, 0, 0)], &h.agent, &[&h.providers[0]])
            .await,
        EscrowError::InvalidEscrowState,
    );
}

#[tokio::test]
async fn close_returns_rent_to_payer_after_a_day() {
    // Given an instant escrow released at START (agent paid the rent).
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 10 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    let close = instructions::escrow_close(
        &h.cranker.pubkey(),
        &h.escrow(0),
        &h.agent.pubkey(),
        &h.token_program,
    );
    // One second before the 24 h cooling period ends: refused.
    h.svm().set_unix_timestamp(START + 86_399);
    assert_program_error(
        h.send(close.clone(), &h.cranker).await,
        EscrowError::CloseTooEarly,
    );
    // Rent must go to the recorded payer.
    h.svm().set_unix_timestamp(START + 86_400);
    let wrong = instructions::escrow_close(
        &h.cranker.pubkey(),
        &h.escrow(0),
        &h.cranker.pubkey(),
        &h.token_program,
    );
    assert_program_error(
        h.send(wrong, &h.cranker).await,
        EscrowError::RentPayerMismatch,
    );
    let lamports = |k| h.svm().with_svm(|svm| svm.get_balance(&k).unwrap_or(0));
    let rent = lamports(h.escrow(0)) + lamports(escrow_vault_address(&h.escrow(0)).0);
    let payer_before = lamports(h.agent.pubkey());
    let out = h.send(close, &h.cranker).await.unwrap();
    assert_eq!(lamports(h.agent.pubkey()), payer_before + rent);
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
    assert_eq!(lamports(escrow_vault_address(&h.escrow(0)).0), 0);
    assert!(
        matches!(out.events.as_slice(), [EscrowEvent::EscrowClosed(e)] if e.lamports == rent && e.state == EscrowState::Released)
    );
}

#[tokio::test]
async fn open_escrows_cannot_be_closed() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    h.svm().set_unix_timestamp(START + 10 * 86_400);
    let close = instructions::escrow_close(
        &h.cranker.pubkey(),
        &h.escrow(0),
        &h.agent.pubkey(),
        &h.token_program,
    );
    assert_program_error(
        h.send(close.clone(), &h.cranker).await,
        EscrowError::InvalidEscrowState,
    );
    h.refund(0).await.unwrap();
    assert_program_error(
        h.send(close.clone(), &h.cranker).await,
        EscrowError::CloseTooEarly,
    );
    h.svm().advance_clock(86_400);
    h.send(close, &h.cranker).await.unwrap();
}

#[tokio::test]
async fn closed_id_can_only_be_reused_deliberately() {
    // A closed escrow's id is free again; recreating it is a new escrow that
    // starts from Funded and is charged to the caps again (no stale state).
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 10 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    h.svm().advance_clock(86_400);
    h.send(
        instructions::escrow_close(
            &h.cranker.pubkey(),
            &h.escrow(0),
            &h.agent.pubkey(),
            &h.token_program,
        ),
        &h.cranker,
    )
    .await
    .unwrap();
    h.create_escrow(0, 0, 20 * USDC).await.unwrap();
    let e = h.escrow_state(0).await;
    assert_eq!(
        (e.state, e.amount, e.proof_hash),
        (EscrowState::Funded as u8, 20 * USDC, [0; 32])
    );
    assert_eq!(
        h.balances().await["provider_0"],
        10 * USDC,
        "no second payout"
    );
}
