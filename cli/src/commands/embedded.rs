//! `agent-escrow embedded ...`: the embedded chain's state and test tools.

use serde_json::json;

use crate::{args::EmbeddedCommand, context::Context, output::Report, CliError};

pub async fn run(ctx: &Context, command: EmbeddedCommand) -> Result<Report, CliError> {
    match command {
        EmbeddedCommand::Reset => {
            ctx.embedded("embedded reset")?;
            let path = ctx
                .state_path()
                .cloned()
                .ok_or_else(|| CliError::Input("no embedded state path".into()))?;
            let existed = path.exists();
            if existed {
                std::fs::remove_file(&path).map_err(|e| {
                    CliError::Input(format!("cannot delete {}: {e}", path.display()))
                })?;
            }
            let text = if existed {
                format!("Deleted {}", path.display())
            } else {
                format!("No state at {} (already fresh)", path.display())
            };
            Ok(Report::new(
                json!({ "state": path.display().to_string(), "deleted": existed }),
                text,
            ))
        }
        EmbeddedCommand::Airdrop { to, sol } => {
            let svm = ctx.embedded("embedded airdrop")?;
            let lamports = sol.checked_mul(1_000_000_000).ok_or_else(|| {
                CliError::Input(format!("SOL: {sol} is too large (at most 18446744073 SOL)"))
            })?;
            svm.airdrop(&to, lamports)?;
            Ok(Report::new(
                json!({ "to": to.to_string(), "lamports": lamports.to_string() }),
                format!("Airdropped {sol} SOL to {to}"),
            ))
        }
        EmbeddedCommand::Advance { duration } => {
            let svm = ctx.embedded("embedded advance")?;
            svm.advance_clock(duration);
            let now = agent_escrow_client::transport::Transport::unix_timestamp(svm).await?;
            Ok(Report::new(
                json!({ "advancedSeconds": duration, "now": crate::output::time(now) }),
                format!(
                    "Clock advanced by {} (now {})",
                    crate::output::duration(duration),
                    crate::output::human_time(now)
                ),
            ))
        }
    }
}
