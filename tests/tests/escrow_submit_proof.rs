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
    h.create_escrow(1, 1, 5 * USDC).await.unwrap();
    let before = h.balances().await;
    let agent_before = lamports(&h, &h.agent.pubkey());
    let out = h.submit_proof(0, 0).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_0"], before["provider_0"] + 25 * USDC);
    assert_eq!(after["vault"], before["vault"] - 25 * USDC);
    assert_eq!((before["locked"], after["locked"]), (30 * USDC, 5 * USDC));
    assert_eq!(after["owner"], before["owner"]);
    // Released and closed in the same instruction; rent back at the agent.
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
    assert_eq!(lamports(&h, &h.agent.pubkey()), agent_before + ESCROW_RENT);
    assert_eq!(h.policy_state().await.total_released, 25 * USDC);
    match out.events.as_slice() {
        [EscrowEvent::ProofSubmitted(p), EscrowEvent::EscrowReleased(r)] => {
            assert_eq!(
                (p.policy, p.escrow, p.provider, p.proof_hash, p.state),
                (
                    h.policy(),
                    h.escrow(0),
                    h.providers[0].pubkey(),
                    proof_hash(0),
                    EscrowState::ProofSubmitted
                )
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
            assert_eq!(
                (r.released_by, r.locked, r.rent_returned),
                (h.providers[0].pubkey(), 5 * USDC, ESCROW_RENT)
            );
        }
        other => panic!("unexpected events {other:?}"),
    }
}

#[tokio::test]
async fn delay_and_approval_tiers_record_proof_only() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    h.create_escrow(1, 0, 90 * USDC).await.unwrap();
    let before = h.balances().await;
    h.svm().set_unix_timestamp(START + 42);
    for id in [0, 1] {
        let out = h.submit_proof(id, 0).await.unwrap();
        assert!(
            matches!(out.events.as_slice(), [EscrowEvent::ProofSubmitted(p)] if p.state == EscrowState::ProofSubmitted && p.proof_hash == proof_hash(id))
        );
        let e = h.escrow_state(id).await;
        assert_eq!(
            (e.state, e.state_at),
            (EscrowState::ProofSubmitted as u8, START + 42)
        );
    }
    assert_eq!(h.balances().await, before);
    assert_eq!(before["locked"], 140 * USDC);
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
    assert_eq!(h.escrow_state(1).await.state, EscrowState::Funded as u8);
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
    let before = h.balances().await;
    // The attacker's token account, and a non-token account (the provider's wallet).
    for wrong in [attacker_ata, h.providers[0].pubkey()] {
        let mut keys = h.escrow_accounts(0, &h.providers[0].pubkey());
        keys.provider_token = wrong;
        let ix = instructions::escrow_submit_proof(&h.providers[0].pubkey(), &keys, proof_hash(0));
        assert_program_error(
            h.client.send(&[ix], &h.providers[0], &[]).await,
            EscrowError::InvalidProviderTokenAccount,
        );
    }
    assert_eq!(h.balances().await, before);
    assert_eq!(h.client.token_balance(&attacker_ata).await.unwrap(), 0);
    assert_eq!(h.escrow_state(0).await.state, EscrowState::Funded as u8);
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
    assert_eq!(h.escrow_state(0).await.state, EscrowState::Funded as u8);
    h.submit_proof(0, 0).await.unwrap();
    h.svm().set_unix_timestamp(START + 5);
    assert_program_error(h.submit_proof(0, 0).await, EscrowError::InvalidEscrowState);
    // The first proof's time stands (the delay is not restarted).
    assert_eq!(h.escrow_state(0).await.state_at, START);
}

#[tokio::test]
async fn proof_checks_the_rent_payer() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, USDC).await.unwrap();
    let mut keys = h.escrow_accounts(0, &h.providers[0].pubkey());
    keys.rent_payer = h.providers[0].pubkey();
    let before = h.balances().await;
    assert_program_error(
        h.send(
            instructions::escrow_submit_proof(&h.providers[0].pubkey(), &keys, proof_hash(0)),
            &h.providers[0],
        )
        .await,
        EscrowError::RentPayerMismatch,
    );
    assert_eq!(h.balances().await, before);
}
