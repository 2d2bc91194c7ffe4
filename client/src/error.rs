//! Client errors. On-chain rejections carry the program's error code, name
//! and message (read from the `AnchorError occurred` log line) plus the
//! program's own `msg!` lines that name the offending values.

use anchor_lang::prelude::Pubkey;
use solana_transaction_error::TransactionError;
use thiserror::Error;

/// An instruction the cluster executed and rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramFailure {
    /// Index of the failing instruction in the transaction.
    pub instruction_index: u8,
    /// Custom error code (this program: 6000 + variant index; Anchor's
    /// framework errors are below 6000; the token program's are small).
    pub code: u32,
    /// Error name, e.g. `PerEscrowCapExceeded` (empty if the logs lack it).
    pub name: String,
    /// Error message, e.g. "Escrow amount exceeds the policy's per_escrow_max".
    pub message: String,
    /// The program's `msg!` lines before the error: the values compared.
    pub details: Vec<String>,
    /// Full transaction logs.
    pub logs: Vec<String>,
}

impl std::fmt::Display for ProgramFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.name.is_empty() {
            write!(
                f,
                "instruction {} failed with custom error {}",
                self.instruction_index, self.code
            )?;
        } else {
            write!(f, "{} (error {}): {}", self.name, self.code, self.message)?;
        }
        for detail in &self.details {
            write!(f, "\n  {detail}")?;
        }
        Ok(())
    }
}

/// Everything the client can fail with.
#[derive(Debug, Error)]
pub enum ClientError {
    /// The program (or a program it called) rejected an instruction.
    #[error("transaction rejected: {0}")]
    Program(ProgramFailure),
    /// The runtime rejected the transaction for another reason.
    #[error("transaction failed: {err}")]
    Transaction {
        err: TransactionError,
        logs: Vec<String>,
    },
    #[error("account {0} does not exist")]
    AccountNotFound(Pubkey),
    #[error("could not decode {name} account: {reason}")]
    AccountDecode {
        name: &'static str,
        reason: &'static str,
    },
    #[error(
        "program binary {path}: {reason}. Build it with `make build-sbf` (or set AGENT_ESCROW_SO)"
    )]
    ProgramBinary { path: String, reason: String },
    #[error("escrow id {escrow_id} of policy {policy} is already used by an escrow with different terms; choose another --escrow-id")]
    EscrowIdTaken { policy: Pubkey, escrow_id: u64 },
    #[error("cannot sign the transaction: {0} (every account marked signer needs its key, and no other key may sign)")]
    Signing(String),
    #[error("transaction {signature} expired before it was confirmed (its blockhash is no longer valid, so it can never land); retry to re-sign with a new blockhash")]
    Expired {
        signature: solana_signature::Signature,
    },
    #[error("transport error: {0}")]
    Transport(String),
}

impl ClientError {
    /// The custom error code if the program rejected the transaction.
    pub fn program_code(&self) -> Option<u32> {
        match self {
            Self::Program(failure) => Some(failure.code),
            _ => None,
        }
    }

    /// Builds the error for a failed transaction from its error and logs.
    pub fn from_transaction(err: TransactionError, logs: Vec<String>) -> Self {
        use solana_transaction_error::TransactionError as TE;
        let TE::InstructionError(index, solana_instruction_error::InstructionError::Custom(code)) =
            err
        else {
            return Self::Transaction { err, logs };
        };
        let mut name = String::new();
        let mut message = String::new();
        let mut details = Vec::new();
        for line in &logs {
            let Some(text) = line.strip_prefix("Program log: ") else {
                continue;
            };
            if let Some((n, m)) = parse_anchor_error(text) {
                name = n;
                message = m;
                break;
            }
            details.push(text.to_string());
        }
        // Keep only the lines after the instruction name (the rule's values).
        if let Some(pos) = details.iter().rposition(|d| d.starts_with("Instruction: ")) {
            details.drain(..=pos);
        }
        Self::Program(ProgramFailure {
            instruction_index: index,
            code,
            name,
            message,
            details,
            logs,
        })
    }
}

/// Reads `AnchorError ... Error Code: X. Error Number: N. Error Message: M.`
fn parse_anchor_error(text: &str) -> Option<(String, String)> {
    if !text.starts_with("AnchorError") {
        return None;
    }
    let code = text
        .split("Error Code: ")
        .nth(1)?
        .split('.')
        .next()?
        .to_string();
    let message = text
        .split("Error Message: ")
        .nth(1)?
        .trim_end_matches('.')
        .to_string();
    Some((code, message))
}
