//! Throughput of the batch path against solana-test-validator (JSON-RPC):
//! escrows created and settled per second (create, then the provider's
//! instant-tier proof, which pays), p50/p99 latency per escrow (create sent
//! to proof confirmed), exact counts and balances (no duplicate, none lost),
//! injected retries that must add nothing, and the ceiling of the same
//! path: simple SOL transfers per second.
//!
//! Run with `make bench-throughput` (scripts/bench-validator.sh: a
//! loopback-only network namespace). Sizes (environment or `--name value`):
//! - `ESCROWS` / `--escrows` (default 4,000): escrows created and settled;
//! - `POLICIES` / `--policies` (default 16): policies (one agent, one
//!   provider each) they are spread over; at most 256 creates of one
//!   policy are in flight (the program's id window);
//! - `TRANSFERS` / `--transfers` (default 4,000): SOL transfers of the
//!   ceiling, over `PAYERS` / `--payers` (default 16) fee payers;
//! - `IN_FLIGHT` / `--in-flight` (default 256): sendTransaction requests
//!   open at once;
//! - `RETRY_EVERY` / `--retry-every` (default 10): every n-th settled
//!   escrow's create and proof are sent again (same bytes, then re-signed).
//!
//! `AGENT_ESCROW_RPC_URL` set: that cluster is used instead of a new
//! validator (the program must be deployed there).

use std::{collections::HashSet, time::Instant};

use agent_escrow::error::EscrowError;
use agent_escrow_client::batch::{BatchConfig, BatchSender, BatchTx};
use agent_escrow_tests::{
    throughput::{Fleet, PipelineStats},
    validator::Validator,
    USDC,
};

/// CPU seconds (user + system) this process has used so far, from
/// `/proc/self/stat` (clock ticks of 1/100 s); 0 where that is unreadable.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which ends with ')'): utime is the
    // 12th, stime the 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// A size from `--name value`, else `$NAME`, else `default`.
fn setting(name: &str, default: usize) -> usize {
    let flag = format!("--{}", name.to_lowercase().replace('_', "-"));
    let args: Vec<String> = std::env::args().collect();
    let from_args = args
        .iter()
        .position(|a| *a == flag)
        .and_then(|i| args.get(i + 1).cloned());
    from_args
        .or_else(|| std::env::var(name).ok())
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.replace('_', "")
                .parse()
                .unwrap_or_else(|e| panic!("{name}={v}: {e}"))
        })
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let escrows = setting("ESCROWS", 4_000);
    let policies = setting("POLICIES", 16).max(1);
    let transfers = setting("TRANSFERS", 4_000);
    let payers = setting("PAYERS", 16).max(1);
    let in_flight = setting("IN_FLIGHT", 256).max(1);
    let retry_every = setting("RETRY_EVERY", 10).max(1);
    let per_policy = escrows.div_ceil(policies) as u64;
    let escrows = per_policy as usize * policies;
    let amount = USDC;

    let validator = Validator::start().await;
    let config = BatchConfig {
        max_in_flight: in_flight,
        ..BatchConfig::default()
    };
    let sender = BatchSender::new(validator.url.clone(), config);
    let fleet = Fleet::new(&validator, &sender, policies, per_policy, amount, payers).await;
    println!(
        "validator start-up {:.1} s; set-up ({policies} policies, {payers} payers) {:.1} s",
        validator.startup.as_secs_f64(),
        fleet.setup.as_secs_f64()
    );

    // 1. Escrows created and settled.
    let deadline = fleet.now().await + 3_600;
    let jobs = fleet.jobs(0..per_policy, deadline);
    let started = Instant::now();
    let cpu = cpu_seconds();
    let reports = sender.create_and_settle(&jobs).await.expect("escrow batch");
    let wall = started.elapsed();
    let escrow_cpu = cpu_seconds() - cpu;
    let stats = PipelineStats::of(&reports);
    let rate = stats.settled as f64 / stats.window.as_secs_f64();
    println!(
        "escrows: {} jobs, {} created (+{} found from an earlier attempt), {} settled, {} not \
         created, {} transactions re-signed after expiry; window {:.2} s (call {:.2} s)",
        stats.jobs,
        stats.created_landed,
        stats.created_earlier,
        stats.settled,
        stats.not_created,
        stats.resigned,
        stats.window.as_secs_f64(),
        wall.as_secs_f64()
    );
    for e in &stats.errors {
        println!("  error: {e}");
    }
    // Nothing lost, nothing twice: every escrow created once and settled
    // once, by distinct transactions; the chain agrees.
    assert_eq!(
        (stats.created_landed, stats.settled, stats.not_created),
        (escrows, escrows, 0)
    );
    assert_eq!(
        (stats.create_signatures, stats.proof_signatures),
        (escrows, escrows)
    );
    let books = fleet.books().await;
    for b in &books {
        assert_eq!(
            (b.next_escrow_id, b.escrows_created, b.locked, b.vault),
            (
                per_policy,
                per_policy,
                0,
                fleet.deposit - per_policy * amount
            ),
            "{b:?}"
        );
        assert_eq!(b.provider, per_policy * amount, "{b:?}");
    }
    let paid: u64 = books.iter().map(|b| b.provider).sum();
    assert_eq!(paid, escrows as u64 * amount);

    // 2. Injected retries: every n-th escrow's create and proof again,
    // (a) the same signed bytes, (b) re-signed on a fresh blockhash.
    let slice: Vec<usize> = (0..reports.len()).step_by(retry_every).collect();
    let mut again = Vec::new();
    let mut original = HashSet::new();
    for &i in &slice {
        let landed = reports[i].create.iter().chain(reports[i].proof.iter());
        for tx in landed.filter(|tx| tx.landed()) {
            original.insert(tx.signature);
            again.push(BatchTx::signed(tx.transaction.clone()));
        }
    }
    let resent = sender.send(again).await.expect("re-send batch");
    let same = resent
        .iter()
        .filter(|r| r.landed() && r.before_batch && original.contains(&r.signature))
        .count();
    assert_eq!(
        same,
        resent.len(),
        "a re-sent transaction did something new"
    );
    let retry_jobs: Vec<_> = slice.iter().map(|&i| jobs[i].clone()).collect();
    let rerun = sender
        .create_and_settle(&retry_jobs)
        .await
        .expect("re-signed creates");
    let refused = rerun
        .iter()
        .filter(|r| {
            r.created.is_none()
                && r.proof.is_none()
                && r.create
                    .as_ref()
                    .and_then(|c| c.result.as_ref().err()?.program_code())
                    == Some(EscrowError::EscrowIdUnavailable.into())
        })
        .count();
    assert_eq!(
        refused,
        rerun.len(),
        "a re-signed create was not refused: {:?}",
        rerun
            .iter()
            .take(2)
            .map(|r| (
                &r.created,
                r.create.as_ref().map(|c| (
                    c.signature,
                    &c.result,
                    c.transaction.message.recent_blockhash
                )),
                r.proof.as_ref().map(|p| (p.signature, &p.result))
            ))
            .collect::<Vec<_>>()
    );
    let proofs = sender
        .send(
            slice
                .iter()
                .map(|&i| BatchTx::new(&[jobs[i].proof_instruction()], jobs[i].provider, &[]))
                .collect(),
        )
        .await
        .expect("re-signed proofs");
    assert!(
        proofs.iter().all(|r| r.result.is_err()),
        "a re-signed proof landed"
    );
    assert_eq!(fleet.books().await, books, "retries changed the books");
    println!(
        "retries: {} transactions re-sent as they were: {} reported as their original landing \
         (same signature), 0 new; {} creates re-signed: {} refused (EscrowIdUnavailable); {} \
         proofs re-signed: {} failed (escrow closed); books unchanged",
        resent.len(),
        same,
        rerun.len(),
        refused,
        proofs.len(),
        proofs.iter().filter(|r| r.result.is_err()).count()
    );

    // 3. The ceiling: SOL transfers through the same path.
    let txs = fleet.transfers(transfers);
    let cpu = cpu_seconds();
    let reports = sender.send(txs).await.expect("transfer batch");
    let transfer_cpu = cpu_seconds() - cpu;
    let landed = reports.iter().filter(|r| r.landed()).count();
    let first = reports.iter().filter_map(|r| r.first_sent).min();
    let last = reports.iter().map(|r| r.resolved_at).max();
    let window = match (first, last) {
        (Some(f), Some(l)) => l.saturating_duration_since(f),
        _ => Default::default(),
    };
    assert_eq!(landed, transfers, "transfers lost");
    let ceiling = landed as f64 / window.as_secs_f64();
    let latencies: Vec<_> = reports.iter().map(|r| r.latency()).collect();

    let p50 = stats.latency(0.5).as_secs_f64();
    let p99 = stats.latency(0.99).as_secs_f64();
    println!(
        "\n| Throughput (JSON-RPC, solana-test-validator, {} cores) | value |\n|---|---:|",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "| escrows created + settled ({escrows} over {policies} policies; create, then instant \
         proof) | {rate:.0}/s ({:.1} s) |",
        stats.window.as_secs_f64()
    );
    println!("| latency per escrow, create sent to release confirmed: p50 / p99 | {p50:.2} s / {p99:.2} s |");
    println!("| transactions (create + proof) | {:.0}/s |", 2.0 * rate);
    println!(
        "| ceiling: SOL transfers ({transfers} over {payers} payers), same path | {ceiling:.0}/s \
         (p50 {:.2} s) |",
        agent_escrow_tests::throughput::percentile(&latencies, 0.5).as_secs_f64()
    );
    println!(
        "| escrow transactions / transfer ceiling | {:.0} % |",
        200.0 * rate / ceiling
    );
    println!("| duplicates / lost (counts, next_escrow_id, balances) | 0 / 0 |");
    println!(
        "\nCPU of this client process (the validator shares the machine): escrows {escrow_cpu:.1} \
         s over {:.1} s, transfers {transfer_cpu:.1} s over {:.1} s",
        wall.as_secs_f64(),
        window.as_secs_f64()
    );
}
