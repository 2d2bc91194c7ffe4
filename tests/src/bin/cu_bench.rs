//! Prints compute units per instruction on the real .so as a Markdown table
//! (the README's CU table). Run: `make bench`.

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if std::env::args().any(|a| a == "--logs") {
        // Per-program CU of one escrow_create, from the runtime's log lines.
        let h = agent_escrow_tests::Harness::with_policy().await;
        let out = h
            .create_escrow(0, 0, 25 * agent_escrow_tests::USDC)
            .await
            .unwrap();
        for line in out.logs {
            println!("{line}");
        }
        // And one payout: the instant-tier proof (proof + release + close).
        let out = h.submit_proof(0, 0).await.unwrap();
        for line in out.logs {
            println!("{line}");
        }
        return;
    }
    println!("| instruction | compute units |");
    println!("|---|---:|");
    for (name, cu) in agent_escrow_tests::measure_compute_units().await {
        println!("| {name} | {cu} |");
    }
    println!();
    println!("| v2 target | measured | target | met |");
    println!("|---|---:|---:|---|");
    let targets = agent_escrow_tests::measure_targets().await;
    for t in &targets {
        let met = if t.measured <= t.target {
            "yes"
        } else {
            "**no**"
        };
        println!(
            "| {} | {} {} | <= {} {} | {} |",
            t.name, t.measured, t.unit, t.target, t.unit, met
        );
    }
    for t in targets.iter().filter(|t| t.measured > t.target) {
        println!();
        println!(
            "Missed: {} ({} > {} {}): {}.",
            t.name,
            t.measured,
            t.target,
            t.unit,
            t.reason.unwrap_or("no measured reason recorded")
        );
    }
}
