//! `agent-escrow keygen ...`: keypair files in the solana-keygen format.
//! Runs without a chain.

use std::io::Write;

use agent_escrow_client::{Keypair, Signer};
use serde_json::json;

use crate::{args::KeygenCommand, context::Signers, output::Report, CliError};

/// Writes `bytes` to `path` readable by its owner only (mode 0600, as
/// solana-keygen writes keypair files); `force` replaces an existing file
/// (and resets its mode to 0600).
fn write_secret(path: &std::path::Path, bytes: &[u8], force: bool) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        let mut file = options.open(path)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(bytes)?;
        file.sync_all()
    }
    #[cfg(not(unix))]
    {
        let mut file = options.open(path)?;
        file.write_all(bytes)?;
        file.sync_all()
    }
}

pub fn run(signers: &Signers, command: &KeygenCommand) -> Result<Report, CliError> {
    match command {
        KeygenCommand::New { outfile, force } => {
            if outfile.exists() && !force {
                return Err(CliError::Input(format!(
                    "--outfile: {} exists; pass --force to overwrite it",
                    outfile.display()
                )));
            }
            if let Some(dir) = outfile.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    CliError::Input(format!("--outfile: cannot create {}: {e}", dir.display()))
                })?;
            }
            let keypair = Keypair::new();
            let bytes = keypair.to_bytes().to_vec();
            let text =
                serde_json::to_string(&bytes).map_err(|e| CliError::Output(e.to_string()))?;
            write_secret(outfile, text.as_bytes(), *force).map_err(|e| {
                CliError::Input(format!(
                    "--outfile: cannot write {}: {e}",
                    outfile.display()
                ))
            })?;
            let json = json!({ "pubkey": keypair.pubkey().to_string(), "outfile": outfile.display().to_string() });
            Ok(Report::new(
                json,
                format!(
                    "Wrote new keypair to {} (mode 0600)\npubkey: {}",
                    outfile.display(),
                    keypair.pubkey()
                ),
            ))
        }
        KeygenCommand::Pubkey { signer } => {
            let signer = signers.signer(signer.as_deref(), "signer")?;
            Ok(Report::new(
                json!({ "pubkey": signer.pubkey().to_string() }),
                signer.pubkey().to_string(),
            ))
        }
    }
}
