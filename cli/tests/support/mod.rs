//! Shared by the CLI process tests: a temp dir with its own embedded state
//! file, keys, and a funded policy ("world").
#![allow(dead_code)]

use std::process::Output;

use serde_json::Value;

/// A u64 from the CLI's JSON: a decimal string, a token amount object
/// (its `amount`), or a small JSON number (u16 counters).
pub fn n(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) => s.parse().ok(),
        Value::Object(o) => o.get("amount").and_then(n),
        Value::Number(x) => x.as_u64(),
        _ => None,
    }
}

pub struct Env {
    pub dir: tempfile::TempDir,
}

pub struct Key {
    pub path: String,
    pub pubkey: String,
}

impl Env {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// `agent-escrow -u embedded <args>` with this test's state file, not
    /// yet started.
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_agent-escrow"));
        command
            .args(["-u", "embedded"])
            .args(args)
            .env("AGENT_ESCROW_STATE", self.path("state.json"))
            .env_remove("AGENT_ESCROW_SO")
            .current_dir(self.dir.path());
        command
    }

    /// Runs `agent-escrow -u embedded <args>` with this test's state file.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run agent-escrow")
    }

    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
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
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["--output", "json"]);
        serde_json::from_str(&self.ok(&all)).expect("JSON output")
    }

    /// Runs and expects failure with `code`; returns stderr.
    #[track_caller]
    pub fn fails(&self, args: &[&str], code: i32) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(
            out.status.code(),
            Some(code),
            "agent-escrow {args:?}: stderr:\n{stderr}"
        );
        stderr
    }

    /// `args` the program refuses: sent with `--skip-checks` it fails with
    /// exit code 3 (an on-chain rejection); without, the client's own checks
    /// refuse it first with the same error name and code (exit code 2,
    /// nothing sent). Returns the program's stderr.
    #[track_caller]
    pub fn rejected(&self, args: &[&str]) -> String {
        let client = self.fails(args, 2);
        let program = self.fails(&[args, &["--skip-checks"]].concat(), 3);
        // "Name (error N)" in the program's words, "(Name, error N: checked
        // before sending" in the client's.
        let named = program
            .split_whitespace()
            .zip(program.split_whitespace().skip(1))
            .find_map(|(name, code)| {
                code.strip_prefix("(error")
                    .map(|_| name.trim_start_matches("rejected:").to_string())
            })
            .unwrap_or_else(|| panic!("no error name in {program}"));
        let code = program
            .split("(error ")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .unwrap_or_else(|| panic!("no error code in {program}"));
        assert!(
            client.contains(&format!("({named}, error {code}: checked before sending")),
            "the client's check should anticipate {named} ({code}):\n{client}\nprogram:\n{program}"
        );
        program
    }

    pub fn key(&self, name: &str) -> Key {
        let path = self.path(&format!("{name}.json"));
        let out = self.json(&["keygen", "new", "-o", &path]);
        let pubkey = out["pubkey"].as_str().unwrap().to_string();
        self.ok(&["embedded", "airdrop", &pubkey]);
        Key { path, pubkey }
    }

    pub fn write(&self, name: &str, text: &str) -> String {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

/// Owner with 1,000 test USDC, an agent, a provider; a policy with 500 deposited.
pub struct World {
    pub env: Env,
    pub owner: Key,
    pub agent: Key,
    pub provider: Key,
    pub mint: String,
    pub policy: String,
}

pub fn world() -> World {
    world_with(&[])
}

/// As [`world`], with extra `policy create` flags.
pub fn world_with(policy_flags: &[&str]) -> World {
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
    ];
    args.extend_from_slice(policy_flags);
    let created = env.json(&args);
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
    /// `escrow create` for a task named `task` (the file `task.txt`).
    pub fn create_json(&self, amount: &str, task: &str, extra: &[&str]) -> Value {
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
        self.env.json(&args)
    }

    pub fn create(&self, amount: &str, task: &str, extra: &[&str]) -> String {
        self.create_json(amount, task, extra)["escrow"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub fn prove(&self, escrow: &str) -> Value {
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

    pub fn balance(&self, owner: &str) -> u64 {
        n(&self.env.json(&["mint", "balance", &self.mint, owner])["amount"]).unwrap()
    }

    pub fn state(&self, escrow: &str) -> String {
        self.env.json(&["escrow", "show", escrow])["state"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub fn policy_json(&self) -> Value {
        self.env.json(&["policy", "show", &self.policy])
    }

    /// Open escrow accounts of the policy.
    pub fn count(&self) -> usize {
        self.env.json(&["escrow", "list", "--policy", &self.policy])["escrows"]
            .as_array()
            .unwrap()
            .len()
    }

    /// The escrow was settled: its account is gone, `escrow show` exits 2
    /// naming the final state and where its history is.
    #[track_caller]
    pub fn assert_settled(&self, escrow: &str, state: &str) {
        let err = self.env.fails(&["escrow", "show", escrow], 2);
        assert!(
            err.contains(&format!(
                "ESCROW: escrow {escrow} is settled ({state}) and closed: its account was closed \
                 at settlement and the rent returned to its payer. Its history: \
                 `agent-escrow history --escrow {escrow}`"
            )),
            "{err}"
        );
    }
}

/// Rent of an escrow account without (152 bytes) and with one optional key
/// (184 bytes), in lamports.
pub const RENT_PLAIN: u64 = 1_948_800;
pub const RENT_ONE_KEY: u64 = 2_171_520;

pub const USDC: u64 = 1_000_000;
