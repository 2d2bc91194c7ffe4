//! The errors a command ends with: an exit code each, a message for stderr
//! and, with `--output json`, one JSON document on stdout:
//!
//! ```json
//! { "error": { "name": "PerEscrowCapExceeded", "code": 6007, "exitCode": 3,
//!              "message": "...", "details": ["..."] } }
//! ```
//!
//! `name` is the program's error name for an on-chain rejection or for a
//! bound the client checked before sending (`code` its custom error number;
//! then also `field`, and `preflight: true`), the called program's
//! (`InsufficientFunds`, `AccountAlreadyInUse`), the runtime's
//! (`AlreadyProcessed`, `InsufficientFundsForFee`), or the client's own
//! (`InvalidInput`, `StateNotSaved`, `StateUnreadable`, `ConnectionFailed`,
//! `TransactionExpired`, ...; `code` null). See
//! `agent_escrow_client::ClientError::document`.

use agent_escrow_client::ClientError;
use serde_json::{json, Value};

/// Exit code for bad input (flags, values, signer sources, missing accounts,
/// and every bound the client checks before sending).
pub const EXIT_INPUT: u8 = 2;
/// Exit code for an on-chain rejection (the program or runtime refused).
pub const EXIT_REJECTED: u8 = 3;
/// Exit code for a failure to reach or load the chain (RPC, program binary,
/// embedded state file).
pub const EXIT_NETWORK: u8 = 4;
/// Exit code for anything else, and for `program verify` finding a
/// different binary (as `cmp` and `diff` exit 1 on a difference).
pub const EXIT_INTERNAL: u8 = 1;

/// Errors a command can end with, each mapped to an exit code.
#[derive(Debug)]
pub enum CliError {
    /// Bad input, named by its flag or argument, with the bound and the fix.
    Input(String),
    /// The client's errors, among them `ClientError::Refused`: a bound the
    /// client checked before sending (no fee spent), named as the program
    /// error it anticipates.
    Client(ClientError),
    /// The embedded chain's state file could not be saved: nothing the
    /// command did happened on the saved chain.
    State(ClientError),
    /// The embedded chain's state file could not be read or locked.
    StateUnreadable(ClientError),
    Output(String),
    /// `program verify`: the deployed program is not the file; `document`
    /// holds both hashes.
    Mismatch {
        message: String,
        document: Value,
    },
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Input(e) => write!(f, "{e}"),
            Self::Client(e) => write!(f, "{e}"),
            // The state file's own words, without "transport error:".
            Self::State(ClientError::Transport(e))
            | Self::StateUnreadable(ClientError::Transport(e)) => {
                write!(f, "{e}")
            }
            Self::State(e) | Self::StateUnreadable(e) => write!(f, "{e}"),
            Self::Output(e) => write!(f, "cannot write output: {e}"),
            Self::Mismatch { message, .. } => write!(f, "{message}"),
        }
    }
}

impl From<ClientError> for CliError {
    fn from(e: ClientError) -> Self {
        Self::Client(e)
    }
}

impl From<agent_escrow_client::preflight::Refusal> for CliError {
    fn from(refusal: agent_escrow_client::preflight::Refusal) -> Self {
        Self::Client(ClientError::Refused(refusal))
    }
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        use ClientError as E;
        match self {
            Self::Input(_)
            | Self::Client(
                E::Refused(_) | E::EscrowIdTaken { .. } | E::Signing(_) | E::AccountNotFound(_),
            ) => EXIT_INPUT,
            Self::Client(E::Program(_) | E::Transaction { .. }) => EXIT_REJECTED,
            Self::Client(
                E::ProgramBinary { .. }
                | E::Transport(_)
                | E::Expired { .. }
                | E::Unreachable { .. },
            )
            | Self::State(_)
            | Self::StateUnreadable(_) => EXIT_NETWORK,
            _ => EXIT_INTERNAL,
        }
    }

    /// The JSON error document printed on stdout with `--output json`.
    pub fn document(&self) -> Value {
        let (name, code, message, details, extra) = match self {
            Self::Input(message) => (
                "InvalidInput".to_string(),
                None,
                message.clone(),
                Vec::new(),
                json!({}),
            ),
            Self::Mismatch { message, document } => (
                "BinaryMismatch".to_string(),
                None,
                message.clone(),
                Vec::new(),
                json!({ "comparison": document }),
            ),
            Self::Output(_) => (
                "OutputError".to_string(),
                None,
                self.to_string(),
                Vec::new(),
                json!({}),
            ),
            Self::State(_) | Self::StateUnreadable(_) => (
                if matches!(self, Self::State(_)) {
                    "StateNotSaved".to_string()
                } else {
                    "StateUnreadable".to_string()
                },
                None,
                self.to_string(),
                Vec::new(),
                json!({}),
            ),
            Self::Client(e) => {
                let doc = e.document();
                let extra = json!({
                    "field": doc.field,
                    "program": doc.program,
                    "account": doc.account,
                    "preflight": doc.preflight,
                });
                (doc.error, doc.code, doc.message, doc.details, extra)
            }
        };
        let mut error = json!({
            "name": name,
            "code": code,
            "exitCode": self.exit_code(),
            "message": message,
            "details": details,
        });
        if let (Some(error), Some(extra)) = (error.as_object_mut(), extra.as_object()) {
            for (key, value) in extra {
                if !value.is_null() {
                    error.insert(key.clone(), value.clone());
                }
            }
        }
        json!({ "error": error })
    }
}
