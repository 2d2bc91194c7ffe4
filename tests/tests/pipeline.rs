//! `depends_on`: research -> writing -> review.

use agent_escrow::{error::EscrowError, state::EscrowState};
use agent_escrow_client::{instructions, Signer};
use agent_escrow_tests::*;

async fn create_dependent(
    h: &Harness,
    id: u64,
    p: usize,
    amount: u64,
    upstream: u64,
) -> Result<agent_escrow_client::transport::TxOutcome, agent_escrow_client::ClientError> {
    let mut args = h
        .escrow_args(id, h.providers[p].pubkey(), amount, 86_400)
        .await;
    args.depends_on = Some(h.escrow(upstream));
    h.create_escrow_with(args).await
}

#[tokio::test]
async fn downstream_waits_for_upstream_release() {
    // research (#0, 50, delay tier) <- review (#1, 20, instant tier)
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    create_dependent(&h, 1, 1, 20 * USDC, 0).await.unwrap();
    assert_eq!(h.escrow_state(1).await.depends_on, h.escrow(0));
    // The review proof arrives first: recorded, not paid.
    let keys = h.keys(1, 1, Some(0));
    h.send(
        instructions::escrow_submit_proof(&h.providers[1].pubkey(), &keys, proof_hash(1)),
        &h.providers[1],
    )
    .await
    .unwrap();
    assert_eq!(
        h.escrow_state(1).await.state,
        EscrowState::ProofSubmitted as u8
    );
    assert_program_error(
        h.send(
            instructions::escrow_release(&h.cranker.pubkey(), &keys),
            &h.cranker,
        )
        .await,
        EscrowError::DependencyNotReleased,
    );
    // Omitting the dependency account does not help.
    assert_program_error(h.release(1, 1).await, EscrowError::DependencyNotReleased);
    // Research is proven and released after its delay; then review can be released.
    h.submit_proof(0, 0).await.unwrap();
    h.svm().advance_clock(3_600);
    h.release(0, 0).await.unwrap();
    let before = h.balances().await;
    h.send(
        instructions::escrow_release(&h.cranker.pubkey(), &keys),
        &h.cranker,
    )
    .await
    .unwrap();
    assert_eq!(
        h.balances().await["provider_1"],
        before["provider_1"] + 20 * USDC
    );
}

#[tokio::test]
async fn approval_waits_for_dependency() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    create_dependent(&h, 1, 1, 90 * USDC, 0).await.unwrap();
    h.submit_proof(1, 1).await.unwrap();
    let keys = h.keys(1, 1, Some(0));
    assert_program_error(
        h.send(
            instructions::escrow_approve(&h.owner.pubkey(), &keys),
            &h.owner,
        )
        .await,
        EscrowError::DependencyNotReleased,
    );
    // A wrong account in the dependency slot is refused outright.
    let wrong = agent_escrow_client::instructions::EscrowAccounts {
        depends_on: Some(h.escrow(1)),
        ..keys
    };
    assert_program_error(
        h.send(
            instructions::escrow_approve(&h.owner.pubkey(), &wrong),
            &h.owner,
        )
        .await,
        EscrowError::InvalidDependency,
    );
    h.submit_proof(0, 0).await.unwrap();
    h.svm().advance_clock(3_600);
    h.release(0, 0).await.unwrap();
    h.send(
        instructions::escrow_approve(&h.owner.pubkey(), &keys),
        &h.owner,
    )
    .await
    .unwrap();
    assert_eq!(h.escrow_state(1).await.state, EscrowState::Released as u8);
}

#[tokio::test]
async fn dependency_must_be_live_and_of_the_same_policy() {
    let h = Harness::with_policy().await;
    // Refunded upstream: can never be released, so refused.
    let args = h.escrow_args(0, h.providers[0].pubkey(), USDC, 10).await;
    h.create_escrow_with(args).await.unwrap();
    h.svm().advance_clock(10);
    h.refund(0).await.unwrap();
    assert_program_error(
        create_dependent(&h, 1, 1, USDC, 0).await,
        EscrowError::InvalidDependency,
    );
    // Not an existing escrow (its own future address): Anchor refuses the uninitialized account.
    let mut args = h.escrow_args(2, h.providers[1].pubkey(), USDC, 600).await;
    args.depends_on = Some(h.escrow(2));
    assert!(h.create_escrow_with(args).await.is_err());
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
    let mut args = h.escrow_args(0, h.providers[0].pubkey(), USDC, 600).await;
    args.depends_on = None;
    let ix = instructions::escrow_create(
        &other_policy,
        &h.mint,
        &h.token_program,
        &other_agent.pubkey(),
        &other_agent.pubkey(),
        args,
        false,
    );
    h.send(ix, &other_agent).await.unwrap();
    let foreign = agent_escrow_client::pda::escrow_address(&other_policy, 0).0;
    let mut args = h.escrow_args(3, h.providers[1].pubkey(), USDC, 600).await;
    args.depends_on = Some(foreign);
    assert_program_error(
        h.create_escrow_with(args).await,
        EscrowError::InvalidDependency,
    );
}
