use agent_escrow::{
    error::EscrowError,
    state::{EscrowState, ReleaseTier},
};
use agent_escrow_client::{events::EscrowEvent, instructions, Signer};
use agent_escrow_tests::*;

#[tokio::test]
async fn anyone_releases_after_the_exact_delay() {
    // Given a delay-tier escrow (50 USDC) with a proof at START + 10.
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    h.svm().set_unix_timestamp(START + 10);
    h.submit_proof(0, 0).await.unwrap();
    // One second before the delay ends, release fails and nothing moves.
    h.svm().set_unix_timestamp(START + 10 + 3_599);
    let before = h.balances().await;
    assert_program_error(h.release(0, 0).await, EscrowError::DelayNotElapsed);
    assert_eq!(h.balances().await, before);
    // At the exact second a cranker releases it to the provider.
    h.svm().set_unix_timestamp(START + 10 + 3_600);
    let out = h.release(0, 0).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_0"], before["provider_0"] + 50 * USDC);
    assert_eq!(after["escrow_vault_0"], 0);
    assert_eq!(h.escrow_state(0).await.state, EscrowState::Released as u8);
    match out.events.as_slice() {
        [EscrowEvent::EscrowReleased(r)] => {
            assert_eq!(
                (r.amount, r.tier, r.released_by, r.state),
                (
                    50 * USDC,
                    ReleaseTier::Delay,
                    h.cranker.pubkey(),
                    EscrowState::Released
                )
            )
        }
        other => panic!("unexpected events {other:?}"),
    }
    // Releasing twice fails.
    assert_program_error(h.release(0, 0).await, EscrowError::InvalidEscrowState);
}

#[tokio::test]
async fn release_requires_proof_and_delay_tier() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    assert_program_error(h.release(0, 0).await, EscrowError::InvalidEscrowState);
    h.create_escrow(1, 0, 80 * USDC).await.unwrap();
    h.submit_proof(1, 0).await.unwrap();
    h.svm().set_unix_timestamp(START + 86_000);
    let before = h.balances().await;
    assert_program_error(h.release(1, 0).await, EscrowError::NotDelayTier);
    assert_eq!(h.balances().await, before);
}

#[tokio::test]
async fn release_pays_only_the_provider() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    h.svm().set_unix_timestamp(START + 3_600);
    let cranker_ata = h
        .client
        .create_ata(&h.cranker, &h.cranker.pubkey(), &h.mint)
        .await
        .unwrap();
    let mut keys = h.escrow_accounts(0, &h.providers[0].pubkey());
    keys.provider_token = cranker_ata;
    let ix = instructions::escrow_release(&h.cranker.pubkey(), &keys);
    let before = h.balances().await;
    assert_program_error(
        h.client.send(&[ix], &h.cranker, &[]).await,
        EscrowError::InvalidProvider,
    );
    assert_eq!(h.balances().await, before);
}
