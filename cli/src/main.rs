//! `agent-escrow`: thin entry point. Parsing lives in `args`, settings and
//! signers in `context`, each command group in `commands`.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

mod args;
mod commands;
mod context;
mod output;
mod parse;

/// Exit code for bad input (flags, values, signer sources, missing accounts).
pub const EXIT_INPUT: u8 = 2;
/// Exit code for an on-chain rejection (the program or runtime refused).
pub const EXIT_REJECTED: u8 = 3;
/// Exit code for a failure to reach or load the chain (RPC, program binary).
pub const EXIT_NETWORK: u8 = 4;
/// Exit code for anything else.
pub const EXIT_INTERNAL: u8 = 1;

/// Errors a command can end with, each mapped to an exit code.
#[derive(Debug)]
pub enum CliError {
    Input(String),
    Client(agent_escrow_client::ClientError),
    Output(String),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Input(e) => write!(f, "{e}"),
            Self::Client(e) => write!(f, "{e}"),
            Self::Output(e) => write!(f, "cannot write output: {e}"),
        }
    }
}

impl From<agent_escrow_client::ClientError> for CliError {
    fn from(e: agent_escrow_client::ClientError) -> Self {
        Self::Client(e)
    }
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        use agent_escrow_client::ClientError as E;
        match self {
            Self::Input(_)
            | Self::Client(E::EscrowIdTaken { .. } | E::Signing(_) | E::AccountNotFound(_)) => {
                EXIT_INPUT
            }
            Self::Client(E::Program(_) | E::Transaction { .. }) => EXIT_REJECTED,
            Self::Client(E::ProgramBinary { .. } | E::Transport(_) | E::Expired { .. }) => {
                EXIT_NETWORK
            }
            _ => EXIT_INTERNAL,
        }
    }
}

async fn run(cli: args::Cli, matches: clap::ArgMatches) -> Result<(), CliError> {
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
        .await;
    }
    // `embedded reset` deletes the state file: it must not be saved again.
    let save = !matches!(
        cli.command,
        args::Command::Embedded(args::EmbeddedCommand::Reset)
    );
    let ctx = context::Context::new(&cli, matches)?;
    let report = match cli.command {
        args::Command::Policy(command) => commands::policy::run(&ctx, command).await,
        args::Command::Escrow(command) => commands::escrow::run(&ctx, command).await,
        args::Command::History(command) => commands::history::run(&ctx, command).await,
        args::Command::Mint(command) => commands::mint::run(&ctx, command).await,
        args::Command::Embedded(command) => commands::embedded::run(&ctx, command).await,
        args::Command::Keygen(command) => commands::keygen::run(&ctx, command).await,
        args::Command::Blockhash => {
            use agent_escrow_client::transport::Transport;
            match ctx.client.transport().latest_blockhash().await {
                Ok(hash) => Ok(output::Report::new(
                    serde_json::json!({ "blockhash": hash.to_string() }),
                    hash.to_string(),
                )),
                Err(e) => Err(e.into()),
            }
        }
        args::Command::Demo => unreachable!("handled above"),
    };
    // Save the embedded state even after a rejection (earlier transactions landed).
    let saved = if save { ctx.finish() } else { Ok(()) };
    report?.print(cli.output)?;
    saved
}

fn main() -> ExitCode {
    let matches = args::Cli::command().get_matches();
    let cli = match args::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_INTERNAL);
        }
    };
    match runtime.block_on(run(cli, matches)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
