//! Prints compute units per instruction on the real .so as a Markdown table
//! (the README's CU table). Run: `make bench`.

#[tokio::main(flavor = "current_thread")]
async fn main() {
    println!("| instruction | compute units |");
    println!("|---|---:|");
    for (name, cu) in agent_escrow_tests::measure_compute_units().await {
        println!("| {name} | {cu} |");
    }
}
