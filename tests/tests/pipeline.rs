//! `depends_on`: research -> writing -> review.

use agent_escrow::{constants::DEFAULT_REVIEW_TIMEOUT, error::EscrowError, state::EscrowState};
use agent_escrow_client::{
    events::EscrowEvent,
    instructions::{self, EscrowAccounts},
    transport::TxOutcome,
    ClientError, Signer,
};
use agent_escrow_tests::*;

/// Rent of an escrow with a depends_on key (184 bytes).
const DEPENDENT_RENT: u64 = (128 + 184) * 6_960;

async fn create_dependent(
    h: &Harness,
    id: u64,
    p: usize,
    amount: u64,
    upstream: u64,
) -> Result<TxOutcome, ClientError> {
    let mut args = h
        .escrow_args(id, h.providers[p].pubkey(), amount, 86_400)
        .await;
    args.depends_on = Some(h.escrow(upstream));
    h.create_escrow_with(args).await
}

async fn proof(
    h: &Harness,
    keys: &EscrowAccounts,
    id: u64,
    p: usize,
) -> Result<TxOutcome, ClientError> {
    h.send(
        instructions::escrow_submit_proof(&h.providers[p].pubkey(), keys, proof_hash(id)),
        &h.providers[p],
    )
    .await
}

async fn release(h: &Harness, keys: &EscrowAccounts) -> Result<TxOutcome, ClientError> {
    h.send(
        instructions::escrow_release(&h.cranker.pubkey(), keys),
        &h.cranker,
    )
    .await
}

#[tokio::test]
async fn downstream_waits_for_upstream_release() {
    // research (#0, 50, delay tier) <- review (#1, 20, instant tier)
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    create_dependent(&h, 1, 1, 20 * USDC, 0).await.unwrap();
    let keys = h.keys(1, 1, Some(0));
    assert_eq!(
        h.client
            .escrow_accounts(&h.escrow(1))
            .await
            .unwrap()
            .depends_on,
        Some(h.escrow(0))
    );
    assert_eq!(h.escrow_state(0).await.dependents, 1);
    assert_eq!(lamports(&h, &h.escrow(1)), DEPENDENT_RENT);
    // The review proof arrives first: recorded, not paid.
    let before = h.balances().await;
    let out = proof(&h, &keys, 1, 1).await.unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::ProofSubmitted(_)]
    ));
    assert_eq!(h.balances().await, before);
    assert_eq!(
        h.escrow_state(1).await.state,
        EscrowState::ProofSubmitted as u8
    );
    assert_program_error(release(&h, &keys).await, EscrowError::DependencyNotReleased);
    // Omitting the dependency account is refused outright.
    assert_program_error(h.release(1, 1).await, EscrowError::InvalidDependency);
    assert_eq!(h.balances().await, before);
    // Research is proven and released after its delay: kept (terminal) for its dependent.
    h.submit_proof(0, 0).await.unwrap();
    h.svm().advance_clock(3_600);
    let agent_before = lamports(&h, &h.agent.pubkey());
    let out = h.release(0, 0).await.unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::EscrowReleased(e)] if e.rent_returned == 0 && e.locked == 20 * USDC
    ));
    assert_eq!(lamports(&h, &h.agent.pubkey()), agent_before);
    let upstream = h.escrow_state(0).await;
    assert_eq!(
        (upstream.state, upstream.dependents),
        (EscrowState::Released as u8, 1)
    );
    // Then review can be released; the upstream loses its dependent.
    let before = h.balances().await;
    let out = release(&h, &keys).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_1"], before["provider_1"] + 20 * USDC);
    assert_eq!(after["vault"], before["vault"] - 20 * USDC);
    assert_eq!(after["locked"], 0);
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::EscrowReleased(e)] if e.rent_returned == DEPENDENT_RENT && e.released_by == h.cranker.pubkey()
    ));
    assert!(h.client.escrow(&h.escrow(1)).await.unwrap().is_none());
    assert_eq!(h.escrow_state(0).await.dependents, 0);
    assert_eq!(
        lamports(&h, &h.agent.pubkey()),
        agent_before + DEPENDENT_RENT
    );
    // The upstream is closed by anyone now, rent to the agent.
    let out = h
        .send(
            instructions::escrow_close(&h.cranker.pubkey(), &h.escrow(0), &h.agent.pubkey()),
            &h.cranker,
        )
        .await
        .unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::EscrowClosed(e)] if e.lamports == ESCROW_RENT && e.state == EscrowState::Released
    ));
    assert_eq!(
        lamports(&h, &h.agent.pubkey()),
        agent_before + DEPENDENT_RENT + ESCROW_RENT
    );
}

#[tokio::test]
async fn approval_waits_for_dependency() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    create_dependent(&h, 1, 1, 90 * USDC, 0).await.unwrap();
    let keys = h.keys(1, 1, Some(0));
    proof(&h, &keys, 1, 1).await.unwrap();
    let approve = |keys: &EscrowAccounts| instructions::escrow_approve(&h.owner.pubkey(), keys);
    let before = h.balances().await;
    assert_program_error(
        h.send(approve(&keys), &h.owner).await,
        EscrowError::DependencyNotReleased,
    );
    // A wrong account in the dependency slot, or none, is refused outright.
    let wrong = EscrowAccounts {
        depends_on: Some(h.escrow(1)),
        ..keys
    };
    assert_program_error(
        h.send(approve(&wrong), &h.owner).await,
        EscrowError::InvalidDependency,
    );
    assert_program_error(
        h.send(approve(&h.keys(1, 1, None)), &h.owner).await,
        EscrowError::InvalidDependency,
    );
    assert_eq!(h.balances().await, before);
    h.submit_proof(0, 0).await.unwrap();
    h.svm().advance_clock(3_600);
    h.release(0, 0).await.unwrap();
    let before = h.balances().await;
    let out = h.send(approve(&keys), &h.owner).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_1"], before["provider_1"] + 90 * USDC);
    assert_eq!(after["locked"], 0);
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::EscrowReleased(e)] if e.released_by == h.owner.pubkey() && e.amount == 90 * USDC
    ));
    assert!(h.client.escrow(&h.escrow(1)).await.unwrap().is_none());
    assert_eq!(h.escrow_state(0).await.dependents, 0);
}

#[tokio::test]
async fn dependency_must_be_live_and_of_the_same_policy() {
    let h = Harness::with_policy().await;
    // A refunded upstream kept for an earlier dependent can never be
    // released, so it takes no new dependents.
    let args = h.escrow_args(0, h.providers[0].pubkey(), USDC, 10).await;
    h.create_escrow_with(args).await.unwrap();
    create_dependent(&h, 1, 1, USDC, 0).await.unwrap();
    h.svm().advance_clock(10);
    h.refund(0).await.unwrap();
    let e = h.escrow_state(0).await;
    assert_eq!((e.state, e.dependents), (EscrowState::Refunded as u8, 1));
    let before = h.balances().await;
    assert_program_error(
        create_dependent(&h, 2, 1, USDC, 0).await,
        EscrowError::InvalidDependency,
    );
    assert_eq!(h.escrow_state(0).await.dependents, 1);
    // Not an existing escrow (its own future address): refused by Anchor's account checks.
    let mut args = h.escrow_args(2, h.providers[1].pubkey(), USDC, 600).await;
    args.depends_on = Some(h.escrow(2));
    assert_code(
        h.create_escrow_with(args).await,
        anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram.into(),
    );
    // Naming a dependency without passing the account is refused.
    let mut args = h.escrow_args(2, h.providers[1].pubkey(), USDC, 600).await;
    args.depends_on = Some(h.escrow(1));
    let mut ix = instructions::escrow_create(
        &h.policy(),
        &h.agent.pubkey(),
        &h.agent.pubkey(),
        args,
        false,
    );
    ix.accounts[7].pubkey = agent_escrow::ID;
    ix.accounts[7].is_writable = false;
    assert_program_error(h.send(ix, &h.agent).await, EscrowError::InvalidDependency);
    // Another policy's escrow.
    let other_agent = key(45);
    h.svm().airdrop(&other_agent.pubkey(), FUNDING).unwrap();
    h.send(
        instructions::policy_create(
            &h.owner.pubkey(),
            &h.mint,
            &h.token_program,
            default_limits(other_agent.pubkey()),
        ),
        &h.owner,
    )
    .await
    .unwrap();
    let other_policy =
        agent_escrow_client::pda::policy_address(&h.owner.pubkey(), &other_agent.pubkey(), &h.mint)
            .0;
    h.send(
        instructions::policy_deposit(
            &other_policy,
            &h.mint,
            &h.token_program,
            &h.owner.pubkey(),
            &h.owner_ata,
            10 * USDC,
        ),
        &h.owner,
    )
    .await
    .unwrap();
    let args = h.escrow_args(0, h.providers[0].pubkey(), USDC, 600).await;
    let ix = instructions::escrow_create(
        &other_policy,
        &other_agent.pubkey(),
        &other_agent.pubkey(),
        args,
        false,
    );
    h.send(ix, &other_agent).await.unwrap();
    let foreign = agent_escrow_client::pda::escrow_address(&other_policy, 0).0;
    let mut args = h.escrow_args(3, h.providers[1].pubkey(), USDC, 600).await;
    args.depends_on = Some(foreign);
    let before_foreign = h.balances().await;
    assert_program_error(
        h.create_escrow_with(args).await,
        EscrowError::InvalidDependency,
    );
    assert_eq!(h.balances().await, before_foreign);
    assert_eq!(before_foreign["locked"], before["locked"]);
}

#[tokio::test]
async fn dependent_waiting_for_its_upstream_refunds_after_review_timeout() {
    // research (#0, 50, delay) <- review (#1, 20, instant), review proven at START.
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    create_dependent(&h, 1, 1, 20 * USDC, 0).await.unwrap();
    let keys = h.keys(1, 1, Some(0));
    proof(&h, &keys, 1, 1).await.unwrap();
    let refund = |keys: &EscrowAccounts| instructions::escrow_refund(&h.cranker.pubkey(), keys);
    // It waits for its dependency: refundable review_timeout after its proof.
    h.svm()
        .set_unix_timestamp(START + DEFAULT_REVIEW_TIMEOUT - 1);
    let before = h.balances().await;
    assert_program_error(
        h.send(refund(&keys), &h.cranker).await,
        EscrowError::RefundNotDue,
    );
    // The dependency must be named here too.
    h.svm().set_unix_timestamp(START + DEFAULT_REVIEW_TIMEOUT);
    assert_program_error(h.refund(1).await, EscrowError::InvalidDependency);
    assert_eq!(h.balances().await, before);
    let agent_before = lamports(&h, &h.agent.pubkey());
    let out = h.send(refund(&keys), &h.cranker).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["vault"], before["vault"]);
    assert_eq!(after["locked"], 50 * USDC);
    assert_eq!(after["provider_1"], before["provider_1"]);
    assert_eq!(
        lamports(&h, &h.agent.pubkey()),
        agent_before + DEPENDENT_RENT
    );
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::EscrowRefunded(e)]
            if e.from_state == EscrowState::ProofSubmitted && e.amount == 20 * USDC && e.rent_returned == DEPENDENT_RENT
    ));
    assert_eq!(h.escrow_state(0).await.dependents, 0);
}

#[tokio::test]
async fn resolve_pays_the_provider_only_after_the_dependency() {
    // research (#0, 50, delay) <- writing (#1, 50, delay), writing disputed.
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    create_dependent(&h, 1, 1, 50 * USDC, 0).await.unwrap();
    let keys = h.keys(1, 1, Some(0));
    proof(&h, &keys, 1, 1).await.unwrap();
    h.send(
        instructions::escrow_dispute(&h.agent.pubkey(), &h.policy(), &h.escrow(1)),
        &h.agent,
    )
    .await
    .unwrap();
    let resolve = |bps| instructions::escrow_resolve(&h.owner.pubkey(), &keys, bps);
    let before = h.balances().await;
    // Any share for the provider needs the dependency Released.
    assert_program_error(
        h.send(resolve(1), &h.owner).await,
        EscrowError::DependencyNotReleased,
    );
    assert_program_error(
        h.send(
            instructions::escrow_resolve(&h.owner.pubkey(), &h.keys(1, 1, None), 0),
            &h.owner,
        )
        .await,
        EscrowError::InvalidDependency,
    );
    assert_eq!(h.balances().await, before);
    // A full refund (0 bps) does not.
    let out = h.send(resolve(0), &h.owner).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["vault"], before["vault"]);
    assert_eq!(after["provider_1"], before["provider_1"]);
    assert_eq!(after["locked"], 50 * USDC);
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::DisputeResolved(e)] if e.refund_amount == 50 * USDC && e.rent_returned == DEPENDENT_RENT
    ));
    assert_eq!(h.escrow_state(0).await.dependents, 0);
    // With the upstream released, a split pays the provider.
    h.create_escrow(2, 0, 50 * USDC).await.unwrap();
    create_dependent(&h, 3, 1, 50 * USDC, 2).await.unwrap();
    let keys = h.keys(3, 1, Some(2));
    proof(&h, &keys, 3, 1).await.unwrap();
    h.send(
        instructions::escrow_dispute(&h.agent.pubkey(), &h.policy(), &h.escrow(3)),
        &h.agent,
    )
    .await
    .unwrap();
    h.submit_proof(2, 0).await.unwrap();
    h.svm().advance_clock(3_600);
    h.release(2, 0).await.unwrap();
    let before = h.balances().await;
    h.send(
        instructions::escrow_resolve(&h.owner.pubkey(), &keys, 5_000),
        &h.owner,
    )
    .await
    .unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_1"], before["provider_1"] + 25 * USDC);
    assert_eq!(after["vault"], before["vault"] - 25 * USDC);
    assert_eq!(after["locked"], 50 * USDC);
}

#[tokio::test]
async fn cancelling_a_dependent_names_and_releases_its_upstream() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 10 * USDC).await.unwrap();
    create_dependent(&h, 1, 1, 10 * USDC, 0).await.unwrap();
    let cancel = |keys: &EscrowAccounts| {
        instructions::escrow_cancel(&h.agent.pubkey(), &h.providers[1].pubkey(), keys)
    };
    let before = h.balances().await;
    assert_program_error(
        h.client
            .send(&[cancel(&h.keys(1, 1, None))], &h.agent, &[&h.providers[1]])
            .await,
        EscrowError::InvalidDependency,
    );
    assert_eq!(h.balances().await, before);
    assert_eq!(h.escrow_state(0).await.dependents, 1);
    let out = h
        .client
        .send(
            &[cancel(&h.keys(1, 1, Some(0)))],
            &h.agent,
            &[&h.providers[1]],
        )
        .await
        .unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::EscrowCancelled(e)] if e.rent_returned == DEPENDENT_RENT && e.free_balance == 490 * USDC
    ));
    assert_eq!(h.escrow_state(0).await.dependents, 0);
    assert_eq!(h.balances().await["locked"], 10 * USDC);
    // The upstream, no longer depended on, settles and closes on its own.
    h.submit_proof(0, 0).await.unwrap();
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
}
