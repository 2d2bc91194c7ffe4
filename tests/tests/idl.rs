//! `idl/agent_escrow.json`, the Anchor IDL TypeScript clients, explorers
//! and Codama start from: it must be what Anchor's own builder makes from
//! this source today, and what the Rust client and the .so agree with.
//! Regenerate it with `make idl`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use agent_escrow::constants;
use agent_escrow::error::EscrowError;
use agent_escrow_client::error::instruction_name;
use agent_escrow_client::events::EscrowEvent;
use agent_escrow_client::pda::PROGRAM_ID;
use agent_escrow_client::ClientError;
use agent_escrow_tests::{Harness, USDC};
use anchor_lang::Discriminator;
use anchor_lang_idl::types::{
    Idl, IdlArrayLen, IdlDefinedFields, IdlType, IdlTypeDef, IdlTypeDefTy,
};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

fn committed_json() -> serde_json::Value {
    let path = repo().join("idl/agent_escrow.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `make idl`)", path.display()));
    serde_json::from_str(&text).expect("idl/agent_escrow.json is JSON")
}

fn committed() -> Idl {
    serde_json::from_value(committed_json()).expect("idl/agent_escrow.json is an Anchor IDL")
}

/// `escrow_approve_offchain` -> `EscrowApproveOffchain` (Anchor's instruction
/// struct names, which the client's error mapping prints).
fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Where the child test writes the fresh IDL.
const IDL_OUT: &str = "AGENT_ESCROW_IDL_OUT";

/// The committed file against a fresh build by anchor-lang-idl's
/// `IdlBuilder` (what `anchor idl build` runs: `cargo test
/// __anchor_private_print_idl --features idl-build` in the program crate),
/// with Anchor.toml's settings (resolution on, lint on, docs kept).
///
/// The builder runs in a child process of this test binary, without
/// `RUSTUP_TOOLCHAIN` (anchor-lang-idl 0.1.4 turns a set one into the
/// literal argument `+{toolchain}`) and with this build's cargo first on
/// `PATH` (so the toolchain stays the one `cargo test` used), in its own
/// target dir (the builder's `RUSTFLAGS=-A warnings` would otherwise
/// invalidate the workspace's build).
#[test]
fn committed_idl_is_a_fresh_build() {
    let target = repo().join("target/idl-build");
    std::fs::create_dir_all(&target).unwrap();
    let out = target.join("agent_escrow.json");
    let _ = std::fs::remove_file(&out);
    let mut path: Vec<PathBuf> = Path::new(env!("CARGO"))
        .parent()
        .map(Path::to_path_buf)
        .into_iter()
        .collect();
    path.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "idl::fresh_idl_build",
            "--ignored",
            "--nocapture",
        ])
        .env_remove("RUSTUP_TOOLCHAIN")
        .env("PATH", std::env::join_paths(path).unwrap())
        .env(IDL_OUT, &out)
        .status()
        .expect("run the IDL build child");
    assert!(
        status.success(),
        "the IDL build failed (see its output above)"
    );
    let fresh: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(
        fresh == committed_json(),
        "idl/agent_escrow.json differs from a fresh build ({}): run `make idl` and commit it",
        out.display()
    );
}

/// The child of [`committed_idl_is_a_fresh_build`]: builds the IDL and
/// writes it to `$AGENT_ESCROW_IDL_OUT` (does nothing without it).
#[test]
#[ignore = "run by committed_idl_is_a_fresh_build in a child process"]
fn fresh_idl_build() {
    let Some(out) = std::env::var_os(IDL_OUT) else {
        return;
    };
    let target = repo().join("target/idl-build");
    let idl = anchor_lang_idl::build::IdlBuilder::new()
        .program_path(repo().join("programs/agent_escrow"))
        .resolution(true)
        .skip_lint(false)
        .no_docs(false)
        .cargo_args(vec![
            "--locked".into(),
            "--target-dir".into(),
            target.display().to_string(),
        ])
        .build()
        .expect("Anchor's IDL builder");
    std::fs::write(out, serde_json::to_string_pretty(&idl).unwrap()).unwrap();
}

#[test]
fn idl_names_this_program() {
    let idl = committed();
    assert_eq!(idl.address, PROGRAM_ID.to_string());
    assert_eq!(idl.metadata.name, "agent_escrow");
    assert_eq!(idl.metadata.version, env!("CARGO_PKG_VERSION"));
    let anchor_toml = std::fs::read_to_string(repo().join("Anchor.toml")).unwrap();
    assert!(anchor_toml.contains(&format!("agent_escrow = \"{PROGRAM_ID}\"")));
}

/// Every instruction's discriminator is one the client builds and names,
/// and the client knows no instruction the IDL lacks.
#[test]
fn instruction_discriminators_match_the_client() {
    let idl = committed();
    assert_eq!(idl.instructions.len(), 20);
    for ix in &idl.instructions {
        assert_eq!(
            instruction_name(&ix.discriminator),
            Some(pascal(&ix.name).as_str()),
            "{}",
            ix.name
        );
    }
    // Spot-check the bytes themselves against the crate the client builds with.
    use agent_escrow::instruction as ixs;
    let by_name: BTreeMap<_, _> = idl
        .instructions
        .iter()
        .map(|ix| (ix.name.as_str(), ix.discriminator.as_slice()))
        .collect();
    assert_eq!(by_name["escrow_create"], ixs::EscrowCreate::DISCRIMINATOR);
    assert_eq!(
        by_name["escrow_approve_offchain"],
        ixs::EscrowApproveOffchain::DISCRIMINATOR
    );
    assert_eq!(by_name["policy_create"], ixs::PolicyCreate::DISCRIMINATOR);
}

#[test]
fn account_discriminators_match_the_client() {
    let idl = committed();
    let expected: BTreeMap<&str, &[u8]> = [
        ("Policy", agent_escrow::state::Policy::DISCRIMINATOR),
        ("Escrow", agent_escrow::state::Escrow::DISCRIMINATOR),
        ("AllowEntry", agent_escrow::state::AllowEntry::DISCRIMINATOR),
    ]
    .into();
    let got: BTreeMap<&str, &[u8]> = idl
        .accounts
        .iter()
        .map(|a| (a.name.as_str(), a.discriminator.as_slice()))
        .collect();
    assert_eq!(got, expected);
}

/// Borsh size of an IDL type filled with zero bytes (None, empty Vec,
/// variant 0), enough to decode one of this program's events.
fn zero_size(ty: &IdlType, types: &BTreeMap<&str, &IdlTypeDef>) -> usize {
    match ty {
        IdlType::Bool | IdlType::U8 | IdlType::I8 => 1,
        IdlType::U16 | IdlType::I16 => 2,
        IdlType::U32 | IdlType::I32 | IdlType::F32 => 4,
        IdlType::U64 | IdlType::I64 | IdlType::F64 => 8,
        IdlType::U128 | IdlType::I128 => 16,
        IdlType::U256 | IdlType::I256 | IdlType::Pubkey => 32,
        IdlType::Option(_) => 1,
        IdlType::Vec(_) | IdlType::Bytes | IdlType::String => 4,
        IdlType::Array(inner, IdlArrayLen::Value(n)) => zero_size(inner, types) * n,
        IdlType::Defined { name, .. } => match &types[name.as_str()].ty {
            IdlTypeDefTy::Struct { fields } => fields_size(fields.as_ref(), types),
            IdlTypeDefTy::Enum { variants } => 1 + fields_size(variants[0].fields.as_ref(), types),
            other => panic!("{name}: {other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

fn fields_size(fields: Option<&IdlDefinedFields>, types: &BTreeMap<&str, &IdlTypeDef>) -> usize {
    match fields {
        None => 0,
        Some(IdlDefinedFields::Named(f)) => f.iter().map(|f| zero_size(&f.ty, types)).sum(),
        Some(IdlDefinedFields::Tuple(t)) => t.iter().map(|t| zero_size(t, types)).sum(),
    }
}

/// Every IDL event, laid out as the IDL says (discriminator, then its
/// fields' Borsh encoding), decodes in the client's event parser under the
/// same name; and the parser knows no event the IDL lacks.
#[test]
fn events_decode_in_the_client_as_the_idl_lays_them_out() {
    let idl = committed();
    let types: BTreeMap<&str, &IdlTypeDef> =
        idl.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut names: Vec<&str> = idl.events.iter().map(|e| e.name.as_str()).collect();
    let mut client = EscrowEvent::NAMES.to_vec();
    names.sort_unstable();
    client.sort_unstable();
    assert_eq!(names, client);
    assert_eq!(names.len(), 17);
    for event in &idl.events {
        let body = zero_size(
            &IdlType::Defined {
                name: event.name.clone(),
                generics: vec![],
            },
            &types,
        );
        let mut payload = event.discriminator.clone();
        payload.resize(8 + body, 0);
        let decoded = EscrowEvent::decode(&payload)
            .unwrap_or_else(|| panic!("{}: {} body bytes do not decode", event.name, body));
        assert_eq!(decoded.name(), event.name);
        // One byte short is refused: the sizes agree exactly.
        payload.pop();
        assert_eq!(EscrowEvent::decode(&payload), None, "{}", event.name);
    }
}

/// The PDA seed constants TypeScript clients derive addresses with.
#[test]
fn seed_constants_match_the_client() {
    let idl = committed();
    let consts: BTreeMap<&str, &str> = idl
        .constants
        .iter()
        .map(|c| (c.name.as_str(), c.value.as_str()))
        .collect();
    let bytes = |name: &str| -> Vec<u8> {
        serde_json::from_str(consts[name]).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    assert_eq!(bytes("POLICY_SEED"), constants::POLICY_SEED);
    assert_eq!(bytes("POLICY_VAULT_SEED"), constants::POLICY_VAULT_SEED);
    assert_eq!(bytes("ESCROW_SEED"), constants::ESCROW_SEED);
    assert_eq!(bytes("ALLOW_SEED"), constants::ALLOW_SEED);
    assert_eq!(
        consts["ACCOUNT_VERSION"],
        constants::ACCOUNT_VERSION.to_string()
    );
}

/// Error codes are 6000 + variant index, contiguous, uniquely named; and a
/// real failure on the .so reaches the client with the IDL's name and
/// message for its code.
#[tokio::test]
async fn errors_match_what_the_client_reports() {
    let idl = committed();
    for (i, e) in idl.errors.iter().enumerate() {
        assert_eq!(e.code, 6000 + i as u32, "{}", e.name);
        assert!(
            e.msg.as_deref().is_some_and(|m| !m.is_empty()),
            "{}",
            e.name
        );
    }
    let names: std::collections::BTreeSet<_> = idl.errors.iter().map(|e| &e.name).collect();
    assert_eq!(names.len(), idl.errors.len());
    let last: u32 = EscrowError::OwnerMessageProofMismatch.into();
    assert_eq!(idl.errors.last().map(|e| e.code), Some(last));

    let h = Harness::with_policy().await;
    let failure = match h.create_escrow(0, 0, 100 * USDC + 1).await {
        Err(ClientError::Program(f)) => f,
        other => panic!("{other:?}"),
    };
    let entry = idl
        .errors
        .iter()
        .find(|e| e.code == failure.code)
        .expect("the IDL lists the code");
    assert_eq!(entry.name, failure.name);
    assert_eq!(entry.msg.as_deref(), Some(failure.message.as_str()));
}
