//! `agent-escrow demo` run as a process on the embedded SVM (real .so).

use std::process::Command;

use serde_json::Value;

fn agent_escrow(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_agent-escrow"))
        .args(args)
        .output()
        .expect("run agent-escrow")
}

const USDC: u64 = 1_000_000;

#[test]
fn demo_json_reports_events_balances_and_compute_units() {
    let out = agent_escrow(&["demo", "--output", "json"]);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");

    let names: Vec<&str> = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "PolicyCreated",
            "Deposited",
            "EscrowCreated",
            "ProofSubmitted",
            "EscrowReleased", // research, delay tier
            "EscrowCreated",
            "ProofSubmitted",
            "EscrowReleased", // writing, approval tier
            "EscrowCreated",
            "ProofSubmitted",
            "EscrowReleased", // review, instant tier
            "EscrowCreated",
            "EscrowRefunded", // translation, missed deadline
        ]
    );
    let released: Vec<u64> = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "EscrowReleased")
        .map(|e| e["amount"].as_u64().unwrap())
        .collect();
    assert_eq!(released, [50 * USDC, 75 * USDC, 25 * USDC]);
    let tiers: Vec<&str> = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "EscrowReleased")
        .map(|e| e["fields"]["tier"].as_str().unwrap())
        .collect();
    assert_eq!(tiers, ["Delay", "Approval", "Instant"]);

    let balance = |party: &str| -> u64 {
        report["balances"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["party"] == party)
            .unwrap_or_else(|| panic!("no balance for {party}"))["base_units"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(balance("owner"), 500 * USDC);
    assert_eq!(balance("policy vault"), 350 * USDC);
    assert_eq!(balance("researcher"), 50 * USDC);
    assert_eq!(balance("writer"), 75 * USDC);
    assert_eq!(balance("reviewer"), 25 * USDC);
    assert_eq!(balance("translator"), 0);

    let rejected = &report["rejected"][0];
    assert_eq!(rejected["error_name"], "PerEscrowCapExceeded");
    assert_eq!(rejected["error_code"], 6007);
    assert_eq!(
        rejected["details"][0],
        "amount 150000000 > per_escrow_max 100000000"
    );

    let cus = report["compute_units"].as_array().unwrap();
    assert_eq!(cus.len(), report["steps"].as_array().unwrap().len());
    for entry in cus {
        let cu = entry["compute_units"].as_u64().unwrap();
        assert!(cu > 1_000 && cu < 200_000, "{entry}");
    }
}

#[test]
fn demo_display_prints_trail_balances_and_cu() {
    let out = agent_escrow(&["demo"]);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "Audit trail",
        "EscrowRefunded",
        "PerEscrowCapExceeded (error 6007)",
        "Final balances",
        "Compute units per instruction",
        "escrow_submit_proof",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn bad_arguments_exit_2_with_help() {
    let out = agent_escrow(&["demo", "--output", "yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("\"yaml\" isn't a valid value for '--output")
            && err.contains("display, json, json-compact"),
        "{err}"
    );
    let help = agent_escrow(&["--help"]);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("demo"));
}

#[test]
fn missing_program_binary_is_a_clear_error() {
    let out = agent_escrow(&["demo", "--program-so", "/nonexistent/agent_escrow.so"]);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("/nonexistent/agent_escrow.so") && err.contains("make build-sbf"),
        "{err}"
    );
}
