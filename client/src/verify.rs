//! Checking that the program deployed on a cluster is a given `.so` (for
//! example one built from this source with `make build-sbf`): read the
//! executable bytes the loader holds and compare them with the file.
//!
//! Where the bytes live, by the account's owner (the loader):
//! - upgradeable loader (BPF loader v3, `BPFLoaderUpgradeab1e11111111111111111111111`):
//!   the program account is `[u32 LE 2][programdata address]` (36 bytes);
//!   the ProgramData account is `[u32 LE 3][u64 LE slot][u8 option]
//!   [upgrade authority, 32 bytes]` (45 bytes, `UpgradeableLoaderState::
//!   size_of_programdata_metadata()`), then the ELF, then zeros up to the
//!   length allocated at deploy time (`--max-len`, or twice the ELF with
//!   this client's `deploy_program`);
//! - BPF loader v2 / v1 (`BPFLoader2111…`, `BPFLoader1111…`, as
//!   `solana-test-validator --bpf-program` and LiteSVM load programs): the
//!   program account's data is the ELF.
//!
//! The comparison is byte for byte: the deployed bytes must be the file
//! followed only by zeros (the loader's padding; nothing for loaders v1/v2).
//! The hashes shown are SHA-256 without trailing zero bytes on either side
//! (so a padded ProgramData and its file show the same hash).
//!
//! The result is only as trustworthy as the RPC endpoint that served the
//! accounts: ask a node you trust.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::bpf_loader_upgradeable::{
    self as loader_v3, UpgradeableLoaderState,
};
use sha2::{Digest, Sha256};

use crate::{error::ClientError, transport::Transport};

/// The BPF loader v2's id (`solana_sdk_ids::bpf_loader`).
const LOADER_V2: Pubkey =
    anchor_lang::prelude::pubkey!("BPFLoader2111111111111111111111111111111111");
/// The deprecated BPF loader v1's id (`solana_sdk_ids::bpf_loader_deprecated`).
const LOADER_V1: Pubkey =
    anchor_lang::prelude::pubkey!("BPFLoader1111111111111111111111111111111111");

/// A deployed program's executable bytes and who may replace them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployedProgram {
    /// The program id.
    pub program: Pubkey,
    /// The loader that owns the program account.
    pub loader: Pubkey,
    /// The ProgramData account (upgradeable loader only).
    pub programdata: Option<Pubkey>,
    /// Who may upgrade it; `None` when immutable (or not upgradeable).
    pub upgrade_authority: Option<Pubkey>,
    /// Slot of the last deploy or upgrade (upgradeable loader only).
    pub last_deploy_slot: Option<u64>,
    /// The bytes the loader holds for the ELF, padding included.
    pub data: Vec<u8>,
}

/// The outcome of comparing a file with a deployed program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryComparison {
    /// The deployed bytes are exactly the file followed only by zeros.
    pub identical: bool,
    /// SHA-256 of the file without trailing zero bytes.
    pub local_hash: [u8; 32],
    /// Bytes hashed from the file.
    pub local_len: usize,
    /// SHA-256 of the deployed bytes without trailing zero bytes.
    pub deployed_hash: [u8; 32],
    /// Bytes hashed from the chain (the rest are zero padding).
    pub deployed_len: usize,
    /// Length the loader holds (padding included).
    pub deployed_capacity: usize,
}

impl BinaryComparison {
    /// Whether the deployed program is the file.
    pub fn matches(&self) -> bool {
        self.identical
    }
}

/// `bytes` without its trailing zero bytes.
pub fn trim_trailing_zeros(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    &bytes[..end]
}

/// SHA-256 of `bytes` without trailing zero bytes, and the length hashed.
pub fn program_hash(bytes: &[u8]) -> ([u8; 32], usize) {
    let trimmed = trim_trailing_zeros(bytes);
    (Sha256::digest(trimmed).into(), trimmed.len())
}

/// Compares a local `.so` with a deployed program.
pub fn compare(local: &[u8], deployed: &DeployedProgram) -> BinaryComparison {
    let (local_hash, local_len) = program_hash(local);
    let (deployed_hash, deployed_len) = program_hash(&deployed.data);
    let identical = deployed.data.len() >= local.len()
        && deployed.data[..local.len()] == *local
        && deployed.data[local.len()..].iter().all(|b| *b == 0);
    BinaryComparison {
        identical,
        local_hash,
        local_len,
        deployed_hash,
        deployed_len,
        deployed_capacity: deployed.data.len(),
    }
}

fn not_a_program(reason: &'static str) -> ClientError {
    ClientError::AccountDecode {
        name: "program",
        reason,
    }
}

/// Reads the executable bytes of the program at `program`.
///
/// Errors: `AccountNotFound` (no account, or no ProgramData account),
/// `AccountDecode` (not executable, a loader this client does not read,
/// e.g. loader v4, or a malformed loader account), and transport errors.
pub async fn fetch_deployed<T: Transport + ?Sized>(
    transport: &T,
    program: &Pubkey,
) -> Result<DeployedProgram, ClientError> {
    let account = transport
        .get_account(program)
        .await?
        .ok_or(ClientError::AccountNotFound(*program))?;
    if !account.executable && account.owner != loader_v3::ID {
        return Err(not_a_program("not executable: no program at this address"));
    }
    if account.owner == LOADER_V2 || account.owner == LOADER_V1 {
        return Ok(DeployedProgram {
            program: *program,
            loader: account.owner,
            programdata: None,
            upgrade_authority: None,
            last_deploy_slot: None,
            data: account.data,
        });
    }
    if account.owner != loader_v3::ID {
        return Err(not_a_program(
            "owned by a loader this client does not read (only BPF loaders v1, v2 and the upgradeable loader)",
        ));
    }
    // [u32 LE tag = 2 (Program)][programdata address]
    let programdata =
        match account.data.as_slice() {
            [2, 0, 0, 0, rest @ ..] if rest.len() >= 32 => Pubkey::try_from(&rest[..32])
                .map_err(|_| not_a_program("malformed upgradeable program account"))?,
            _ => return Err(not_a_program(
                "an upgradeable-loader account that is not a program (a buffer or ProgramData?)",
            )),
        };
    // The loader only ever points a program at its own ProgramData PDA.
    if programdata != loader_v3::get_program_data_address(program) {
        return Err(not_a_program(
            "its ProgramData address is not the loader's PDA for this program id",
        ));
    }
    let programdata_account = transport
        .get_account(&programdata)
        .await?
        .ok_or(ClientError::AccountNotFound(programdata))?;
    if programdata_account.owner != loader_v3::ID {
        return Err(not_a_program(
            "its ProgramData account is not owned by the upgradeable loader",
        ));
    }
    let data = programdata_account.data;
    let header = UpgradeableLoaderState::size_of_programdata_metadata();
    // [u32 LE tag = 3 (ProgramData)][u64 LE slot][u8 option][authority]
    let meta = data
        .get(..header)
        .filter(|m| m[..4] == [3, 0, 0, 0])
        .ok_or(not_a_program("malformed ProgramData account"))?;
    let mut slot_bytes = [0u8; 8];
    slot_bytes.copy_from_slice(&meta[4..12]);
    let slot = u64::from_le_bytes(slot_bytes);
    let authority = match meta[12] {
        0 => None,
        1 => Some(
            Pubkey::try_from(&meta[13..45])
                .map_err(|_| not_a_program("malformed ProgramData authority"))?,
        ),
        _ => return Err(not_a_program("malformed ProgramData authority option")),
    };
    Ok(DeployedProgram {
        program: *program,
        loader: account.owner,
        programdata: Some(programdata),
        upgrade_authority: authority,
        last_deploy_slot: Some(slot),
        data: data[header..].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_zeros_are_dropped_and_nothing_else() {
        assert_eq!(trim_trailing_zeros(&[1, 0, 2, 0, 0]), &[1, 0, 2]);
        assert_eq!(trim_trailing_zeros(&[0, 0]), &[] as &[u8]);
        assert_eq!(trim_trailing_zeros(&[]), &[] as &[u8]);
        let padded = DeployedProgram {
            program: Pubkey::new_unique(),
            loader: loader_v3::ID,
            programdata: None,
            upgrade_authority: None,
            last_deploy_slot: None,
            data: vec![7, 0, 9, 0, 0, 0, 0],
        };
        let c = compare(&[7, 0, 9], &padded);
        assert!(c.matches());
        assert_eq!(
            (c.local_len, c.deployed_len, c.deployed_capacity),
            (3, 3, 7)
        );
        assert!(!compare(&[7, 0, 8], &padded).matches());
        assert!(!compare(&[7, 0, 9, 1], &padded).matches());
        // Longer than what the loader holds, even by zeros: not the file.
        assert!(!compare(&[7, 0, 9, 0, 0, 0, 0, 0], &padded).matches());
        // Non-zero bytes after the file: not the file.
        let tail = DeployedProgram {
            data: vec![7, 0, 9, 0, 5],
            ..padded.clone()
        };
        assert!(!compare(&[7, 0, 9], &tail).matches());
        assert!(compare(&[7, 0, 9, 0, 5], &tail).matches());
    }
}
