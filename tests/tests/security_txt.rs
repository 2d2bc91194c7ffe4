//! The security.txt section in the deployed binary, parsed by the same
//! library `query-security-txt` and explorers use (solana-security-txt's
//! `find_and_parse`).

use agent_escrow_tests::program_so;

#[test]
fn binary_carries_a_parseable_security_txt() {
    let so = std::fs::read(program_so()).expect("read the .so (make build-sbf)");
    let txt = solana_security_txt::find_and_parse(&so).expect("security.txt in the .so");
    let repo = "https://github.com/agent-escrow/agent-escrow";
    assert_eq!(txt.name, "agent-escrow");
    assert_eq!(txt.project_url, repo);
    assert_eq!(txt.contacts.len(), 1);
    assert!(
        matches!(&txt.contacts[0], solana_security_txt::Contact::Link(l) if *l == format!("{repo}/security/advisories/new")),
        "{}",
        txt.contacts[0]
    );
    assert_eq!(
        txt.policy,
        format!("{repo}/blob/main/README.md#security-properties")
    );
    assert_eq!(txt.preferred_languages, vec!["en".to_string()]);
    assert_eq!(txt.source_code.as_deref(), Some(repo));
    assert_eq!(
        txt.source_release.as_deref(),
        Some(concat!("v", env!("CARGO_PKG_VERSION")))
    );
    // No commit hash or build time: two builds of one release are identical.
    assert_eq!(txt.source_revision, None);
    assert_eq!(txt.expiry, None);
    // Exactly one copy (a second would mean a dependency also declares one).
    let begin = solana_security_txt::SECURITY_TXT_BEGIN.as_bytes();
    let copies = so.windows(begin.len()).filter(|w| *w == begin).count();
    assert_eq!(copies, 1);
}
