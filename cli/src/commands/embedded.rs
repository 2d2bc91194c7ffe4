//! `agent-escrow embedded ...`: the embedded chain's state and test tools.

use serde_json::json;

use crate::{args::EmbeddedCommand, context::Context, output::Report, CliError};

/// `embedded reset`: deletes the state file under its lock, without loading
/// it (a state file that cannot be loaded is exactly what it repairs).
pub fn reset(cli: &crate::args::Cli) -> Result<Report, CliError> {
    let url = crate::context::Settings::resolve(cli)?.url;
    if crate::context::resolve_url(&url)?.is_some() {
        return Err(CliError::Input(format!(
            "embedded reset works on the embedded chain only (the cluster is {url}): add `-u embedded`"
        )));
    }
    let path = crate::context::state_path(cli)?;
    let _lock = crate::context::lock_state(&path)?;
    let existed = path.exists();
    if existed {
        std::fs::remove_file(&path)
            .map_err(|e| CliError::Input(format!("cannot delete {}: {e}", path.display())))?;
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

pub async fn run(ctx: &Context, command: EmbeddedCommand) -> Result<Report, CliError> {
    match command {
        EmbeddedCommand::Reset => Err(CliError::Input(
            "embedded reset runs without opening the chain (commands::embedded::reset)".into(),
        )),
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
