use agent_escrow::{
    error::EscrowError,
    state::{EscrowState, ReleaseTier},
};
use agent_escrow_client::{events::EscrowEvent, instructions, Signer};
use agent_escrow_tests::*;
use anchor_lang::error::ErrorCode as AnchorError;

#[tokio::test]
async fn instant_tier_pays_provider_in_same_instruction() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 25 * USDC).await.unwrap();
    let before = h.balances().await;
    let out = h.submit_proof(0, 0).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_0"], before["provider_0"] + 25 * USDC);
    assert_eq!(after["escrow_vault_0"], 0);
    assert_eq!(after["vault"], before["vault"]);
    let e = h.escrow_state(0).await;
    assert_eq!(
        (e.state, e.proof_hash, e.proof_submitted_at),
        (EscrowState::Released as u8, proof_hash(0), START)
    );
    assert_eq!(h.policy_state().await.total_released, 25 * USDC);
    match out.events.as_slice() {
        [EscrowEvent::ProofSubmitted(p), EscrowEvent::EscrowReleased(r)] => {
            assert_eq!(
                (p.escrow, p.proof_hash, p.state),
                (h.escrow(0), proof_hash(0), EscrowState::ProofSubmitted)
            );
            assert_eq!(
                (r.amount, r.provider, r.tier, r.state),
                (
                    25 * USDC,
                    h.providers[0].pubkey(),
                    ReleaseTier::Instant,
                    EscrowState::Released
                )
            );
            assert_eq!(r.released_by, h.providers[0].pubkey());
        }
        other => panic!("unexpected events {other:?}"),
    }
}

#[tokio::test]
async fn delay_tier_records_proof_only() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    let before = h.balances().await;
    let out = h.submit_proof(0, 0).await.unwrap();
    assert_eq!(h.balances().await, before);
    assert_eq!(
        h.escrow_state(0).await.state,
        EscrowState::ProofSubmitted as u8
    );
    assert!(
        matches!(out.events.as_slice(), [EscrowEvent::ProofSubmitted(p)] if p.state == EscrowState::ProofSubmitted)
    );
}

#[tokio::test]
async fn deadline_second_is_exact() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, USDC).await.unwrap(); // deadline START + 86_400
    h.create_escrow(1, 0, USDC).await.unwrap();
    h.svm().set_unix_timestamp(START + 86_399);
    h.submit_proof(0, 0).await.unwrap();
    h.svm().set_unix_timestamp(START + 86_400);
    let before = h.balances().await;
    assert_program_error(h.submit_proof(1, 0).await, EscrowError::DeadlinePassed);
    assert_eq!(h.balances().await, before);
}

#[tokio::test]
async fn only_the_named_provider_can_submit() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, USDC).await.unwrap();
    let before = h.balances().await;
    assert_code(
        h.submit_proof(0, 1).await,
        AnchorError::ConstraintHasOne.into(),
    );
    assert_eq!(h.balances().await, before);
    assert_eq!(h.escrow_state(0).await.state, EscrowState::Funded as u8);
}

#[tokio::test]
async fn payout_account_must_belong_to_provider() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, USDC).await.unwrap();
    let attacker_ata = h
        .client
        .create_ata(&h.attacker, &h.attacker.pubkey(), &h.mint)
        .await
        .unwrap();
    let mut keys = h.escrow_accounts(0, &h.providers[0].pubkey());
    keys.provider_token = attacker_ata;
    let ix = instructions::escrow_submit_proof(&h.providers[0].pubkey(), &keys, proof_hash(0));
    let before = h.balances().await;
    assert_code(
        h.client.send(&[ix], &h.providers[0], &[]).await,
        AnchorError::ConstraintTokenOwner.into(),
    );
    assert_eq!(h.balances().await, before);
}

#[tokio::test]
async fn second_proof_and_zero_hash_rejected() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    let keys = h.escrow_accounts(0, &h.providers[0].pubkey());
    let ix = instructions::escrow_submit_proof(&h.providers[0].pubkey(), &keys, [0; 32]);
    assert_program_error(
        h.client.send(&[ix], &h.providers[0], &[]).await,
        EscrowError::ZeroHash,
    );
    h.submit_proof(0, 0).await.unwrap();
    assert_program_error(h.submit_proof(0, 0).await, EscrowError::InvalidEscrowState);
    assert_eq!(h.escrow_state(0).await.proof_hash, proof_hash(0));
}
