//! Scripting against the CLI (issue 10): the seven defects a user found,
//! each as the scenario that failed, plus the JSON conventions (u64 as
//! strings, checked with node's double-based JSON.parse), the JSON error
//! document, and the modes a command cannot honour.

use std::process::Stdio;

use serde_json::Value;

mod support;
use support::*;

/// Makes a directory unwritable for the guard's lifetime: `chattr +i` as
/// root (root ignores mode bits), mode 0555 otherwise.
struct Unwritable(std::path::PathBuf);

impl Unwritable {
    fn new(dir: &std::path::Path) -> Self {
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        if root {
            let status = std::process::Command::new("chattr")
                .arg("+i")
                .arg(dir)
                .status()
                .expect("chattr (e2fsprogs) is needed to make a directory unwritable for root");
            assert!(status.success(), "chattr +i {}", dir.display());
        } else {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
        }
        // The guard works: nothing can be created in the directory.
        assert!(std::fs::write(dir.join("probe"), "x").is_err());
        Self(dir.to_path_buf())
    }
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        let _ = std::process::Command::new("chattr")
            .arg("-i")
            .arg(&self.0)
            .status();
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&self.0, std::fs::Permissions::from_mode(0o755));
    }
}

/// Every key camelCase, no JSON number a double cannot hold exactly.
#[track_caller]
fn assert_conventions(value: &Value, path: &str) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                assert!(
                    !key.contains('_') && !key.contains('-'),
                    "{path}.{key}: keys are camelCase"
                );
                assert_conventions(v, &format!("{path}.{key}"));
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                assert_conventions(v, &format!("{path}[{i}]"));
            }
        }
        Value::Number(n) => assert!(
            n.as_u64().is_some_and(|v| v < 1 << 53)
                || n.as_i64().is_some_and(|v| v.unsigned_abs() < 1 << 53),
            "{path} = {n}: a u64 must be a string"
        ),
        _ => {}
    }
}

/// Parses `json` with node (JSON numbers are doubles there, as in every
/// JavaScript client) and prints `expression` of the document `d`.
fn node(json: &str, expression: &str) -> String {
    let mut child = std::process::Command::new("node")
        .args([
            "-e",
            &format!(
                "const d = JSON.parse(require('fs').readFileSync(0, 'utf8')); \
                 process.stdout.write(String({expression}))"
            ),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node (Debian nodejs) is needed: scripts/setup.sh installs it");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(json.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn defect1_concurrent_creates_on_one_state_file_all_land() {
    let w = world();
    let e = &w.env;
    let tasks: Vec<String> = (0..5)
        .map(|i| e.write(&format!("task{i}.txt"), &format!("task {i}")))
        .collect();
    let children: Vec<std::process::Child> = tasks
        .iter()
        .map(|task| {
            e.command(&[
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
                task,
                "--deadline",
                "1h",
                "--output",
                "json",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let mut escrows = std::collections::BTreeSet::new();
    let mut ids = std::collections::BTreeSet::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        let created: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(created["events"][0]["name"], "EscrowCreated", "{created}");
        escrows.insert(created["escrow"].as_str().unwrap().to_string());
        ids.insert(n(&created["escrowId"]).unwrap());
    }
    // Five successes are five escrows: none was written over.
    assert_eq!(escrows.len(), 5);
    assert_eq!(ids, (0..5).collect());
    assert_eq!(w.count(), 5);
    let shown = w.policy_json();
    assert_eq!(n(&shown["locked"]), Some(5 * USDC));
    assert_eq!(n(&shown["nextEscrowId"]), Some(5));
    // The lock file stays beside the state file; no temporary file is left.
    let mut names: Vec<String> = std::fs::read_dir(e.dir.path())
        .unwrap()
        .map(|d| d.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("state") || n.starts_with(".agent-escrow"))
        .collect();
    names.sort();
    assert_eq!(names, ["state.json", "state.json.lock"]);
}

#[test]
fn defect2_a_failed_save_prints_no_success() {
    let w = world();
    let e = &w.env;
    let vault = n(&w.policy_json()["vaultBalance"]);
    let history = e.json(&["history", "--policy", &w.policy])["events"]
        .as_array()
        .unwrap()
        .len();
    {
        let _guard = Unwritable::new(e.dir.path());
        let args = ["-k", &w.owner.path, "policy", "deposit", &w.policy, "5"];
        let out = e.run(&args);
        assert_eq!(out.status.code(), Some(4));
        assert!(
            out.stdout.is_empty(),
            "nothing on stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("cannot save the embedded state file")
                && stderr.contains("Nothing this command did was saved"),
            "{stderr}"
        );
        // JSON: the error document, never the success document.
        let mut json_args = args.to_vec();
        json_args.extend(["--output", "json"]);
        let out = e.run(&json_args);
        assert_eq!(out.status.code(), Some(4));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["error"]["name"], "StateNotSaved", "{doc}");
        assert_eq!(doc["error"]["exitCode"], 4);
        assert!(doc.get("signature").is_none(), "{doc}");
    }
    // The deposit never happened on the saved chain.
    assert_eq!(n(&w.policy_json()["vaultBalance"]), vault);
    let after = e.json(&["history", "--policy", &w.policy])["events"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(after, history);
}

#[test]
fn defect3_u64_values_are_exact_json_strings() {
    let e = Env::new();
    let owner = e.key("owner");
    let agent = e.key("agent");
    let provider = e.key("provider");
    let mint = e.json(&["-k", &owner.path, "mint", "create"])["mint"]
        .as_str()
        .unwrap()
        .to_string();
    // 2^60 base units: far above 2^53.
    e.ok(&[
        "-k",
        &owner.path,
        "mint",
        "to",
        &mint,
        &owner.pubkey,
        "1152921504606.846976",
    ]);
    let created = e.json(&[
        "-k",
        &owner.path,
        "policy",
        "create",
        "--agent",
        &agent.pubkey,
        "--mint",
        &mint,
        "--per-escrow-max",
        "10000000000000",
        "--daily-cap",
        "10000000000000",
        "--monthly-cap",
        "10000000000000",
        "--instant-max",
        "10000000000000",
        "--delay-max",
        "10000000000000",
    ]);
    let policy = created["policy"].as_str().unwrap().to_string();
    e.ok(&[
        "-k",
        &owner.path,
        "policy",
        "deposit",
        &policy,
        "1152921504606.846976",
    ]);
    // 2^53 + 1 base units: the first integer a double cannot hold.
    let task = e.write("task.txt", "big");
    let raw = e.ok(&[
        "-k",
        &agent.path,
        "escrow",
        "create",
        &policy,
        "--provider",
        &provider.pubkey,
        "--amount",
        "9007199254.740993",
        "--task-file",
        &task,
        "--deadline",
        "1h",
        "--output",
        "json",
    ]);
    assert_eq!(node(&raw, "d.amount.amount"), "9007199254740993");
    assert_eq!(node(&raw, "d.amount.uiAmountString"), "9007199254.740993");
    assert_eq!(node(&raw, "d.amount.decimals"), "6");
    assert_eq!(node(&raw, "typeof d.escrowId"), "string");
    assert_eq!(node(&raw, "d.events[0].amount"), "9007199254740993");
    assert_eq!(
        node(&raw, "d.events[0].uiAmount.amount"),
        "9007199254740993"
    );
    assert_eq!(node(&raw, "d.deadline.rfc3339.endsWith('Z')"), "true");
    let escrow = node(&raw, "d.escrow");
    let shown = e.ok(&["policy", "show", &policy, "--output", "json"]);
    assert_eq!(node(&shown, "d.vaultBalance.amount"), "1152921504606846976");
    assert_eq!(node(&shown, "d.locked.amount"), "9007199254740993");
    assert_eq!(
        node(&shown, "d.freeBalance.amount"),
        "1143914305352105983" // 2^60 - (2^53 + 1)
    );
    // Every document: camelCase keys, no number above 2^53.
    for args in [
        vec!["policy", "show", &policy],
        vec!["policy", "list", "--owner", &owner.pubkey],
        vec!["escrow", "show", &escrow],
        vec!["escrow", "list", "--policy", &policy],
        vec!["history", "--policy", &policy],
        vec!["mint", "balance", &mint, &owner.pubkey],
    ] {
        let value = e.json(&args);
        assert_conventions(&value, &args.join(" "));
    }
    assert_conventions(&serde_json::from_str(&raw).unwrap(), "escrow create");
    // The demo's report follows the same conventions.
    let demo = e.json(&["demo"]);
    assert_conventions(&demo, "demo");
}

#[test]
fn defect4_durations_need_a_unit() {
    let w = world();
    let task = w.env.write("task.txt", "t");
    let err = w.env.fails(
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
            "24",
        ],
        2,
    );
    assert!(
        err.contains(
            "'24' has no unit: write 24s (seconds), 24m (minutes), 24h (hours) or 24d (days)"
        ),
        "{err}"
    );
    assert_eq!(w.count(), 0);
    let err = w.env.fails(&["embedded", "advance", "90"], 2);
    assert!(err.contains("'90' has no unit"), "{err}");
}

#[test]
fn defect5_no_panics_on_a_non_mint_or_a_closed_pipe() {
    let w = world();
    let e = &w.env;
    // A policy given as a mint: named, not decoded as one.
    for args in [
        vec!["mint", "balance", &w.policy, &w.owner.pubkey],
        vec!["mint", "to", &w.policy, &w.owner.pubkey, "1"],
    ] {
        let err = e.fails(&args, 2);
        assert!(
            err.contains(&format!(
                "MINT: {} is not a token mint: it is an agent-escrow policy (its mint is {})",
                w.policy, w.mint
            )),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
    let err = e.fails(
        &[
            "-k",
            &w.owner.path,
            "policy",
            "create",
            "--agent",
            &w.provider.pubkey,
            "--mint",
            &w.owner.pubkey,
            "--per-escrow-max",
            "1",
            "--daily-cap",
            "1",
            "--monthly-cap",
            "1",
        ],
        2,
    );
    assert!(
        err.contains(&format!("--mint: {} is not a token mint", w.owner.pubkey))
            && err.contains("owned by 11111111111111111111111111111111"),
        "{err}"
    );
    // A reader that stops reading (`| head`): the pipe is closed before the
    // CLI writes; it ends quietly with success.
    w.create("1", "piped", &[]);
    for args in [
        vec!["escrow", "list", "--policy", &w.policy],
        vec!["history", "--policy", &w.policy],
        vec!["policy", "show", &w.policy, "--output", "json"],
    ] {
        let mut child = e
            .command(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn defect6_offline_commands_need_no_chain() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_agent-escrow"))
            .args(args)
            // No program binary and a state path that cannot exist: any
            // attempt to open the chain fails.
            .env("AGENT_ESCROW_SO", dir.path().join("missing.so"))
            .env(
                "AGENT_ESCROW_STATE",
                dir.path().join("no/such/dir/state.json"),
            )
            .env("AGENT_ESCROW_URL", "embedded")
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "{args:?}: {stderr}");
        String::from_utf8(out.stdout).unwrap()
    };
    let key = dir.path().join("k.json").display().to_string();
    let made: Value =
        serde_json::from_str(&run(&["keygen", "new", "-o", &key, "--output", "json"])).unwrap();
    let pubkey = made["pubkey"].as_str().unwrap();
    // Written owner-only, as solana-keygen does.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    assert_eq!(run(&["keygen", "pubkey", &key]).trim(), pubkey);
    let policy = run(&[
        "policy", "address", "--owner", pubkey, "--agent", pubkey, "--mint", pubkey,
    ]);
    let key: agent_escrow_client::anchor_lang::prelude::Pubkey = pubkey.parse().unwrap();
    assert_eq!(
        policy.trim(),
        agent_escrow_client::pda::policy_address(&key, &key, &key)
            .0
            .to_string()
    );
    let escrow: Value = serde_json::from_str(&run(&[
        "escrow",
        "address",
        policy.trim(),
        "--escrow-id",
        "18446744073709551615",
        "--output",
        "json",
    ]))
    .unwrap();
    assert_eq!(escrow["escrowId"], "18446744073709551615");
    assert!(run(&["completions", "bash"]).contains("agent-escrow"));
    assert!(!dir.path().join("no").exists(), "no state was opened");
}

#[test]
fn defect7_a_signature_lands_once() {
    let w = world();
    let e = &w.env;
    // The same command twice: two deposits, two signatures (the embedded
    // blockhash moves on after every transaction, also across processes).
    let args = ["-k", &w.owner.path, "policy", "deposit", &w.policy, "1"];
    let first = e.json(&args);
    let second = e.json(&args);
    assert_ne!(first["signature"], second["signature"]);
    assert_eq!(n(&w.policy_json()["vaultBalance"]), Some(502 * USDC));
    // The exact same signed transaction twice: the second is refused.
    let blockhash = e.json(&["blockhash"])["blockhash"]
        .as_str()
        .unwrap()
        .to_string();
    let presigned = [
        "-k",
        &w.owner.path,
        "policy",
        "deposit",
        &w.policy,
        "1",
        "--blockhash",
        &blockhash,
    ];
    let landed = e.json(&presigned);
    let out = e.run(&[&presigned[..], &["--output", "json"]].concat());
    assert_eq!(out.status.code(), Some(3));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["name"], "AlreadyProcessed", "{doc}");
    assert_eq!(n(&w.policy_json()["vaultBalance"]), Some(503 * USDC));
    // History lists every signature once.
    let history = e.json(&["history", "--policy", &w.policy]);
    let signatures: Vec<&str> = history["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|ev| ev["name"] == "Deposited")
        .map(|ev| ev["signature"].as_str().unwrap())
        .collect();
    assert_eq!(signatures.len(), 4, "{history}");
    let unique: std::collections::BTreeSet<&&str> = signatures.iter().collect();
    assert_eq!(unique.len(), 4);
    assert!(signatures.contains(&landed["signature"].as_str().unwrap()));
}

#[test]
fn json_errors_modes_and_dry_run() {
    let w = world();
    let e = &w.env;
    // An on-chain rejection as one JSON document on stdout, exit code 3.
    let task = e.write("task.txt", "t");
    let out = e.run(&[
        "-k",
        &w.owner.path, // not the agent
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
        "--output",
        "json",
    ]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["error"]["name"].is_string(), "{doc}");
    assert!(doc["error"]["message"].is_string(), "{doc}");
    assert_eq!(doc["error"]["exitCode"], out.status.code().unwrap());
    assert_conventions(&doc, "error");
    // Input errors too.
    let out = e.run(&["policy", "show", "not-a-key", "--output", "json"]);
    assert_eq!(out.status.code(), Some(2));
    // --dry-run: compute units and the events, nothing sent or saved.
    let vault = n(&w.policy_json()["vaultBalance"]);
    let dry = e.json(&[
        "-k",
        &w.owner.path,
        "policy",
        "deposit",
        &w.policy,
        "7",
        "--dry-run",
    ]);
    assert_eq!(dry["dryRun"], true);
    assert!(n(&dry["computeUnits"]).unwrap() > 0, "{dry}");
    assert_eq!(dry["events"][0]["name"], "Deposited", "{dry}");
    assert_eq!(dry["events"][0]["amount"], "7000000");
    assert_eq!(n(&w.policy_json()["vaultBalance"]), vault);
    let dry = e.json(&[
        "-k",
        &w.agent.path,
        "escrow",
        "create",
        &w.policy,
        "--provider",
        &w.provider.pubkey,
        "--amount",
        "2",
        "--task-file",
        &task,
        "--deadline",
        "1h",
        "--dry-run",
    ]);
    assert_eq!(dry["events"][0]["name"], "EscrowCreated", "{dry}");
    assert_eq!(w.count(), 0);
    // A dry run that would fail fails: the client's check first, the
    // program's simulated refusal with --skip-checks.
    let withdraw = [
        "-k",
        &w.owner.path,
        "policy",
        "withdraw",
        &w.policy,
        "100000",
        "--dry-run",
    ];
    let err = e.fails(&withdraw, 2);
    assert!(
        err.contains("(InsufficientVaultBalance, error 6027: checked before sending"),
        "{err}"
    );
    let err = e.fails(&[&withdraw[..], &["--skip-checks"]].concat(), 3);
    assert!(
        err.contains("InsufficientVaultBalance (error 6027)"),
        "{err}"
    );
    assert_eq!(n(&w.policy_json()["vaultBalance"]), vault);
    // Modes a command cannot honour are refused, not ignored.
    let err = e.fails(&["mint", "create", "--dry-run"], 2);
    assert!(
        err.contains("--dry-run: `agent-escrow mint create` does not send one transaction"),
        "{err}"
    );
    let err = e.fails(
        &[
            "policy",
            "show",
            &w.policy,
            "--sign-only",
            "--blockhash",
            "11111111111111111111111111111111",
        ],
        2,
    );
    assert!(
        err.contains("--sign-only: `agent-escrow policy show` does not send one transaction"),
        "{err}"
    );
}

#[test]
fn durable_nonce_offline_approval_outlives_the_blockhash() {
    // The owner signs an approval offline against a durable nonce; many
    // transactions (and blockhashes) later the agent submits it.
    let w = world();
    let e = &w.env;
    let escrow = w.create("90", "nonce", &[]); // approval tier (above delay_max 60)
    w.prove(&escrow);
    let nonce_key = e.path("nonce.json");
    let nonce = e.json(&["keygen", "new", "-o", &nonce_key])["pubkey"]
        .as_str()
        .unwrap()
        .to_string();
    let created = e.json(&[
        "-k",
        &w.owner.path,
        "nonce",
        "create",
        &nonce_key,
        "--authority",
        &w.owner.pubkey,
    ]);
    assert_eq!(created["nonceAccount"], nonce.as_str());
    let shown = e.json(&["nonce", "show", &nonce]);
    assert_eq!(shown["authority"], w.owner.pubkey.as_str());
    let value = shown["nonce"].as_str().unwrap().to_string();
    let offline = [
        "escrow",
        "approve",
        &escrow,
        "--nonce",
        &nonce,
        "--blockhash",
        &value,
    ];
    let signed = e.json(
        &[
            &offline[..],
            &[
                "--fee-payer",
                &w.agent.pubkey,
                "-k",
                &w.owner.path,
                "--nonce-authority",
                &w.owner.path,
                "--sign-only",
            ],
        ]
        .concat(),
    );
    let signer = signed["signers"][0].as_str().unwrap().to_string();
    assert!(
        signer.starts_with(&format!("{}=", w.owner.pubkey)),
        "{signed}"
    );
    // Time and blocks pass: the blockhash the owner saw is long gone.
    for _ in 0..3 {
        e.ok(&["-k", &w.owner.path, "policy", "deposit", &w.policy, "1"]);
    }
    e.ok(&["embedded", "advance", "10m"]);
    let submit = [
        &offline[..],
        &[
            "-k",
            &w.agent.path,
            "--owner",
            &w.owner.pubkey,
            "--nonce-authority",
            &w.owner.pubkey,
            "--signer",
            &signer,
        ],
    ]
    .concat();
    let out = e.json(&submit);
    assert_eq!(out["events"][0]["name"], "EscrowReleased", "{out}");
    assert_eq!(w.balance(&w.provider.pubkey), 90 * USDC);
    // The nonce moved on: the same signed message cannot land twice.
    let after = e.json(&["nonce", "show", &nonce]);
    assert_ne!(after["nonce"], value.as_str());
    let err = e.fails(&submit, 2);
    assert!(err.contains("is settled (Released) and closed"), "{err}");
    let err = e.fails(
        &[
            "-k",
            &w.owner.path,
            "policy",
            "deposit",
            &w.policy,
            "1",
            "--nonce",
            &nonce,
            "--blockhash",
            &value,
        ],
        2,
    );
    assert!(
        err.contains(&format!(
            "--blockhash: {value} is not the nonce stored in {nonce}"
        )),
        "{err}"
    );
    // A signer that is not the nonce's authority is named.
    let err = e.fails(
        &[
            "-k",
            &w.owner.path,
            "policy",
            "deposit",
            &w.policy,
            "1",
            "--nonce",
            &nonce,
            "--nonce-authority",
            &w.agent.path,
        ],
        2,
    );
    assert!(
        err.contains(&format!(
            "--nonce-authority: {} is not the authority of nonce account {nonce}",
            w.agent.pubkey
        )),
        "{err}"
    );
    // A nonce transaction that fails on chain still spends its nonce (as on
    // a cluster): the same signed message can never be tried again.
    let funded = w.create("5", "not yet refundable", &[]);
    let value = e.json(&["nonce", "show", &nonce])["nonce"]
        .as_str()
        .unwrap()
        .to_string();
    let refund = [
        "-k",
        &w.owner.path,
        "escrow",
        "refund",
        &funded,
        "--skip-checks",
        "--nonce",
        &nonce,
        "--blockhash",
        &value,
    ];
    let err = e.fails(&refund, 3);
    assert!(err.contains("DeadlineNotReached (error 6015)"), "{err}");
    let moved = e.json(&["nonce", "show", &nonce]);
    assert_ne!(
        moved["nonce"],
        value.as_str(),
        "the failed transaction advanced the nonce"
    );
    let err = e.fails(&refund, 2);
    assert!(
        err.contains(&format!(
            "--blockhash: {value} is not the nonce stored in {nonce}"
        )),
        "{err}"
    );
    // Online with a nonce: signs with the stored nonce and lands.
    let out = e.json(&[
        "-k",
        &w.owner.path,
        "policy",
        "deposit",
        &w.policy,
        "1",
        "--nonce",
        &nonce,
    ]);
    assert_eq!(out["events"][0]["name"], "Deposited");
}

#[test]
fn unreachable_cluster_is_named() {
    let e = Env::new();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_agent-escrow"))
        .args([
            "-u",
            "http://127.0.0.1:9",
            "policy",
            "show",
            "11111111111111111111111111111111",
            "--output",
            "json",
        ])
        .current_dir(e.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot reach http://127.0.0.1:9"),
        "{stderr}"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["name"], "ConnectionFailed", "{doc}");
}

#[test]
fn history_says_where_it_stopped_and_verbose_logs() {
    let w = world();
    let e = &w.env;
    // policy create + deposit: two transactions.
    let all = e.json(&["history", "--policy", &w.policy]);
    assert_eq!(all["truncated"], false);
    assert_eq!(all["events"].as_array().unwrap().len(), 2);
    let one = e.json(&["history", "--policy", &w.policy, "--limit", "1"]);
    assert_eq!(one["truncated"], true);
    assert_eq!(one["limit"], "1");
    assert_eq!(one["events"][0]["name"], "Deposited", "the most recent one");
    let text = e.ok(&["history", "--policy", &w.policy, "--limit", "1"]);
    assert!(
        text.contains(
            "(stopped at --limit 1: older transactions were not read; raise --limit to see them)"
        ),
        "{text}"
    );
    assert!(
        text.contains("amount=500 "),
        "amounts in token units: {text}"
    );
    // -v: what the CLI does, on stderr; stdout stays the document.
    let out = e.run(&[
        "-v",
        "-k",
        &w.owner.path,
        "policy",
        "deposit",
        &w.policy,
        "1",
        "--output",
        "json",
    ]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("embedded chain: program")
            && stderr.contains("sending 1 instruction(s) on embedded")
            && stderr.contains("compute units")
            && stderr.contains("saved the embedded state"),
        "{stderr}"
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["events"][0]["name"], "Deposited");
    // Without -v: nothing on stderr.
    let out = e.run(&["-k", &w.owner.path, "policy", "deposit", &w.policy, "1"]);
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn review_fixes_reset_modes_and_usage_errors() {
    let e = Env::new();
    // A state file that cannot be loaded: named, and `embedded reset`
    // repairs it (it does not load the state).
    std::fs::write(e.path("state.json"), "{\"garbage").unwrap();
    let out = e.run(&[
        "policy",
        "show",
        "11111111111111111111111111111111",
        "--output",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(4));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["name"], "StateUnreadable", "{doc}");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("transport error"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reset = e.json(&["embedded", "reset"]);
    assert_eq!(reset["deleted"], true);
    let w = world();
    // Flags a command cannot honour are refused, not ignored.
    let presigned = format!("{}={}", w.owner.pubkey, "1".repeat(64));
    for flag in [
        vec!["--nonce", w.owner.pubkey.as_str()],
        vec!["--skip-checks"],
        vec!["--signer", presigned.as_str()],
    ] {
        let mut args = vec![
            "policy",
            "show",
            w.policy.as_str(),
            "--blockhash",
            "11111111111111111111111111111111",
        ];
        if flag[0] != "--signer" {
            args.truncate(3);
        }
        args.extend(flag.iter().copied());
        let err = w.env.fails(&args, 2);
        assert!(
            err.contains("`agent-escrow policy show` does not send one transaction"),
            "{args:?}: {err}"
        );
    }
    // A command line clap refuses is a JSON document too.
    let out = w
        .env
        .run(&["--output", "json", "policy", "show", "not-a-key"]);
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["name"], "InvalidInput");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("'not-a-key' is not a public key"),
        "{doc}"
    );
    // A dry-run proof on an instant-tier escrow says it would be paid.
    let escrow = w.create("5", "dry", &[]);
    let work = w.env.write("work.txt", "w");
    let dry = w.env.json(&[
        "-k",
        &w.provider.path,
        "escrow",
        "proof",
        &escrow,
        "--file",
        &work,
        "--dry-run",
    ]);
    assert_eq!(dry["released"], true, "{dry}");
    assert_eq!(w.state(&escrow), "Funded");
}
