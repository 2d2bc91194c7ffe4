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

/// A u64 from the CLI's JSON: a decimal string, a token amount object
/// (its `amount`), or a small JSON number (u16 counters).
fn n(value: &Value) -> Option<u64> {
    match value {
        Value::String(s) => s.parse().ok(),
        Value::Object(o) => o.get("amount").and_then(n),
        Value::Number(x) => x.as_u64(),
        _ => None,
    }
}

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
            "EscrowCreated", // research
            "EscrowCreated", // writing, depends on research
            "EscrowCreated", // review, depends on writing
            "ProofSubmitted",
            "EscrowReleased", // research, delay tier (kept: writing depends on it)
            "ProofSubmitted",
            "EscrowReleased", // writing, approval tier (kept: review depends on it)
            "EscrowClosed",   // research
            "ProofSubmitted",
            "EscrowReleased", // review, instant tier (closed at once)
            "EscrowClosed",   // writing
            "EscrowCreated",
            "EscrowRefunded", // translation, missed deadline
        ]
    );
    let events = report["events"].as_array().unwrap();
    let field = |name: &str, key: &str| -> Vec<String> {
        events
            .iter()
            .filter(|e| e["name"] == name)
            .map(|e| match &e["fields"][key] {
                // Token amounts: their base units.
                Value::Object(o) => o["amount"].as_str().unwrap().to_string(),
                other => other.as_str().unwrap().to_string(),
            })
            .collect()
    };
    // The pool: each create locks part of the vault, each settlement unlocks it.
    assert_eq!(
        field("EscrowCreated", "locked"),
        ["50000000", "125000000", "150000000", "40000000"]
    );
    assert_eq!(
        field("EscrowCreated", "freeBalance"),
        ["450000000", "375000000", "350000000", "310000000"]
    );
    assert_eq!(
        field("EscrowReleased", "locked"),
        ["100000000", "25000000", "0"]
    );
    assert_eq!(field("EscrowRefunded", "freeBalance"), ["350000000"]);
    assert_eq!(field("EscrowRefunded", "fromState"), ["Funded"]);
    // Rent: kept while a dependent is open, else returned at settlement;
    // the upstreams' rent comes back with escrow_close. 152-byte escrows
    // hold 1,948,800 lamports, 184-byte ones (with depends_on) 2,171,520.
    assert_eq!(
        field("EscrowReleased", "rentReturned"),
        ["0", "0", "2171520"]
    );
    assert_eq!(field("EscrowClosed", "lamports"), ["1948800", "2171520"]);
    assert_eq!(field("EscrowRefunded", "rentReturned"), ["1948800"]);
    let agent = report["parties"]["agent"].as_str().unwrap();
    assert_eq!(field("EscrowClosed", "rentPayer"), [agent, agent]);
    let rent = report["rent"].as_array().unwrap();
    assert_eq!(rent.len(), 4);
    for r in rent {
        assert_eq!(r["paidLamports"], r["returnedLamports"], "{r}");
    }
    assert_eq!(
        rent.iter()
            .map(|r| r["returnedBy"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [
            "escrow_close",
            "escrow_close",
            "escrow_submit_proof",
            "escrow_refund"
        ]
    );
    assert_eq!(
        rent.iter()
            .map(|r| n(&r["escrowId"]).unwrap())
            .collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    let released: Vec<u64> = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "EscrowReleased")
        .map(|e| n(&e["amount"]).unwrap())
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
            .unwrap_or_else(|| panic!("no balance for {party}"))["baseUnits"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(balance("owner"), 500 * USDC);
    assert_eq!(balance("policy vault"), 350 * USDC);
    assert_eq!(balance("researcher"), 50 * USDC);
    assert_eq!(balance("writer"), 75 * USDC);
    assert_eq!(balance("reviewer"), 25 * USDC);
    assert_eq!(balance("translator"), 0);
    assert_eq!(
        report["funds"],
        serde_json::json!({ "vault": "350000000", "free": "350000000", "locked": "0" })
    );
    // Free and locked after every step; locked 150 while the pipeline is open.
    let steps = report["steps"].as_array().unwrap();
    let locked: Vec<u64> = steps.iter().map(|s| n(&s["locked"]).unwrap()).collect();
    assert_eq!(locked.iter().max(), Some(&(150 * USDC)));
    assert_eq!(locked.last(), Some(&0));
    for step in steps {
        assert!(n(&step["freeBalance"]).unwrap() <= 500 * USDC, "{step}");
    }

    let rejected = &report["rejected"][0];
    assert_eq!(rejected["errorName"], "PerEscrowCapExceeded");
    assert_eq!(rejected["errorCode"], 6007);
    assert_eq!(
        rejected["details"][0],
        "amount 150000000 > per_escrow_max 100000000"
    );

    let cus = report["computeUnits"].as_array().unwrap();
    assert_eq!(cus.len(), report["steps"].as_array().unwrap().len());
    for entry in cus {
        let cu = n(&entry["computeUnits"]).unwrap();
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
        "policy vault = free 350 + locked 0 (no escrow is open)",
        "[free 450, locked 50]",
        "Escrow rent (lamports): paid by the agent, returned when each account closed",
        "total        paid   8240640  returned   8240640",
        "EscrowClosed",
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
