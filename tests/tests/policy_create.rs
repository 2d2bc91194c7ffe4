use agent_escrow::{
    constants::{
        DEFAULT_DISPUTE_TIMEOUT, DEFAULT_ESCROW_DURATION, DEFAULT_REVIEW_TIMEOUT,
        MAX_DELAY_SECONDS, MAX_ESCROW_DURATION, MAX_TIMEOUT_SECONDS, MIN_TIMEOUT_SECONDS,
    },
    error::EscrowError,
    instructions::PolicyCreateArgs,
    state::Policy,
};
use agent_escrow_client::{events::EscrowEvent, instructions, pda::policy_address, Signer};
use agent_escrow_tests::*;
use anchor_lang::prelude::Pubkey;

/// Sends policy_create for `args` (any agent key) signed by the owner.
async fn create(
    h: &Harness,
    args: PolicyCreateArgs,
) -> Result<agent_escrow_client::transport::TxOutcome, agent_escrow_client::ClientError> {
    h.send(
        instructions::policy_create(&h.owner.pubkey(), &h.mint, &h.token_program, args),
        &h.owner,
    )
    .await
}

fn exists(h: &Harness, agent: &Pubkey) -> bool {
    let policy = policy_address(&h.owner.pubkey(), agent, &h.mint).0;
    h.svm()
        .with_svm(|svm| svm.get_account(&policy).is_some_and(|a| a.lamports > 0))
}

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
        (p.owner, p.agent, p.seed_agent, p.mint, p.vault),
        (
            h.owner.pubkey(),
            h.agent.pubkey(),
            h.agent.pubkey(),
            h.mint,
            h.vault()
        )
    );
    assert_eq!(
        (p.per_escrow_max, p.daily_cap, p.monthly_cap),
        (100 * USDC, 300 * USDC, 1_000 * USDC)
    );
    assert_eq!(
        (p.instant_max, p.delay_max, p.delay_seconds, p.expires_at),
        (25 * USDC, 60 * USDC, 3_600, 0)
    );
    // v2: arbiter defaults to the owner; timeouts to 14 d / 14 d / 30 d.
    assert_eq!(p.arbiter, h.owner.pubkey());
    assert_eq!(
        (p.dispute_timeout, p.review_timeout, p.max_escrow_duration),
        (
            DEFAULT_DISPUTE_TIMEOUT,
            DEFAULT_REVIEW_TIMEOUT,
            DEFAULT_ESCROW_DURATION
        )
    );
    assert_eq!(
        (
            DEFAULT_DISPUTE_TIMEOUT,
            DEFAULT_REVIEW_TIMEOUT,
            DEFAULT_ESCROW_DURATION
        ),
        (14 * 86_400, 14 * 86_400, 30 * 86_400)
    );
    assert_eq!((p.locked, p.next_escrow_id, p.used_ids), (0, 0, [0; 4]));
    assert_eq!(
        (
            p.version,
            p.paused,
            p.decimals,
            p.require_allowlist,
            p.review_unlisted
        ),
        (2, 0, 6, 0, 0)
    );
    assert_eq!(
        (p.total_deposited, p.total_escrowed, p.escrows_created),
        (0, 0, 0)
    );
    assert_eq!(h.client.token_balance(&h.vault()).await.unwrap(), 0);
    let vault = h.svm().with_svm(|svm| svm.get_account(&h.vault()).unwrap());
    assert_eq!(vault.owner, h.token_program);
    assert_eq!(&vault.data[0..32], h.mint.as_ref(), "vault mint");
    assert_eq!(
        &vault.data[32..64],
        h.policy().as_ref(),
        "vault authority is the policy PDA"
    );
    assert_eq!(Policy::LEN, 8 + 1_272);
    let raw = h
        .svm()
        .with_svm(|svm| svm.get_account(&h.policy()).unwrap());
    assert_eq!(raw.data.len(), Policy::LEN);
    match out.events.as_slice() {
        [EscrowEvent::PolicyCreated(e)] => {
            assert_eq!(
                (e.policy, e.owner, e.agent, e.mint, e.vault, e.arbiter),
                (
                    h.policy(),
                    h.owner.pubkey(),
                    h.agent.pubkey(),
                    h.mint,
                    h.vault(),
                    h.owner.pubkey()
                )
            );
            assert_eq!(
                (e.per_escrow_max, e.daily_cap, e.monthly_cap),
                (100 * USDC, 300 * USDC, 1_000 * USDC)
            );
            assert_eq!(
                (e.instant_max, e.delay_max, e.delay_seconds, e.expires_at),
                (25 * USDC, 60 * USDC, 3_600, 0)
            );
            assert_eq!(
                (e.dispute_timeout, e.review_timeout, e.max_escrow_duration),
                (14 * 86_400, 14 * 86_400, 30 * 86_400)
            );
            assert!(!e.require_allowlist && !e.review_unlisted);
        }
        other => panic!("unexpected events {other:?}"),
    }
}

#[tokio::test]
async fn stores_arbiter_timeouts_and_flags_given() {
    let h = Harness::new().await;
    let arbiter = key(44).pubkey();
    let args = PolicyCreateArgs {
        require_allowlist: true,
        review_unlisted: true,
        arbiter: Some(arbiter),
        dispute_timeout: Some(MIN_TIMEOUT_SECONDS),
        review_timeout: Some(MAX_TIMEOUT_SECONDS),
        max_escrow_duration: Some(MAX_ESCROW_DURATION),
        ..default_limits(h.agent.pubkey())
    };
    let out = h.policy_create(args).await.unwrap();
    let p = h.policy_state().await;
    assert_eq!(
        (
            p.arbiter,
            p.dispute_timeout,
            p.review_timeout,
            p.max_escrow_duration
        ),
        (arbiter, 3_600, 7_776_000, 31_536_000)
    );
    assert_eq!((p.require_allowlist, p.review_unlisted), (1, 1));
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::PolicyCreated(e)]
            if e.arbiter == arbiter
                && (e.dispute_timeout, e.review_timeout, e.max_escrow_duration) == (3_600, 7_776_000, 31_536_000)
                && e.require_allowlist
                && e.review_unlisted
    ));
}

#[tokio::test]
async fn timeout_bounds_are_exact() {
    let h = Harness::new().await;
    let base = default_limits(h.agent.pubkey());
    let with =
        |dispute: Option<i64>, review: Option<i64>, duration: Option<i64>| PolicyCreateArgs {
            dispute_timeout: dispute,
            review_timeout: review,
            max_escrow_duration: duration,
            ..base.clone()
        };
    for bad in [
        with(Some(3_599), None, None),
        with(Some(7_776_001), None, None),
        with(Some(0), None, None),
        with(Some(-3_600), None, None),
        with(None, Some(3_599), None),
        with(None, Some(7_776_001), None),
        with(None, None, Some(3_599)),
        with(None, None, Some(31_536_001)),
        with(None, None, Some(i64::MAX)),
    ] {
        assert_program_error(
            h.policy_create(bad.clone()).await,
            EscrowError::TimeoutOutOfRange,
        );
        assert!(!exists(&h, &h.agent.pubkey()), "no policy left behind");
    }
    // The edges are accepted (one policy per agent key).
    for (i, args) in [
        with(Some(3_600), Some(3_600), Some(3_600)),
        with(Some(7_776_000), Some(7_776_000), Some(31_536_000)),
    ]
    .into_iter()
    .enumerate()
    {
        let agent = key(60 + i as u8).pubkey();
        let args = PolicyCreateArgs { agent, ..args };
        create(&h, args.clone()).await.unwrap();
        let policy = policy_address(&h.owner.pubkey(), &agent, &h.mint).0;
        let p = h.client.policy(&policy).await.unwrap();
        assert_eq!(
            (
                Some(p.dispute_timeout),
                Some(p.review_timeout),
                Some(p.max_escrow_duration)
            ),
            (
                args.dispute_timeout,
                args.review_timeout,
                args.max_escrow_duration
            )
        );
    }
}

#[tokio::test]
async fn arbiter_must_not_be_the_agent() {
    let h = Harness::new().await;
    for arbiter in [h.agent.pubkey(), Pubkey::default()] {
        let args = PolicyCreateArgs {
            arbiter: Some(arbiter),
            ..default_limits(h.agent.pubkey())
        };
        assert_program_error(h.policy_create(args).await, EscrowError::InvalidArbiter);
        assert!(!exists(&h, &h.agent.pubkey()));
    }
    // The owner may name itself explicitly.
    let args = PolicyCreateArgs {
        arbiter: Some(h.owner.pubkey()),
        ..default_limits(h.agent.pubkey())
    };
    h.policy_create(args).await.unwrap();
    assert_eq!(h.policy_state().await.arbiter, h.owner.pubkey());
}

#[tokio::test]
async fn rejects_unordered_limits() {
    let h = Harness::new().await;
    let base = default_limits(h.agent.pubkey());
    let cases = [
        (
            "per_escrow_max = 0",
            PolicyCreateArgs {
                per_escrow_max: 0,
                ..base.clone()
            },
        ),
        (
            "per_escrow_max > daily_cap",
            PolicyCreateArgs {
                per_escrow_max: 301 * USDC,
                ..base.clone()
            },
        ),
        (
            "daily_cap > monthly_cap",
            PolicyCreateArgs {
                daily_cap: 1_001 * USDC,
                ..base.clone()
            },
        ),
        (
            "instant_max > delay_max",
            PolicyCreateArgs {
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
    assert!(!exists(&h, &h.agent.pubkey()));
    // u64::MAX limits are accepted when ordered.
    let max = PolicyCreateArgs {
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
        let args = PolicyCreateArgs {
            delay_seconds: bad,
            ..base.clone()
        };
        assert_program_error(h.policy_create(args).await, EscrowError::DelayOutOfRange);
    }
    let args = PolicyCreateArgs {
        delay_seconds: MAX_DELAY_SECONDS,
        ..base
    };
    h.policy_create(args).await.unwrap();
    assert_eq!(h.policy_state().await.delay_seconds, 30 * 86_400);
}

#[tokio::test]
async fn expiry_must_be_future() {
    let h = Harness::new().await;
    let now = h.now().await;
    let args = PolicyCreateArgs {
        expires_at: now,
        ..default_limits(h.agent.pubkey())
    };
    assert_program_error(
        h.policy_create(args.clone()).await,
        EscrowError::ExpiryInPast,
    );
    let args = PolicyCreateArgs {
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
    let args = default_limits(Pubkey::default());
    assert_program_error(h.policy_create(args).await, EscrowError::InvalidAgent);
    assert!(!exists(&h, &h.owner.pubkey()));
}

#[tokio::test]
async fn second_create_for_same_seeds_fails() {
    let h = Harness::new().await;
    h.policy_create(default_limits(h.agent.pubkey()))
        .await
        .unwrap();
    let again = PolicyCreateArgs {
        per_escrow_max: 1,
        ..default_limits(h.agent.pubkey())
    };
    // System program: AccountAlreadyInUse (custom error 0); the policy is unchanged.
    assert_code(h.policy_create(again).await, 0);
    assert_eq!(h.policy_state().await.per_escrow_max, 100 * USDC);
}
