//! `agent-escrow`: thin entry point. Parsing lives in `args`, settings and
//! signers in `context`, each command group in `commands`, printing (and
//! the JSON error document) in `output`.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

mod args;
mod commands;
mod context;
mod errors;
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
    // `embedded reset` deletes the state file: it must not be saved again.
    let save = !matches!(
        cli.command,
        args::Command::Embedded(args::EmbeddedCommand::Reset)
    );
    let ctx = context::Context::new(&cli, matches)?;
    let result = commands::run(&ctx, cli.command).await;
    // Save the embedded state also after a rejection (earlier transactions
    // of the command landed); a failed save turns success into that error.
    let saved = if save { ctx.finish() } else { Ok(()) };
    match (result, saved) {
        (Ok(report), Ok(())) => Ok(report),
        (Ok(_), Err(e)) => Err(e),
        (Err(e), _) => Err(e),
    }
}

fn main() -> ExitCode {
    let matches = args::Cli::command().get_matches();
    let cli = match args::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
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
