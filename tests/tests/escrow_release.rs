use agent_escrow::{
    error::EscrowError,
    instructions::PolicyUpdateArgs,
    state::{EscrowState, ReleaseTier},
};
use agent_escrow_client::{events::EscrowEvent, instructions, Signer};
use agent_escrow_tests::*;
use anchor_lang::error::ErrorCode as AnchorError;

#[tokio::test]
async fn anyone_releases_after_the_exact_delay() {
    // Given a delay-tier escrow (50 USDC) with a proof at START + 10, and a second escrow of 20.
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    h.create_escrow(1, 1, 20 * USDC).await.unwrap();
    h.svm().set_unix_timestamp(START + 10);
    h.submit_proof(0, 0).await.unwrap();
    assert_eq!(h.escrow_state(0).await.state_at, START + 10);
    // One second before the delay ends, release fails and nothing moves.
    h.svm().set_unix_timestamp(START + 10 + 3_599);
    let before = h.balances().await;
    assert_program_error(h.release(0, 0).await, EscrowError::DelayNotElapsed);
    assert_eq!(h.balances().await, before);
    // At the exact second a cranker releases it to the provider from the vault.
    h.svm().set_unix_timestamp(START + 10 + 3_600);
    let agent_before = lamports(&h, &h.agent.pubkey());
    let out = h.release(0, 0).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_0"], before["provider_0"] + 50 * USDC);
    assert_eq!(after["vault"], before["vault"] - 50 * USDC);
    assert_eq!(after["locked"], 20 * USDC);
    assert_eq!(after["owner"], before["owner"]);
    // Closed at settlement: the rent is back at the agent.
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
    assert_eq!(lamports(&h, &h.agent.pubkey()), agent_before + ESCROW_RENT);
    let p = h.policy_state().await;
    assert_eq!(p.total_released, 50 * USDC);
    // Released spend stays charged.
    assert_eq!(p.spent(START + 3_610).unwrap(), (70 * USDC, 70 * USDC));
    match out.events.as_slice() {
        [EscrowEvent::EscrowReleased(r)] => {
            assert_eq!(
                (r.escrow, r.provider, r.amount, r.tier),
                (
                    h.escrow(0),
                    h.providers[0].pubkey(),
                    50 * USDC,
                    ReleaseTier::Delay
                )
            );
            assert_eq!(
                (r.released_by, r.locked, r.rent_returned, r.state),
                (
                    h.cranker.pubkey(),
                    20 * USDC,
                    ESCROW_RENT,
                    EscrowState::Released
                )
            );
        }
        other => panic!("unexpected events {other:?}"),
    }
    // Releasing twice finds no escrow.
    assert_code(
        h.release(0, 0).await,
        AnchorError::AccountOwnedByWrongProgram.into(),
    );
    assert_eq!(h.balances().await, after);
}

#[tokio::test]
async fn release_requires_proof_and_delay_tier() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    let before = h.balances().await;
    assert_program_error(h.release(0, 0).await, EscrowError::InvalidEscrowState);
    assert_eq!(h.balances().await, before);
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
    let before = h.balances().await;
    // The cranker's own token account, another provider's, and the vault itself.
    for wrong in [cranker_ata, h.ata(&h.providers[1].pubkey()), h.vault()] {
        let mut keys = h.escrow_accounts(0, &h.providers[0].pubkey());
        keys.provider_token = wrong;
        let ix = instructions::escrow_release(&h.cranker.pubkey(), &keys);
        assert_program_error(
            h.client.send(&[ix], &h.cranker, &[]).await,
            EscrowError::InvalidProviderTokenAccount,
        );
    }
    assert_eq!(h.balances().await, before);
    assert_eq!(h.client.token_balance(&cranker_ata).await.unwrap(), 0);
    // A rent payer other than the recorded one is refused too.
    let mut keys = h.escrow_accounts(0, &h.providers[0].pubkey());
    keys.rent_payer = h.cranker.pubkey();
    assert_program_error(
        h.send(
            instructions::escrow_release(&h.cranker.pubkey(), &keys),
            &h.cranker,
        )
        .await,
        EscrowError::RentPayerMismatch,
    );
    assert_eq!(h.balances().await, before);
    h.release(0, 0).await.unwrap();
}

#[tokio::test]
async fn release_uses_the_current_delay_seconds() {
    // Given two delay-tier escrows proven at START (delay 1 h).
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    h.create_escrow(1, 1, 50 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    h.submit_proof(1, 1).await.unwrap();
    // When the owner raises the delay to 2 h, the pending escrows wait 2 h.
    let update = |seconds| {
        instructions::policy_update(
            &h.owner.pubkey(),
            &h.policy(),
            PolicyUpdateArgs {
                delay_seconds: Some(seconds),
                ..Default::default()
            },
        )
    };
    h.send(update(7_200), &h.owner).await.unwrap();
    h.svm().set_unix_timestamp(START + 7_199);
    assert_program_error(h.release(0, 0).await, EscrowError::DelayNotElapsed);
    h.svm().set_unix_timestamp(START + 7_200);
    let before = h.balances().await;
    h.release(0, 0).await.unwrap();
    assert_eq!(
        h.balances().await["provider_0"],
        before["provider_0"] + 50 * USDC
    );
    // Lowered to 0: releasable at once.
    h.send(update(0), &h.owner).await.unwrap();
    h.release(1, 1).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_1"], before["provider_1"] + 50 * USDC);
    assert_eq!((after["vault"], after["locked"]), (400 * USDC, 0));
}
