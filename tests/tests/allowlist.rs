use agent_escrow::{error::EscrowError, instructions::PolicyCreateArgs};
use agent_escrow_client::{events::EscrowEvent, instructions, Signer};
use agent_escrow_tests::*;
use anchor_lang::error::ErrorCode as AnchorError;

async fn allowlisted() -> Harness {
    let h = Harness::new().await;
    let args = PolicyCreateArgs {
        require_allowlist: true,
        ..default_limits(h.agent.pubkey())
    };
    h.policy_create(args).await.unwrap();
    h.deposit(500 * USDC).await.unwrap();
    h
}

#[tokio::test]
async fn allowlist_gates_escrow_create() {
    let h = allowlisted().await;
    let before = h.balances().await;
    assert_program_error(
        h.create_escrow(0, 0, USDC).await,
        EscrowError::ProviderNotAllowed,
    );
    // Naming the (not yet created) entry PDA fails in Anchor's account checks.
    let args = h.escrow_args(0, h.providers[0].pubkey(), USDC, 600).await;
    let ix = instructions::escrow_create(
        &h.policy(),
        &h.mint,
        &h.token_program,
        &h.agent.pubkey(),
        &h.agent.pubkey(),
        args,
        true,
    );
    assert_code(
        h.send(ix, &h.agent).await,
        AnchorError::AccountNotInitialized.into(),
    );
    let out = h
        .send(
            instructions::provider_allow(&h.owner.pubkey(), &h.policy(), &h.providers[0].pubkey()),
            &h.owner,
        )
        .await
        .unwrap();
    assert!(
        matches!(out.events.as_slice(), [EscrowEvent::ProviderAllowed(e)] if e.provider == h.providers[0].pubkey())
    );
    // Provider 1's escrow naming provider 0's entry is still refused.
    let args = h.escrow_args(1, h.providers[1].pubkey(), USDC, 600).await;
    let mut ix = instructions::escrow_create(
        &h.policy(),
        &h.mint,
        &h.token_program,
        &h.agent.pubkey(),
        &h.agent.pubkey(),
        args,
        true,
    );
    ix.accounts[9].pubkey =
        agent_escrow_client::pda::allow_address(&h.policy(), &h.providers[0].pubkey()).0;
    assert_program_error(h.send(ix, &h.agent).await, EscrowError::ProviderNotAllowed);
    assert_eq!(h.balances().await, before);
    h.create_escrow(0, 0, USDC).await.unwrap();
    // Disallowed again: refused again, and the entry's rent went back to the owner.
    let out = h
        .send(
            instructions::provider_disallow(
                &h.owner.pubkey(),
                &h.policy(),
                &h.providers[0].pubkey(),
            ),
            &h.owner,
        )
        .await
        .unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::ProviderDisallowed(_)]
    ));
    assert_program_error(
        h.create_escrow(1, 0, USDC).await,
        EscrowError::ProviderNotAllowed,
    );
}

#[tokio::test]
async fn only_owner_manages_allowlist() {
    let h = allowlisted().await;
    for signer in [&h.agent, &h.attacker] {
        let ix =
            instructions::provider_allow(&signer.pubkey(), &h.policy(), &h.providers[0].pubkey());
        assert_code(
            h.send(ix, signer).await,
            AnchorError::ConstraintHasOne.into(),
        );
    }
    h.send(
        instructions::provider_allow(&h.owner.pubkey(), &h.policy(), &h.providers[0].pubkey()),
        &h.owner,
    )
    .await
    .unwrap();
    let ix =
        instructions::provider_disallow(&h.agent.pubkey(), &h.policy(), &h.providers[0].pubkey());
    assert_code(
        h.send(ix, &h.agent).await,
        AnchorError::ConstraintHasOne.into(),
    );
}

#[tokio::test]
async fn entries_of_another_policy_do_not_count() {
    // Given a second policy (another agent) that allows provider 0.
    let h = allowlisted().await;
    let other_agent = key(43);
    let args = PolicyCreateArgs {
        require_allowlist: true,
        ..default_limits(other_agent.pubkey())
    };
    h.send(
        instructions::policy_create(&h.owner.pubkey(), &h.mint, &h.token_program, args),
        &h.owner,
    )
    .await
    .unwrap();
    let other_policy =
        agent_escrow_client::pda::policy_address(&h.owner.pubkey(), &other_agent.pubkey(), &h.mint)
            .0;
    h.send(
        instructions::provider_allow(&h.owner.pubkey(), &other_policy, &h.providers[0].pubkey()),
        &h.owner,
    )
    .await
    .unwrap();
    // When the agent of the first policy names that entry, it is refused.
    let args = h.escrow_args(0, h.providers[0].pubkey(), USDC, 600).await;
    let mut ix = instructions::escrow_create(
        &h.policy(),
        &h.mint,
        &h.token_program,
        &h.agent.pubkey(),
        &h.agent.pubkey(),
        args,
        true,
    );
    ix.accounts[9].pubkey =
        agent_escrow_client::pda::allow_address(&other_policy, &h.providers[0].pubkey()).0;
    assert_program_error(h.send(ix, &h.agent).await, EscrowError::ProviderNotAllowed);
}
