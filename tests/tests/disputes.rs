use agent_escrow::{error::EscrowError, state::EscrowState};
use agent_escrow_client::{events::EscrowEvent, instructions, Signer};
use agent_escrow_tests::*;
use anchor_lang::error::ErrorCode as AnchorError;

#[tokio::test]
async fn owner_veto_stops_delay_release_and_owner_arbitrates() {
    // Given a proven delay-tier escrow (50 USDC) whose delay has passed.
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    h.svm().set_unix_timestamp(START + 3_600);
    // Only the owner can veto.
    for signer in [&h.agent, &h.attacker] {
        let ix = instructions::escrow_veto(&signer.pubkey(), &h.policy(), &h.escrow(0));
        assert_code(
            h.send(ix, signer).await,
            AnchorError::ConstraintHasOne.into(),
        );
    }
    let out = h
        .send(
            instructions::escrow_veto(&h.owner.pubkey(), &h.policy(), &h.escrow(0)),
            &h.owner,
        )
        .await
        .unwrap();
    assert!(
        matches!(out.events.as_slice(), [EscrowEvent::EscrowDisputed(e)] if e.veto && e.by == h.owner.pubkey() && e.state == EscrowState::Disputed)
    );
    // The cranker can no longer release it.
    assert_program_error(h.release(0, 0).await, EscrowError::InvalidEscrowState);
    // With no arbiter named, the owner resolves: 33.33% to the provider.
    let before = h.balances().await;
    let ix = instructions::escrow_resolve(&h.owner.pubkey(), &h.keys(0, 0, None), 3_333);
    let out = h.send(ix, &h.owner).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_0"], before["provider_0"] + 16_665_000);
    assert_eq!(after["vault"], before["vault"] + 33_335_000);
    assert_eq!(after["escrow_vault_0"], 0);
    match out.events.as_slice() {
        [EscrowEvent::DisputeResolved(e)] => {
            assert_eq!(
                (e.provider_bps, e.provider_amount, e.refund_amount),
                (3_333, 16_665_000, 33_335_000)
            );
            assert_eq!(e.state, EscrowState::Resolved);
        }
        other => panic!("{other:?}"),
    }
    let e = h.escrow_state(0).await;
    assert_eq!(
        (e.state, e.provider_bps, e.settled_at),
        (EscrowState::Resolved as u8, 3_333, START + 3_600)
    );
    // The refunded part is credited back to the spend window.
    assert_eq!(
        h.policy_state().await.spent(START + 3_600).unwrap().0,
        16_665_000
    );
}

#[tokio::test]
async fn veto_only_for_proven_delay_tier() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    let veto = |id| instructions::escrow_veto(&h.owner.pubkey(), &h.policy(), &h.escrow(id));
    assert_program_error(
        h.send(veto(0), &h.owner).await,
        EscrowError::InvalidEscrowState,
    );
    h.create_escrow(1, 0, 90 * USDC).await.unwrap();
    h.submit_proof(1, 0).await.unwrap();
    assert_program_error(h.send(veto(1), &h.owner).await, EscrowError::NotDelayTier);
}

#[tokio::test]
async fn named_arbiter_resolves_and_nothing_is_lost_to_rounding() {
    // Given an approval-tier escrow of 90.000001 USDC with a named arbiter, disputed by the agent.
    let h = Harness::new().await;
    let args = agent_escrow::instructions::PolicyCreateArgs {
        per_escrow_max: 100 * USDC + 1,
        ..default_limits(h.agent.pubkey())
    };
    h.policy_create(args).await.unwrap();
    h.deposit(500 * USDC).await.unwrap();
    let arbiter = key(44);
    h.svm().airdrop(&arbiter.pubkey(), FUNDING).unwrap();
    let mut args = h
        .escrow_args(0, h.providers[1].pubkey(), 90 * USDC + 1, 86_400)
        .await;
    args.arbiter = Some(arbiter.pubkey());
    h.create_escrow_with(args).await.unwrap();
    h.submit_proof(0, 1).await.unwrap();
    let dispute = |signer: &agent_escrow_client::Keypair| {
        instructions::escrow_dispute(&signer.pubkey(), &h.policy(), &h.escrow(0))
    };
    assert_program_error(
        h.send(dispute(&h.attacker), &h.attacker).await,
        EscrowError::Unauthorized,
    );
    assert_program_error(
        h.send(dispute(&h.providers[1]), &h.providers[1]).await,
        EscrowError::Unauthorized,
    );
    let out = h.send(dispute(&h.agent), &h.agent).await.unwrap();
    assert!(
        matches!(out.events.as_slice(), [EscrowEvent::EscrowDisputed(e)] if !e.veto && e.by == h.agent.pubkey())
    );
    assert_program_error(h.approve(0, 1).await, EscrowError::InvalidEscrowState);
    // The owner is not the arbiter here; bps above 10,000 are refused.
    let keys = h.keys(0, 1, None);
    assert_program_error(
        h.send(
            instructions::escrow_resolve(&h.owner.pubkey(), &keys, 5_000),
            &h.owner,
        )
        .await,
        EscrowError::NotArbiter,
    );
    assert_program_error(
        h.send(
            instructions::escrow_resolve(&arbiter.pubkey(), &keys, 10_001),
            &arbiter,
        )
        .await,
        EscrowError::InvalidBasisPoints,
    );
    let before = h.balances().await;
    h.send(
        instructions::escrow_resolve(&arbiter.pubkey(), &keys, 5_000),
        &arbiter,
    )
    .await
    .unwrap();
    let after = h.balances().await;
    let paid = after["provider_1"] - before["provider_1"];
    let refunded = after["vault"] - before["vault"];
    assert_eq!((paid, refunded), (45_000_000, 45_000_001));
    assert_eq!(paid + refunded, 90 * USDC + 1);
    assert_program_error(
        h.send(
            instructions::escrow_resolve(&arbiter.pubkey(), &keys, 5_000),
            &arbiter,
        )
        .await,
        EscrowError::InvalidEscrowState,
    );
}

#[tokio::test]
async fn resolve_extremes_pay_all_or_nothing() {
    let h = Harness::with_policy().await;
    for (id, bps) in [(0u64, 0u16), (1, 10_000)] {
        h.create_escrow(id, 0, 90 * USDC).await.unwrap();
        h.submit_proof(id, 0).await.unwrap();
        h.send(
            instructions::escrow_dispute(&h.owner.pubkey(), &h.policy(), &h.escrow(id)),
            &h.owner,
        )
        .await
        .unwrap();
        let before = h.balances().await;
        h.send(
            instructions::escrow_resolve(&h.owner.pubkey(), &h.keys(id, 0, None), bps),
            &h.owner,
        )
        .await
        .unwrap();
        let after = h.balances().await;
        let expected_paid = if bps == 0 { 0 } else { 90 * USDC };
        assert_eq!(after["provider_0"] - before["provider_0"], expected_paid);
        assert_eq!(after["vault"] - before["vault"], 90 * USDC - expected_paid);
    }
}
