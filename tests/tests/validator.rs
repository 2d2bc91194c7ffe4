//! End-to-end over JSON-RPC against a real solana-test-validator (the
//! registry-built .so loaded as an upgradeable program at genesis): the seed
//! scenario through the client's RPC backend and through the `agent-escrow`
//! binary with `-u localhost`, concurrent agents, forced duplicate creates.
//! Throughput and latency are printed (measured, never asserted).
//!
//! Built only with `--features validator`; run by `scripts/validator-tests.sh`
//! inside a loopback-only network namespace.

use std::time::{Duration, Instant};

use agent_escrow::{
    error::EscrowError,
    instructions::{EscrowCreateArgs, PolicyCreateArgs},
    state::EscrowState,
};
use agent_escrow_client::{
    events::EscrowEvent,
    instructions::{self, EscrowAccounts},
    pda::{associated_token_address, escrow_address, policy_address},
    rpc::RpcTransport,
    sha256,
    transport::Transport,
    ClientError, CreateOutcome, EscrowClient, Keypair, Signer,
};
use agent_escrow_tests::{validator::Validator, USDC};
use anchor_lang::prelude::Pubkey;
use anchor_spl::token::spl_token;

const SOL: u64 = 1_000_000_000;

struct World {
    client: EscrowClient<RpcTransport>,
    owner: Keypair,
    agent: Keypair,
    providers: Vec<Keypair>,
    mint: Pubkey,
    owner_ata: Pubkey,
}

impl World {
    async fn new(validator: &Validator, providers: usize) -> Self {
        let client = EscrowClient::new(validator.rpc());
        let (owner, agent) = (Keypair::new(), Keypair::new());
        let providers: Vec<Keypair> = (0..providers).map(|_| Keypair::new()).collect();
        for key in [&owner, &agent].into_iter().chain(providers.iter()) {
            client
                .transport()
                .airdrop(&key.pubkey(), 10 * SOL)
                .await
                .unwrap();
        }
        let mint = Keypair::new();
        client
            .create_mint(&owner, &mint, &owner.pubkey(), 6)
            .await
            .unwrap();
        let owner_ata = client
            .create_ata(&owner, &owner.pubkey(), &mint.pubkey())
            .await
            .unwrap();
        client
            .mint_to(&owner, &mint.pubkey(), &owner, &owner_ata, 10_000 * USDC)
            .await
            .unwrap();
        for p in &providers {
            client
                .create_ata(&owner, &p.pubkey(), &mint.pubkey())
                .await
                .unwrap();
        }
        World {
            client,
            owner,
            agent,
            providers,
            mint: mint.pubkey(),
            owner_ata,
        }
    }

    fn policy(&self) -> Pubkey {
        policy_address(&self.owner.pubkey(), &self.agent.pubkey(), &self.mint).0
    }

    async fn create_policy(&self, delay_seconds: i64, deposit: u64) {
        let args = PolicyCreateArgs {
            agent: self.agent.pubkey(),
            per_escrow_max: 100 * USDC,
            daily_cap: 1_000 * USDC,
            monthly_cap: 5_000 * USDC,
            instant_max: 25 * USDC,
            delay_max: 60 * USDC,
            delay_seconds,
            expires_at: 0,
            require_allowlist: false,
        };
        let ix =
            instructions::policy_create(&self.owner.pubkey(), &self.mint, &spl_token::ID, args);
        self.client.send(&[ix], &self.owner, &[]).await.unwrap();
        let ix = instructions::policy_deposit(
            &self.policy(),
            &self.mint,
            &spl_token::ID,
            &self.owner.pubkey(),
            &self.owner_ata,
            deposit,
        );
        self.client.send(&[ix], &self.owner, &[]).await.unwrap();
    }

    async fn args(
        &self,
        id: u64,
        provider: usize,
        amount: u64,
        deadline_in: i64,
        depends_on: Option<u64>,
    ) -> EscrowCreateArgs {
        EscrowCreateArgs {
            escrow_id: id,
            provider: self.providers[provider].pubkey(),
            amount,
            task_hash: sha256(format!("task {id}").as_bytes()),
            deadline: self.client.transport().unix_timestamp().await.unwrap() + deadline_in,
            verifier: None,
            arbiter: None,
            depends_on: depends_on.map(|u| escrow_address(&self.policy(), u).0),
        }
    }

    async fn create(
        &self,
        id: u64,
        provider: usize,
        amount: u64,
        depends_on: Option<u64>,
    ) -> Result<CreateOutcome, ClientError> {
        let args = self.args(id, provider, amount, 3_600, depends_on).await;
        self.client
            .escrow_create(&self.agent, &self.agent, &self.policy(), args)
            .await
    }

    fn keys(&self, id: u64, provider: usize, depends_on: Option<u64>) -> EscrowAccounts {
        EscrowAccounts {
            policy: self.policy(),
            escrow: escrow_address(&self.policy(), id).0,
            mint: self.mint,
            token_program: spl_token::ID,
            provider_token: associated_token_address(
                &self.providers[provider].pubkey(),
                &self.mint,
                &spl_token::ID,
            ),
            depends_on: depends_on.map(|u| escrow_address(&self.policy(), u).0),
        }
    }

    async fn prove(
        &self,
        id: u64,
        provider: usize,
        depends_on: Option<u64>,
    ) -> agent_escrow_client::transport::TxOutcome {
        let p = &self.providers[provider];
        let ix = instructions::escrow_submit_proof(
            &p.pubkey(),
            &self.keys(id, provider, depends_on),
            sha256(b"deliverable"),
        );
        self.client.send(&[ix], p, &[]).await.unwrap()
    }

    async fn balance(&self, owner: &Pubkey) -> u64 {
        self.client
            .token_balance(&associated_token_address(owner, &self.mint, &spl_token::ID))
            .await
            .unwrap()
    }
}

async fn sleep_until_cluster_time(rpc: &RpcTransport, unix: i64) {
    while rpc.unix_timestamp().await.unwrap() < unix {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The seed scenario over the client's RPC backend.
async fn seed_scenario(validator: &Validator) {
    let w = World::new(validator, 3).await;
    w.create_policy(2, 500 * USDC).await;
    // research (50, delay tier, 2 s veto window)
    w.create(1, 0, 50 * USDC, None).await.unwrap();
    w.prove(1, 0, None).await;
    let release = instructions::escrow_release(&w.owner.pubkey(), &w.keys(1, 0, None));
    let early = w
        .client
        .send(std::slice::from_ref(&release), &w.owner, &[])
        .await;
    assert_eq!(
        early.unwrap_err().program_code(),
        Some(EscrowError::DelayNotElapsed.into())
    );
    let proof_at = w
        .client
        .escrow(&escrow_address(&w.policy(), 1).0)
        .await
        .unwrap()
        .unwrap()
        .proof_submitted_at;
    sleep_until_cluster_time(w.client.transport(), proof_at + 2).await;
    w.client.send(&[release], &w.owner, &[]).await.unwrap();
    // writing (75, approval tier) depends on research; review (25, instant) on writing
    w.create(2, 1, 75 * USDC, Some(1)).await.unwrap();
    w.prove(2, 1, Some(1)).await;
    let approve = instructions::escrow_approve(&w.owner.pubkey(), &w.keys(2, 1, Some(1)));
    w.client.send(&[approve], &w.owner, &[]).await.unwrap();
    w.create(3, 2, 25 * USDC, Some(2)).await.unwrap();
    let out = w.prove(3, 2, Some(2)).await;
    assert!(out
        .events
        .iter()
        .any(|e| matches!(e, EscrowEvent::EscrowReleased(r) if r.amount == 25 * USDC)));
    // a vetoed delay-tier escrow, resolved 50/50 by the owner
    w.create(4, 0, 40 * USDC, None).await.unwrap();
    w.prove(4, 0, None).await;
    w.client
        .send(
            &[instructions::escrow_veto(
                &w.owner.pubkey(),
                &w.policy(),
                &escrow_address(&w.policy(), 4).0,
            )],
            &w.owner,
            &[],
        )
        .await
        .unwrap();
    let resolve = instructions::escrow_resolve(&w.owner.pubkey(), &w.keys(4, 0, None), 5_000);
    w.client.send(&[resolve], &w.owner, &[]).await.unwrap();
    // a refund after a real deadline (4 s of cluster time)
    let args = w.args(5, 1, 10 * USDC, 4, None).await;
    let deadline = args.deadline;
    w.client
        .escrow_create(&w.agent, &w.agent, &w.policy(), args)
        .await
        .unwrap();
    sleep_until_cluster_time(w.client.transport(), deadline).await;
    let refund = instructions::escrow_refund(
        &w.owner.pubkey(),
        &w.policy(),
        &escrow_address(&w.policy(), 5).0,
        &w.mint,
        &spl_token::ID,
    );
    w.client.send(&[refund], &w.owner, &[]).await.unwrap();
    // over the per-escrow cap: refused in preflight with the program's error
    let over = w.create(6, 0, 150 * USDC, None).await.unwrap_err();
    assert_eq!(
        over.program_code(),
        Some(EscrowError::PerEscrowCapExceeded.into()),
        "{over}"
    );
    assert!(w
        .client
        .escrow(&escrow_address(&w.policy(), 6).0)
        .await
        .unwrap()
        .is_none());

    // Balances: providers 50 + 20, 75, 25; vault 500 - 50 - 75 - 25 - 40 + 20 - 10 + 10.
    assert_eq!(w.balance(&w.providers[0].pubkey()).await, 70 * USDC);
    assert_eq!(w.balance(&w.providers[1].pubkey()).await, 75 * USDC);
    assert_eq!(w.balance(&w.providers[2].pubkey()).await, 25 * USDC);
    let policy = w.client.policy(&w.policy()).await.unwrap();
    assert_eq!(
        w.client.token_balance(&policy.vault).await.unwrap(),
        330 * USDC
    );
    // The audit trail, read back through getSignaturesForAddress + getTransaction.
    let history = w.client.history(&w.policy(), 1_000).await.unwrap();
    let names: Vec<&str> = history
        .iter()
        .flat_map(|h| h.events.iter().map(|e| e.name()))
        .collect();
    for expected in [
        "PolicyCreated",
        "Deposited",
        "EscrowCreated",
        "ProofSubmitted",
        "EscrowReleased",
        "EscrowDisputed",
        "DisputeResolved",
        "EscrowRefunded",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    assert_eq!(names.first(), Some(&"PolicyCreated"));
    // Listing by memcmp over getProgramAccounts.
    let released = w
        .client
        .list_escrows(Some(&w.policy()), None, Some(EscrowState::Released))
        .await
        .unwrap();
    assert_eq!(released.len(), 3);
}

/// The same kinds of operations through the `agent-escrow` binary, `-u localhost`.
async fn cli_scenario(validator: &Validator) -> Vec<(String, Vec<Duration>)> {
    let dir = tempfile::tempdir().unwrap();
    let rpc = validator.rpc();
    // The CLI binary of this workspace (built by `make test` before this suite).
    let bin = std::env::var("AGENT_ESCROW_BIN").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../target/debug/agent-escrow").to_string()
    });
    let run = |args: &[&str]| {
        let started = Instant::now();
        let out = std::process::Command::new(&bin)
            .args(["-u", &validator.url])
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (String::from_utf8(out.stdout).unwrap(), started.elapsed())
    };
    let pubkey = |name: &str| {
        run(&["keygen", "new", "-o", &format!("{name}.json")]);
        run(&["keygen", "pubkey", &format!("{name}.json")])
            .0
            .trim()
            .to_string()
    };
    let (owner, agent, provider, mint) = (
        pubkey("owner"),
        pubkey("agent"),
        pubkey("provider"),
        pubkey("usdc"),
    );
    for key in [&owner, &agent, &provider] {
        rpc.airdrop(&key.parse().unwrap(), 10 * SOL).await.unwrap();
    }
    let mut timings: Vec<(String, Vec<Duration>)> = Vec::new();
    let mut time = |name: &str, elapsed: Duration| match timings.iter_mut().find(|(n, _)| n == name)
    {
        Some((_, list)) => list.push(elapsed),
        None => timings.push((name.to_string(), vec![elapsed])),
    };
    run(&[
        "-k",
        "owner.json",
        "mint",
        "create",
        "--mint-keypair",
        "usdc.json",
    ]);
    run(&["-k", "owner.json", "mint", "to", &mint, &owner, "1000"]);
    let (_, t) = run(&[
        "-k",
        "owner.json",
        "policy",
        "create",
        "--agent",
        &agent,
        "--mint",
        &mint,
        "--per-escrow-max",
        "100",
        "--daily-cap",
        "1000",
        "--monthly-cap",
        "5000",
        "--instant-max",
        "25",
        "--delay-max",
        "60",
        "--delay",
        "1h",
    ]);
    time("policy create", t);
    let policy = run(&[
        "policy", "address", "--owner", &owner, "--agent", &agent, "--mint", &mint,
    ])
    .0
    .trim()
    .to_string();
    let (_, t) = run(&["-k", "owner.json", "policy", "deposit", &policy, "500"]);
    time("policy deposit", t);
    for i in 0..5 {
        std::fs::write(dir.path().join("task.txt"), format!("task {i}")).unwrap();
        std::fs::write(dir.path().join("work.txt"), format!("work {i}")).unwrap();
        let (_, t) = run(&[
            "-k",
            "agent.json",
            "escrow",
            "create",
            &policy,
            "--provider",
            &provider,
            "--amount",
            "10",
            "--task-file",
            "task.txt",
            "--deadline",
            "1h",
        ]);
        time("escrow create", t);
        let escrow = run(&[
            "escrow",
            "address",
            &policy,
            "--provider",
            &provider,
            "--amount",
            "10",
            "--task-file",
            "task.txt",
        ])
        .0
        .trim()
        .to_string();
        let (out, t) = run(&[
            "-k",
            "provider.json",
            "escrow",
            "proof",
            &escrow,
            "--file",
            "work.txt",
        ]);
        assert!(out.contains("paid (instant tier)"), "{out}");
        time("escrow proof (instant release)", t);
        let (_, t) = run(&["policy", "show", &policy]);
        time("policy show", t);
        let (out, t) = run(&["history", "--escrow", &escrow]);
        assert!(out.contains("EscrowReleased"), "{out}");
        time("history --escrow", t);
    }
    let (out, t) = run(&["escrow", "list", "--policy", &policy, "--output", "json"]);
    time("escrow list", t);
    let listed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed["escrows"].as_array().unwrap().len(), 5);
    let (out, _) = run(&["mint", "balance", &mint, &provider, "--output", "json"]);
    let balance: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(balance["amount"].as_u64(), Some(50 * USDC));
    timings
}

/// Several agents creating and settling escrows at once, plus forced duplicate
/// creates. Returns (escrows settled, seconds) for the concurrent run.
async fn concurrency(validator: &Validator) -> (usize, Duration) {
    const AGENTS: usize = 4;
    const EACH: u64 = 5;
    let mut worlds = Vec::new();
    for _ in 0..AGENTS {
        let w = World::new(validator, 1).await;
        w.create_policy(0, 500 * USDC).await;
        worlds.push(w);
    }
    assert_eq!(worlds.len(), AGENTS);
    async fn settle(w: &World) {
        for id in 0..EACH {
            w.create(id, 0, 5 * USDC, None).await.unwrap();
            w.prove(id, 0, None).await;
        }
    }
    let started = Instant::now();
    // Four agents at once: their transactions are in flight concurrently.
    tokio::join!(
        settle(&worlds[0]),
        settle(&worlds[1]),
        settle(&worlds[2]),
        settle(&worlds[3])
    );
    let elapsed = started.elapsed();
    for w in &worlds {
        assert_eq!(w.balance(&w.providers[0].pubkey()).await, EACH * 5 * USDC);
    }
    // Forced retries: the same create sent twice at once lands exactly once.
    let w = &worlds[0];
    let args = w.args(99, 0, 7 * USDC, 3_600, None).await;
    let policy = w.policy();
    let (a, b) = tokio::join!(
        w.client
            .escrow_create(&w.agent, &w.agent, &policy, args.clone()),
        w.client
            .escrow_create(&w.agent, &w.agent, &policy, args.clone()),
    );
    // Both calls may build the identical transaction (same blockhash, signers
    // and instruction: same signature), which the cluster lands once; or one
    // lands and the other finds it. Either way exactly one escrow exists.
    let signatures: Vec<_> = [&a, &b]
        .iter()
        .filter_map(|r| match r {
            Ok(CreateOutcome::Created(outcome)) => Some(outcome.signature),
            Ok(CreateOutcome::AlreadyExists(_)) => None,
            Err(e) => panic!("duplicate create failed: {e}"),
        })
        .collect();
    assert!(!signatures.is_empty(), "{a:?} {b:?}");
    assert!(
        signatures.windows(2).all(|p| p[0] == p[1]),
        "two different transactions created escrows: {signatures:?}"
    );
    let again = w
        .client
        .escrow_create(&w.agent, &w.agent, &w.policy(), args)
        .await
        .unwrap();
    assert!(matches!(again, CreateOutcome::AlreadyExists(_)));
    assert_eq!(
        w.client.policy(&w.policy()).await.unwrap().escrows_created,
        EACH + 1
    );
    (AGENTS * EACH as usize, elapsed)
}

/// Sequential create + instant settle by one agent.
async fn sequential(validator: &Validator) -> (usize, Duration) {
    let w = World::new(validator, 1).await;
    w.create_policy(0, 500 * USDC).await;
    let started = Instant::now();
    for id in 0..10 {
        w.create(id, 0, 5 * USDC, None).await.unwrap();
        w.prove(id, 0, None).await;
    }
    (10, started.elapsed())
}

fn percentile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// Deploys the .so through the upgradeable loader (buffer, parallel writes,
/// deploy) to the program id in keys/, on an empty validator, then uses it.
async fn deploy_scenario() -> Duration {
    let validator = Validator::start_empty(8999).await;
    let client = EscrowClient::new(validator.rpc());
    let payer = Keypair::new();
    // Distinct amounts: identical airdrop requests would be one transaction.
    for sol in [10, 11, 12] {
        client
            .transport()
            .airdrop(&payer.pubkey(), sol * SOL)
            .await
            .unwrap();
    }
    let key_json = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../keys/agent_escrow-keypair.json"
    ))
    .unwrap();
    let key_bytes: Vec<u8> = serde_json::from_str(&key_json).unwrap();
    let program = Keypair::try_from(&key_bytes[..]).unwrap();
    assert_eq!(program.pubkey(), agent_escrow_client::pda::PROGRAM_ID);
    let elf = std::fs::read(agent_escrow_tests::program_so()).unwrap();
    let started = Instant::now();
    agent_escrow_client::deploy::deploy_program(&client, &payer, &program, &elf)
        .await
        .unwrap();
    let took = started.elapsed();
    // The deployed program works: a policy, a deposit, an instant escrow paid on proof.
    let program_account = client
        .transport()
        .get_account(&program.pubkey())
        .await
        .unwrap()
        .unwrap();
    assert!(program_account.executable);
    let w = World::new(&validator, 1).await;
    w.create_policy(0, 100 * USDC).await;
    w.create(0, 0, 10 * USDC, None).await.unwrap();
    w.prove(0, 0, None).await;
    assert_eq!(w.balance(&w.providers[0].pubkey()).await, 10 * USDC);
    took
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validator_end_to_end() {
    let validator = Validator::start().await;
    seed_scenario(&validator).await;
    let timings = cli_scenario(&validator).await;
    let (seq_n, seq_t) = sequential(&validator).await;
    let (con_n, con_t) = concurrency(&validator).await;
    let startup = validator.startup;
    drop(validator);
    let deploy = match std::env::var_os("AGENT_ESCROW_RPC_URL") {
        None => Some(deploy_scenario().await),
        Some(_) => None, // an external cluster already has the program
    };

    println!(
        "\nsolana-test-validator start-up (spawn to confirmed blockhash): {:.1} s",
        startup.as_secs_f64()
    );
    if let Some(deploy) = deploy {
        println!(
            "upgradeable-loader deploy of the .so (buffer + parallel writes + deploy): {:.1} s",
            deploy.as_secs_f64()
        );
    }
    println!(
        "escrows created and settled, sequential: {seq_n} in {:.1} s = {:.2}/s",
        seq_t.as_secs_f64(),
        seq_n as f64 / seq_t.as_secs_f64()
    );
    println!(
        "escrows created and settled, 4 agents concurrently: {con_n} in {:.1} s = {:.2}/s",
        con_t.as_secs_f64(),
        con_n as f64 / con_t.as_secs_f64()
    );
    println!("\n| CLI command (-u localhost) | runs | p50 | p95 |\n|---|---:|---:|---:|");
    for (name, samples) in &timings {
        println!(
            "| {name} | {} | {:.2} s | {:.2} s |",
            samples.len(),
            percentile(samples, 0.5).as_secs_f64(),
            percentile(samples, 0.95).as_secs_f64()
        );
    }
}
