//! `agent-escrow`: thin entry point. Parsing lives in `args`, settings and
//! signers in `context`, each command group in `commands`, printing (and
//! the JSON error document) in `output`.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

mod args;
mod commands;
mod context;
mod errors;
mod mcp;
mod output;
mod parse;

pub use errors::{CliError, EXIT_INPUT, EXIT_INTERNAL, EXIT_NETWORK, EXIT_REJECTED};

/// Runs one command. Commands that need no chain run without opening one;
/// the others run on a [`context::Context`], whose embedded state (if any)
/// is saved before the report is returned: nothing is printed as done
/// before it is saved.
async fn run(cli: args::Cli, matches: clap::ArgMatches) -> Result<output::Report, CliError> {
    commands::check_modes(&cli, &matches)?;
    if let Some(report) = commands::offline(&cli, &matches)? {
        return Ok(report);
    }
    if let args::Command::Mcp { policy, http } = cli.command {
        mcp::serve(&cli, policy, http).await?;
        return Ok(output::Report::printed());
    }
    if let args::Command::Demo = cli.command {
        let so = cli.program_so.clone().unwrap_or_else(|| {
            agent_escrow_client::embedded::EmbeddedSvm::program_path(&std::path::PathBuf::from(
                concat!(env!("CARGO_MANIFEST_DIR"), "/.."),
            ))
        });
        return commands::demo::run(
            agent_escrow_client::embedded::EmbeddedSvm::new(&so)?,
            cli.output,
        )
        .await
        .map(|()| output::Report::printed());
    }
    // `embedded reset` deletes the state file without loading it.
    if let args::Command::Embedded(args::EmbeddedCommand::Reset) = cli.command {
        return commands::embedded::reset(&cli);
    }
    let ctx = context::Context::new(&cli, matches)?;
    let result = commands::run(&ctx, cli.command).await;
    // Save the embedded state also after a rejection (earlier transactions
    // of the command landed); a failed save turns success into that error.
    let saved = ctx.finish();
    match (result, saved) {
        (Ok(report), Ok(())) => Ok(report),
        (Ok(_), Err(e)) => Err(e),
        (Err(e), _) => Err(e),
    }
}

/// A command line clap refuses: its own message and exit code, and with
/// `--output json` (or `json-compact`) also the JSON error document on
/// stdout. `--help` and `--version` print as usual.
fn usage_error(err: clap::Error) -> ExitCode {
    use clap::ErrorKind as K;
    if matches!(err.kind(), K::DisplayHelp | K::DisplayVersion)
        || matches!(err.kind(), K::DisplayHelpOnMissingArgumentOrSubcommand)
    {
        err.exit()
    }
    let argv: Vec<String> = std::env::args().collect();
    let json = argv
        .windows(2)
        .any(|w| w[0] == "--output" && (w[1] == "json" || w[1] == "json-compact"))
        || argv
            .iter()
            .any(|a| a == "--output=json" || a == "--output=json-compact");
    if json {
        let message = err.to_string();
        let message = message
            .lines()
            .next()
            .unwrap_or_default()
            .trim_start_matches("error: ")
            .to_string();
        let doc = CliError::Input(message).document();
        let _ = output::write_stdout(&doc.to_string());
    }
    err.exit()
}

fn main() -> ExitCode {
    let matches = match args::Cli::command().try_get_matches() {
        Ok(matches) => matches,
        Err(e) => return usage_error(e),
    };
    let cli = match args::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    output::init_logging(cli.verbose);
    let format = cli.output;
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return output::fail(
                &CliError::Output(format!("cannot start the async runtime: {e}")),
                format,
            )
        }
    };
    match runtime.block_on(run(cli, matches)) {
        Ok(report) => match report.print(format) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => output::fail(&err, format),
        },
        Err(err) => output::fail(&err, format),
    }
}
