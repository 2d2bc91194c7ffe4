//! Every subcommand run as a process against the embedded backend (the real
//! .so), with a state file shared between invocations; display and JSON
//! output; the offline-signing flow; bad input of every argument kind.

use std::{path::PathBuf, process::Output};

use serde_json::Value;

mod support;
use support::*;

#[test]
fn policy_subcommands() {
    let w = world();
    let e = &w.env;
    // show, display and JSON: v2 fields with their defaults
    let shown = w.policy_json();
    assert_eq!(
        (
            n(&shown["perEscrowMax"]),
            n(&shown["vaultBalance"]),
            n(&shown["freeBalance"]),
            n(&shown["locked"]),
            n(&shown["nextEscrowId"]),
        ),
        (
            Some(100 * USDC),
            Some(500 * USDC),
            Some(500 * USDC),
            Some(0),
            Some(0)
        )
    );
    assert_eq!(shown["agent"], w.agent.pubkey.as_str());
    assert_eq!(shown["arbiter"], w.owner.pubkey.as_str());
    assert_eq!(
        (
            shown["disputeTimeout"].as_i64(),
            shown["reviewTimeout"].as_i64(),
            shown["maxEscrowDuration"].as_i64(),
            shown["reviewUnlisted"].as_bool(),
        ),
        (
            Some(14 * 86_400),
            Some(14 * 86_400),
            Some(30 * 86_400),
            Some(false)
        )
    );
    let text = e.ok(&["policy", "show", &w.policy]);
    for needle in [
        "Daily cap: 300 (spent in the last 24 h: 0; remaining today: 300)".to_string(),
        "Monthly cap: 1000 (spent in the last 30 days: 0; remaining this month: 1000)".into(),
        "Largest escrow now: 100\n".into(),
        format!("Arbiter: {} (the owner)", w.owner.pubkey),
        "(balance 500)\nLocked by open escrows: 0\nFree balance: 500\n".into(),
        "Dispute timeout: 14d\nReview timeout: 14d\nMax escrow duration: 30d\n".into(),
        "Unlisted providers reviewed: false\nNext escrow id: 0\n".into(),
    ] {
        assert!(text.contains(&needle), "{needle:?} in {text}");
    }
    // update: limits, and the v2 fields
    e.ok(&[
        "-k",
        &w.owner.path,
        "policy",
        "update",
        &w.policy,
        "--per-escrow-max",
        "50",
        "--expires-in",
        "30d",
    ]);
    assert_eq!(n(&w.policy_json()["perEscrowMax"]), Some(50 * USDC));
    let arbiter = e.key("arbiter");
    let updated = e.json(&[
        "-k",
        &w.owner.path,
        "policy",
        "update",
        &w.policy,
        "--arbiter",
        &arbiter.pubkey,
        "--dispute-timeout",
        "2d",
        "--review-timeout",
        "36h",
        "--max-escrow-duration",
        "10d",
        "--review-unlisted",
        "true",
    ]);
    let fields = &updated["events"][0]["fields"];
    assert_eq!(updated["events"][0]["name"], "PolicyUpdated");
    assert_eq!(
        (
            fields["arbiter"].as_str(),
            fields["disputeTimeout"].as_str(),
            fields["reviewTimeout"].as_str(),
            fields["maxEscrowDuration"].as_str(),
            fields["reviewUnlisted"].as_bool(),
        ),
        (
            Some(arbiter.pubkey.as_str()),
            Some("172800"),
            Some("129600"),
            Some("864000"),
            Some(true)
        )
    );
    let shown = w.policy_json();
    assert_eq!(shown["arbiter"], arbiter.pubkey.as_str());
    assert_eq!(
        (
            shown["disputeTimeout"].as_i64(),
            shown["reviewTimeout"].as_i64(),
            shown["maxEscrowDuration"].as_i64(),
            shown["reviewUnlisted"].as_bool(),
        ),
        (Some(172_800), Some(129_600), Some(864_000), Some(true))
    );
    // The agent may never be the arbiter, by --arbiter or by rotation.
    let err = e.fails(
        &[
            "-k",
            &w.owner.path,
            "policy",
            "update",
            &w.policy,
            "--arbiter",
            &w.agent.pubkey,
        ],
        2,
    );
    assert!(
        err.contains(&format!(
            "--arbiter: {} is the agent; an agent may never resolve its own disputes",
            w.agent.pubkey
        )) && err.contains("(InvalidArbiter, error 6044: checked before sending"),
        "{err}"
    );
    let err = e.fails(
        &[
            "-k",
            &w.owner.path,
            "policy",
            "update",
            &w.policy,
            "--agent",
            &arbiter.pubkey,
        ],
        2,
    );
    assert!(
        err.contains(&format!(
            "--agent: the new agent {} is the policy's arbiter",
            arbiter.pubkey
        )),
        "{err}"
    );
    // Timeouts out of range name the flag and the bounds.
    for (flag, value, needle) in [
        (
            "--dispute-timeout",
            "30m",
            "--dispute-timeout: 30m is outside 1h..90d",
        ),
        (
            "--review-timeout",
            "91d",
            "--review-timeout: 91d is outside 1h..90d",
        ),
        (
            "--max-escrow-duration",
            "366d",
            "--max-escrow-duration: 366d is outside 1h..365d",
        ),
    ] {
        let err = e.fails(
            &[
                "-k",
                &w.owner.path,
                "policy",
                "update",
                &w.policy,
                flag,
                value,
            ],
            2,
        );
        assert!(err.contains(needle), "{err}");
    }
    assert_eq!(w.policy_json()["disputeTimeout"].as_i64(), Some(172_800));
    let err = e.fails(&["-k", &w.owner.path, "policy", "update", &w.policy], 2);
    assert!(
        err.contains("nothing to update") && err.contains("--review-unlisted"),
        "{err}"
    );
    // pause by the agent (kill switch), resume by the owner
    e.ok(&["-k", &w.agent.path, "policy", "pause", &w.policy]);
    assert_eq!(w.policy_json()["paused"], true);
    let err = e.rejected(&["-k", &w.agent.path, "policy", "resume", &w.policy]);
    assert!(err.contains("ConstraintHasOne"), "{err}");
    e.ok(&["-k", &w.owner.path, "policy", "resume", &w.policy]);
    // allow / disallow
    let allowed = e.json(&[
        "-k",
        &w.owner.path,
        "policy",
        "allow",
        &w.policy,
        &w.provider.pubkey,
    ]);
    assert_eq!(allowed["events"][0]["name"], "ProviderAllowed");
    let disallowed = e.json(&[
        "-k",
        &w.owner.path,
        "policy",
        "disallow",
        &w.policy,
        &w.provider.pubkey,
    ]);
    assert_eq!(disallowed["events"][0]["name"], "ProviderDisallowed");
    // withdraw to the owner's ATA
    let before = w.balance(&w.owner.pubkey);
    let out = e.json(&[
        "-k",
        &w.owner.path,
        "policy",
        "withdraw",
        &w.policy,
        "120.5",
    ]);
    assert_eq!(n(&out["amount"]), Some(120_500_000));
    assert_eq!(w.balance(&w.owner.pubkey), before + 120_500_000);
    assert_eq!(n(&w.policy_json()["vaultBalance"]), Some(379_500_000));
    // Only the free balance can be withdrawn: an open escrow's 20 stays locked.
    let created = w.create_json("20", "locked", &[]);
    // review_unlisted: the provider has no allowlist entry, so approval tier.
    assert_eq!(created["tier"], "Approval");
    let shown = w.policy_json();
    assert_eq!(
        (n(&shown["locked"]), n(&shown["freeBalance"])),
        (Some(20 * USDC), Some(359_500_000))
    );
    let err = e.rejected(&[
        "-k",
        &w.owner.path,
        "policy",
        "withdraw",
        &w.policy,
        "359.500001",
    ]);
    assert!(
        err.contains("InsufficientVaultBalance (error 6027)")
            && err.contains(
                "amount 359500001 > free balance 359500000 (vault 379500000 - locked 20000000)"
            ),
        "{err}"
    );
    assert_eq!(w.balance(&w.owner.pubkey), before + 120_500_000);
    assert_eq!(n(&w.policy_json()["vaultBalance"]), Some(379_500_000));
    e.ok(&[
        "-k",
        &w.owner.path,
        "policy",
        "withdraw",
        &w.policy,
        "359.5",
    ]);
    let shown = w.policy_json();
    assert_eq!(
        (
            n(&shown["vaultBalance"]),
            n(&shown["locked"]),
            n(&shown["freeBalance"])
        ),
        (Some(20 * USDC), Some(20 * USDC), Some(0))
    );
}

#[test]
fn policy_create_arbiter_and_timeouts() {
    let env = Env::new();
    let owner = env.key("owner");
    let agent = env.key("agent");
    let arbiter = env.key("arbiter");
    let mint = env.json(&["-k", &owner.path, "mint", "create"])["mint"]
        .as_str()
        .unwrap()
        .to_string();
    let create = |extra: &[&str]| {
        let mut args = vec![
            "-k",
            &owner.path,
            "policy",
            "create",
            "--agent",
            &agent.pubkey,
            "--mint",
            &mint,
            "--per-escrow-max",
            "10",
            "--daily-cap",
            "10",
            "--monthly-cap",
            "10",
        ];
        args.extend_from_slice(extra);
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let run = |extra: &[&str], code: i32| {
        let args = create(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        env.fails(&args, code)
    };
    // Refused before anything is sent: no policy exists afterwards.
    let err = run(&["--arbiter", &agent.pubkey], 2);
    assert!(
        err.contains("--arbiter") && err.contains("an agent may never resolve its own disputes"),
        "{err}"
    );
    let err = run(&["--review-timeout", "10m"], 2);
    assert!(
        err.contains("--review-timeout: 10m is outside 1h..90d (1 hour to 90 days)"),
        "{err}"
    );
    let policy = env.ok(&[
        "policy",
        "address",
        "--owner",
        &owner.pubkey,
        "--agent",
        &agent.pubkey,
        "--mint",
        &mint,
    ]);
    let policy = policy.trim();
    let err = env.fails(&["policy", "show", policy], 2);
    assert!(err.contains("no policy account"), "{err}");
    // Created with every v2 flag.
    let args = create(&[
        "--arbiter",
        &arbiter.pubkey,
        "--dispute-timeout",
        "3h",
        "--review-timeout",
        "2h",
        "--max-escrow-duration",
        "2d",
        "--review-unlisted",
        "--output",
        "json",
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let created: Value = serde_json::from_str(&env.ok(&args)).unwrap();
    let event = &created["events"][0];
    assert_eq!(event["name"], "PolicyCreated");
    assert_eq!(event["fields"]["arbiter"], arbiter.pubkey.as_str());
    assert_eq!(event["fields"]["reviewUnlisted"], true);
    let shown = env.json(&["policy", "show", policy]);
    assert_eq!(
        (
            shown["arbiter"].as_str(),
            shown["disputeTimeout"].as_i64(),
            shown["reviewTimeout"].as_i64(),
            shown["maxEscrowDuration"].as_i64(),
            shown["reviewUnlisted"].as_bool(),
        ),
        (
            Some(arbiter.pubkey.as_str()),
            Some(10_800),
            Some(7_200),
            Some(172_800),
            Some(true)
        )
    );
    let text = env.ok(&["policy", "show", policy]);
    assert!(
        text.contains(&format!(
            "Arbiter: {} (the owner can resolve too)",
            arbiter.pubkey
        )),
        "{text}"
    );
}

#[test]
fn escrow_lifecycle_subcommands() {
    let w = world();
    let e = &w.env;
    // create: the policy's next id; the amount is locked in the pool
    let created = w.create_json("20", "instant", &[]);
    let instant = created["escrow"].as_str().unwrap().to_string();
    assert_eq!(
        (
            n(&created["escrowId"]),
            created["tier"].as_str(),
            n(&created["locked"]),
            n(&created["freeBalance"]),
        ),
        (Some(0), Some("Instant"), Some(20 * USDC), Some(480 * USDC))
    );
    assert_eq!(created["events"][0]["name"], "EscrowCreated");
    assert_eq!(w.count(), 1);
    // The same command again reports the open escrow and creates nothing.
    let again = w.create_json("20", "instant", &[]);
    assert_eq!(
        (
            again["escrow"].as_str(),
            n(&again["escrowId"]),
            again["alreadyExisted"].as_bool(),
            again["state"].as_str(),
        ),
        (Some(instant.as_str()), Some(0), Some(true), Some("Funded"))
    );
    assert!(again.get("signature").is_none(), "{again}");
    let task = e.path("instant.txt");
    let create_args = [
        "-k",
        &w.agent.path,
        "escrow",
        "create",
        &w.policy,
        "--provider",
        &w.provider.pubkey,
        "--amount",
        "20",
        "--task-file",
        &task,
        "--deadline",
        "24h",
    ];
    let text = e.ok(&create_args);
    assert!(
        text.starts_with(&format!(
            "Escrow {instant} already exists: an open escrow (Funded) of this policy pays 20 to {} \
             for this task. Nothing was sent; pass --allow-duplicate to create another.\nEscrow: {instant}\n",
            w.provider.pubkey
        )),
        "{text}"
    );
    assert_eq!(w.count(), 1);
    let shown = w.policy_json();
    assert_eq!(
        (n(&shown["locked"]), n(&shown["nextEscrowId"])),
        (Some(20 * USDC), Some(1))
    );
    // --allow-duplicate creates a second one, under the next id.
    let duplicate = w.create_json("20", "instant", &["--allow-duplicate"]);
    assert_eq!(n(&duplicate["escrowId"]), Some(1));
    assert_ne!(duplicate["escrow"].as_str(), Some(instant.as_str()));
    let duplicate = duplicate["escrow"].as_str().unwrap().to_string();
    assert_eq!(w.count(), 2);
    assert_eq!(n(&w.policy_json()["locked"]), Some(40 * USDC));
    // escrow address: by id (no network), or the open escrow for a task
    let by_id = e.ok(&["escrow", "address", &w.policy, "--escrow-id", "1"]);
    assert_eq!(by_id.trim(), duplicate);
    let lookup = [
        "escrow",
        "address",
        &w.policy,
        "--provider",
        &w.provider.pubkey,
        "--amount",
        "20",
        "--task-file",
        &task,
    ];
    let err = e.fails(&lookup, 2);
    assert!(
        err.contains(&format!(
            "2 open escrows of policy {} match these terms",
            w.policy
        )) && err.contains(&format!("{instant} (id 0)"))
            && err.contains(&format!("{duplicate} (id 1)"))
            && err.contains("pick one with --escrow-id"),
        "{err}"
    );
    // Cancel the duplicate (agent and provider sign): closed, rent back.
    let cancelled = e.json(&[
        "-k",
        &w.agent.path,
        "escrow",
        "cancel",
        &duplicate,
        "--provider",
        &w.provider.path,
    ]);
    assert_eq!(cancelled["events"][0]["name"], "EscrowCancelled");
    assert_eq!(n(&cancelled["rentReturned"]), Some(RENT_PLAIN));
    w.assert_settled(&duplicate, "Cancelled");
    assert_eq!(e.ok(&lookup).trim(), instant);
    // The proof pays at once; the escrow is closed and its rent is back.
    let proof = w.prove(&instant);
    assert_eq!(proof["released"], true);
    assert_eq!(n(&proof["rentReturned"]), Some(RENT_PLAIN));
    let released = &proof["events"][1];
    assert_eq!(
        (
            released["name"].as_str(),
            released["fields"]["rentReturned"].as_str(),
            n(&released["fields"]["locked"]),
        ),
        (Some("EscrowReleased"), Some("1948800"), Some(0))
    );
    assert_eq!(w.balance(&w.provider.pubkey), 20 * USDC);
    w.assert_settled(&instant, "Released");
    let err = e.fails(&lookup, 2);
    assert!(err.contains("no open escrow of policy"), "{err}");
    assert_eq!(w.count(), 0);
    let shown = w.policy_json();
    assert_eq!(
        (
            n(&shown["vaultBalance"]),
            n(&shown["locked"]),
            n(&shown["freeBalance"])
        ),
        (Some(480 * USDC), Some(0), Some(480 * USDC))
    );
    // delay tier: release refused before the delay, allowed after; veto path
    let delay = w.create("50", "delay", &[]);
    w.prove(&delay);
    let err = e.rejected(&["-k", &w.agent.path, "escrow", "release", &delay]);
    assert!(
        err.contains("DelayNotElapsed (error 6021)") && err.contains("releasable_at"),
        "{err}"
    );
    let vetoed = w.create("40", "vetoed", &[]);
    w.prove(&vetoed);
    let veto = e.ok(&["-k", &w.owner.path, "escrow", "veto", &vetoed]);
    assert!(
        veto.contains(&format!(
            "it now waits for the arbiter {} (or the owner) to `escrow resolve` it; after 14d \
             (dispute timeout) anyone can refund it",
            w.owner.pubkey
        )),
        "{veto}"
    );
    assert_eq!(w.state(&vetoed), "Disputed");
    e.ok(&["embedded", "advance", "1h"]);
    let out = e.json(&["-k", &w.agent.path, "escrow", "release", &delay]);
    assert_eq!(out["events"][0]["name"], "EscrowReleased");
    assert_eq!(n(&out["rentReturned"]), Some(RENT_PLAIN));
    w.assert_settled(&delay, "Released");
    let resolved = e.json(&[
        "-k",
        &w.owner.path,
        "escrow",
        "resolve",
        &vetoed,
        "--provider-share",
        "62.5",
    ]);
    let fields = &resolved["events"][0]["fields"];
    assert_eq!(
        (
            n(&fields["providerAmount"]),
            n(&fields["refundAmount"]),
            fields["rentReturned"].as_str(),
        ),
        (Some(25 * USDC), Some(15 * USDC), Some("1948800"))
    );
    assert_eq!(w.balance(&w.provider.pubkey), 95 * USDC);
    w.assert_settled(&vetoed, "Resolved");
    // approval tier: dispute by the agent, then the owner resolves 0%
    let big = w.create("90", "big", &[]);
    w.prove(&big);
    e.ok(&["-k", &w.agent.path, "escrow", "dispute", &big]);
    e.ok(&[
        "-k",
        &w.owner.path,
        "escrow",
        "resolve",
        &big,
        "--provider-share",
        "0",
    ]);
    assert_eq!(w.balance(&w.provider.pubkey), 95 * USDC);
    let approved = w.create("80", "approved", &[]);
    w.prove(&approved);
    // list by policy and state, show in display form (while open)
    let proven = e.json(&[
        "escrow",
        "list",
        "--policy",
        &w.policy,
        "--state",
        "proof-submitted",
    ]);
    assert_eq!(proven["escrows"].as_array().unwrap().len(), 1);
    assert_eq!(proven["escrows"][0]["escrow"], approved.as_str());
    assert_eq!(n(&proven["escrows"][0]["escrowId"]), Some(5));
    let by_provider = e.json(&["escrow", "list", "--provider", &w.provider.pubkey]);
    assert_eq!(by_provider["escrows"].as_array().unwrap().len(), 1);
    let text = e.ok(&["escrow", "show", &approved]);
    assert!(
        text.contains("Id: 5\n")
            && text.contains("State: ProofSubmitted")
            && text.contains("Tier: Approval")
            && text.contains("Amount: 80")
            && text.contains(&format!(
                "Rent: 1948800 lamports, returned to {} at settlement",
                w.agent.pubkey
            ))
            && text.contains("Next: waits for the owner's approval; anyone can refund it from "),
        "{text}"
    );
    // close is only for settled escrows kept for dependents
    let err = e.rejected(&["-k", &w.agent.path, "escrow", "close", &approved]);
    assert!(err.contains("InvalidEscrowState (error 6013)"), "{err}");
    let err = e.fails(&["-k", &w.agent.path, "escrow", "close", &approved], 2);
    assert!(
        err.contains(&format!(
            "escrow {approved} is ProofSubmitted (proof submitted, approval tier); close needs \
             a settled state (Released, Refunded, Resolved or Cancelled) with no open dependents"
        )),
        "{err}"
    );
    let out = e.json(&["-k", &w.owner.path, "escrow", "approve", &approved]);
    assert_eq!(n(&out["rentReturned"]), Some(RENT_PLAIN));
    assert_eq!(w.balance(&w.provider.pubkey), 175 * USDC);
    w.assert_settled(&approved, "Released");
    let err = e.fails(&["-k", &w.agent.path, "escrow", "close", &approved], 2);
    assert!(err.contains("is settled (Released) and closed"), "{err}");
    let released = e.json(&[
        "escrow", "list", "--policy", &w.policy, "--state", "released",
    ]);
    assert_eq!(released["escrows"].as_array().unwrap().len(), 0);
    // Every escrow is settled: vault = free, nothing locked.
    let shown = w.policy_json();
    assert_eq!(
        (
            n(&shown["vaultBalance"]),
            n(&shown["locked"]),
            n(&shown["freeBalance"]),
            n(&shown["nextEscrowId"]),
        ),
        (Some(325 * USDC), Some(0), Some(325 * USDC), Some(6))
    );
}

#[test]
fn refund_cancel_pipeline_and_history() {
    let w = world();
    let e = &w.env;
    let short_task = e.write("short.txt", "short");
    let create_short = |id: &str| {
        e.run(&[
            "-k",
            &w.agent.path,
            "escrow",
            "create",
            &w.policy,
            "--provider",
            &w.provider.pubkey,
            "--amount",
            "10",
            "--task-file",
            &short_task,
            "--deadline",
            "90m",
            "--escrow-id",
            id,
        ])
    };
    let out = create_short("77");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let short = text
        .strip_prefix("Created escrow ")
        .and_then(|t| t.split(' ').next())
        .unwrap()
        .to_string();
    assert!(
        text.contains(&format!("Created escrow {short} (id 77): 10 locked for ")),
        "{text}"
    );
    assert_eq!(
        n(&e.json(&["escrow", "show", &short])["escrowId"]),
        Some(77)
    );
    assert_eq!(n(&w.policy_json()["nextEscrowId"]), Some(78));
    // An id held by an open escrow with other terms is refused before sending.
    let err = e.fails(
        &[
            "-k",
            &w.agent.path,
            "escrow",
            "create",
            &w.policy,
            "--provider",
            &w.provider.pubkey,
            "--amount",
            "11",
            "--task-file",
            &short_task,
            "--deadline",
            "90m",
            "--escrow-id",
            "77",
        ],
        2,
    );
    assert!(
        err.contains(&format!(
            "escrow id 77 of policy {} is already used by an escrow with different terms; choose \
             another --escrow-id",
            w.policy
        )),
        "{err}"
    );
    assert_eq!(w.count(), 1);
    let err = e.rejected(&["-k", &w.agent.path, "escrow", "refund", &short]);
    assert!(
        err.contains("DeadlineNotReached (error 6015)") && err.contains("refundable_at"),
        "{err}"
    );
    e.ok(&["embedded", "advance", "90m"]);
    let refunded = e.json(&["-k", &w.agent.path, "escrow", "refund", &short]);
    let event = &refunded["events"][0];
    assert_eq!(
        (
            event["name"].as_str(),
            event["fields"]["fromState"].as_str(),
            n(&event["fields"]["freeBalance"]),
        ),
        (Some("EscrowRefunded"), Some("Funded"), Some(500 * USDC))
    );
    assert_eq!(n(&refunded["rentReturned"]), Some(RENT_PLAIN));
    w.assert_settled(&short, "Refunded");
    // Ids are never reused, and only ids near the next one are accepted.
    let out = create_short("77");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "--escrow-id: id 77 of policy {} is used already; ids are never reused: omit \
             --escrow-id to take the next id (78) (EscrowIdUnavailable, error 6042",
            w.policy
        )),
        "{err}"
    );
    let out = create_short("334");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "--escrow-id: id 334 of policy {} is outside the window [0, 334) of ids the policy \
             accepts; ids are never reused: omit --escrow-id to take the next id (78)",
            w.policy
        )),
        "{err}"
    );
    // cancel needs the provider's signature too
    let cancelled = w.create("5", "cancel", &[]);
    e.ok(&[
        "-k",
        &w.agent.path,
        "escrow",
        "cancel",
        &cancelled,
        "--provider",
        &w.provider.path,
    ]);
    w.assert_settled(&cancelled, "Cancelled");
    // pipeline: the review waits for the research
    let research = w.create("30", "research", &[]);
    let review = w.create("10", "review", &["--depends-on", &research]);
    assert_eq!(
        e.json(&["escrow", "show", &review])["dependsOn"],
        research.as_str()
    );
    assert_eq!(w.prove(&review)["released"], false);
    let text = e.ok(&["escrow", "show", &review]);
    assert!(
        text.contains("Next: waits for its dependency to be released; anyone can refund it from "),
        "{text}"
    );
    w.prove(&research);
    e.ok(&["embedded", "advance", "1h"]);
    let err = e.fails(&["-k", &w.agent.path, "escrow", "close", &research], 2);
    assert!(
        err.contains(
            "is ProofSubmitted (proof submitted, delay tier); close needs a settled state"
        ),
        "{err}"
    );
    // The research is released but kept: the review depends on it.
    let out = e.ok(&["-k", &w.agent.path, "escrow", "release", &research]);
    assert!(
        out.contains(&format!(
            "The escrow is settled; its account stays open while 1 escrow(s) depend on it. \
             Close it with `agent-escrow escrow close {research}` once they have settled"
        )),
        "{out}"
    );
    let shown = e.json(&["escrow", "show", &research]);
    assert_eq!(
        (shown["state"].as_str(), n(&shown["dependents"])),
        (Some("Released"), Some(1))
    );
    let text = e.ok(&["escrow", "show", &research]);
    assert!(
        text.contains("State: Released\n")
            && text.contains("Next: settled; its account is kept while 1 escrow(s) depend on it"),
        "{text}"
    );
    let err = e.rejected(&["-k", &w.agent.path, "escrow", "close", &research]);
    assert!(
        err.contains("HasDependents (error 6046)")
            && err.contains("1 escrows still depend on this one"),
        "{err}"
    );
    let out = e.json(&["-k", &w.agent.path, "escrow", "release", &review]);
    assert_eq!(out["events"][0]["name"], "EscrowReleased");
    assert_eq!(n(&out["rentReturned"]), Some(RENT_ONE_KEY));
    w.assert_settled(&review, "Released");
    assert_eq!(
        n(&e.json(&["escrow", "show", &research])["dependents"]),
        Some(0)
    );
    let text = e.ok(&["escrow", "show", &research]);
    assert!(
        text.contains(&format!(
            "Rent: 1948800 lamports, returned to {} by `escrow close`\nNext: settled; no escrow \
             depends on it any more: `agent-escrow escrow close {research}` returns its rent",
            w.agent.pubkey
        )),
        "{text}"
    );
    // Now the research account can be closed, by anyone.
    let closed = e.json(&["-k", &w.provider.path, "escrow", "close", &research]);
    assert_eq!(closed["events"][0]["name"], "EscrowClosed");
    assert_eq!(closed["events"][0]["fields"]["lamports"], "1948800");
    assert_eq!(
        closed["events"][0]["fields"]["rentPayer"],
        w.agent.pubkey.as_str()
    );
    assert_eq!(n(&closed["rentReturned"]), Some(RENT_PLAIN));
    w.assert_settled(&research, "Released");
    assert_eq!(w.count(), 0);
    // history of the policy and of one escrow, JSON and display
    let history = e.json(&["history", "--policy", &w.policy]);
    let names: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names[..2], ["PolicyCreated", "Deposited"]);
    assert!(
        names.contains(&"EscrowRefunded") && names.contains(&"EscrowCancelled"),
        "{names:?}"
    );
    // escrow_close names the escrow and its rent payer, not the policy: its
    // event is in the escrow's history.
    let research_history = e.json(&["history", "--escrow", &research]);
    let names: Vec<&str> = research_history["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["escrow"] == research.as_str())
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "EscrowCreated",
            "ProofSubmitted",
            "EscrowReleased",
            "EscrowClosed"
        ]
    );
    let one = e.json(&["history", "--escrow", &short]);
    let names: Vec<&str> = one["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["EscrowCreated", "EscrowRefunded"]);
    assert_eq!(one["events"][0]["fields"]["escrowId"], "77");
    let text = e.ok(&["history", "--escrow", &short]);
    assert!(
        text.contains("EscrowRefunded") && text.contains("amount=10 "),
        "{text}"
    );
}

#[test]
fn refund_paths_and_the_policy_arbiter() {
    // Short timeouts: a proof waiting for approval is refundable 2 h after
    // it, an unresolved dispute 3 h after it.
    let w = world_with(&["--review-timeout", "2h", "--dispute-timeout", "3h"]);
    let e = &w.env;
    // Refunds are permissionless: a keeper with no role in the policy cranks them.
    let keeper = e.key("keeper");
    let help = e.ok(&["escrow", "refund", "--help"]);
    for needle in [
        "REFUND PATHS",
        "after its deadline",
        "DeadlineNotReached, error 6015",
        "review_timeout",
        "RefundNotDue",
        "dispute_timeout",
    ] {
        assert!(help.contains(needle), "{needle:?} in {help}");
    }
    // 1. Approval tier, proven, the owner never approves.
    let approval = w.create("90", "approval", &[]);
    w.prove(&approval);
    let shown = e.json(&["escrow", "show", &approval]);
    let proof_at = shown["stateAt"]["unixTimestamp"].as_i64().unwrap();
    assert_eq!(
        shown["refundableAt"]["unixTimestamp"].as_i64(),
        Some(proof_at + 7_200)
    );
    let err = e.rejected(&["-k", &keeper.path, "escrow", "refund", &approval]);
    assert!(
        err.contains("RefundNotDue (error 6045)")
            && err.contains(&format!(
                "refundable_at {} (state ProofSubmitted)",
                proof_at + 7_200
            )),
        "{err}"
    );
    // 2. Delay tier, proven: it is releasable, so never refundable.
    let delay = w.create("50", "delay", &[]);
    w.prove(&delay);
    let err = e.rejected(&["-k", &keeper.path, "escrow", "refund", &delay]);
    assert!(
        err.contains("RefundNotDue (error 6045)")
            && err.contains("the escrow is releasable: use escrow_release"),
        "{err}"
    );
    // 3. Disputed, the arbiter does not resolve.
    let disputed = w.create("40", "disputed", &[]);
    w.prove(&disputed);
    e.ok(&["-k", &w.agent.path, "escrow", "dispute", &disputed]);
    let dispute_at = e.json(&["escrow", "show", &disputed])["stateAt"]["unixTimestamp"]
        .as_i64()
        .unwrap();
    e.ok(&["embedded", "advance", "2h"]);
    let before = w.policy_json();
    assert_eq!(n(&before["locked"]), Some(180 * USDC));
    let refunded = e.json(&["-k", &keeper.path, "escrow", "refund", &approval]);
    assert_eq!(
        refunded["events"][0]["fields"]["fromState"],
        "ProofSubmitted"
    );
    assert_eq!(n(&refunded["rentReturned"]), Some(RENT_PLAIN));
    w.assert_settled(&approval, "Refunded");
    let err = e.rejected(&["-k", &keeper.path, "escrow", "refund", &disputed]);
    assert!(
        err.contains("RefundNotDue (error 6045)")
            && err.contains(&format!(
                "refundable_at {} (state Disputed)",
                dispute_at + 10_800
            )),
        "{err}"
    );
    e.ok(&["embedded", "advance", "1h"]);
    let refunded = e.json(&["-k", &keeper.path, "escrow", "refund", &disputed]);
    assert_eq!(refunded["events"][0]["fields"]["fromState"], "Disputed");
    w.assert_settled(&disputed, "Refunded");
    // Nothing was paid; the two amounts are free again.
    assert_eq!(w.balance(&w.provider.pubkey), 0);
    let shown = w.policy_json();
    assert_eq!(
        (
            n(&shown["vaultBalance"]),
            n(&shown["locked"]),
            n(&shown["freeBalance"])
        ),
        (Some(500 * USDC), Some(50 * USDC), Some(450 * USDC))
    );
    // The policy's arbiter resolves; the agent cannot.
    let arbiter = e.key("arbiter");
    e.ok(&[
        "-k",
        &w.owner.path,
        "policy",
        "update",
        &w.policy,
        "--arbiter",
        &arbiter.pubkey,
    ]);
    e.ok(&["-k", &w.owner.path, "escrow", "veto", &delay]);
    let err = e.rejected(&[
        "-k",
        &w.agent.path,
        "escrow",
        "resolve",
        &delay,
        "--provider-share",
        "100",
    ]);
    assert!(
        err.contains("NotArbiter (error 6029)")
            && err.contains(&format!(
                "signer {} is not the arbiter {} or the owner",
                w.agent.pubkey, arbiter.pubkey
            )),
        "{err}"
    );
    assert_eq!(w.state(&delay), "Disputed");
    let resolved = e.json(&[
        "-k",
        &arbiter.path,
        "escrow",
        "resolve",
        &delay,
        "--provider-share",
        "100",
    ]);
    assert_eq!(
        resolved["events"][0]["fields"]["arbiter"],
        arbiter.pubkey.as_str()
    );
    assert_eq!(w.balance(&w.provider.pubkey), 50 * USDC);
    w.assert_settled(&delay, "Resolved");
}

#[test]
fn verified_proof_with_attestation() {
    let w = world();
    let e = &w.env;
    let verifier = e.key("verifier");
    let escrow = w.create("20", "verified", &["--verifier", &verifier.pubkey]);
    let deliverable = e.write("deliverable.txt", "the work");
    let err = e.fails(
        &[
            "-k",
            &w.provider.path,
            "escrow",
            "proof",
            &escrow,
            "--file",
            &deliverable,
        ],
        2,
    );
    assert!(err.contains("requires an attestation by verifier"), "{err}");
    // The verifier signs on its own machine; the provider submits the signature.
    let attest = e.json(&[
        "-k",
        &verifier.path,
        "escrow",
        "attest",
        &escrow,
        "--file",
        &deliverable,
    ]);
    let signature = attest["signature"].as_str().unwrap();
    let proof = e.json(&[
        "-k",
        &w.provider.path,
        "escrow",
        "proof",
        &escrow,
        "--file",
        &deliverable,
        "--attestation",
        signature,
    ]);
    assert_eq!(proof["released"], true);
    // A signature from the wrong key is refused on chain.
    let escrow2 = w.create("21", "verified2", &["--verifier", &verifier.pubkey]);
    let forged = e.json(&[
        "-k",
        &w.agent.path,
        "escrow",
        "attest",
        &escrow2,
        "--file",
        &deliverable,
    ]);
    let out = e.run(&[
        "-k",
        &w.provider.path,
        "escrow",
        "proof",
        &escrow2,
        "--file",
        &deliverable,
        "--attestation",
        forged["signature"].as_str().unwrap(),
    ]);
    assert!(!out.status.success());
    // --verifier-signer signs locally.
    let proof = e.json(&[
        "-k",
        &w.provider.path,
        "escrow",
        "proof",
        &escrow2,
        "--file",
        &deliverable,
        "--verifier-signer",
        &verifier.path,
    ]);
    assert_eq!(proof["released"], true);
}

#[test]
fn offline_signing_flow() {
    // The owner's key stays offline: it signs the approval with --sign-only;
    // the agent's machine submits it with --signer and pays the fee.
    let w = world();
    let e = &w.env;
    let escrow = w.create("90", "offline", &[]);
    w.prove(&escrow);
    let blockhash = e.json(&["blockhash"])["blockhash"]
        .as_str()
        .unwrap()
        .to_string();
    let signed = e.json(&[
        "escrow",
        "approve",
        &escrow,
        "-k",
        &w.owner.path,
        "--fee-payer",
        &w.agent.pubkey,
        "--sign-only",
        "--blockhash",
        &blockhash,
    ]);
    let signer = signed["signers"][0].as_str().unwrap().to_string();
    assert!(
        signer.starts_with(&format!("{}=", w.owner.pubkey)),
        "{signed}"
    );
    assert_eq!(signed["absent"][0], w.agent.pubkey.as_str());
    assert_eq!(w.state(&escrow), "ProofSubmitted", "sign-only sent nothing");
    let display = e.ok(&[
        "escrow",
        "approve",
        &escrow,
        "-k",
        &w.owner.path,
        "--fee-payer",
        &w.agent.pubkey,
        "--sign-only",
        "--blockhash",
        &blockhash,
    ]);
    assert!(
        display.contains("Signers (Pubkey=Signature):")
            && display.contains("Absent Signers (Pubkey):"),
        "{display}"
    );
    // A missing signature is a clear input error, not a panic.
    let err = e.fails(
        &[
            "escrow",
            "approve",
            &escrow,
            "--owner",
            &w.owner.pubkey,
            "-k",
            &w.agent.path,
        ],
        2,
    );
    assert!(
        err.contains("missing signature for supplied pubkey"),
        "{err}"
    );
    // Submitting with the presigned signature and the same blockhash.
    let out = e.json(&[
        "escrow",
        "approve",
        &escrow,
        "--owner",
        &w.owner.pubkey,
        "--signer",
        &signer,
        "--blockhash",
        &blockhash,
        "-k",
        &w.agent.path,
    ]);
    assert_eq!(out["events"][0]["name"], "EscrowReleased");
    assert_eq!(n(&out["rentReturned"]), Some(RENT_PLAIN));
    assert_eq!(w.balance(&w.provider.pubkey), 90 * USDC);
    w.assert_settled(&escrow, "Released");
}

#[test]
fn bad_input_is_named_and_exits_2() {
    let w = world();
    let e = &w.env;
    let create_with = |amount: &str, deadline: &str, provider: &str, extra: &[&str]| {
        let task = e.path("t.txt");
        std::fs::write(&task, "t").unwrap();
        let args = [
            "-k",
            &w.agent.path,
            "escrow",
            "create",
            &w.policy,
            "--provider",
            provider,
            "--amount",
            amount,
            "--task-file",
            &task,
            "--deadline",
            deadline,
        ];
        e.run(&[&args[..], extra].concat())
    };
    let create =
        |amount: &str, deadline: &str, provider: &str| create_with(amount, deadline, provider, &[]);
    let stderr = |out: Output| {
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    // amounts
    for (amount, needle) in [
        (
            "1.0000001",
            "--amount: amount '1.0000001' has 7 decimal places; this mint allows at most 6",
        ),
        ("abc", "--amount: amount 'abc' is not a decimal number"),
        (
            "99999999999999999999",
            "--amount: amount '99999999999999999999' is too large",
        ),
    ] {
        let (code, err) = stderr(create(amount, "1h", &w.provider.pubkey));
        assert_eq!(code, Some(2), "{amount}: {err}");
        assert!(err.contains(needle), "{amount}: {err}");
    }
    let (code, err) = stderr(create("-1", "1h", &w.provider.pubkey));
    assert_eq!(code, Some(2), "{err}");
    // a deadline beyond the policy's max_escrow_duration (30 days by default)
    let (code, err) = stderr(create("1", "31d", &w.provider.pubkey));
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "--deadline: 31d is longer than policy {}'s max escrow duration of 30d; give at most 30d",
            w.policy
        )) && err.contains("--max-escrow-duration")
            && err.contains("(DeadlineOutOfRange, error 6011: checked before sending"),
        "{err}"
    );
    // the arbiter is the policy's now, not an escrow's
    let task = e.write("t.txt", "t");
    let err = e.fails(
        &[
            "-k",
            &w.agent.path,
            "escrow",
            "create",
            &w.policy,
            "--provider",
            &w.provider.pubkey,
            "--amount",
            "1",
            "--task-file",
            &task,
            "--deadline",
            "1h",
            "--arbiter",
            &w.agent.pubkey,
        ],
        2,
    );
    assert!(
        err.contains("Found argument '--arbiter' which wasn't expected"),
        "{err}"
    );
    assert_eq!(
        e.json(&["escrow", "list", "--policy", &w.policy])["escrows"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "nothing was created by the refused commands"
    );
    // escrow address needs an id or the terms
    let err = e.fails(&["escrow", "address", &w.policy], 2);
    assert!(err.contains("--escrow-id <U64>"), "{err}");
    let err = e.fails(
        &[
            "escrow",
            "address",
            &w.policy,
            "--escrow-id",
            "1",
            "--amount",
            "2",
        ],
        2,
    );
    assert!(err.contains("cannot be used with"), "{err}");
    let err = e.fails(
        &[
            "escrow",
            "address",
            &w.policy,
            "--provider",
            &w.provider.pubkey,
            "--amount",
            "2",
        ],
        2,
    );
    assert!(
        err.contains("give the task as --task-file PATH (hashed with sha256) or --task-hash HEX"),
        "{err}"
    );
    // durations
    let (code, err) = stderr(create("1", "5x", &w.provider.pubkey));
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--deadline") && err.contains("'5x' is not a duration"),
        "{err}"
    );
    // pubkeys
    let (code, err) = stderr(create("1", "1h", "not-a-key"));
    assert_eq!(code, Some(2));
    assert!(
        err.contains("--provider") && err.contains("is not a public key"),
        "{err}"
    );
    // hashes
    let err = e.fails(
        &[
            "-k",
            &w.provider.path,
            "escrow",
            "proof",
            &w.policy,
            "--hash",
            "abc",
        ],
        2,
    );
    assert!(
        err.contains("--hash") && err.contains("64 hexadecimal characters"),
        "{err}"
    );
    // percentages
    let err = e.fails(
        &["escrow", "resolve", &w.policy, "--provider-share", "101"],
        2,
    );
    assert!(
        err.contains("--provider-share") && err.contains("above 100"),
        "{err}"
    );
    // signer sources
    let err = e.fails(
        &["-k", "/nonexistent/id.json", "policy", "pause", &w.policy],
        2,
    );
    assert!(
        err.contains("cannot load signer '/nonexistent/id.json'") && err.contains("keygen new"),
        "{err}"
    );
    let err = e.fails(
        &[
            "--signer",
            "garbage",
            "--blockhash",
            "11111111111111111111111111111111",
            "policy",
            "show",
            &w.policy,
        ],
        2,
    );
    assert!(err.contains("PUBKEY=SIGNATURE"), "{err}");
    // urls, config, output
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_agent-escrow"))
        .args(["-u", "nowhere", "policy", "show", &w.policy])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--url") && err.contains("mainnet-beta"),
        "{err}"
    );
    let err = e.fails(
        &["-C", "/nonexistent/config.yml", "policy", "show", &w.policy],
        2,
    );
    assert!(err.contains("--config"), "{err}");
    let err = e.fails(&["--output", "yaml", "policy", "show", &w.policy], 2);
    assert!(err.contains("json-compact"), "{err}");
    // accounts of the wrong kind, and addresses where no escrow ever was
    let err = e.fails(&["escrow", "show", &w.policy], 2);
    assert!(
        err.contains(&format!(
            "ESCROW: {} is not an agent-escrow escrow",
            w.policy
        )),
        "{err}"
    );
    let never = e.ok(&["escrow", "address", &w.policy, "--escrow-id", "9"]);
    let err = e.fails(&["escrow", "show", never.trim()], 2);
    assert!(
        err.contains(&format!(
            "ESCROW: no escrow account at {} on embedded",
            never.trim()
        )) && err.contains("and no escrow was created there"),
        "{err}"
    );
    let err = e.fails(&["policy", "show", &w.mint], 2);
    assert!(err.contains("is not an agent-escrow policy"), "{err}");
    // over the cap: refused before sending (exit 2, the rule and the fix);
    // sent anyway, the program refuses (exit 3, with the program's values)
    let (code, err) = stderr(create("100.000001", "1h", &w.provider.pubkey));
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--amount: 100.000001 USDC is above policy")
            && err.contains("per-escrow cap of 100 USDC; give at most 100")
            && err.contains("(PerEscrowCapExceeded, error 6007: checked before sending"),
        "{err}"
    );
    let (code, err) = stderr(create_with(
        "100.000001",
        "1h",
        &w.provider.pubkey,
        &["--skip-checks"],
    ));
    assert_eq!(code, Some(3), "{err}");
    assert!(
        err.contains("PerEscrowCapExceeded (error 6007)")
            && err.contains("amount 100000001 > per_escrow_max 100000000"),
        "{err}"
    );
}

#[test]
fn embedded_state_commands_and_compact_output() {
    let w = world();
    let e = &w.env;
    let compact = e.ok(&["policy", "show", &w.policy, "--output", "json-compact"]);
    assert_eq!(compact.trim().lines().count(), 1);
    let parsed: Value = serde_json::from_str(&compact).unwrap();
    assert_eq!(parsed["policy"], w.policy.as_str());
    let reset = e.json(&["embedded", "reset"]);
    assert_eq!(reset["deleted"], true);
    assert!(!PathBuf::from(e.path("state.json")).exists());
    e.fails(&["policy", "show", &w.policy], 2);
    let again = e.json(&["embedded", "reset"]);
    assert_eq!(again["deleted"], false);
    let help = e.ok(&["escrow", "create", "--help"]);
    assert!(
        help.contains("--depends-on")
            && help.contains("DURATION")
            && help.contains("--allow-duplicate")
            && help.contains("[default: the policy's next escrow id]")
            && !help.contains("--arbiter"),
        "{help}"
    );
    let help = e.ok(&["escrow", "address", "--help"]);
    assert!(
        help.contains("EXAMPLES:")
            && help.contains("agent-escrow escrow address POLICY --escrow-id 0")
            && help.contains(
                "agent-escrow escrow address POLICY --provider PUBKEY --amount 20 --task-file task.txt"
            ),
        "{help}"
    );
    let help = e.ok(&["policy", "create", "--help"]);
    for flag in [
        "--arbiter <PUBKEY>",
        "--dispute-timeout <DURATION>",
        "--review-timeout <DURATION>",
        "--max-escrow-duration <DURATION>",
        "--review-unlisted",
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
    let help = e.ok(&["policy", "update", "--help"]);
    assert!(help.contains("--review-unlisted <BOOL>"), "{help}");
    let help = e.ok(&["escrow", "close", "--help"]);
    assert!(help.contains("kept for its dependents"), "{help}");
}

#[test]
fn offchain_owner_message_flow() {
    // The owner signs a clear-text message (what a Ledger shows in full)
    // on its own machine; the agent's machine submits it and pays the fee.
    let w = world();
    let e = &w.env;
    let escrow = w.create("90", "offchain", &[]);
    w.prove(&escrow);
    let signed = e.json(&[
        "-k",
        &w.owner.path,
        "escrow",
        "approve",
        &escrow,
        "--offchain",
        "--expires-in",
        "2h",
        "--sign-only",
    ]);
    let text = signed["ownerMessage"].as_str().unwrap();
    assert!(
        text.starts_with(&format!(
            "agent-escrow: approve release | amount: 90.000000 of mint {} | to: {} | escrow: {escrow} | policy: {} | proof submitted: ",
            w.mint, w.provider.pubkey, w.policy
        )),
        "{text}"
    );
    assert_eq!(signed["owner"], w.owner.pubkey.as_str());
    assert_eq!(
        w.state(&escrow),
        "ProofSubmitted",
        "--sign-only sent nothing"
    );
    let signature = signed["ownerSignature"].as_str().unwrap().to_string();
    let expires_at = signed["messageExpiresAt"]["unixTimestamp"].to_string();
    let submit = signed["submit"].as_str().unwrap();
    assert_eq!(
        submit,
        format!(
            "agent-escrow escrow approve {escrow} --owner-signature {signature} --expires-at {expires_at}"
        )
    );
    // The display form shows the text and the command, one per line.
    let display = e.ok(&[
        "-k",
        &w.owner.path,
        "escrow",
        "approve",
        &escrow,
        "--offchain",
        "--expires-at",
        &expires_at,
        "--sign-only",
    ]);
    assert!(
        display.contains(text) && display.contains(submit),
        "{display}"
    );

    // Tampered before sending: another expiry than the one signed. The
    // client refuses (the signature does not verify over that message);
    // unchecked, the ed25519 precompile refuses the signature itself.
    let later = (expires_at.parse::<i64>().unwrap() + 60).to_string();
    let tampered = [
        "-k",
        &w.agent.path,
        "escrow",
        "approve",
        &escrow,
        "--owner-signature",
        &signature,
        "--expires-at",
        &later,
    ];
    let err = e.fails(&tampered, 2);
    assert!(
        err.contains("OwnerMessageWrongSigner") && err.contains("--owner-signature"),
        "{err}"
    );
    let err = e.fails(&[&tampered[..], &["--skip-checks"]].concat(), 3);
    assert!(
        err.contains("InvalidSignature (error 2)")
            && err.contains("ed25519 signature-verify instruction (#1) refused its signature"),
        "{err}"
    );
    assert_eq!(w.state(&escrow), "ProofSubmitted");
    assert_eq!(w.balance(&w.provider.pubkey), 0);

    // The agent submits the owner's signature as printed.
    let mut args: Vec<&str> = vec!["-k", &w.agent.path];
    args.extend(submit.split_whitespace().skip(1));
    let out = e.json(&args);
    let names: Vec<&str> = out["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["OwnerMessageAccepted", "EscrowReleased"]);
    let accepted = &out["events"][0]["fields"];
    assert_eq!(accepted["submittedBy"], w.agent.pubkey.as_str());
    assert_eq!(accepted["owner"], w.owner.pubkey.as_str());
    assert_eq!(accepted["action"], "ApproveRelease");
    assert_eq!(
        accepted["expiresAt"]["unixTimestamp"].to_string(),
        expires_at
    );
    assert_eq!(
        out["events"][1]["fields"]["releasedBy"],
        w.owner.pubkey.as_str()
    );
    assert_eq!(n(&out["rentReturned"]), Some(RENT_PLAIN));
    assert_eq!(w.balance(&w.provider.pubkey), 90 * USDC);
    w.assert_settled(&escrow, "Released");

    // In one step: the owner's signer signs, -k submits. A veto this time.
    let delayed = w.create("40", "offchain-veto", &[]);
    w.prove(&delayed);
    let out = e.json(&[
        "-k",
        &w.agent.path,
        "escrow",
        "veto",
        &delayed,
        "--offchain",
        "--owner",
        &w.owner.path,
    ]);
    assert_eq!(out["events"][1]["name"], "EscrowDisputed");
    assert_eq!(out["events"][1]["fields"]["veto"], true);
    assert_eq!(w.state(&delayed), "Disputed");
    // The agent cannot sign the owner's message.
    let third = w.create("90", "offchain-agent", &[]);
    w.prove(&third);
    let err = e.rejected(&[
        "-k",
        &w.agent.path,
        "escrow",
        "approve",
        &third,
        "--offchain",
    ]);
    assert!(err.contains("OwnerMessageWrongSigner"), "{err}");
    assert_eq!(w.state(&third), "ProofSubmitted");
    // Flags that do not belong together are refused before anything is read.
    let err = e.fails(&["escrow", "approve", &third, "--expires-at", "1"], 2);
    assert!(err.contains("--expires-at: only with --offchain"), "{err}");
    let err = e.fails(&["escrow", "approve", &third, "--sign-only"], 2);
    assert!(err.contains("--sign-only: needs --blockhash"), "{err}");
}

#[test]
fn program_verify_compares_the_deployed_binary() {
    let e = Env::new();
    let so = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../target/deploy/agent_escrow.so"
    );
    let bytes = std::fs::read(so).unwrap();
    // The embedded chain runs this .so: same hash, trailing zeros dropped.
    let ok = e.json(&["program", "verify", so]);
    assert_eq!(ok["matches"], true);
    assert_eq!(
        ok["programId"],
        "6WCrJapNRPDTXtKHmMkbSTNbvKW3W1br8HvdvJCZqPGj"
    );
    assert_eq!(ok["loader"], "BPFLoaderUpgradeab1e11111111111111111111111");
    assert_eq!(ok["localSha256"], ok["deployedSha256"]);
    let trimmed = bytes.iter().rposition(|b| *b != 0).unwrap() + 1;
    assert_eq!(ok["localBytes"], trimmed.to_string());
    assert_eq!(ok["deployedCapacity"], bytes.len().to_string());
    let text = e.ok(&["program", "verify", so]);
    assert!(text.contains("Verified: the deployed program is"), "{text}");

    // One byte changed: exit 1, both hashes in the error document.
    let mut changed = bytes.clone();
    changed[bytes.len() / 2] ^= 1;
    let other = e.path("other.so");
    std::fs::write(&other, &changed).unwrap();
    let out = e.run(&["program", "verify", &other, "--output", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["name"], "BinaryMismatch");
    assert_eq!(doc["error"]["exitCode"], 1);
    assert_eq!(doc["error"]["comparison"]["matches"], false);
    assert_eq!(
        doc["error"]["comparison"]["deployedSha256"],
        ok["deployedSha256"]
    );
    assert_ne!(doc["error"]["comparison"]["localSha256"], ok["localSha256"]);
    // A file longer than what the loader holds, even by zeros only, is not
    // the deployed program (the comparison is byte for byte; only the
    // deployed side may carry padding). Its trimmed hash still matches.
    let mut padded = bytes.clone();
    padded.extend([0u8; 1000]);
    let padded_path = e.path("padded.so");
    std::fs::write(&padded_path, &padded).unwrap();
    let out = e.run(&["program", "verify", &padded_path, "--output", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["error"]["comparison"]["localSha256"],
        ok["deployedSha256"]
    );
    assert_eq!(doc["error"]["comparison"]["matches"], false);

    // No file; no program at the address.
    let err = e.fails(&["program", "verify", &e.path("missing.so")], 2);
    assert!(err.contains("SO_FILE: cannot read"), "{err}");
    let text_file = e.write("notes.txt", "not a program");
    let err = e.fails(&["program", "verify", &text_file], 2);
    assert!(err.contains("is not an ELF file"), "{err}");
    let nobody = "11111111111111111111111111111112";
    let err = e.fails(&["program", "verify", so, "--program-id", nobody], 2);
    assert!(
        err.contains(&format!("account {nobody} does not exist")),
        "{err}"
    );
}
