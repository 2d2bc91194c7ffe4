//! CU ceilings: compute units on the .so are deterministic for fixed keys,
//! so they are asserted (wall-clock speed is never asserted).

use agent_escrow_tests::measure_compute_units;

/// Ceilings with a small margin over the measured figures (README table).
const CEILINGS: &[(&str, u64)] = &[
    ("policy_create", 40_000),
    ("policy_deposit", 40_000),
    ("escrow_create", 60_000),
    ("escrow_submit_proof (instant: proof + release)", 40_000),
    ("escrow_submit_proof (delay: proof only)", 40_000),
    ("escrow_release (delay tier)", 40_000),
    ("escrow_approve (approval tier)", 40_000),
    ("escrow_refund", 40_000),
];

#[tokio::test]
async fn compute_units_within_ceilings() {
    let measured = measure_compute_units().await;
    assert_eq!(measured.len(), CEILINGS.len());
    for ((name, cu), (ceiling_name, ceiling)) in measured.iter().zip(CEILINGS) {
        assert_eq!(name, ceiling_name);
        assert!(cu <= ceiling, "{name}: {cu} CU > ceiling {ceiling}");
    }
}

#[tokio::test]
async fn compute_units_are_deterministic() {
    assert_eq!(measure_compute_units().await, measure_compute_units().await);
}
