//! `agent-escrow program verify`: is the program on the cluster this .so?

use agent_escrow_client::{
    events::hex,
    pda::PROGRAM_ID,
    verify::{compare, fetch_deployed},
};
use serde_json::json;

use crate::{args::ProgramCommand, context::Context, output::Report, CliError};

pub async fn run(ctx: &Context, command: ProgramCommand) -> Result<Report, CliError> {
    match command {
        ProgramCommand::Verify { so, program_id } => {
            let program = program_id.unwrap_or(PROGRAM_ID);
            let local = std::fs::read(&so).map_err(|e| {
                CliError::Input(format!(
                    "SO_FILE: cannot read {}: {e} (build it with `make build-sbf`)",
                    so.display()
                ))
            })?;
            if !local.starts_with(b"\x7fELF") {
                return Err(CliError::Input(format!(
                    "SO_FILE: {} is not an ELF file (a program binary starts with \\x7fELF); \
                     pass the .so that `make build-sbf` writes to target/deploy/",
                    so.display()
                )));
            }
            let deployed = fetch_deployed(ctx.client.transport(), &program).await?;
            let c = compare(&local, &deployed);
            let opt = |k: Option<String>| k.map_or(serde_json::Value::Null, Into::into);
            let report = json!({
                "programId": program.to_string(),
                "loader": deployed.loader.to_string(),
                "programData": opt(deployed.programdata.map(|k| k.to_string())),
                "upgradeAuthority": opt(deployed.upgrade_authority.map(|k| k.to_string())),
                "lastDeploySlot": opt(deployed.last_deploy_slot.map(|s| s.to_string())),
                "deployedSha256": hex(&c.deployed_hash),
                "deployedBytes": c.deployed_len.to_string(),
                "deployedCapacity": c.deployed_capacity.to_string(),
                "localFile": so.display().to_string(),
                "localSha256": hex(&c.local_hash),
                "localBytes": c.local_len.to_string(),
                "matches": c.matches(),
            });
            let authority = match (deployed.programdata, deployed.upgrade_authority) {
                (None, _) => "none (not upgradeable: loader v1/v2)".to_string(),
                (Some(_), None) => "none (immutable)".to_string(),
                (Some(_), Some(a)) => a.to_string(),
            };
            let text = format!(
                "Program:           {program}\n\
                 Loader:            {}\n\
                 Upgrade authority: {authority}\n\
                 Last deploy slot:  {}\n\
                 Deployed:          sha256 {} ({} bytes, {} held)\n\
                 Local:             sha256 {} ({} bytes, {})",
                deployed.loader,
                deployed
                    .last_deploy_slot
                    .map_or("-".to_string(), |s| s.to_string()),
                hex(&c.deployed_hash),
                c.deployed_len,
                c.deployed_capacity,
                hex(&c.local_hash),
                c.local_len,
                so.display(),
            );
            if !c.matches() {
                return Err(CliError::Mismatch {
                    message: format!("the program at {program} is not {}:\n{text}", so.display()),
                    document: report,
                });
            }
            Ok(Report::new(
                report,
                format!("{text}\nVerified: the deployed program is {}", so.display()),
            ))
        }
    }
}
