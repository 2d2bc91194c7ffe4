//! CU ceilings: compute units on the .so are deterministic for fixed keys,
//! so they are asserted (wall-clock speed is never asserted).

use agent_escrow_tests::measure_compute_units;

/// Ceilings: the measured figures (README table) + 5%, rounded up to 100;
/// instant-release escrow_submit_proof is held to issue #3's 10,000 CU target.
const CEILINGS: &[(&str, u64)] = &[
    ("policy_create", 15_100),
    ("policy_deposit", 7_100),
    ("policy_update", 1_900),
    ("escrow_create", 21_000),
    ("escrow_submit_proof (instant: proof + release)", 10_000),
    ("escrow_submit_proof (delay: proof only)", 6_300),
    ("escrow_release (delay tier)", 8_400),
    ("escrow_approve (approval tier)", 8_500),
    ("escrow_refund", 8_600),
    (
        "escrow_submit_proof (verified: ed25519 + proof + release)",
        9_800,
    ),
    ("escrow_veto", 1_900),
    ("escrow_resolve (split)", 12_400),
    ("escrow_dispute", 1_900),
    ("escrow_cancel", 9_000),
    ("escrow_close", 5_600),
    ("policy_withdraw", 7_300),
    ("policy_pause (agent kill switch)", 1_400),
    ("policy_resume", 1_400),
    ("provider_allow", 6_900),
    ("provider_disallow", 2_600),
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
