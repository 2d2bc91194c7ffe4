//! `agent-escrow keygen ...`: keypair files in the solana-keygen format.

use agent_escrow_client::{Keypair, Signer};
use serde_json::json;

use crate::{args::KeygenCommand, context::Context, output::Report, CliError};

pub async fn run(ctx: &Context, command: KeygenCommand) -> Result<Report, CliError> {
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
            std::fs::write(&outfile, text).map_err(|e| {
                CliError::Input(format!(
                    "--outfile: cannot write {}: {e}",
                    outfile.display()
                ))
            })?;
            let json = json!({ "pubkey": keypair.pubkey().to_string(), "outfile": outfile.display().to_string() });
            Ok(Report::new(
                json,
                format!(
                    "Wrote new keypair to {}\npubkey: {}",
                    outfile.display(),
                    keypair.pubkey()
                ),
            ))
        }
        KeygenCommand::Pubkey { signer } => {
            let signer = ctx.signer(signer.as_deref(), "signer")?;
            Ok(Report::new(
                json!({ "pubkey": signer.pubkey().to_string() }),
                signer.pubkey().to_string(),
            ))
        }
    }
}
