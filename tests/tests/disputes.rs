//! Veto, dispute and resolve (the arbiter is set by the owner on the
//! policy), and the dispute timeout after which anyone refunds.

use agent_escrow::{
    constants::DEFAULT_DISPUTE_TIMEOUT,
    error::EscrowError,
    instructions::{PolicyCreateArgs, PolicyUpdateArgs},
    state::EscrowState,
};
use agent_escrow_client::{events::EscrowEvent, instructions, Keypair, Signer};
use agent_escrow_tests::*;
use anchor_lang::{error::ErrorCode as AnchorError, prelude::Pubkey};

async fn dispute(h: &Harness, id: u64, by: &Keypair) {
    h.send(
        instructions::escrow_dispute(&by.pubkey(), &h.policy(), &h.escrow(id)),
        by,
    )
    .await
    .unwrap();
}

async fn resolve(
    h: &Harness,
    id: u64,
    p: usize,
    by: &Keypair,
    bps: u16,
) -> Result<agent_escrow_client::transport::TxOutcome, agent_escrow_client::ClientError> {
    h.send(
        instructions::escrow_resolve(&by.pubkey(), &h.keys(id, p, None), bps),
        by,
    )
    .await
}

/// A harness whose policy names `arbiter` (funded) and allows escrows up to 100.000001.
async fn with_arbiter(arbiter: &Keypair) -> Harness {
    let h = Harness::new().await;
    let args = PolicyCreateArgs {
        per_escrow_max: 100 * USDC + 1,
        arbiter: Some(arbiter.pubkey()),
        ..default_limits(h.agent.pubkey())
    };
    h.policy_create(args).await.unwrap();
    h.deposit(500 * USDC).await.unwrap();
    h.svm().airdrop(&arbiter.pubkey(), FUNDING).unwrap();
    h
}

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
    match out.events.as_slice() {
        [EscrowEvent::EscrowDisputed(e)] => {
            assert!(e.veto);
            assert_eq!(
                (e.escrow, e.by, e.amount, e.state),
                (
                    h.escrow(0),
                    h.owner.pubkey(),
                    50 * USDC,
                    EscrowState::Disputed
                )
            );
        }
        other => panic!("{other:?}"),
    }
    let e = h.escrow_state(0).await;
    assert_eq!(
        (e.state, e.state_at),
        (EscrowState::Disputed as u8, START + 3_600)
    );
    // The cranker can no longer release it.
    let before = h.balances().await;
    assert_program_error(h.release(0, 0).await, EscrowError::InvalidEscrowState);
    assert_eq!(h.balances().await, before);
    // The agent cannot resolve (it is never the arbiter).
    assert_program_error(
        resolve(&h, 0, 0, &h.agent, 10_000).await,
        EscrowError::NotArbiter,
    );
    // With no arbiter named, the owner resolves: 33.33% to the provider.
    assert_eq!(h.policy_state().await.arbiter, h.owner.pubkey());
    let agent_before = lamports(&h, &h.agent.pubkey());
    let out = resolve(&h, 0, 0, &h.owner, 3_333).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_0"], before["provider_0"] + 16_665_000);
    assert_eq!(after["vault"], before["vault"] - 16_665_000);
    assert_eq!(after["locked"], before["locked"] - 50 * USDC);
    assert_eq!(after["owner"], before["owner"]);
    match out.events.as_slice() {
        [EscrowEvent::DisputeResolved(e)] => {
            assert_eq!(
                (e.escrow, e.arbiter, e.provider_bps),
                (h.escrow(0), h.owner.pubkey(), 3_333)
            );
            assert_eq!(
                (e.provider_amount, e.refund_amount, e.rent_returned),
                (16_665_000, 33_335_000, ESCROW_RENT)
            );
            assert_eq!(e.state, EscrowState::Resolved);
        }
        other => panic!("{other:?}"),
    }
    // The escrow is closed and its rent is back at the agent.
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
    assert_eq!(lamports(&h, &h.agent.pubkey()), agent_before + ESCROW_RENT);
    // The refunded part is credited back to the spend window.
    let p = h.policy_state().await;
    assert_eq!(p.spent(START + 3_600).unwrap(), (16_665_000, 16_665_000));
    assert_eq!(
        (p.total_released, p.total_refunded),
        (16_665_000, 33_335_000)
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
    // A dispute needs a proof too.
    assert_program_error(
        h.send(
            instructions::escrow_dispute(&h.agent.pubkey(), &h.policy(), &h.escrow(0)),
            &h.agent,
        )
        .await,
        EscrowError::InvalidEscrowState,
    );
    let e = h.escrow_state(0).await;
    assert_eq!(e.state, EscrowState::Funded as u8);
    assert_eq!(
        h.escrow_state(1).await.state,
        EscrowState::ProofSubmitted as u8
    );
}

#[tokio::test]
async fn named_arbiter_resolves_and_nothing_is_lost_to_rounding() {
    // Given an approval-tier escrow of 90.000001 USDC under a policy whose
    // owner named an arbiter, disputed by the agent.
    let arbiter = key(44);
    let h = with_arbiter(&arbiter).await;
    assert_eq!(h.policy_state().await.arbiter, arbiter.pubkey());
    h.create_escrow(0, 1, 90 * USDC + 1).await.unwrap();
    h.submit_proof(0, 1).await.unwrap();
    let dispute_ix = |signer: &Keypair| {
        instructions::escrow_dispute(&signer.pubkey(), &h.policy(), &h.escrow(0))
    };
    for signer in [&h.attacker, &h.providers[1], &arbiter] {
        assert_program_error(
            h.send(dispute_ix(signer), signer).await,
            EscrowError::Unauthorized,
        );
    }
    let out = h.send(dispute_ix(&h.agent), &h.agent).await.unwrap();
    assert!(
        matches!(out.events.as_slice(), [EscrowEvent::EscrowDisputed(e)] if !e.veto && e.by == h.agent.pubkey() && e.amount == 90 * USDC + 1)
    );
    assert_program_error(h.approve(0, 1).await, EscrowError::InvalidEscrowState);
    let before = h.balances().await;
    // Neither the agent nor a stranger is the arbiter; bps above 10,000 are refused.
    for signer in [&h.agent, &h.attacker, &h.providers[1]] {
        assert_program_error(
            resolve(&h, 0, 1, signer, 5_000).await,
            EscrowError::NotArbiter,
        );
    }
    assert_program_error(
        resolve(&h, 0, 1, &arbiter, 10_001).await,
        EscrowError::InvalidBasisPoints,
    );
    // The payout account must be the provider's.
    let mut keys = h.keys(0, 1, None);
    keys.provider_token = h.ata(&h.providers[0].pubkey());
    assert_program_error(
        h.send(
            instructions::escrow_resolve(&arbiter.pubkey(), &keys, 5_000),
            &arbiter,
        )
        .await,
        EscrowError::InvalidProviderTokenAccount,
    );
    assert_eq!(h.balances().await, before);
    let out = resolve(&h, 0, 1, &arbiter, 5_000).await.unwrap();
    let after = h.balances().await;
    let paid = after["provider_1"] - before["provider_1"];
    assert_eq!(paid, 45_000_000);
    assert_eq!(before["vault"] - after["vault"], paid);
    assert_eq!(before["locked"] - after["locked"], 90 * USDC + 1);
    // The refunded 45.000001 stays in the vault as free balance.
    assert_eq!(after["vault"] - after["locked"], 500 * USDC - 45_000_000);
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::DisputeResolved(e)]
            if e.arbiter == arbiter.pubkey()
                && (e.provider_amount, e.refund_amount) == (45_000_000, 45_000_001)
                && e.provider_amount + e.refund_amount == 90 * USDC + 1
                && e.rent_returned == ESCROW_RENT
    ));
    // Settled and closed: a second resolve finds no escrow.
    assert_code(
        resolve(&h, 0, 1, &arbiter, 5_000).await,
        AnchorError::AccountOwnedByWrongProgram.into(),
    );
    assert_eq!(h.balances().await, after);
}

#[tokio::test]
async fn owner_can_resolve_alongside_a_named_arbiter() {
    let arbiter = key(44);
    let h = with_arbiter(&arbiter).await;
    h.create_escrow(0, 0, 90 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    dispute(&h, 0, &h.owner).await;
    let before = h.balances().await;
    let out = resolve(&h, 0, 0, &h.owner, 10_000).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_0"], before["provider_0"] + 90 * USDC);
    assert_eq!(after["vault"], before["vault"] - 90 * USDC);
    assert_eq!(after["locked"], 0);
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::DisputeResolved(e)] if e.arbiter == h.owner.pubkey() && e.refund_amount == 0
    ));
}

#[tokio::test]
async fn arbiter_changes_only_through_the_owner() {
    // Given a disputed escrow under a policy with arbiter A.
    let (a, b) = (key(44), key(46));
    let h = with_arbiter(&a).await;
    h.svm().airdrop(&b.pubkey(), FUNDING).unwrap();
    h.create_escrow(0, 0, 90 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    dispute(&h, 0, &h.agent).await;
    // The agent cannot change the arbiter.
    let update = |arbiter: Pubkey| PolicyUpdateArgs {
        arbiter: Some(arbiter),
        ..Default::default()
    };
    assert_code(
        h.send(
            instructions::policy_update(&h.agent.pubkey(), &h.policy(), update(h.agent.pubkey())),
            &h.agent,
        )
        .await,
        AnchorError::ConstraintHasOne.into(),
    );
    // The owner moves it to B: A can no longer resolve, B can.
    let out = h
        .send(
            instructions::policy_update(&h.owner.pubkey(), &h.policy(), update(b.pubkey())),
            &h.owner,
        )
        .await
        .unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::PolicyUpdated(e)] if e.arbiter == b.pubkey()
    ));
    let before = h.balances().await;
    assert_program_error(resolve(&h, 0, 0, &a, 0).await, EscrowError::NotArbiter);
    assert_eq!(h.balances().await, before);
    let out = resolve(&h, 0, 0, &b, 0).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_0"], before["provider_0"]);
    assert_eq!(after["vault"], before["vault"]);
    assert_eq!(after["locked"], 0);
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::DisputeResolved(e)] if e.arbiter == b.pubkey() && e.refund_amount == 90 * USDC
    ));
}

#[tokio::test]
async fn resolve_extremes_pay_all_or_nothing() {
    let h = Harness::with_policy().await;
    for (id, bps) in [(0u64, 0u16), (1, 10_000)] {
        h.create_escrow(id, 0, 90 * USDC).await.unwrap();
        h.submit_proof(id, 0).await.unwrap();
        dispute(&h, id, &h.owner).await;
        let before = h.balances().await;
        let out = resolve(&h, id, 0, &h.owner, bps).await.unwrap();
        let after = h.balances().await;
        let expected_paid = if bps == 0 { 0 } else { 90 * USDC };
        assert_eq!(after["provider_0"] - before["provider_0"], expected_paid);
        assert_eq!(before["vault"] - after["vault"], expected_paid);
        assert_eq!(before["locked"] - after["locked"], 90 * USDC);
        assert!(matches!(
            out.events.as_slice(),
            [EscrowEvent::DisputeResolved(e)]
                if e.provider_amount == expected_paid && e.refund_amount == 90 * USDC - expected_paid
        ));
        assert!(h.client.escrow(&h.escrow(id)).await.unwrap().is_none());
    }
    // Net spend: only the paid 90 still counts.
    assert_eq!(
        h.policy_state().await.spent(START).unwrap(),
        (90 * USDC, 90 * USDC)
    );
}

#[tokio::test]
async fn disputed_escrow_refunds_after_the_dispute_timeout() {
    // Given an approval-tier escrow proven at START and disputed at START + 100.
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 90 * USDC).await.unwrap();
    h.create_escrow(1, 0, 10 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    h.svm().set_unix_timestamp(START + 100);
    dispute(&h, 0, &h.agent).await;
    assert_eq!(
        h.policy_state().await.dispute_timeout,
        DEFAULT_DISPUTE_TIMEOUT
    );
    // One second before the timeout (counted from the dispute): not yet.
    h.svm()
        .set_unix_timestamp(START + 100 + DEFAULT_DISPUTE_TIMEOUT - 1);
    let before = h.balances().await;
    assert_program_error(h.refund(0).await, EscrowError::RefundNotDue);
    assert_eq!(h.balances().await, before);
    // At the timeout anyone refunds: unlocked, credited, closed, rent back.
    let now = START + 100 + DEFAULT_DISPUTE_TIMEOUT;
    h.svm().set_unix_timestamp(now);
    let agent_before = lamports(&h, &h.agent.pubkey());
    let out = h.refund(0).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["vault"], before["vault"]);
    assert_eq!(after["provider_0"], before["provider_0"]);
    assert_eq!(after["locked"], 10 * USDC);
    assert_eq!(lamports(&h, &h.agent.pubkey()), agent_before + ESCROW_RENT);
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
    // 14 days on, the day bucket of START is still in the 30-day window and gets the credit.
    let p = h.policy_state().await;
    assert_eq!(p.spent(now).unwrap(), (0, 10 * USDC));
    match out.events.as_slice() {
        [EscrowEvent::EscrowRefunded(e)] => {
            assert_eq!(
                (e.escrow, e.amount, e.from_state, e.state),
                (
                    h.escrow(0),
                    90 * USDC,
                    EscrowState::Disputed,
                    EscrowState::Refunded
                )
            );
            assert_eq!(
                (e.free_balance, e.spent_24h, e.spent_30d, e.rent_returned),
                (490 * USDC, 0, 10 * USDC, ESCROW_RENT)
            );
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn dispute_timeout_follows_the_policy() {
    // Given a policy with the shortest dispute timeout (1 h) and a vetoed delay-tier escrow.
    let h = Harness::new().await;
    let args = PolicyCreateArgs {
        dispute_timeout: Some(3_600),
        ..default_limits(h.agent.pubkey())
    };
    h.policy_create(args).await.unwrap();
    h.deposit(500 * USDC).await.unwrap();
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    h.send(
        instructions::escrow_veto(&h.owner.pubkey(), &h.policy(), &h.escrow(0)),
        &h.owner,
    )
    .await
    .unwrap();
    h.svm().set_unix_timestamp(START + 3_599);
    assert_program_error(h.refund(0).await, EscrowError::RefundNotDue);
    // The arbiter may still rule until someone refunds; at 1 h the refund is due.
    h.svm().set_unix_timestamp(START + 3_600);
    let before = h.balances().await;
    let out = h.refund(0).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["vault"], before["vault"]);
    assert_eq!(after["locked"], before["locked"] - 50 * USDC);
    assert_eq!(h.policy_state().await.spent(START + 3_600).unwrap(), (0, 0));
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::EscrowRefunded(e)] if e.from_state == EscrowState::Disputed && e.spent_24h == 0 && e.free_balance == 500 * USDC
    ));
    // Refunded and closed: the arbiter has nothing left to resolve.
    assert_code(
        resolve(&h, 0, 0, &h.owner, 10_000).await,
        AnchorError::AccountOwnedByWrongProgram.into(),
    );
    assert_eq!(h.balances().await, after);
}
