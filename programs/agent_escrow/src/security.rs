//! The program's security.txt: who to tell about a vulnerability, read by
//! explorers and `query-security-txt` from the deployed binary (format:
//! solana-security-txt 1.1, <https://crates.io/crates/solana-security-txt>).
//!
//! The section is a NUL-separated list of `key\0value\0` pairs between
//! `=======BEGIN SECURITY.TXT V1=======\0` and `=======END SECURITY.TXT
//! V1=======\0`. It is left out of `no-entrypoint` builds (the client and
//! CPI callers link this crate as a library; two copies would collide).
//!
//! Deployers of their own instance change these values before building:
//! every field is a compile-time literal, so the binary (and its hash, see
//! the README's "Verify the deployed binary") changes with them. No commit
//! hash is embedded, so two builds of one release are byte-identical.

#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "agent-escrow",
    project_url: env!("CARGO_PKG_REPOSITORY"),
    contacts: concat!("link:", env!("CARGO_PKG_REPOSITORY"), "/security/advisories/new"),
    policy: concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/README.md#security-properties"),
    preferred_languages: "en",
    source_code: env!("CARGO_PKG_REPOSITORY"),
    source_release: concat!("v", env!("CARGO_PKG_VERSION"))
}
