//! Every subcommand run as a process against the embedded backend (the real
//! .so), with a state file shared between invocations; display and JSON
//! output; the offline-signing flow; bad input of every argument kind.

use std::{path::PathBuf, process::Output};

use serde_json::Value;

struct Env {
    dir: tempfile::TempDir,
}

struct Key {
    path: String,
    pubkey: String,
}

impl Env {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// Runs `agent-escrow -u embedded <args>` with this test's state file.
    fn run(&self, args: &[&str]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_agent-escrow"))
            .args(["-u", "embedded"])
            .args(args)
            .env("AGENT_ESCROW_STATE", self.path("state.json"))
            .env_remove("AGENT_ESCROW_SO")
            .current_dir(self.dir.path())
            .output()
            .expect("run agent-escrow")
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "agent-escrow {args:?} failed ({:?}):\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    #[track_caller]
    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--output", "json"]);
        serde_json::from_str(&self.ok(&all)).expect("JSON output")
    }

    /// Runs and expects failure with `code`; returns stderr.
    #[track_caller]
    fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(
            out.status.code(),
            Some(code),
            "agent-escrow {args:?}: stderr:\n{stderr}"
        );
        stderr
    }

    fn key(&self, name: &str) -> Key {
        let path = self.path(&format!("{name}.json"));
        let out = self.json(&["keygen", "new", "-o", &path]);
        let pubkey = out["pubkey"].as_str().unwrap().to_string();
        self.ok(&["embedded", "airdrop", &pubkey]);
        Key { path, pubkey }
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// Owner with 1,000 test USDC, an agent, a provider; a policy with 500 deposited.
struct World {
    env: Env,
    owner: Key,
    agent: Key,
    provider: Key,
    mint: String,
    policy: String,
}

fn world() -> World {
    let env = Env::new();
    let owner = env.key("owner");
    let agent = env.key("agent");
    let provider = env.key("provider");
    let mint = env.json(&["-k", &owner.path, "mint", "create"])["mint"]
        .as_str()
        .unwrap()
        .to_string();
    env.ok(&[
        "-k",
        &owner.path,
        "mint",
        "to",
        &mint,
        &owner.pubkey,
        "1000",
    ]);
    let created = env.json(&[
        "-k",
        &owner.path,
        "policy",
        "create",
        "--agent",
        &agent.pubkey,
        "--mint",
        &mint,
        "--per-escrow-max",
        "100",
        "--daily-cap",
        "300",
        "--monthly-cap",
        "1000",
        "--instant-max",
        "25",
        "--delay-max",
        "60",
        "--delay",
        "1h",
    ]);
    let policy = created["policy"].as_str().unwrap().to_string();
    assert_eq!(created["events"][0]["name"], "PolicyCreated");
    env.ok(&["-k", &owner.path, "policy", "deposit", &policy, "500"]);
    World {
        env,
        owner,
        agent,
        provider,
        mint,
        policy,
    }
}

impl World {
    fn create(&self, amount: &str, task: &str, extra: &[&str]) -> String {
        let task = self.env.write(&format!("{task}.txt"), task);
        let mut args = vec![
            "-k",
            &self.agent.path,
            "escrow",
            "create",
            &self.policy,
            "--provider",
            &self.provider.pubkey,
            "--amount",
            amount,
            "--task-file",
            &task,
            "--deadline",
            "24h",
        ];
        args.extend_from_slice(extra);
        self.env.json(&args)["escrow"].as_str().unwrap().to_string()
    }

    fn prove(&self, escrow: &str) -> Value {
        let deliverable = self.env.write("deliverable.txt", "the work");
        self.env.json(&[
            "-k",
            &self.provider.path,
            "escrow",
            "proof",
            escrow,
            "--file",
            &deliverable,
        ])
    }

    fn balance(&self, owner: &str) -> u64 {
        self.env.json(&["mint", "balance", &self.mint, owner])["amount"]
            .as_u64()
            .unwrap()
    }

    fn state(&self, escrow: &str) -> String {
        self.env.json(&["escrow", "show", escrow])["state"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

const USDC: u64 = 1_000_000;

#[test]
fn policy_subcommands() {
    let w = world();
    let e = &w.env;
    // show, display and JSON
    let shown = e.json(&["policy", "show", &w.policy]);
    assert_eq!(
        (
            shown["perEscrowMax"].as_u64(),
            shown["vaultBalance"].as_u64()
        ),
        (Some(100 * USDC), Some(500 * USDC))
    );
    assert_eq!(shown["agent"], w.agent.pubkey.as_str());
    let text = e.ok(&["policy", "show", &w.policy]);
    assert!(
        text.contains("Daily cap: 300 (spent in the last 24 h: 0)"),
        "{text}"
    );
    // update
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
    assert_eq!(
        e.json(&["policy", "show", &w.policy])["perEscrowMax"].as_u64(),
        Some(50 * USDC)
    );
    let err = e.fails(&["-k", &w.owner.path, "policy", "update", &w.policy], 2);
    assert!(err.contains("nothing to update"), "{err}");
    // pause by the agent (kill switch), resume by the owner
    e.ok(&["-k", &w.agent.path, "policy", "pause", &w.policy]);
    assert_eq!(e.json(&["policy", "show", &w.policy])["paused"], true);
    let err = e.fails(&["-k", &w.agent.path, "policy", "resume", &w.policy], 3);
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
    assert_eq!(out["amount"].as_u64(), Some(120_500_000));
    assert_eq!(w.balance(&w.owner.pubkey), before + 120_500_000);
    assert_eq!(
        e.json(&["policy", "show", &w.policy])["vaultBalance"].as_u64(),
        Some(379_500_000)
    );
}

#[test]
fn escrow_lifecycle_subcommands() {
    let w = world();
    let e = &w.env;
    // instant tier: create (idempotent re-run), proof pays at once
    let instant = w.create("20", "instant", &[]);
    let again = e.json(&[
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
        &w.env.path("instant.txt"),
        "--deadline",
        "24h",
    ]);
    assert_eq!(
        (again["escrow"].as_str(), again["alreadyExisted"].as_bool()),
        (Some(instant.as_str()), Some(true))
    );
    let proof = w.prove(&instant);
    assert_eq!(proof["released"], true);
    assert_eq!(w.balance(&w.provider.pubkey), 20 * USDC);
    // delay tier: release refused before the delay, allowed after; veto path
    let delay = w.create("50", "delay", &[]);
    w.prove(&delay);
    let err = e.fails(&["-k", &w.agent.path, "escrow", "release", &delay], 3);
    assert!(
        err.contains("DelayNotElapsed (error 6021)") && err.contains("releasable_at"),
        "{err}"
    );
    let vetoed = w.create("40", "vetoed", &[]);
    w.prove(&vetoed);
    e.ok(&["-k", &w.owner.path, "escrow", "veto", &vetoed]);
    assert_eq!(w.state(&vetoed), "Disputed");
    e.ok(&["embedded", "advance", "1h"]);
    e.ok(&["-k", &w.agent.path, "escrow", "release", &delay]);
    assert_eq!(w.state(&delay), "Released");
    let resolved = e.json(&[
        "-k",
        &w.owner.path,
        "escrow",
        "resolve",
        &vetoed,
        "--provider-share",
        "62.5",
    ]);
    assert_eq!(
        resolved["events"][0]["fields"]["provider_amount"],
        "25000000"
    );
    assert_eq!(w.balance(&w.provider.pubkey), 95 * USDC);
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
    let approved = w.create("80", "approved", &[]);
    w.prove(&approved);
    e.ok(&["-k", &w.owner.path, "escrow", "approve", &approved]);
    assert_eq!(w.balance(&w.provider.pubkey), 175 * USDC);
    // list by policy and state, show in display form
    let released = e.json(&[
        "escrow", "list", "--policy", &w.policy, "--state", "released",
    ]);
    assert_eq!(released["escrows"].as_array().unwrap().len(), 3);
    let by_provider = e.json(&["escrow", "list", "--provider", &w.provider.pubkey]);
    assert_eq!(by_provider["escrows"].as_array().unwrap().len(), 5);
    let text = e.ok(&["escrow", "show", &approved]);
    assert!(
        text.contains("State: Released")
            && text.contains("Tier: Approval")
            && text.contains("Amount: 80"),
        "{text}"
    );
    // close after the 24 h cooling period
    e.fails(&["-k", &w.agent.path, "escrow", "close", &instant], 3);
    e.ok(&["embedded", "advance", "24h"]);
    let closed = e.json(&["-k", &w.agent.path, "escrow", "close", &instant]);
    assert_eq!(closed["events"][0]["name"], "EscrowClosed");
    e.fails(&["escrow", "show", &instant], 2);
}

#[test]
fn refund_cancel_pipeline_and_history() {
    let w = world();
    let e = &w.env;
    let short = {
        let task = e.write("short.txt", "short");
        e.json(&[
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
            &task,
            "--deadline",
            "90m",
            "--escrow-id",
            "77",
        ])["escrow"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        e.json(&["escrow", "show", &short])["escrowId"].as_u64(),
        Some(77)
    );
    e.fails(&["-k", &w.agent.path, "escrow", "refund", &short], 3);
    e.ok(&["embedded", "advance", "90m"]);
    e.ok(&["-k", &w.agent.path, "escrow", "refund", &short]);
    assert_eq!(w.state(&short), "Refunded");
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
    assert_eq!(w.state(&cancelled), "Cancelled");
    // pipeline: the review waits for the research
    let research = w.create("30", "research", &[]);
    let review = w.create("10", "review", &["--depends-on", &research]);
    assert_eq!(w.prove(&review)["released"], false);
    w.prove(&research);
    e.ok(&["embedded", "advance", "1h"]);
    e.ok(&["-k", &w.agent.path, "escrow", "release", &research]);
    e.ok(&["-k", &w.agent.path, "escrow", "release", &review]);
    assert_eq!(w.state(&review), "Released");
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
    let one = e.json(&["history", "--escrow", &short]);
    let names: Vec<&str> = one["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["EscrowCreated", "EscrowRefunded"]);
    let text = e.ok(&["history", "--escrow", &short]);
    assert!(
        text.contains("EscrowRefunded") && text.contains("amount=10000000"),
        "{text}"
    );
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
    assert_eq!(w.balance(&w.provider.pubkey), 90 * USDC);
}

#[test]
fn bad_input_is_named_and_exits_2() {
    let w = world();
    let e = &w.env;
    let create = |amount: &str, deadline: &str, provider: &str| {
        let task = e.path("t.txt");
        std::fs::write(&task, "t").unwrap();
        e.run(&[
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
        ])
    };
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
    // accounts of the wrong kind
    let err = e.fails(&["escrow", "show", &w.policy], 2);
    assert!(
        err.contains("no escrow account") || err.contains("not an agent-escrow"),
        "{err}"
    );
    let err = e.fails(&["policy", "show", &w.mint], 2);
    assert!(err.contains("is not an agent-escrow policy"), "{err}");
    // on-chain rejection: exit 3 with the program's values
    let (code, err) = stderr(create("100.000001", "1h", &w.provider.pubkey));
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
        help.contains("--depends-on") && help.contains("DURATION"),
        "{help}"
    );
}
