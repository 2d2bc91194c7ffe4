use agent_escrow::{
    error::EscrowError,
    instructions::{PolicyCreateArgs, PolicyUpdateArgs},
    state::{EscrowState, ReleaseTier},
};
use agent_escrow_client::{events::EscrowEvent, instructions, pda::allow_address, Signer};
use agent_escrow_tests::*;
use anchor_lang::error::ErrorCode as AnchorError;

/// Index of the optional allowlist entry in `escrow_create`'s accounts.
const ALLOW_ENTRY_INDEX: usize = 6;
/// Lamports of one signature's transaction fee in LiteSVM.
const FEE: u64 = 5_000;

async fn with_args(args: impl FnOnce(PolicyCreateArgs) -> PolicyCreateArgs) -> Harness {
    let h = Harness::new().await;
    h.policy_create(args(default_limits(h.agent.pubkey())))
        .await
        .unwrap();
    h.deposit(500 * USDC).await.unwrap();
    h
}

async fn allowlisted() -> Harness {
    with_args(|a| PolicyCreateArgs {
        require_allowlist: true,
        ..a
    })
    .await
}

async fn allow(h: &Harness, p: usize) {
    h.send(
        instructions::provider_allow(&h.owner.pubkey(), &h.policy(), &h.providers[p].pubkey()),
        &h.owner,
    )
    .await
    .unwrap();
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
        &h.agent.pubkey(),
        &h.agent.pubkey(),
        args,
        true,
    );
    assert_code(
        h.send(ix, &h.agent).await,
        AnchorError::AccountNotInitialized.into(),
    );
    let entry = allow_address(&h.policy(), &h.providers[0].pubkey()).0;
    let owner_lamports = lamports(&h, &h.owner.pubkey());
    let out = h
        .send(
            instructions::provider_allow(&h.owner.pubkey(), &h.policy(), &h.providers[0].pubkey()),
            &h.owner,
        )
        .await
        .unwrap();
    assert!(
        matches!(out.events.as_slice(), [EscrowEvent::ProviderAllowed(e)] if e.provider == h.providers[0].pubkey() && e.policy == h.policy())
    );
    let entry_rent = lamports(&h, &entry);
    assert!(entry_rent > 0);
    assert_eq!(
        lamports(&h, &h.owner.pubkey()),
        owner_lamports - entry_rent - FEE,
        "the owner paid the entry's rent"
    );
    // Provider 1's escrow naming provider 0's entry is still refused.
    let args = h.escrow_args(1, h.providers[1].pubkey(), USDC, 600).await;
    let mut ix = instructions::escrow_create(
        &h.policy(),
        &h.agent.pubkey(),
        &h.agent.pubkey(),
        args,
        true,
    );
    ix.accounts[ALLOW_ENTRY_INDEX].pubkey = entry;
    assert_program_error(h.send(ix, &h.agent).await, EscrowError::ProviderNotAllowed);
    assert_eq!(h.balances().await, before);
    assert_eq!(h.policy_state().await.escrows_created, 0);
    let out = h.create_escrow(0, 0, USDC).await.unwrap();
    assert!(
        matches!(out.events.as_slice(), [EscrowEvent::EscrowCreated(e)] if e.provider == h.providers[0].pubkey() && e.amount == USDC && e.locked == USDC)
    );
    assert_eq!(h.balances().await["locked"], USDC);
    // Disallowed again: refused again, and the entry's rent went back to the owner.
    let owner_lamports = lamports(&h, &h.owner.pubkey());
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
        [EscrowEvent::ProviderDisallowed(e)] if e.provider == h.providers[0].pubkey()
    ));
    assert_eq!(lamports(&h, &entry), 0);
    assert_eq!(
        lamports(&h, &h.owner.pubkey()),
        owner_lamports + entry_rent - FEE
    );
    let before = h.balances().await;
    assert_program_error(
        h.create_escrow(1, 0, USDC).await,
        EscrowError::ProviderNotAllowed,
    );
    assert_eq!(h.balances().await, before);
    // The escrow created while allowed is unaffected: it still pays out.
    h.submit_proof(0, 0).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_0"], before["provider_0"] + USDC);
    assert_eq!((after["vault"], after["locked"]), (499 * USDC, 0));
}

#[tokio::test]
async fn only_owner_manages_allowlist() {
    let h = allowlisted().await;
    let entry = allow_address(&h.policy(), &h.providers[0].pubkey()).0;
    for signer in [&h.agent, &h.attacker] {
        let ix =
            instructions::provider_allow(&signer.pubkey(), &h.policy(), &h.providers[0].pubkey());
        assert_code(
            h.send(ix, signer).await,
            AnchorError::ConstraintHasOne.into(),
        );
        assert_eq!(lamports(&h, &entry), 0, "no entry created");
    }
    allow(&h, 0).await;
    // Allowing twice fails in the system program (account in use).
    assert_code(
        h.send(
            instructions::provider_allow(&h.owner.pubkey(), &h.policy(), &h.providers[0].pubkey()),
            &h.owner,
        )
        .await,
        0,
    );
    let ix =
        instructions::provider_disallow(&h.agent.pubkey(), &h.policy(), &h.providers[0].pubkey());
    assert_code(
        h.send(ix, &h.agent).await,
        AnchorError::ConstraintHasOne.into(),
    );
    assert!(lamports(&h, &entry) > 0, "entry still there");
    h.create_escrow(0, 0, USDC).await.unwrap();
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
        &h.agent.pubkey(),
        &h.agent.pubkey(),
        args,
        true,
    );
    ix.accounts[ALLOW_ENTRY_INDEX].pubkey =
        allow_address(&other_policy, &h.providers[0].pubkey()).0;
    let before = h.balances().await;
    assert_program_error(h.send(ix, &h.agent).await, EscrowError::ProviderNotAllowed);
    assert_eq!(h.balances().await, before);
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
}

#[tokio::test]
async fn review_unlisted_gives_unlisted_providers_the_approval_tier() {
    // Given a policy that sends escrows to unlisted providers to manual review,
    // with provider 0 allowlisted and provider 1 not.
    let h = with_args(|a| PolicyCreateArgs {
        review_unlisted: true,
        ..a
    })
    .await;
    assert_eq!(h.policy_state().await.review_unlisted, 1);
    allow(&h, 0).await;
    // Listed provider: the amount's tier (1 base unit = instant, 50 = delay, 61 = approval).
    for (id, amount, tier) in [
        (0u64, 1, ReleaseTier::Instant),
        (1, 50 * USDC, ReleaseTier::Delay),
        (2, 61 * USDC, ReleaseTier::Approval),
    ] {
        let out = h.create_escrow(id, 0, amount).await.unwrap();
        assert!(
            matches!(out.events.as_slice(), [EscrowEvent::EscrowCreated(e)] if e.tier == tier),
            "listed {amount}"
        );
        assert_eq!(h.escrow_state(id).await.tier, tier as u8);
    }
    // Unlisted provider: the approval tier, even for 1 base unit.
    for (id, amount) in [(3u64, 1), (4, 50 * USDC)] {
        let out = h.create_escrow(id, 1, amount).await.unwrap();
        assert!(
            matches!(out.events.as_slice(), [EscrowEvent::EscrowCreated(e)] if e.tier == ReleaseTier::Approval),
            "unlisted {amount}"
        );
        assert_eq!(h.escrow_state(id).await.tier, ReleaseTier::Approval as u8);
    }
    // Naming another provider's entry does not make provider 1 listed.
    let args = h.escrow_args(5, h.providers[1].pubkey(), 1, 86_400).await;
    let mut ix = instructions::escrow_create(
        &h.policy(),
        &h.agent.pubkey(),
        &h.agent.pubkey(),
        args,
        true,
    );
    ix.accounts[ALLOW_ENTRY_INDEX].pubkey = allow_address(&h.policy(), &h.providers[0].pubkey()).0;
    h.send(ix, &h.agent).await.unwrap();
    assert_eq!(h.escrow_state(5).await.tier, ReleaseTier::Approval as u8);

    // The listed instant escrow pays on proof; the unlisted 1-unit escrow waits for the owner.
    let before = h.balances().await;
    h.submit_proof(0, 0).await.unwrap();
    let out = h.submit_proof(3, 1).await.unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::ProofSubmitted(_)]
    ));
    let after = h.balances().await;
    assert_eq!(after["provider_0"], before["provider_0"] + 1);
    assert_eq!(after["provider_1"], before["provider_1"]);
    assert_eq!(after["locked"], before["locked"] - 1);
    assert_eq!(
        h.escrow_state(3).await.state,
        EscrowState::ProofSubmitted as u8
    );
    assert_program_error(h.release(3, 1).await, EscrowError::NotDelayTier);
    let out = h.approve(3, 1).await.unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::EscrowReleased(e)] if e.tier == ReleaseTier::Approval && e.amount == 1 && e.released_by == h.owner.pubkey()
    ));
    let end = h.balances().await;
    assert_eq!(end["provider_1"], after["provider_1"] + 1);
    assert_eq!(end["vault"], after["vault"] - 1);
    assert_eq!(end["locked"], after["locked"] - 1);
}

#[tokio::test]
async fn review_unlisted_can_be_switched_by_the_owner() {
    // Given a default policy (review_unlisted off): an unlisted provider gets the amount's tier.
    let h = Harness::with_policy().await;
    h.create_escrow(0, 1, USDC).await.unwrap();
    assert_eq!(h.escrow_state(0).await.tier, ReleaseTier::Instant as u8);
    // When the owner switches review_unlisted on, new escrows to unlisted providers need approval.
    let out = h
        .send(
            instructions::policy_update(
                &h.owner.pubkey(),
                &h.policy(),
                PolicyUpdateArgs {
                    review_unlisted: Some(true),
                    ..Default::default()
                },
            ),
            &h.owner,
        )
        .await
        .unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::PolicyUpdated(e)] if e.review_unlisted && !e.require_allowlist
    ));
    h.create_escrow(1, 1, USDC).await.unwrap();
    assert_eq!(h.escrow_state(1).await.tier, ReleaseTier::Approval as u8);
    // Escrows created before keep their tier.
    assert_eq!(h.escrow_state(0).await.tier, ReleaseTier::Instant as u8);
    // And off again: the amount's tier.
    h.send(
        instructions::policy_update(
            &h.owner.pubkey(),
            &h.policy(),
            PolicyUpdateArgs {
                review_unlisted: Some(false),
                ..Default::default()
            },
        ),
        &h.owner,
    )
    .await
    .unwrap();
    assert_eq!(h.policy_state().await.review_unlisted, 0);
    h.create_escrow(2, 1, USDC).await.unwrap();
    assert_eq!(h.escrow_state(2).await.tier, ReleaseTier::Instant as u8);
}
