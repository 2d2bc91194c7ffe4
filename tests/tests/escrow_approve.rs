use agent_escrow::{
    constants::DEFAULT_REVIEW_TIMEOUT,
    error::EscrowError,
    state::{EscrowState, ReleaseTier},
};
use agent_escrow_client::{events::EscrowEvent, instructions, Signer};
use agent_escrow_tests::*;
use anchor_lang::error::ErrorCode as AnchorError;

#[tokio::test]
async fn owner_approves_large_escrow_after_proof() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 1, 90 * USDC).await.unwrap();
    h.create_escrow(1, 2, 10 * USDC).await.unwrap();
    let before = h.balances().await;
    assert_program_error(h.approve(0, 1).await, EscrowError::InvalidEscrowState);
    assert_eq!(h.balances().await, before);
    h.submit_proof(0, 1).await.unwrap();
    assert_eq!(h.balances().await, before, "the proof alone pays nothing");
    let agent_before = lamports(&h, &h.agent.pubkey());
    let out = h.approve(0, 1).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_1"], before["provider_1"] + 90 * USDC);
    assert_eq!(after["vault"], before["vault"] - 90 * USDC);
    assert_eq!(after["locked"], 10 * USDC);
    assert_eq!(after["owner"], before["owner"]);
    // Closed at settlement, rent back at the agent (who paid it).
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
    assert_eq!(lamports(&h, &h.agent.pubkey()), agent_before + ESCROW_RENT);
    assert_eq!(h.policy_state().await.total_released, 90 * USDC);
    match out.events.as_slice() {
        [EscrowEvent::EscrowReleased(r)] => {
            assert_eq!(
                (r.escrow, r.provider, r.amount, r.tier, r.released_by),
                (
                    h.escrow(0),
                    h.providers[1].pubkey(),
                    90 * USDC,
                    ReleaseTier::Approval,
                    h.owner.pubkey()
                )
            );
            assert_eq!(
                (r.locked, r.rent_returned, r.state),
                (10 * USDC, ESCROW_RENT, EscrowState::Released)
            );
        }
        other => panic!("unexpected events {other:?}"),
    }
    // Approving again finds no escrow.
    assert_code(
        h.approve(0, 1).await,
        AnchorError::AccountOwnedByWrongProgram.into(),
    );
    assert_eq!(h.balances().await, after);
}

#[tokio::test]
async fn only_the_owner_approves() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 1, 90 * USDC).await.unwrap();
    h.submit_proof(0, 1).await.unwrap();
    let keys = h.escrow_accounts(0, &h.providers[1].pubkey());
    let before = h.balances().await;
    for signer in [&h.agent, &h.attacker, &h.providers[1]] {
        let ix = instructions::escrow_approve(&signer.pubkey(), &keys);
        assert_code(
            h.client.send(&[ix], signer, &[]).await,
            AnchorError::ConstraintHasOne.into(),
        );
    }
    assert_eq!(h.balances().await, before);
    assert_eq!(
        h.escrow_state(0).await.state,
        EscrowState::ProofSubmitted as u8
    );
}

#[tokio::test]
async fn approve_is_for_the_approval_tier_only() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 1, 50 * USDC).await.unwrap();
    h.submit_proof(0, 1).await.unwrap();
    let before = h.balances().await;
    assert_program_error(h.approve(0, 1).await, EscrowError::NotApprovalTier);
    assert_eq!(h.balances().await, before);
}

#[tokio::test]
async fn approve_checks_payout_and_rent_accounts() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 1, 90 * USDC).await.unwrap();
    h.submit_proof(0, 1).await.unwrap();
    let before = h.balances().await;
    // Another provider's token account.
    let mut keys = h.escrow_accounts(0, &h.providers[1].pubkey());
    keys.provider_token = h.ata(&h.providers[2].pubkey());
    assert_program_error(
        h.send(
            instructions::escrow_approve(&h.owner.pubkey(), &keys),
            &h.owner,
        )
        .await,
        EscrowError::InvalidProviderTokenAccount,
    );
    // A rent payer other than the recorded one.
    let mut keys = h.escrow_accounts(0, &h.providers[1].pubkey());
    keys.rent_payer = h.owner.pubkey();
    assert_program_error(
        h.send(
            instructions::escrow_approve(&h.owner.pubkey(), &keys),
            &h.owner,
        )
        .await,
        EscrowError::RentPayerMismatch,
    );
    assert_eq!(h.balances().await, before);
    h.approve(0, 1).await.unwrap();
}

#[tokio::test]
async fn owner_may_approve_after_the_review_timeout_until_refunded() {
    // The review timeout opens the refund; it does not take the owner's
    // approval away while nobody has refunded.
    let h = Harness::with_policy().await;
    h.create_escrow(0, 1, 90 * USDC).await.unwrap();
    h.create_escrow(1, 2, 90 * USDC).await.unwrap();
    h.submit_proof(0, 1).await.unwrap();
    h.submit_proof(1, 2).await.unwrap();
    h.svm()
        .set_unix_timestamp(START + DEFAULT_REVIEW_TIMEOUT + 10);
    let before = h.balances().await;
    h.approve(0, 1).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_1"], before["provider_1"] + 90 * USDC);
    // The other one is refunded by a cranker; then the owner can no longer approve it.
    h.refund(1).await.unwrap();
    assert_code(
        h.approve(1, 2).await,
        AnchorError::AccountOwnedByWrongProgram.into(),
    );
    let end = h.balances().await;
    assert_eq!(end["provider_2"], before["provider_2"]);
    assert_eq!((end["vault"], end["locked"]), (410 * USDC, 0));
}
