//! Client errors. On-chain rejections carry the program's error code, name
//! and message (read from the `AnchorError occurred` log line) plus the
//! program's own `msg!` lines that name the offending values.
//!
//! Failures raised below this program are named too: Anchor's account
//! constraints (codes 2000-2999, account errors 3000+) with the account
//! and the two keys compared (Anchor's `Left:` / `Right:` log lines), the
//! system program's errors (`AccountAlreadyInUse`, 0: "account X already
//! exists") and the SPL Token / Token-2022 programs' errors
//! (`InsufficientFunds`, 1; `OwnerMismatch`, 4; ...), each in plain words.
//! [`ClientError::document`] gives every error as a JSON-ready
//! [`ErrorDocument`] with a stable name.

use agent_escrow::state::Escrow;
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use serde::Serialize;
use solana_transaction_error::TransactionError;
use thiserror::Error;

use crate::preflight::{EscrowInstruction, Refusal};

/// The system program's id.
const SYSTEM_PROGRAM: Pubkey = anchor_lang::solana_program::system_program::ID;
/// The associated token account program's id.
const ATA_PROGRAM: Pubkey =
    anchor_lang::prelude::pubkey!("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");

/// An instruction the cluster executed and rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramFailure {
    /// Index of the failing instruction in the transaction.
    pub instruction_index: u8,
    /// Custom error code (this program: 6000 + variant index; Anchor's
    /// framework errors are below 6000; the token program's are small).
    pub code: u32,
    /// Error name, e.g. `PerEscrowCapExceeded`, `ConstraintHasOne`, or for
    /// the programs this one calls `AccountAlreadyInUse` (system program)
    /// and `InsufficientFunds` (token program); `CustomError` for another
    /// program's code this client does not know.
    pub name: String,
    /// What happened: this program's error message (e.g. "Escrow amount
    /// exceeds the policy's per_escrow_max"), or for Anchor, system and
    /// token errors a sentence naming the account and the keys involved.
    pub message: String,
    /// The program's `msg!` lines before the error: the values compared.
    pub details: Vec<String>,
    /// Full transaction logs.
    pub logs: Vec<String>,
    /// Where the error came from (boxed: keeps [`ClientError`] small).
    pub context: Box<FailureContext>,
}

/// Where a [`ProgramFailure`] came from, read from the logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FailureContext {
    /// The program that raised the error: this program, or the system or
    /// token program it called (read from the first `Program X failed` log).
    pub program: Option<Pubkey>,
    /// The instruction of this program that failed, as Anchor logs it
    /// (`EscrowApprove`).
    pub instruction: Option<String>,
    /// The account Anchor named (`AnchorError caused by account: policy`).
    pub account: Option<String>,
    /// The two values Anchor compared (`Left:` / `Right:`): for `has_one`
    /// the key stored in `account` and the key passed; for `seeds` and
    /// `address` the key passed and the key expected.
    pub compared: Option<(String, String)>,
}

impl ProgramFailure {
    /// Which program raised the error, in words: "agent_escrow",
    /// "system", "spl_token", "token_2022", "associated_token" or the id.
    pub fn program_name(&self) -> Option<String> {
        self.context.program.map(|id| program_label(&id))
    }

    /// For an `InvalidEscrowState` (6013) failure, whose logs carry no
    /// state: rewords the message with the escrow's current state (read
    /// again after the failure; `None` if the account is gone) and what
    /// `instruction` needs, e.g. "escrow E is Funded (...); approve needs
    /// ProofSubmitted (proof submitted, approval tier)". Also words
    /// `AccountNotInitialized` (3012) and `AccountOwnedByWrongProgram`
    /// (3007) on the escrow when it is gone. Other failures are returned
    /// unchanged.
    pub fn with_escrow_state(
        mut self,
        instruction: EscrowInstruction,
        address: &Pubkey,
        escrow: Option<&Escrow>,
    ) -> Self {
        let invalid_state: u32 = agent_escrow::error::EscrowError::InvalidEscrowState.into();
        let not_initialized: u32 = anchor_lang::error::ErrorCode::AccountNotInitialized.into();
        let ours = self
            .context
            .program
            .is_none_or(|p| p == crate::pda::PROGRAM_ID);
        if !ours {
            return self;
        }
        // A closed account is system-owned: Anchor refuses it as not
        // initialized or owned by the wrong program.
        let wrong_owner: u32 = anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram.into();
        let missing_account = (self.code == not_initialized || self.code == wrong_owner)
            && self.context.account.as_deref() == Some("escrow");
        let gone = escrow.is_none() && (self.code == invalid_state || missing_account);
        if gone {
            self.message = format!(
                "escrow {address} no longer exists: it settled and was closed (see `agent-escrow history --escrow {address}`)"
            );
        } else if let (true, Some(escrow)) = (self.code == invalid_state, escrow) {
            self.message = crate::preflight::state_refusal(instruction, address, escrow)
                .message
                .trim_start_matches("ESCROW: ")
                .to_string();
        }
        self
    }

    /// Names the failing instruction from the instructions the transaction
    /// carried (this program logs no instruction names, so the failure
    /// alone cannot tell), and words Anchor, system and token errors with
    /// it: e.g. "escrow_approve must be signed by the policy's owner O, but
    /// K was passed as the owner". Pass the instructions as sent; when
    /// compute-budget instructions were prepended, the one instruction of
    /// this program is used.
    pub fn with_instructions(mut self, instructions: &[Instruction]) -> Self {
        let failing = instructions.get(usize::from(self.instruction_index));
        if failing.is_some_and(|ix| ix.program_id == agent_escrow::ed25519::ED25519_PROGRAM_ID) {
            // A precompile logs nothing: the logs read so far belong to the
            // instruction before it.
            self.context = Box::new(FailureContext {
                program: Some(agent_escrow::ed25519::ED25519_PROGRAM_ID),
                ..FailureContext::default()
            });
            self.details.clear();
            self.name = precompile_error_name(self.code).to_string();
            self.message = format!(
                "the ed25519 signature-verify instruction (#{}) refused its signature: {}",
                self.instruction_index,
                precompile_words(self.code)
            );
            return self;
        }
        if self.context.instruction.is_some() {
            return self;
        }
        let program = crate::pda::PROGRAM_ID;
        let at_index = instructions
            .get(usize::from(self.instruction_index))
            .filter(|ix| ix.program_id == program);
        let mut ours = instructions.iter().filter(|ix| ix.program_id == program);
        let only = match (ours.next(), ours.next()) {
            (Some(ix), None) => Some(ix),
            _ => None,
        };
        if let Some(name) = at_index.or(only).and_then(|ix| instruction_name(&ix.data)) {
            self.context.instruction = Some(name.to_string());
            name_failure(&mut self);
        }
        self
    }
}

/// The ed25519 precompile's error names (agave `PrecompileError`, in order).
pub fn precompile_error_name(code: u32) -> &'static str {
    match code {
        0 => "InvalidPublicKey",
        1 => "InvalidRecoveryId",
        2 => "InvalidSignature",
        3 => "InvalidDataOffsets",
        4 => "InvalidInstructionDataSize",
        _ => "CustomError",
    }
}

/// A precompile error in words, with the usual cause.
fn precompile_words(code: u32) -> &'static str {
    match code {
        2 => "the signature does not verify over the signed bytes with that key (signed by another key, or over another message: for an owner message, another escrow, amount or --expires-at)",
        0 => "the public key is not a valid ed25519 point",
        3 | 4 => "its offsets or size do not fit its data",
        _ => "unknown precompile error",
    }
}

/// This program's instruction name (as Anchor spells it, `EscrowApprove`)
/// from the 8-byte discriminator that starts the instruction data.
pub fn instruction_name(data: &[u8]) -> Option<&'static str> {
    use agent_escrow::instruction as ix;
    use anchor_lang::Discriminator;
    let table: [(&[u8], &str); 20] = [
        (ix::PolicyCreate::DISCRIMINATOR, "PolicyCreate"),
        (ix::PolicyUpdate::DISCRIMINATOR, "PolicyUpdate"),
        (ix::PolicyPause::DISCRIMINATOR, "PolicyPause"),
        (ix::PolicyResume::DISCRIMINATOR, "PolicyResume"),
        (ix::PolicyDeposit::DISCRIMINATOR, "PolicyDeposit"),
        (ix::PolicyWithdraw::DISCRIMINATOR, "PolicyWithdraw"),
        (ix::ProviderAllow::DISCRIMINATOR, "ProviderAllow"),
        (ix::ProviderDisallow::DISCRIMINATOR, "ProviderDisallow"),
        (ix::EscrowCreate::DISCRIMINATOR, "EscrowCreate"),
        (ix::EscrowSubmitProof::DISCRIMINATOR, "EscrowSubmitProof"),
        (ix::EscrowApprove::DISCRIMINATOR, "EscrowApprove"),
        (ix::EscrowVeto::DISCRIMINATOR, "EscrowVeto"),
        (
            ix::EscrowApproveOffchain::DISCRIMINATOR,
            "EscrowApproveOffchain",
        ),
        (ix::EscrowVetoOffchain::DISCRIMINATOR, "EscrowVetoOffchain"),
        (ix::EscrowRelease::DISCRIMINATOR, "EscrowRelease"),
        (ix::EscrowRefund::DISCRIMINATOR, "EscrowRefund"),
        (ix::EscrowDispute::DISCRIMINATOR, "EscrowDispute"),
        (ix::EscrowResolve::DISCRIMINATOR, "EscrowResolve"),
        (ix::EscrowCancel::DISCRIMINATOR, "EscrowCancel"),
        (ix::EscrowClose::DISCRIMINATOR, "EscrowClose"),
    ];
    table
        .iter()
        .find(|(disc, _)| data.starts_with(disc))
        .map(|(_, name)| *name)
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
    /// The RPC endpoint could not be reached (connection refused, DNS,
    /// timeout, HTTP error status): nothing was sent, or its fate is unknown.
    #[error("cannot reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// The client's own check refused the instruction before sending it
    /// (no fee spent): see [`crate::preflight`]. Displayed as the message,
    /// then the program error it anticipates: `... (DelayNotElapsed, error
    /// 6021: checked before sending, no fee spent)`.
    #[error("{0} ({name}, error {code}: checked before sending, no fee spent)", name = .0.error, code = .0.code)]
    Refused(Refusal),
    #[error("transport error: {0}")]
    Transport(String),
}

impl From<Refusal> for ClientError {
    fn from(refusal: Refusal) -> Self {
        Self::Refused(refusal)
    }
}

/// An error as one JSON document: a stable name, the code when there is
/// one, a message and the details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorDocument {
    /// Stable name, e.g. `PerEscrowCapExceeded`, `ConstraintHasOne`,
    /// `InsufficientFunds`, `AccountAlreadyInUse`, `ConnectionFailed`.
    pub error: String,
    /// The custom error code, when there is one (6000+ this program,
    /// 2000-4999 Anchor, small numbers the system or token program).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u32>,
    pub message: String,
    /// The values the program logged, or other context lines.
    pub details: Vec<String>,
    /// For a preflight refusal: the CLI field concerned (`--amount`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The program that raised it (`agent_escrow`, `system`, `spl_token`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub program: Option<String>,
    /// The account Anchor named.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// True when the client refused before sending (no fee spent).
    pub preflight: bool,
}

impl ClientError {
    /// The custom error code if the program rejected the transaction.
    pub fn program_code(&self) -> Option<u32> {
        match self {
            Self::Program(failure) => Some(failure.code),
            _ => None,
        }
    }

    /// The error code the error names: the program's (or a called
    /// program's) custom code, or the anticipated code of a refusal.
    pub fn code(&self) -> Option<u32> {
        match self {
            Self::Program(failure) => Some(failure.code),
            Self::Refused(refusal) => Some(refusal.code),
            _ => None,
        }
    }

    /// A stable name for the error: the program error's name
    /// (`PerEscrowCapExceeded`), the called program's (`InsufficientFunds`,
    /// `AccountAlreadyInUse`), the runtime's (`MissingRequiredSignature`,
    /// `InsufficientFundsForFee`), or the client's own (`ConnectionFailed`,
    /// `AccountNotFound`, `TransactionExpired`, ...).
    pub fn error_name(&self) -> String {
        match self {
            Self::Program(f) if !f.name.is_empty() => f.name.clone(),
            Self::Program(_) => "CustomError".into(),
            Self::Transaction { err, .. } => transaction_error_name(err),
            Self::AccountNotFound(_) => "AccountNotFound".into(),
            Self::AccountDecode { .. } => "AccountDecodeFailed".into(),
            Self::ProgramBinary { .. } => "ProgramBinaryUnusable".into(),
            Self::EscrowIdTaken { .. } => "EscrowIdTaken".into(),
            Self::Signing(_) => "SigningFailed".into(),
            Self::Expired { .. } => "TransactionExpired".into(),
            Self::Unreachable { .. } => "ConnectionFailed".into(),
            Self::Refused(r) => r.error.clone(),
            Self::Transport(_) => "TransportError".into(),
        }
    }

    /// The error as a JSON-ready document (see [`ErrorDocument`]).
    pub fn document(&self) -> ErrorDocument {
        let mut doc = ErrorDocument {
            error: self.error_name(),
            code: self.code(),
            message: String::new(),
            details: Vec::new(),
            field: None,
            program: None,
            account: None,
            preflight: false,
        };
        match self {
            Self::Program(f) => {
                doc.message = if f.name.is_empty() {
                    self.to_string()
                } else {
                    f.message.clone()
                };
                doc.details = f.details.clone();
                doc.program = f.program_name();
                doc.account = f.context.account.clone();
            }
            Self::Transaction { err, logs } => {
                doc.message = transaction_error_words(err);
                doc.details = logs
                    .iter()
                    .filter_map(|l| l.strip_prefix("Program log: "))
                    .map(str::to_string)
                    .collect();
            }
            Self::Refused(r) => {
                doc.message = r.message.clone();
                doc.field = Some(r.field.to_string());
                doc.preflight = true;
            }
            other => doc.message = other.to_string(),
        }
        doc
    }

    /// [`ProgramFailure::with_escrow_state`] for a program failure; other
    /// errors are returned unchanged.
    pub fn with_escrow_state(
        self,
        instruction: EscrowInstruction,
        address: &Pubkey,
        escrow: Option<&Escrow>,
    ) -> Self {
        match self {
            Self::Program(f) => Self::Program(f.with_escrow_state(instruction, address, escrow)),
            other => other,
        }
    }

    /// [`ProgramFailure::with_instructions`] for a program failure; other
    /// errors are returned unchanged.
    pub fn with_instructions(self, instructions: &[Instruction]) -> Self {
        match self {
            Self::Program(f) => Self::Program(f.with_instructions(instructions)),
            other => other,
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
        // The logs of the failing (last) top-level instruction.
        let start = logs
            .iter()
            .rposition(|l| l.starts_with("Program ") && l.ends_with(" invoke [1]"))
            .unwrap_or(0);
        for line in logs.get(start..).unwrap_or_default() {
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
        let scan = scan_logs(&logs);
        let mut failure = ProgramFailure {
            instruction_index: index,
            code,
            name,
            message,
            details,
            logs,
            context: Box::new(FailureContext {
                program: scan.failed_program,
                instruction: scan.instruction,
                account: scan.account,
                compared: scan.compared,
            }),
        };
        name_failure(&mut failure);
        Self::Program(failure)
    }
}

/// What the logs of the failing instruction say beyond the error line.
#[derive(Default)]
struct LogScan {
    failed_program: Option<Pubkey>,
    instruction: Option<String>,
    account: Option<String>,
    compared: Option<(String, String)>,
}

/// Reads the logs of the last top-level instruction (the one that failed):
/// this program's instruction name, the first program that failed, and
/// Anchor's account name and compared values.
fn scan_logs(logs: &[String]) -> LogScan {
    let start = logs
        .iter()
        .rposition(|l| l.starts_with("Program ") && l.ends_with(" invoke [1]"))
        .unwrap_or(0);
    let scope = logs.get(start..).unwrap_or_default();
    let mut scan = LogScan::default();
    let ours = format!("Program {} invoke [1]", crate::pda::PROGRAM_ID);
    if scope.first().is_some_and(|l| *l == ours) {
        scan.instruction = scope
            .get(1)
            .and_then(|l| l.strip_prefix("Program log: Instruction: "))
            .map(str::to_string);
    }
    scan.failed_program = scope.iter().find_map(|l| {
        let rest = l.strip_prefix("Program ")?;
        let (id, tail) = rest.split_once(' ')?;
        tail.starts_with("failed:").then(|| id.parse().ok())?
    });
    let texts: Vec<&str> = scope
        .iter()
        .map(|l| l.strip_prefix("Program log: ").unwrap_or(l))
        .collect();
    if let Some(pos) = texts.iter().position(|t| t.starts_with("AnchorError")) {
        let line = texts.get(pos).copied().unwrap_or_default();
        scan.account = line
            .strip_prefix("AnchorError caused by account: ")
            .and_then(|rest| rest.split(". Error Code:").next())
            .map(str::to_string);
        let after = texts.get(pos.saturating_add(1)..).unwrap_or_default();
        scan.compared = match after {
            ["Left:", left, "Right:", right, ..] => Some((left.to_string(), right.to_string())),
            [left, right, ..] if left.starts_with("Left: ") && right.starts_with("Right: ") => {
                Some((
                    left.trim_start_matches("Left: ").to_string(),
                    right.trim_start_matches("Right: ").to_string(),
                ))
            }
            _ => None,
        };
    }
    scan
}

/// Fills in the name and a plain-words message for errors that are not
/// this program's own (Anchor constraints, the system and token programs).
fn name_failure(f: &mut ProgramFailure) {
    let program = f.context.program.unwrap_or(crate::pda::PROGRAM_ID);
    if program == crate::pda::PROGRAM_ID {
        if f.code < anchor_lang::error::ERROR_CODE_OFFSET {
            if let Some(words) = anchor_words(f) {
                f.message = words;
            }
        }
        return;
    }
    let in_use = find_address_in_use(&f.logs);
    if program == SYSTEM_PROGRAM {
        f.name = system_error_name(f.code).to_string();
        f.message = system_words(f.code, in_use.as_deref(), f);
    } else if program == agent_escrow::constants::TOKEN_PROGRAM_ID
        || program == agent_escrow::constants::TOKEN_2022_PROGRAM_ID
    {
        f.name = token_error_name(f.code).to_string();
        f.message = token_words(f.code, f.context.instruction.as_deref());
    } else if program == ATA_PROGRAM && f.code == 0 {
        f.name = "InvalidOwner".into();
        f.message =
            "the associated token account's address does not match its owner and mint".into();
    } else if f.name.is_empty() {
        f.name = "CustomError".into();
        f.message = format!("program {program} failed with its custom error {}", f.code);
    }
    // The called program's own log lines (e.g. "Error: insufficient funds").
    if f.details.is_empty() {
        f.details = called_program_lines(&f.logs, &program);
    }
}

/// The log lines `program` wrote in its failing invocation (its
/// `Program log:` lines, and the system program's unprefixed ones).
fn called_program_lines(logs: &[String], program: &Pubkey) -> Vec<String> {
    let invoke = format!("Program {program} invoke");
    let own = format!("Program {program} ");
    let Some(start) = logs.iter().rposition(|l| l.starts_with(&invoke)) else {
        return Vec::new();
    };
    logs.iter()
        .skip(start.saturating_add(1))
        .take_while(|l| !l.starts_with(&own))
        .filter_map(|l| match l.strip_prefix("Program log: ") {
            Some(text) => Some(text),
            None if l.starts_with("Program ") => None,
            None => Some(l.as_str()),
        })
        .filter(|l| !l.starts_with("Instruction: "))
        .map(str::to_string)
        .collect()
}

/// The address in the system program's "... account Address { address: X,
/// base: None } already in use" log line.
fn find_address_in_use(logs: &[String]) -> Option<String> {
    logs.iter().find_map(|l| {
        if !l.contains("already in use") {
            return None;
        }
        let rest = l.split("address: ").nth(1)?;
        Some(rest.split([',', ' ', '}']).next()?.to_string())
    })
}

/// `snake_case` of Anchor's instruction name (`EscrowApprove` -> `escrow_approve`).
fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The fields a `has_one` on `account` checks in `instruction` (this
/// program's constraints, and `settle::check_escrow_accounts`, which raises
/// the same error for the escrow's policy and the policy's mint).
fn has_one_fields(instruction: &str, account: &str) -> &'static [&'static str] {
    match (instruction, account) {
        ("EscrowCreate" | "EscrowCancel", "policy") => &["agent"],
        (
            "PolicyUpdate" | "PolicyResume" | "ProviderAllow" | "ProviderDisallow"
            | "EscrowApprove" | "EscrowVeto",
            "policy",
        ) => &["owner"],
        ("PolicyWithdraw", "policy") => &["owner", "mint"],
        ("PolicyDeposit", "policy") => &["mint"],
        ("EscrowSubmitProof" | "EscrowCancel", "escrow") => &["provider", "policy"],
        (_, "escrow") | (_, "allow_entry") => &["policy"],
        (_, "mint") => &["mint"],
        _ => &[],
    }
}

/// Plain words for Anchor's framework errors (codes below 6000), naming
/// the account and the keys compared.
fn anchor_words(f: &ProgramFailure) -> Option<String> {
    use anchor_lang::error::ErrorCode as E;
    let account = f.context.account.as_deref().unwrap_or("an account");
    let ix = f.context.instruction.as_deref().map(snake);
    let ix = ix.as_deref().unwrap_or("the instruction");
    let (left, right) = match &f.context.compared {
        Some((l, r)) => (l.as_str(), r.as_str()),
        None => ("?", "?"),
    };
    let code = |e: E| -> u32 { e.into() };
    let c = f.code;
    let words = if c == code(E::ConstraintHasOne) {
        let fields = has_one_fields(
            f.context.instruction.as_deref().unwrap_or_default(),
            account,
        );
        match fields {
            ["owner" | "agent" | "provider"] => format!(
                "{ix} must be signed by the {account}'s {field} {left}, but {right} was passed as the {field}: sign with the {field}'s key",
                field = fields.first().copied().unwrap_or_default()
            ),
            ["mint"] if account == "mint" => format!(
                "the policy's mint is {left}, but mint {right} was passed"
            ),
            ["mint"] => format!(
                "the {account}'s mint is {left}, but mint {right} was passed"
            ),
            ["policy"] => format!(
                "the {account} belongs to policy {left}, but policy {right} was passed"
            ),
            [] => format!("the {account} records {left}, but {right} was passed"),
            many => format!(
                "the {account}'s {} is {left}, but {right} was passed in its place",
                many.join(" or ")
            ),
        }
    } else if c == code(E::ConstraintSeeds) {
        format!("{account} {left} is not the address its seeds give ({right}): pass the PDA the client derives")
    } else if c == code(E::ConstraintAddress) {
        format!("{account} must be {right}, but {left} was passed")
    } else if c == code(E::ConstraintMut) || c == code(E::AccountNotMutable) {
        format!("{account} must be passed writable")
    } else if c == code(E::ConstraintSigner) || c == code(E::AccountNotSigner) {
        format!("{account} must sign {ix}")
    } else if c == code(E::ConstraintRaw) {
        format!("a constraint on {account} failed")
    } else if (c == code(E::ConstraintOwner) || c == code(E::AccountOwnedByWrongProgram))
        && left == SYSTEM_PROGRAM.to_string()
    {
        format!("{account} does not exist (no account of this program at that address: never created, or closed when it settled)")
    } else if c == code(E::ConstraintOwner) || c == code(E::AccountOwnedByWrongProgram) {
        format!("{account} is owned by program {left}, not {right}: it is not the account {ix} expects (wrong address?)")
    } else if c == code(E::ConstraintAccountIsNone) {
        format!("{ix} needs the optional account {account}, which was not passed")
    } else if c == code(E::AccountDiscriminatorNotFound)
        || c == code(E::AccountDiscriminatorMismatch)
        || c == code(E::AccountDidNotDeserialize)
    {
        format!("{account} is not the kind of account {ix} expects (wrong address, or an account of another program)")
    } else if c == code(E::AccountNotEnoughKeys) {
        format!("{ix} was sent with too few accounts")
    } else if c == code(E::AccountNotInitialized) {
        format!("{account} does not exist (never created, or closed when it settled)")
    } else if c == code(E::InvalidProgramId) {
        format!("{account} must be program {right}, but {left} was passed")
    } else if c == code(E::AccountNotSystemOwned) {
        format!("{account} must be a plain (system-owned) account")
    } else if c == code(E::AccountSysvarMismatch) {
        format!("{account} is not the sysvar {ix} expects")
    } else if c == code(E::InstructionFallbackNotFound)
        || c == code(E::InstructionDidNotDeserialize)
        || c == code(E::InstructionMissing)
    {
        "the program could not read the instruction (is the client built for this program version?)"
            .to_string()
    } else if c == code(E::DeclaredProgramIdMismatch) {
        "the program was built for another program id".to_string()
    } else {
        return None;
    };
    Some(words)
}

/// The system program's error names, by code (`SystemError`'s order).
pub fn system_error_name(code: u32) -> &'static str {
    match code {
        0 => "AccountAlreadyInUse",
        1 => "ResultWithNegativeLamports",
        2 => "InvalidProgramId",
        3 => "InvalidAccountDataLength",
        4 => "MaxSeedLengthExceeded",
        5 => "AddressWithSeedMismatch",
        6 => "NonceNoRecentBlockhashes",
        7 => "NonceBlockhashNotExpired",
        8 => "NonceUnexpectedBlockhashValue",
        _ => "SystemError",
    }
}

fn system_words(code: u32, in_use: Option<&str>, f: &ProgramFailure) -> String {
    let instruction = f.context.instruction.as_deref();
    match code {
        0 => {
            let address = in_use.unwrap_or("being created");
            match instruction {
                Some("PolicyCreate") => format!(
                    "account {address} already exists: the policy for this owner, agent and mint already exists ({address} is its vault or the policy); change it with `agent-escrow policy update POLICY`, or choose another agent or mint"
                ),
                Some("ProviderAllow") => format!(
                    "account {address} already exists: the provider is already on the policy's allowlist"
                ),
                _ => format!("account {address} already exists"),
            }
        }
        1 => {
            let line = f
                .logs
                .iter()
                .find_map(|l| l.split("insufficient lamports ").nth(1));
            match line {
                Some(values) => format!("the payer has too few lamports (SOL): {values}; fund the fee and rent payer with SOL"),
                None => "the payer has too few lamports (SOL) for the rent of the account being created; fund it with SOL".into(),
            }
        }
        3 => "an account being created has an invalid data length".into(),
        _ => format!(
            "the system program failed with {} (error {code})",
            system_error_name(code)
        ),
    }
}

/// The SPL Token / Token-2022 programs' error names, by code (`TokenError`'s
/// order; codes from 20 are Token-2022's).
pub fn token_error_name(code: u32) -> &'static str {
    const NAMES: [&str; 39] = [
        "NotRentExempt",
        "InsufficientFunds",
        "InvalidMint",
        "MintMismatch",
        "OwnerMismatch",
        "FixedSupply",
        "AlreadyInUse",
        "InvalidNumberOfProvidedSigners",
        "InvalidNumberOfRequiredSigners",
        "UninitializedState",
        "NativeNotSupported",
        "NonNativeHasBalance",
        "InvalidInstruction",
        "InvalidState",
        "Overflow",
        "AuthorityTypeNotSupported",
        "MintCannotFreeze",
        "AccountFrozen",
        "MintDecimalsMismatch",
        "NonNativeNotSupported",
        "ExtensionTypeMismatch",
        "ExtensionBaseMismatch",
        "ExtensionAlreadyInitialized",
        "ConfidentialTransferAccountHasBalance",
        "ConfidentialTransferAccountNotApproved",
        "ConfidentialTransferDepositsAndTransfersDisabled",
        "ConfidentialTransferElGamalPubkeyMismatch",
        "ConfidentialTransferBalanceMismatch",
        "MintHasSupply",
        "NoAuthorityExists",
        "TransferFeeExceedsMaximum",
        "MintRequiredForTransfer",
        "FeeMismatch",
        "FeeParametersMismatch",
        "ImmutableOwner",
        "AccountHasWithheldTransferFees",
        "NoMemo",
        "NonTransferable",
        "NonTransferableNeedsImmutableOwnership",
    ];
    usize::try_from(code)
        .ok()
        .and_then(|i| NAMES.get(i))
        .copied()
        .unwrap_or("TokenError")
}

fn token_words(code: u32, instruction: Option<&str>) -> String {
    match (code, instruction) {
        (1, Some("PolicyDeposit")) => "the source token account holds less than the deposit; deposit at most its balance, or fund it first".into(),
        (1, _) => "the policy vault holds less than the amount to pay out".into(),
        (4, Some("PolicyDeposit")) => "the depositor does not own the source token account (nor is its delegate): sign with its owner, or pass --from with the depositor's own account".into(),
        (4, _) => "a token account's owner is not the key that authorized the transfer".into(),
        (3, Some("PolicyDeposit")) => "the source token account is not of the policy's mint".into(),
        (3, _) => "a token account is not of the policy's mint".into(),
        (0, _) => "a token account holds fewer lamports than rent exemption needs".into(),
        (2, _) => "the mint is not a valid, initialized mint".into(),
        (9, _) => "a token account is not initialized: does it exist? (create the associated token account first)".into(),
        (17, _) => "a token account is frozen by the mint's freeze authority".into(),
        (18, _) => "the decimals given differ from the mint's decimals".into(),
        (14, _) => "the transfer would overflow the destination's balance".into(),
        (37, _) => "the mint's tokens are non-transferable".into(),
        _ => format!("the token program failed with {} (error {code})", token_error_name(code)),
    }
}

/// Human name of a program id.
fn program_label(id: &Pubkey) -> String {
    if *id == crate::pda::PROGRAM_ID {
        "agent_escrow".into()
    } else if *id == SYSTEM_PROGRAM {
        "system".into()
    } else if *id == agent_escrow::constants::TOKEN_PROGRAM_ID {
        "spl_token".into()
    } else if *id == agent_escrow::constants::TOKEN_2022_PROGRAM_ID {
        "token_2022".into()
    } else if *id == ATA_PROGRAM {
        "associated_token".into()
    } else if *id == agent_escrow::ed25519::ED25519_PROGRAM_ID {
        "ed25519".into()
    } else {
        id.to_string()
    }
}

/// The leading identifier of a Debug form: `Custom(5)` -> `Custom`.
fn debug_head(debug: &str) -> String {
    debug
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Stable name of a runtime error: the instruction error's variant for
/// `InstructionError` (`MissingRequiredSignature`), else the transaction
/// error's (`InsufficientFundsForFee`).
fn transaction_error_name(err: &TransactionError) -> String {
    match err {
        TransactionError::InstructionError(_, inner) => debug_head(&format!("{inner:?}")),
        other => debug_head(&format!("{other:?}")),
    }
}

/// Plain words for the runtime errors a user meets.
fn transaction_error_words(err: &TransactionError) -> String {
    use solana_instruction_error::InstructionError as IE;
    match err {
        TransactionError::InsufficientFundsForFee => {
            "the fee payer has too few lamports (SOL) to pay the fee".into()
        }
        TransactionError::AccountNotFound => {
            "the fee payer's account does not exist: fund it with SOL first".into()
        }
        TransactionError::BlockhashNotFound => {
            "the transaction's blockhash is unknown or too old: retry".into()
        }
        TransactionError::AlreadyProcessed => "this transaction has already landed".into(),
        TransactionError::InstructionError(index, inner) => {
            let what = match inner {
                IE::MissingRequiredSignature => {
                    "an account that must sign did not sign".to_string()
                }
                IE::PrivilegeEscalation => {
                    "an account was used as signer or writable without being passed so (a wrong PDA or bump?)".to_string()
                }
                IE::InsufficientFunds => "an account has too few lamports".to_string(),
                IE::AccountAlreadyInitialized => "the account already exists".to_string(),
                IE::UninitializedAccount => "an account does not exist".to_string(),
                IE::ComputationalBudgetExceeded | IE::ProgramFailedToComplete => {
                    "the instruction ran out of compute units".to_string()
                }
                other => format!("{other}"),
            };
            format!("instruction {index} failed: {what}")
        }
        other => other.to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_by_code() {
        assert_eq!(system_error_name(0), "AccountAlreadyInUse");
        assert_eq!(token_error_name(1), "InsufficientFunds");
        assert_eq!(token_error_name(4), "OwnerMismatch");
        assert_eq!(token_error_name(19), "NonNativeNotSupported");
        assert_eq!(token_error_name(37), "NonTransferable");
        assert_eq!(token_error_name(999), "TokenError");
        assert_eq!(snake("EscrowSubmitProof"), "escrow_submit_proof");
        assert_eq!(debug_head("Custom(5)"), "Custom");
    }

    #[test]
    fn finds_the_address_in_use() {
        let logs = vec![
            "Program 11111111111111111111111111111111 invoke [2]".to_string(),
            "Allocate: account Address { address: 9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin, base: None } already in use".to_string(),
        ];
        assert_eq!(
            find_address_in_use(&logs).as_deref(),
            Some("9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin")
        );
    }
}
