use agent_escrow::{constants::MAX_DELAY_SECONDS, error::EscrowError, state::Policy};
use agent_escrow_client::{events::EscrowEvent, Signer};
use agent_escrow_tests::*;

#[tokio::test]
async fn creates_policy_vault_and_event() {
    // Given a fresh chain with an owner and a mint.
    let h = Harness::new().await;
    // When the owner creates a policy for the agent.
    let out = h
        .policy_create(default_limits(h.agent.pubkey()))
        .await
        .unwrap();
    // Then the policy holds the limits and the vault is empty and owned by the policy.
    let p = h.policy_state().await;
    assert_eq!(
        (p.owner, p.agent, p.mint, p.vault),
        (h.owner.pubkey(), h.agent.pubkey(), h.mint, h.vault())
    );
    assert_eq!(
        (p.per_escrow_max, p.daily_cap, p.monthly_cap),
        (100 * USDC, 300 * USDC, 1_000 * USDC)
    );
    assert_eq!(
        (p.instant_max, p.delay_max, p.delay_seconds, p.expires_at),
        (25 * USDC, 60 * USDC, 3_600, 0)
    );
    assert_eq!((p.version, p.paused, p.decimals), (1, 0, 6));
    assert_eq!(h.client.token_balance(&h.vault()).await.unwrap(), 0);
    let vault = h.svm().with_svm(|svm| svm.get_account(&h.vault()).unwrap());
    assert_eq!(
        &vault.data[32..64],
        h.policy().as_ref(),
        "vault authority is the policy PDA"
    );
    assert_eq!(Policy::LEN, 8 + 1168);
    match out.events.as_slice() {
        [EscrowEvent::PolicyCreated(e)] => {
            assert_eq!(
                (e.policy, e.owner, e.agent, e.vault),
                (h.policy(), h.owner.pubkey(), h.agent.pubkey(), h.vault())
            );
            assert_eq!(
                (e.per_escrow_max, e.daily_cap, e.instant_max),
                (100 * USDC, 300 * USDC, 25 * USDC)
            );
        }
        other => panic!("unexpected events {other:?}"),
    }
}

#[tokio::test]
async fn rejects_unordered_limits() {
    let h = Harness::new().await;
    let base = default_limits(h.agent.pubkey());
    let cases = [
        (
            "per_escrow_max = 0",
            agent_escrow::instructions::PolicyCreateArgs {
                per_escrow_max: 0,
                ..base.clone()
            },
        ),
        (
            "per_escrow_max > daily_cap",
            agent_escrow::instructions::PolicyCreateArgs {
                per_escrow_max: 301 * USDC,
                ..base.clone()
            },
        ),
        (
            "daily_cap > monthly_cap",
            agent_escrow::instructions::PolicyCreateArgs {
                daily_cap: 1_001 * USDC,
                ..base.clone()
            },
        ),
        (
            "instant_max > delay_max",
            agent_escrow::instructions::PolicyCreateArgs {
                instant_max: 61 * USDC,
                ..base.clone()
            },
        ),
    ];
    for (name, args) in cases {
        let result = h.policy_create(args).await;
        assert!(result.is_err(), "{name} accepted");
        assert_program_error(result, EscrowError::InvalidPolicyLimits);
    }
    // u64::MAX limits are accepted when ordered.
    let max = agent_escrow::instructions::PolicyCreateArgs {
        per_escrow_max: u64::MAX,
        daily_cap: u64::MAX,
        monthly_cap: u64::MAX,
        instant_max: u64::MAX,
        delay_max: u64::MAX,
        ..base
    };
    h.policy_create(max).await.unwrap();
}

#[tokio::test]
async fn delay_seconds_bounds_are_exact() {
    let h = Harness::new().await;
    let base = default_limits(h.agent.pubkey());
    for bad in [-1, MAX_DELAY_SECONDS + 1] {
        let args = agent_escrow::instructions::PolicyCreateArgs {
            delay_seconds: bad,
            ..base.clone()
        };
        assert_program_error(h.policy_create(args).await, EscrowError::DelayOutOfRange);
    }
    let args = agent_escrow::instructions::PolicyCreateArgs {
        delay_seconds: MAX_DELAY_SECONDS,
        ..base
    };
    h.policy_create(args).await.unwrap();
}

#[tokio::test]
async fn expiry_must_be_future() {
    let h = Harness::new().await;
    let now = h.now().await;
    let args = agent_escrow::instructions::PolicyCreateArgs {
        expires_at: now,
        ..default_limits(h.agent.pubkey())
    };
    assert_program_error(
        h.policy_create(args.clone()).await,
        EscrowError::ExpiryInPast,
    );
    let args = agent_escrow::instructions::PolicyCreateArgs {
        expires_at: now + 1,
        ..args
    };
    h.policy_create(args).await.unwrap();
    assert_eq!(h.policy_state().await.expires_at, now + 1);
}

#[tokio::test]
async fn agent_must_differ_from_owner() {
    let h = Harness::new().await;
    let args = default_limits(h.owner.pubkey());
    assert_program_error(h.policy_create(args).await, EscrowError::InvalidAgent);
    let args = default_limits(anchor_lang::prelude::Pubkey::default());
    assert_program_error(h.policy_create(args).await, EscrowError::InvalidAgent);
}

#[tokio::test]
async fn second_create_for_same_seeds_fails() {
    let h = Harness::new().await;
    h.policy_create(default_limits(h.agent.pubkey()))
        .await
        .unwrap();
    let again = agent_escrow::instructions::PolicyCreateArgs {
        per_escrow_max: 1,
        ..default_limits(h.agent.pubkey())
    };
    // System program: AccountAlreadyInUse (custom error 0); the policy is unchanged.
    assert_code(h.policy_create(again).await, 0);
    assert_eq!(h.policy_state().await.per_escrow_max, 100 * USDC);
}
