use agent_escrow::{
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
    assert_program_error(h.approve(0, 1).await, EscrowError::InvalidEscrowState);
    h.submit_proof(0, 1).await.unwrap();
    let before = h.balances().await;
    let out = h.approve(0, 1).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_1"], before["provider_1"] + 90 * USDC);
    assert_eq!(after["escrow_vault_0"], 0);
    assert_eq!(h.escrow_state(0).await.state, EscrowState::Released as u8);
    match out.events.as_slice() {
        [EscrowEvent::EscrowReleased(r)] => {
            assert_eq!(
                (r.amount, r.tier, r.released_by),
                (90 * USDC, ReleaseTier::Approval, h.owner.pubkey())
            )
        }
        other => panic!("unexpected events {other:?}"),
    }
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
}

#[tokio::test]
async fn approve_is_for_the_approval_tier_only() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 1, 50 * USDC).await.unwrap();
    h.submit_proof(0, 1).await.unwrap();
    assert_program_error(h.approve(0, 1).await, EscrowError::NotApprovalTier);
}
