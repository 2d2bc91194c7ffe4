//! The README's walkthrough, run exactly as written (extracted from the
//! code block after `<!-- walkthrough -->`), on the embedded chain.

#[test]
fn readme_walkthrough_runs_as_written() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let start = readme
        .find("<!-- walkthrough -->\n```sh\n")
        .expect("walkthrough marker in README.md");
    let body = &readme[start..];
    let body = &body[body.find("```sh\n").unwrap() + 6..];
    let script = &body[..body.find("\n```").expect("end of the code block")];

    // The first line builds and puts target/debug on PATH; the test already
    // has the binary, so it provides PATH itself and runs the rest.
    let (first, rest) = script.split_once('\n').unwrap();
    assert!(first.starts_with("cargo build"), "{first}");
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_agent-escrow"))
        .parent()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", rest])
        .current_dir(dir.path())
        .env("PATH", path)
        .env_remove("AGENT_ESCROW_SO")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "walkthrough failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The provider was paid 20, then 90 after the offline approval, then 75
    // on the owner's off-chain message.
    // `mint balance` prints "<amount> (<token account>)".
    let balances: Vec<&str> = stdout
        .lines()
        .filter(|l| {
            l.split_once(' ').is_some_and(|(amount, rest)| {
                amount.parse::<f64>().is_ok()
                    && rest.starts_with('(')
                    && rest.ends_with(')')
                    && !rest.contains(' ')
            })
        })
        .collect();
    assert!(
        balances.first().is_some_and(|b| b.starts_with("20 ")),
        "{balances:?}\n{stdout}"
    );
    assert!(
        balances.last().is_some_and(|b| b.starts_with("185 ")),
        "{balances:?}\n{stdout}"
    );
    assert!(
        stdout.contains("Signers (Pubkey=Signature):") && stdout.contains("EscrowReleased"),
        "{stdout}"
    );
    // The second, identical `escrow create` reported the open escrow (id 0)
    // and sent nothing; the approval created id 1.
    assert_eq!(stdout.matches("Created escrow ").count(), 3, "{stdout}");
    assert!(
        stdout.contains("  agent-escrow: approve release | amount: 75.000000 of mint ")
            && stdout.contains("Approved (owner message) and released escrow ")
            && stdout.contains("Event: OwnerMessageAccepted"),
        "{stdout}"
    );
    assert!(
        stdout.contains(" already exists: an open escrow (Funded) of this policy pays 20 to ")
            && stdout.contains("Nothing was sent; pass --allow-duplicate to create another."),
        "{stdout}"
    );
    assert!(
        stdout.contains("Created escrow ") && stdout.contains(" (id 1): 90 locked for "),
        "{stdout}"
    );
    // Settled escrows are closed with their rent returned; nothing stays locked.
    assert_eq!(
        stdout
            .matches("The escrow is settled and its account closed: 1948800 lamports of rent returned to ")
            .count(),
        3,
        "{stdout}"
    );
    assert!(stdout.contains("\n0 escrow(s)\n"), "{stdout}");
    assert!(
        stdout.contains("Vault: ")
            && stdout.contains(" (balance 315)\nLocked by open escrows: 0\nFree balance: 315\n"),
        "{stdout}"
    );
}
