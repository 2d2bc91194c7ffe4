//! Preflight and program agree: for each refusal of
//! `agent_escrow_client::preflight`, the same input sent to the real .so
//! (skipping the preflight) fails with exactly the error the refusal names
//! (its code); inputs the preflight accepts land.

use agent_escrow::{
    instructions::{EscrowCreateArgs, PolicyCreateArgs, PolicyUpdateArgs},
    state::{Escrow, EscrowState, Policy, ReleaseTier},
};
use agent_escrow_client::{
    instructions,
    pda::policy_address,
    preflight::{self, EscrowView, PolicyView, Refusal},
    transport::{Transport, TxOutcome},
    ClientError, Signer,
};
use agent_escrow_tests::*;
use anchor_lang::prelude::Pubkey;

/// Asserts the preflight refused and the program fails with the refusal's
/// code; returns the refusal for checks of its wording.
#[track_caller]
fn agree<T: std::fmt::Debug>(
    checked: Result<T, Refusal>,
    sent: Result<TxOutcome, ClientError>,
) -> Refusal {
    let refusal = checked.expect_err("preflight accepted an input the test expects refused");
    assert!(
        refusal.message.starts_with(refusal.field),
        "message does not start with its field: {refusal:?}"
    );
    assert_code(sent, refusal.code);
    refusal
}

/// Asserts the preflight accepted and the program accepted too.
#[track_caller]
fn both_accept<T: std::fmt::Debug>(
    checked: Result<T, Refusal>,
    sent: Result<TxOutcome, ClientError>,
) -> T {
    let value = checked.unwrap_or_else(|r| panic!("preflight refused: {r}"));
    sent.unwrap_or_else(|e| panic!("program refused what preflight accepted: {e}"));
    value
}

async fn vault_amount(h: &Harness) -> u64 {
    h.client.token_balance(&h.vault()).await.unwrap()
}

fn view<'a>(h: &Harness, policy: &'a Policy) -> PolicyView<'a> {
    PolicyView {
        address: h.policy(),
        policy,
    }
}

/// Checks `escrow_create` for `args` signed by `signer` and sends it with
/// the same signer as agent (and payer).
async fn create_both(
    h: &Harness,
    signer: &agent_escrow_client::Keypair,
    args: EscrowCreateArgs,
) -> (
    Result<preflight::CreatePlan, Refusal>,
    Result<TxOutcome, ClientError>,
) {
    let policy = h.policy_state().await;
    let entry = agent_escrow_client::pda::allow_address(&h.policy(), &args.provider).0;
    let listed = h.svm().get_account(&entry).await.unwrap().is_some();
    let upstream = match args.depends_on {
        Some(address) => h.client.escrow(&address).await.unwrap(),
        None => None,
    };
    let checked = preflight::escrow_create(
        &view(h, &policy),
        vault_amount(h).await,
        &signer.pubkey(),
        &args,
        listed,
        upstream.as_ref(),
        h.now().await,
    );
    let ix = instructions::escrow_create(
        &h.policy(),
        &signer.pubkey(),
        &signer.pubkey(),
        args,
        listed,
    );
    (checked, h.send(ix, signer).await)
}

async fn args(h: &Harness, id: u64, amount: u64) -> EscrowCreateArgs {
    h.escrow_args(id, h.providers[0].pubkey(), amount, 86_400)
        .await
}

async fn update(h: &Harness, args: PolicyUpdateArgs) {
    h.send(
        instructions::policy_update(&h.owner.pubkey(), &h.policy(), args),
        &h.owner,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn escrow_create_refusals_match_the_program() {
    let h = Harness::with_policy().await;
    let now = h.now().await;

    // Signed by a key that is not the policy's agent: ConstraintHasOne.
    let (checked, sent) = create_both(&h, &h.attacker, args(&h, 0, USDC).await).await;
    let r = agree(checked, sent);
    assert_eq!((r.error.as_str(), r.field), ("ConstraintHasOne", "--agent"));
    assert!(r.message.contains(&h.agent.pubkey().to_string()), "{r}");
    assert!(r.message.contains(&h.attacker.pubkey().to_string()), "{r}");

    // Amount 0, above the per-escrow cap.
    let (checked, sent) = create_both(&h, &h.agent, args(&h, 0, 0).await).await;
    assert_eq!(agree(checked, sent).error, "ZeroAmount");
    let (checked, sent) = create_both(&h, &h.agent, args(&h, 0, 150 * USDC).await).await;
    let r = agree(checked, sent);
    assert_eq!(
        (r.error.as_str(), r.code, r.field),
        ("PerEscrowCapExceeded", 6007, "--amount")
    );
    let p = h.policy();
    assert_eq!(
        r.message,
        format!("--amount: 150 USDC is above policy {p}'s per-escrow cap of 100 USDC; give at most 100, or the owner raises it with `agent-escrow policy update {p} --per-escrow-max AMOUNT`")
    );

    // Deadlines: now, in the past, beyond max_escrow_duration (30 days); the bound itself lands.
    for deadline in [now, now - 1, now + 30 * 86_400 + 1] {
        let mut a = args(&h, 0, USDC).await;
        a.deadline = deadline;
        let (checked, sent) = create_both(&h, &h.agent, a).await;
        let r = agree(checked, sent);
        assert_eq!(
            (r.error.as_str(), r.field),
            ("DeadlineOutOfRange", "--deadline")
        );
    }
    let mut a = args(&h, 0, USDC).await;
    a.deadline = now + 30 * 86_400;
    let (checked, sent) = create_both(&h, &h.agent, a).await;
    both_accept(checked, sent);

    // Providers that are parties to the policy, or the default key.
    for provider in [
        h.agent.pubkey(),
        h.owner.pubkey(),
        h.policy(),
        h.vault(),
        Pubkey::default(),
    ] {
        let mut a = args(&h, 1, USDC).await;
        a.provider = provider;
        let (checked, sent) = create_both(&h, &h.agent, a).await;
        let r = agree(checked, sent);
        assert_eq!(
            (r.error.as_str(), r.field),
            ("InvalidProvider", "--provider")
        );
    }

    // A zero task hash.
    let mut a = args(&h, 1, USDC).await;
    a.task_hash = [0; 32];
    let (checked, sent) = create_both(&h, &h.agent, a).await;
    assert_eq!(agree(checked, sent).field, "--task-hash");

    // An id used already, and one outside the window.
    for id in [0, 257] {
        let (checked, sent) = create_both(&h, &h.agent, args(&h, id, USDC).await).await;
        let r = agree(checked, sent);
        assert_eq!(
            (r.error.as_str(), r.field),
            ("EscrowIdUnavailable", "--escrow-id")
        );
    }

    // A dependency that does not exist.
    let mut a = args(&h, 1, USDC).await;
    a.depends_on = Some(h.escrow(200));
    let (checked, sent) = create_both(&h, &h.agent, a).await;
    let r = agree(checked, sent);
    assert_eq!(
        (r.error.as_str(), r.field),
        ("AccountOwnedByWrongProgram", "--depends-on")
    );

    // Accepted: the plan names the tier the program gives.
    for (id, amount, tier) in [
        (1, 20 * USDC, ReleaseTier::Instant),
        (2, 50 * USDC, ReleaseTier::Delay),
        (3, 90 * USDC, ReleaseTier::Approval),
    ] {
        let (checked, sent) = create_both(&h, &h.agent, args(&h, id, amount).await).await;
        let plan = both_accept(checked, sent);
        assert_eq!(plan.tier, tier);
        assert_eq!(h.escrow_state(id).await.tier, tier as u8);
    }
    // Spent today: 1 + 20 + 50 + 90 = 161 of 300.
    let (checked, sent) = create_both(&h, &h.agent, args(&h, 4, 100 * USDC).await).await;
    let plan = both_accept(checked, sent);
    assert_eq!(plan.remaining_24h, 39 * USDC);
    assert_eq!(plan.free_after, 500 * USDC - 261 * USDC);
    // 40 more is above the 39 left today.
    let (checked, sent) = create_both(&h, &h.agent, args(&h, 5, 40 * USDC).await).await;
    let r = agree(checked, sent);
    assert_eq!(r.error, "DailyCapExceeded");
    assert!(
        r.message
            .contains("remaining today 39 USDC, this month 739 USDC"),
        "{r}"
    );
}

#[tokio::test]
async fn escrow_create_policy_state_refusals_match_the_program() {
    let h = Harness::with_policy().await;

    // Paused.
    h.send(
        instructions::policy_pause(&h.agent.pubkey(), &h.policy()),
        &h.agent,
    )
    .await
    .unwrap();
    let (checked, sent) = create_both(&h, &h.agent, args(&h, 0, USDC).await).await;
    let r = agree(checked, sent);
    assert_eq!((r.error.as_str(), r.field), ("PolicyPaused", "POLICY"));
    h.send(
        instructions::policy_resume(&h.owner.pubkey(), &h.policy()),
        &h.owner,
    )
    .await
    .unwrap();

    // Allowlist required, provider not on it; then allowed.
    update(
        &h,
        PolicyUpdateArgs {
            require_allowlist: Some(true),
            ..Default::default()
        },
    )
    .await;
    let (checked, sent) = create_both(&h, &h.agent, args(&h, 0, USDC).await).await;
    let r = agree(checked, sent);
    assert_eq!(
        (r.error.as_str(), r.field),
        ("ProviderNotAllowed", "--provider")
    );
    h.send(
        instructions::provider_allow(&h.owner.pubkey(), &h.policy(), &h.providers[0].pubkey()),
        &h.owner,
    )
    .await
    .unwrap();
    let (checked, sent) = create_both(&h, &h.agent, args(&h, 0, USDC).await).await;
    both_accept(checked, sent);

    // Expired.
    let now = h.now().await;
    update(
        &h,
        PolicyUpdateArgs {
            expires_at: Some(now + 10),
            ..Default::default()
        },
    )
    .await;
    h.svm().advance_clock(10);
    let (checked, sent) = create_both(&h, &h.agent, args(&h, 1, USDC).await).await;
    assert_eq!(agree(checked, sent).error, "PolicyExpired");
}

#[tokio::test]
async fn escrow_create_budget_refusals_match_the_program() {
    // Free balance: 50 deposited, 60 asked.
    let h = Harness::new().await;
    h.policy_create(default_limits(h.agent.pubkey()))
        .await
        .unwrap();
    h.deposit(50 * USDC).await.unwrap();
    let (checked, sent) = create_both(&h, &h.agent, args(&h, 0, 60 * USDC).await).await;
    let r = agree(checked, sent);
    assert_eq!(
        (r.error.as_str(), r.field),
        ("InsufficientBudget", "--amount")
    );
    assert!(r.message.contains("free balance of 50 USDC"), "{r}");
    assert!(r.message.contains("deposit at least 10 more"), "{r}");

    // Rolling 30 days: per escrow 100, 24 h 200, 30 days 250.
    let h = Harness::new().await;
    let mut limits = default_limits(h.agent.pubkey());
    limits.daily_cap = 200 * USDC;
    limits.monthly_cap = 250 * USDC;
    h.policy_create(limits).await.unwrap();
    h.deposit(1_000 * USDC).await.unwrap();
    for id in [0, 1] {
        let (checked, sent) = create_both(&h, &h.agent, args(&h, id, 100 * USDC).await).await;
        both_accept(checked, sent);
    }
    h.svm().advance_clock(25 * 3_600);
    let (checked, sent) = create_both(&h, &h.agent, args(&h, 2, 100 * USDC).await).await;
    let r = agree(checked, sent);
    assert_eq!(r.error, "MonthlyCapExceeded");
    assert!(
        r.message
            .contains("remaining today 200 USDC, this month 50 USDC"),
        "{r}"
    );
    let (checked, sent) = create_both(&h, &h.agent, args(&h, 2, 50 * USDC).await).await;
    both_accept(checked, sent);
}

#[tokio::test]
async fn escrow_create_dependency_refusals_match_the_program() {
    let h = Harness::with_policy().await;
    // Upstream 0 (2 h deadline) with dependent 1: refunded, it is kept for
    // its dependent, Refunded: nothing may depend on it any more.
    let mut up = args(&h, 0, 10 * USDC).await;
    up.deadline = h.now().await + 7_200;
    h.create_escrow_with(up).await.unwrap();
    let mut down = args(&h, 1, 10 * USDC).await;
    down.depends_on = Some(h.escrow(0));
    let (checked, sent) = create_both(&h, &h.agent, down).await;
    both_accept(checked, sent);
    h.svm().advance_clock(7_200);
    h.refund(0).await.unwrap();
    let mut a = args(&h, 2, 10 * USDC).await;
    a.depends_on = Some(h.escrow(0));
    let (checked, sent) = create_both(&h, &h.agent, a).await;
    let r = agree(checked, sent);
    assert_eq!(
        (r.error.as_str(), r.field),
        ("InvalidDependency", "--depends-on")
    );
    assert!(r.message.contains("Refunded"), "{r}");
}

/// Policy creation by the harness owner with `args`: preflight and program.
async fn policy_create_both(
    h: &Harness,
    args: PolicyCreateArgs,
) -> (Result<(), Refusal>, Result<TxOutcome, ClientError>) {
    let exists = h
        .svm()
        .get_account(&policy_address(&h.owner.pubkey(), &args.agent, &h.mint).0)
        .await
        .unwrap()
        .is_some();
    let checked =
        preflight::policy_create(&h.owner.pubkey(), &h.mint, &args, 6, exists, h.now().await);
    (checked, h.policy_create(args).await)
}

#[tokio::test]
async fn policy_create_refusals_match_the_program() {
    let h = Harness::new().await;
    let now = h.now().await;
    let agent = h.agent.pubkey();
    let with = |edit: &dyn Fn(&mut PolicyCreateArgs)| {
        let mut args = default_limits(agent);
        edit(&mut args);
        args
    };
    let owner = h.owner.pubkey();
    let cases: Vec<(&str, &str, PolicyCreateArgs)> = vec![
        (
            "ExpiryInPast",
            "--expires-in",
            with(&|a| a.expires_at = now),
        ),
        ("InvalidAgent", "--agent", with(&|a| a.agent = owner)),
        (
            "InvalidAgent",
            "--agent",
            with(&|a| a.agent = Pubkey::default()),
        ),
        (
            "InvalidPolicyLimits",
            "--per-escrow-max",
            with(&|a| a.per_escrow_max = 0),
        ),
        (
            "InvalidPolicyLimits",
            "--per-escrow-max",
            with(&|a| a.per_escrow_max = 400 * USDC),
        ),
        (
            "InvalidPolicyLimits",
            "--daily-cap",
            with(&|a| a.daily_cap = 2_000 * USDC),
        ),
        (
            "InvalidPolicyLimits",
            "--instant-max",
            with(&|a| a.instant_max = 70 * USDC),
        ),
        (
            "DelayOutOfRange",
            "--delay",
            with(&|a| a.delay_seconds = 30 * 86_400 + 1),
        ),
        (
            "DelayOutOfRange",
            "--delay",
            with(&|a| a.delay_seconds = -1),
        ),
        (
            "TimeoutOutOfRange",
            "--dispute-timeout",
            with(&|a| a.dispute_timeout = Some(3_599)),
        ),
        (
            "TimeoutOutOfRange",
            "--review-timeout",
            with(&|a| a.review_timeout = Some(90 * 86_400 + 1)),
        ),
        (
            "TimeoutOutOfRange",
            "--max-escrow-duration",
            with(&|a| a.max_escrow_duration = Some(365 * 86_400 + 1)),
        ),
        (
            "InvalidArbiter",
            "--arbiter",
            with(&|a| a.arbiter = Some(agent)),
        ),
        (
            "InvalidArbiter",
            "--arbiter",
            with(&|a| a.arbiter = Some(Pubkey::default())),
        ),
    ];
    for (error, field, args) in cases {
        let (checked, sent) = policy_create_both(&h, args).await;
        let r = agree(checked, sent);
        assert_eq!((r.error.as_str(), r.field), (error, field), "{r}");
    }
    // The bounds themselves are accepted.
    let mut args = default_limits(agent);
    args.per_escrow_max = args.daily_cap;
    args.delay_seconds = 30 * 86_400;
    args.dispute_timeout = Some(3_600);
    args.review_timeout = Some(90 * 86_400);
    args.max_escrow_duration = Some(365 * 86_400);
    args.expires_at = now + 1;
    let (checked, sent) = policy_create_both(&h, args.clone()).await;
    both_accept(checked, sent);
    // Twice: the system program's AccountAlreadyInUse (0).
    let (checked, sent) = policy_create_both(&h, args).await;
    let r = agree(checked, sent);
    assert_eq!((r.error.as_str(), r.code), ("AccountAlreadyInUse", 0));
    assert!(r.message.contains(&h.policy().to_string()), "{r}");
}

async fn update_both(
    h: &Harness,
    signer: &agent_escrow_client::Keypair,
    args: PolicyUpdateArgs,
) -> (Result<(), Refusal>, Result<TxOutcome, ClientError>) {
    let policy = h.policy_state().await;
    let checked =
        preflight::policy_update(&view(h, &policy), &signer.pubkey(), &args, h.now().await);
    let ix = instructions::policy_update(&signer.pubkey(), &h.policy(), args);
    (checked, h.send(ix, signer).await)
}

#[tokio::test]
async fn policy_update_refusals_match_the_program() {
    let h = Harness::with_policy().await;
    let now = h.now().await;
    let (checked, sent) = update_both(&h, &h.agent, PolicyUpdateArgs::default()).await;
    let r = agree(checked, sent);
    assert_eq!((r.error.as_str(), r.field), ("ConstraintHasOne", "--owner"));
    assert!(r.message.contains("(the agent)"), "{r}");

    let cases: Vec<(&str, &str, PolicyUpdateArgs)> = vec![
        (
            "InvalidAgent",
            "--agent",
            PolicyUpdateArgs {
                agent: Some(h.owner.pubkey()),
                ..Default::default()
            },
        ),
        (
            "ExpiryInPast",
            "--expires-in",
            PolicyUpdateArgs {
                expires_at: Some(now - 5),
                ..Default::default()
            },
        ),
        // Only --daily-cap given: the refusal names it.
        (
            "InvalidPolicyLimits",
            "--daily-cap",
            PolicyUpdateArgs {
                daily_cap: Some(50 * USDC),
                ..Default::default()
            },
        ),
        (
            "InvalidPolicyLimits",
            "--monthly-cap",
            PolicyUpdateArgs {
                monthly_cap: Some(200 * USDC),
                ..Default::default()
            },
        ),
        (
            "InvalidPolicyLimits",
            "--delay-max",
            PolicyUpdateArgs {
                delay_max: Some(10 * USDC),
                ..Default::default()
            },
        ),
        (
            "InvalidArbiter",
            "--arbiter",
            PolicyUpdateArgs {
                arbiter: Some(h.agent.pubkey()),
                ..Default::default()
            },
        ),
    ];
    for (error, field, args) in cases {
        let (checked, sent) = update_both(&h, &h.owner, args).await;
        let r = agree(checked, sent);
        assert_eq!((r.error.as_str(), r.field), (error, field), "{r}");
    }
    // Rotating the agent onto the arbiter names --agent.
    let arbiter = key(20).pubkey();
    let (checked, sent) = update_both(
        &h,
        &h.owner,
        PolicyUpdateArgs {
            arbiter: Some(arbiter),
            ..Default::default()
        },
    )
    .await;
    both_accept(checked, sent);
    let (checked, sent) = update_both(
        &h,
        &h.owner,
        PolicyUpdateArgs {
            agent: Some(arbiter),
            ..Default::default()
        },
    )
    .await;
    let r = agree(checked, sent);
    assert_eq!((r.error.as_str(), r.field), ("InvalidArbiter", "--agent"));
}

#[tokio::test]
async fn withdraw_deposit_pause_refusals_match_the_program() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 100 * USDC).await.unwrap();
    let policy = h.policy_state().await;
    let v = view(&h, &policy);
    let vault = vault_amount(&h).await;
    let withdraw = |signer: &agent_escrow_client::Keypair, amount: u64| {
        instructions::policy_withdraw(
            &signer.pubkey(),
            &h.policy(),
            &h.mint,
            &h.token_program,
            &h.owner_ata,
            amount,
        )
    };
    let r = agree(
        preflight::policy_withdraw(&v, &h.agent.pubkey(), vault, USDC),
        h.send(withdraw(&h.agent, USDC), &h.agent).await,
    );
    assert_eq!((r.error.as_str(), r.field), ("ConstraintHasOne", "--owner"));
    let r = agree(
        preflight::policy_withdraw(&v, &h.owner.pubkey(), vault, 0),
        h.send(withdraw(&h.owner, 0), &h.owner).await,
    );
    assert_eq!(r.error, "ZeroAmount");
    let r = agree(
        preflight::policy_withdraw(&v, &h.owner.pubkey(), vault, 400 * USDC + 1),
        h.send(withdraw(&h.owner, 400 * USDC + 1), &h.owner).await,
    );
    assert_eq!(
        (r.error.as_str(), r.field),
        ("InsufficientVaultBalance", "AMOUNT")
    );
    assert!(
        r.message
            .contains("free balance of 400 USDC (vault 500 - locked 100"),
        "{r}"
    );
    both_accept(
        preflight::policy_withdraw(&v, &h.owner.pubkey(), vault, 400 * USDC),
        h.send(withdraw(&h.owner, 400 * USDC), &h.owner).await,
    );

    // Deposits: 0; more than the source holds (token InsufficientFunds).
    let balance = h.client.token_balance(&h.owner_ata).await.unwrap();
    let deposit = |amount: u64| {
        instructions::policy_deposit(
            &h.policy(),
            &h.mint,
            &h.token_program,
            &h.owner.pubkey(),
            &h.owner_ata,
            amount,
        )
    };
    let r = agree(
        preflight::policy_deposit(&v, 0, &h.owner_ata, Some(balance)),
        h.send(deposit(0), &h.owner).await,
    );
    assert_eq!(r.error, "ZeroAmount");
    let r = agree(
        preflight::policy_deposit(&v, balance + 1, &h.owner_ata, Some(balance)),
        h.send(deposit(balance + 1), &h.owner).await,
    );
    assert_eq!((r.error.as_str(), r.code), ("InsufficientFunds", 1));
    both_accept(
        preflight::policy_deposit(&v, balance, &h.owner_ata, Some(balance)),
        h.send(deposit(balance), &h.owner).await,
    );

    // Pause by a stranger; resume by the agent.
    let r = agree(
        preflight::policy_pause(&v, &h.attacker.pubkey()),
        h.send(
            instructions::policy_pause(&h.attacker.pubkey(), &h.policy()),
            &h.attacker,
        )
        .await,
    );
    assert_eq!(r.error, "Unauthorized");
    let r = agree(
        preflight::owner_only(&v, &h.agent.pubkey(), "policy resume"),
        h.send(
            instructions::policy_resume(&h.agent.pubkey(), &h.policy()),
            &h.agent,
        )
        .await,
    );
    assert_eq!(r.error, "ConstraintHasOne");
}

/// An escrow read back from the chain, with its policy and upstream state.
struct Snap {
    policy_address: Pubkey,
    policy: Policy,
    address: Pubkey,
    escrow: Escrow,
    upstream: Option<EscrowState>,
}

impl Snap {
    async fn read(h: &Harness, id: u64) -> Self {
        let address = h.escrow(id);
        let keys = h.client.escrow_accounts(&address).await.unwrap();
        let upstream = match keys.depends_on {
            Some(up) => h
                .client
                .escrow(&up)
                .await
                .unwrap()
                .and_then(|e| EscrowState::from_u8(e.state)),
            None => None,
        };
        Snap {
            policy_address: h.policy(),
            policy: h.policy_state().await,
            address,
            escrow: h.escrow_state(id).await,
            upstream,
        }
    }

    fn view(&self) -> EscrowView<'_> {
        EscrowView {
            policy: PolicyView {
                address: self.policy_address,
                policy: &self.policy,
            },
            address: self.address,
            escrow: &self.escrow,
            upstream: self.upstream,
        }
    }
}

#[tokio::test]
async fn submit_proof_refusals_match_the_program() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    let now = h.now().await;
    let s = Snap::read(&h, 0).await;
    // Signed by another provider.
    let wrong = &h.providers[1];
    let ix = instructions::escrow_submit_proof(&wrong.pubkey(), &h.keys(0, 0, None), proof_hash(0));
    let r = agree(
        preflight::submit_proof(&s.view(), &wrong.pubkey(), &proof_hash(0), now),
        h.send(ix, wrong).await,
    );
    assert_eq!(
        (r.error.as_str(), r.field),
        ("ConstraintHasOne", "--provider")
    );
    // Zero proof hash.
    let provider = &h.providers[0];
    let ix = instructions::escrow_submit_proof(&provider.pubkey(), &h.keys(0, 0, None), [0; 32]);
    let r = agree(
        preflight::submit_proof(&s.view(), &provider.pubkey(), &[0; 32], now),
        h.send(ix, provider).await,
    );
    assert_eq!(r.error, "ZeroHash");
    both_accept(
        preflight::submit_proof(&s.view(), &provider.pubkey(), &proof_hash(0), now),
        h.submit_proof(0, 0).await,
    );
    // Twice: ProofSubmitted.
    let s = Snap::read(&h, 0).await;
    let r = agree(
        preflight::submit_proof(&s.view(), &provider.pubkey(), &proof_hash(0), now),
        h.submit_proof(0, 0).await,
    );
    assert_eq!(r.error, "InvalidEscrowState");
    assert!(
        r.message
            .contains("is ProofSubmitted (proof submitted, delay tier); proof needs Funded"),
        "{r}"
    );
    // After the deadline.
    h.create_escrow(1, 0, 50 * USDC).await.unwrap();
    h.svm().advance_clock(86_400);
    let s = Snap::read(&h, 1).await;
    let r = agree(
        preflight::submit_proof(&s.view(), &provider.pubkey(), &proof_hash(1), h.now().await),
        h.submit_proof(1, 0).await,
    );
    assert_eq!(r.error, "DeadlinePassed");
}

#[tokio::test]
async fn approve_veto_release_refusals_match_the_program() {
    let h = Harness::with_policy().await;
    // 0: delay tier, 1: approval tier, both proven; 2: Funded.
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    h.create_escrow(1, 1, 90 * USDC).await.unwrap();
    h.create_escrow(2, 2, 10 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    h.submit_proof(1, 1).await.unwrap();
    let owner = h.owner.pubkey();
    let now = h.now().await;
    let (s0, s1, s2) = (
        Snap::read(&h, 0).await,
        Snap::read(&h, 1).await,
        Snap::read(&h, 2).await,
    );

    // approve: the agent signs; a Funded escrow; a delay-tier escrow.
    let approve_by = |signer: &agent_escrow_client::Keypair, id: u64, p: usize| {
        instructions::escrow_approve(&signer.pubkey(), &h.keys(id, p, None))
    };
    let r = agree(
        preflight::approve(&s1.view(), &h.agent.pubkey()),
        h.send(approve_by(&h.agent, 1, 1), &h.agent).await,
    );
    assert_eq!(r.field, "--owner");
    assert!(
        r.message.contains(&format!(
            "escrow approve must be signed by the policy's owner {owner}; the signer is {} (the agent)",
            h.agent.pubkey()
        )),
        "{r}"
    );
    let r = agree(
        preflight::approve(&s2.view(), &owner),
        h.approve(2, 2).await,
    );
    assert!(
        r.message.contains("is Funded (waiting for the provider's proof); approve needs ProofSubmitted (proof submitted, approval tier)"),
        "{r}"
    );
    let r = agree(
        preflight::approve(&s0.view(), &owner),
        h.approve(0, 0).await,
    );
    assert_eq!(r.error, "NotApprovalTier");

    // veto: the agent signs; Funded; approval tier.
    let veto = |signer: &agent_escrow_client::Keypair, id: u64| {
        instructions::escrow_veto(&signer.pubkey(), &h.policy(), &h.escrow(id))
    };
    let r = agree(
        preflight::veto(&s0.view(), &h.agent.pubkey()),
        h.send(veto(&h.agent, 0), &h.agent).await,
    );
    assert_eq!(r.error, "ConstraintHasOne");
    let r = agree(
        preflight::veto(&s2.view(), &owner),
        h.send(veto(&h.owner, 2), &h.owner).await,
    );
    assert_eq!(r.error, "InvalidEscrowState");
    let r = agree(
        preflight::veto(&s1.view(), &owner),
        h.send(veto(&h.owner, 1), &h.owner).await,
    );
    assert_eq!(r.error, "NotDelayTier");

    // release: Funded; approval tier; before the delay; then after it.
    let r = agree(preflight::release(&s2.view(), now), h.release(2, 2).await);
    assert_eq!(r.error, "InvalidEscrowState");
    let r = agree(preflight::release(&s1.view(), now), h.release(1, 1).await);
    assert_eq!(r.error, "NotDelayTier");
    let r = agree(preflight::release(&s0.view(), now), h.release(0, 0).await);
    assert_eq!(r.error, "DelayNotElapsed");
    assert!(r.message.contains("ends in 1h"), "{r}");
    h.svm().advance_clock(3_600);
    both_accept(
        preflight::release(&s0.view(), h.now().await),
        h.release(0, 0).await,
    );
    both_accept(
        preflight::approve(&s1.view(), &owner),
        h.approve(1, 1).await,
    );
}

#[tokio::test]
async fn dependency_refusals_match_the_program() {
    let h = Harness::with_policy().await;
    // 1 depends on 0 (Funded); 1 is instant tier, 2 (approval) too.
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    for (id, p, amount) in [(1, 1, 10 * USDC), (2, 2, 90 * USDC)] {
        let mut a = h
            .escrow_args(id, h.providers[p].pubkey(), amount, 86_400)
            .await;
        a.depends_on = Some(h.escrow(0));
        h.create_escrow_with(a).await.unwrap();
        let proof = instructions::escrow_submit_proof(
            &h.providers[p].pubkey(),
            &h.keys(id, p, Some(0)),
            proof_hash(id),
        );
        h.send(proof, &h.providers[p]).await.unwrap();
    }
    let now = h.now().await;
    let (s1, s2) = (Snap::read(&h, 1).await, Snap::read(&h, 2).await);
    assert_eq!(s1.upstream, Some(EscrowState::Funded));
    let release = instructions::escrow_release(&h.cranker.pubkey(), &h.keys(1, 1, Some(0)));
    let r = agree(
        preflight::release(&s1.view(), now),
        h.send(release, &h.cranker).await,
    );
    assert_eq!(r.error, "DependencyNotReleased");
    let approve = instructions::escrow_approve(&h.owner.pubkey(), &h.keys(2, 2, Some(0)));
    let r = agree(
        preflight::approve(&s2.view(), &h.owner.pubkey()),
        h.send(approve, &h.owner).await,
    );
    assert_eq!(r.error, "DependencyNotReleased");
    // Closing the upstream while it is open, and its refund before the deadline.
    let s0 = Snap::read(&h, 0).await;
    let close = instructions::escrow_close(&h.cranker.pubkey(), &h.escrow(0), &h.agent.pubkey());
    let r = agree(
        preflight::close(&s0.view()),
        h.send(close, &h.cranker).await,
    );
    assert_eq!(r.error, "InvalidEscrowState");
    // The instant escrow waiting for its dependency is refundable only
    // after review_timeout (14 days) from its proof.
    let refund = instructions::escrow_refund(&h.cranker.pubkey(), &h.keys(1, 1, Some(0)));
    let r = agree(
        preflight::refund(&s1.view(), now),
        h.send(refund, &h.cranker).await,
    );
    assert_eq!(r.error, "RefundNotDue");
    assert!(r.message.contains("in 14d"), "{r}");
    // Upstream released (delay tier, after the hour): its dependents are
    // open, so it is kept Released: closing it is HasDependents.
    h.submit_proof(0, 0).await.unwrap();
    h.svm().advance_clock(3_600);
    let release0 = instructions::escrow_release(&h.cranker.pubkey(), &h.keys(0, 0, None));
    h.send(release0, &h.cranker).await.unwrap();
    let s0 = Snap::read(&h, 0).await;
    let close = instructions::escrow_close(&h.cranker.pubkey(), &h.escrow(0), &h.agent.pubkey());
    let r = agree(
        preflight::close(&s0.view()),
        h.send(close, &h.cranker).await,
    );
    assert_eq!(r.error, "HasDependents");
    let s1 = Snap::read(&h, 1).await;
    let release = instructions::escrow_release(&h.cranker.pubkey(), &h.keys(1, 1, Some(0)));
    both_accept(
        preflight::release(&s1.view(), h.now().await),
        h.send(release, &h.cranker).await,
    );
}

/// `escrow_cancel` of escrow `id` (provider index `p` for its accounts),
/// signed by `agent` and `provider`.
async fn send_cancel(
    h: &Harness,
    agent: &agent_escrow_client::Keypair,
    provider: &agent_escrow_client::Keypair,
    id: u64,
    p: usize,
) -> Result<TxOutcome, ClientError> {
    let ix = instructions::escrow_cancel(&agent.pubkey(), &provider.pubkey(), &h.keys(id, p, None));
    h.client.send(&[ix], agent, &[provider]).await
}

#[tokio::test]
async fn refund_dispute_resolve_cancel_refusals_match_the_program() {
    let h = Harness::with_policy().await;
    // 0: Funded; 1: delay tier proven; 2: approval tier proven.
    h.create_escrow(0, 0, 10 * USDC).await.unwrap();
    h.create_escrow(1, 1, 50 * USDC).await.unwrap();
    h.create_escrow(2, 2, 90 * USDC).await.unwrap();
    h.submit_proof(1, 1).await.unwrap();
    h.submit_proof(2, 2).await.unwrap();
    let now = h.now().await;
    let (s0, s1, s2) = (
        Snap::read(&h, 0).await,
        Snap::read(&h, 1).await,
        Snap::read(&h, 2).await,
    );

    // refund: before the deadline; a releasable (delay tier) escrow; an
    // approval-tier escrow before review_timeout.
    let r = agree(preflight::refund(&s0.view(), now), h.refund(0).await);
    assert_eq!(r.error, "DeadlineNotReached");
    let r = agree(preflight::refund(&s1.view(), now), h.refund(1).await);
    assert_eq!(r.error, "RefundNotDue");
    assert!(r.message.contains("can be released"), "{r}");
    let r = agree(preflight::refund(&s2.view(), now), h.refund(2).await);
    assert_eq!(r.error, "RefundNotDue");

    // dispute: a stranger; a Funded escrow; then the agent disputes 2.
    let dispute = |signer: &agent_escrow_client::Keypair, id: u64| {
        instructions::escrow_dispute(&signer.pubkey(), &h.policy(), &h.escrow(id))
    };
    let r = agree(
        preflight::dispute(&s2.view(), &h.attacker.pubkey()),
        h.send(dispute(&h.attacker, 2), &h.attacker).await,
    );
    assert_eq!((r.error.as_str(), r.field), ("Unauthorized", "--authority"));
    let r = agree(
        preflight::dispute(&s0.view(), &h.agent.pubkey()),
        h.send(dispute(&h.agent, 0), &h.agent).await,
    );
    assert_eq!(r.error, "InvalidEscrowState");
    both_accept(
        preflight::dispute(&s2.view(), &h.agent.pubkey()),
        h.send(dispute(&h.agent, 2), &h.agent).await,
    );
    let s2 = Snap::read(&h, 2).await;
    let r = agree(
        preflight::refund(&s2.view(), h.now().await),
        h.refund(2).await,
    );
    assert_eq!(r.error, "RefundNotDue");
    assert!(r.message.contains("dispute_timeout"), "{r}");

    // resolve: above 100 %; a stranger; a ProofSubmitted escrow.
    let resolve = |signer: &agent_escrow_client::Keypair, id: u64, p: usize, bps: u16| {
        instructions::escrow_resolve(&signer.pubkey(), &h.keys(id, p, None), bps)
    };
    let owner = h.owner.pubkey();
    let r = agree(
        preflight::resolve(&s2.view(), &owner, 10_001),
        h.send(resolve(&h.owner, 2, 2, 10_001), &h.owner).await,
    );
    assert_eq!(
        (r.error.as_str(), r.field),
        ("InvalidBasisPoints", "--provider-share")
    );
    let r = agree(
        preflight::resolve(&s2.view(), &h.agent.pubkey(), 5_000),
        h.send(resolve(&h.agent, 2, 2, 5_000), &h.agent).await,
    );
    assert_eq!((r.error.as_str(), r.field), ("NotArbiter", "--arbiter"));
    let r = agree(
        preflight::resolve(&s1.view(), &owner, 5_000),
        h.send(resolve(&h.owner, 1, 1, 5_000), &h.owner).await,
    );
    assert_eq!(r.error, "InvalidEscrowState");
    assert!(r.message.contains("dispute"), "{r}");
    both_accept(
        preflight::resolve(&s2.view(), &owner, 5_000),
        h.send(resolve(&h.owner, 2, 2, 5_000), &h.owner).await,
    );

    // cancel: another agent key; another provider; a proven escrow.
    let p0 = &h.providers[0];
    let r = agree(
        preflight::cancel(&s0.view(), &h.attacker.pubkey(), &p0.pubkey()),
        send_cancel(&h, &h.attacker, p0, 0, 0).await,
    );
    assert_eq!((r.error.as_str(), r.field), ("ConstraintHasOne", "--agent"));
    let r = agree(
        preflight::cancel(&s0.view(), &h.agent.pubkey(), &h.providers[1].pubkey()),
        send_cancel(&h, &h.agent, &h.providers[1], 0, 0).await,
    );
    assert_eq!(
        (r.error.as_str(), r.field),
        ("ConstraintHasOne", "--provider")
    );
    let r = agree(
        preflight::cancel(&s1.view(), &h.agent.pubkey(), &h.providers[1].pubkey()),
        send_cancel(&h, &h.agent, &h.providers[1], 1, 1).await,
    );
    assert_eq!(r.error, "InvalidEscrowState");
    both_accept(
        preflight::cancel(&s0.view(), &h.agent.pubkey(), &p0.pubkey()),
        send_cancel(&h, &h.agent, p0, 0, 0).await,
    );

    // Refund after the review timeout: the approval tier waits 14 days.
    h.create_escrow(3, 2, 90 * USDC).await.unwrap();
    h.submit_proof(3, 2).await.unwrap();
    h.svm().advance_clock(14 * 86_400);
    let s3 = Snap::read(&h, 3).await;
    both_accept(
        preflight::refund(&s3.view(), h.now().await),
        h.refund(3).await,
    );
}

/// The error code of the program crate's own host-callable check.
fn code_of(result: anchor_lang::Result<()>) -> Option<u32> {
    match result {
        Ok(()) => None,
        Err(anchor_lang::error::Error::AnchorError(e)) => Some(e.error_code_number),
        Err(other) => panic!("unexpected error {other:?}"),
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    /// The preflight's limit rules give the code `Policy::validate_limits`
    /// gives, for values around every bound.
    #[test]
    fn limit_rules_agree_with_validate_limits(
        per in proptest::sample::select(vec![0u64, 1, 99, 100, 101, 300]),
        daily in proptest::sample::select(vec![0u64, 100, 299, 300, 301]),
        monthly in proptest::sample::select(vec![100u64, 300, 1_000]),
        instant in proptest::sample::select(vec![0u64, 25, 60, 61]),
        delay_max in proptest::sample::select(vec![0u64, 25, 60]),
        delay in proptest::sample::select(vec![-1i64, 0, 3_600, 2_592_000, 2_592_001]),
        dispute in proptest::sample::select(vec![None, Some(3_599i64), Some(3_600), Some(7_776_000), Some(7_776_001)]),
        review in proptest::sample::select(vec![None, Some(3_599i64), Some(7_776_001)]),
        duration in proptest::sample::select(vec![None, Some(3_599i64), Some(31_536_000), Some(31_536_001)]),
        arbiter in proptest::sample::select(vec![0u8, 1, 2, 3]),
    ) {
        let owner = key(1).pubkey();
        let agent = key(2).pubkey();
        let args = PolicyCreateArgs {
            agent,
            per_escrow_max: per,
            daily_cap: daily,
            monthly_cap: monthly,
            instant_max: instant,
            delay_max,
            delay_seconds: delay,
            expires_at: 0,
            require_allowlist: false,
            review_unlisted: false,
            arbiter: match arbiter {
                0 => None,
                1 => Some(agent),
                2 => Some(Pubkey::default()),
                _ => Some(key(3).pubkey()),
            },
            dispute_timeout: dispute,
            review_timeout: review,
            max_escrow_duration: duration,
        };
        let checked = preflight::policy_create(&owner, &key(9).pubkey(), &args, 6, false, START)
            .err()
            .map(|r| r.code);
        let mut policy: Policy = zeroed_policy();
        policy.owner = owner;
        policy.agent = agent;
        policy.arbiter = args.arbiter.unwrap_or(owner);
        policy.per_escrow_max = per;
        policy.daily_cap = daily;
        policy.monthly_cap = monthly;
        policy.instant_max = instant;
        policy.delay_max = delay_max;
        policy.delay_seconds = delay;
        policy.dispute_timeout = dispute.unwrap_or(agent_escrow::constants::DEFAULT_DISPUTE_TIMEOUT);
        policy.review_timeout = review.unwrap_or(agent_escrow::constants::DEFAULT_REVIEW_TIMEOUT);
        policy.max_escrow_duration =
            duration.unwrap_or(agent_escrow::constants::DEFAULT_ESCROW_DURATION);
        proptest::prop_assert_eq!(checked, code_of(policy.validate_limits()));
    }

    /// The preflight's escrow id rule is `Policy::claim_escrow_id`'s.
    #[test]
    fn escrow_id_rule_agrees_with_claim_escrow_id(
        next in proptest::sample::select(vec![0u64, 1, 255, 256, 257, 1_000, u64::MAX - 300, u64::MAX]),
        used in proptest::prelude::any::<[u64; 4]>(),
        offset in -600i64..600,
    ) {
        let mut policy: Policy = zeroed_policy();
        policy.next_escrow_id = next;
        policy.used_ids = used;
        let id = if offset < 0 {
            next.saturating_sub(offset.unsigned_abs())
        } else {
            next.saturating_add(offset.unsigned_abs())
        };
        let view = PolicyView { address: Pubkey::default(), policy: &policy };
        let refused = preflight::escrow_id_refusal(&view, id).map(|r| r.code);
        let mut copy = policy;
        proptest::prop_assert_eq!(refused, code_of(copy.claim_escrow_id(id)));
    }
}

/// A policy whose fields are all zero.
fn zeroed_policy() -> Policy {
    let mut data = <Policy as anchor_lang::Discriminator>::DISCRIMINATOR.to_vec();
    data.resize(Policy::LEN, 0);
    agent_escrow_client::accounts::decode_policy(&data).unwrap()
}
