//! Command-line surface (clap derive) and dispatch.

use std::path::PathBuf;

use agent_escrow_client::{embedded::EmbeddedSvm, ClientError};
use clap::{Parser, Subcommand};

use crate::output::OutputFormat;

/// Exit code for an on-chain rejection (the program refused an instruction).
pub const EXIT_REJECTED: u8 = 3;
/// Exit code for a failure to reach or load the chain (RPC, program binary).
pub const EXIT_NETWORK: u8 = 4;
/// Exit code for anything else.
pub const EXIT_INTERNAL: u8 = 1;

/// Policy-bounded USDC escrows between autonomous agents on Solana.
#[derive(Debug, Parser)]
#[command(name = "agent-escrow", version, about, propagate_version = true)]
pub struct Cli {
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Display)]
    pub output: OutputFormat,

    /// Program binary for the embedded SVM [env: AGENT_ESCROW_SO]
    /// [default: target/deploy/agent_escrow.so of this checkout].
    #[arg(long, global = true, value_name = "PATH")]
    pub program_so: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the end-to-end M2M scenario on the embedded SVM: a policy, a
    /// research -> writing -> review pipeline paid on proof, a refund after a
    /// missed deadline and an over-cap escrow rejected; prints the audit
    /// trail, final balances and compute units per instruction.
    Demo,
}

/// Errors a command can end with, mapped to distinct exit codes.
#[derive(Debug)]
pub enum CliError {
    Client(ClientError),
    Output(String),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Client(e) => write!(f, "{e}"),
            Self::Output(e) => write!(f, "cannot write output: {e}"),
        }
    }
}

impl From<ClientError> for CliError {
    fn from(e: ClientError) -> Self {
        Self::Client(e)
    }
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Client(ClientError::Program(_) | ClientError::Transaction { .. }) => {
                EXIT_REJECTED
            }
            Self::Client(ClientError::ProgramBinary { .. } | ClientError::Transport(_)) => {
                EXIT_NETWORK
            }
            _ => EXIT_INTERNAL,
        }
    }
}

/// Loads the program binary for the embedded SVM: `--program-so`, else
/// `$AGENT_ESCROW_SO`, else this checkout's `target/deploy/agent_escrow.so`.
pub fn embedded_svm(program_so: Option<PathBuf>) -> Result<EmbeddedSvm, ClientError> {
    match program_so {
        Some(path) => EmbeddedSvm::new(&path),
        None => {
            EmbeddedSvm::from_env_or(&PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/..")))
        }
    }
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Demo => crate::demo::run(embedded_svm(cli.program_so)?, cli.output).await,
    }
}
