//! Checks made on the client, before any fee is spent: every bound the
//! client can know from the decoded accounts, the cluster's clock and the
//! signer's key.
//!
//! Each check is a pure function over [`Policy`] / [`Escrow`] values (as
//! read with [`crate::EscrowClient::policy`] / [`crate::EscrowClient::escrow`]),
//! the cluster's unix time (seconds, [`crate::transport::Transport::unix_timestamp`])
//! and the signer's pubkey. It returns the first rule the instruction would
//! break, as a [`Refusal`] naming the error the program would fail with (its
//! name and code), the CLI field concerned and a message with the value, the
//! bound and the fix; or `Ok` when the program would accept the instruction
//! as far as these accounts tell.
//!
//! The checks run in the program's own order, so the refusal is the error
//! the program would return for the same input. The arithmetic is the
//! program crate's: `Policy::spent`, `Policy::free`, `Policy::tier_for`,
//! `EscrowState::is_terminal`, the constants; and before accepting an
//! escrow or a policy, the program's own `claim_escrow_id`, `charge` and
//! `validate_limits` run on a copy of the policy, so the client never
//! accepts what the program's own code refuses.
//!
//! What the checks cannot know: the clock moves between the check and the
//! transaction's execution (a deadline or delay at the very edge may land
//! on the other side), and other transactions may change the accounts
//! meanwhile. The program stays the authority; these checks only save a fee
//! and say what to change.

use agent_escrow::{
    constants::{MAX_DELAY_SECONDS, MAX_ESCROW_DURATION, MAX_TIMEOUT_SECONDS, MIN_TIMEOUT_SECONDS},
    error::EscrowError,
    instructions::{EscrowCreateArgs, PolicyCreateArgs, PolicyUpdateArgs},
    state::{Escrow, EscrowState, Policy, ReleaseTier},
};
use anchor_lang::{error::ErrorCode as AnchorErrorCode, prelude::Pubkey};
use serde::Serialize;

use crate::amount::format_amount;

/// Why the client refuses to send an instruction: the program error it
/// anticipates, the CLI field concerned and a message that names the value,
/// the bound and the fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// Name of the error the program would fail with, e.g.
    /// `PerEscrowCapExceeded`, `ConstraintHasOne`, or for the token and
    /// system programs `InsufficientFunds`, `AccountAlreadyInUse`.
    pub error: String,
    /// Its code: 6000 + variant for this program's errors, 2000-3999 for
    /// Anchor's, the token or system program's own code otherwise.
    pub code: u32,
    /// The CLI flag or argument concerned, e.g. `--amount`, `--deadline`,
    /// `--owner`, `POLICY`, `ESCROW`, `AMOUNT`.
    pub field: &'static str,
    /// What is wrong and how to fix it, starting with the field.
    pub message: String,
}

impl Refusal {
    /// A refusal anticipating this program's error `error`.
    pub fn program(error: EscrowError, field: &'static str, message: String) -> Self {
        Self {
            error: error.name(),
            code: error.into(),
            field,
            message,
        }
    }

    /// A refusal anticipating one of Anchor's framework errors (account
    /// constraints: `ConstraintHasOne` 2001 for a wrong signer).
    pub fn anchor(error: AnchorErrorCode, field: &'static str, message: String) -> Self {
        Self {
            error: error.name(),
            code: error.into(),
            field,
            message,
        }
    }

    /// A refusal anticipating the SPL Token program's custom error `code`
    /// (see [`crate::error::token_error_name`]).
    pub fn token(code: u32, field: &'static str, message: String) -> Self {
        Self {
            error: crate::error::token_error_name(code).to_string(),
            code,
            field,
            message,
        }
    }

    /// A refusal anticipating the system program's custom error `code`
    /// (see [`crate::error::system_error_name`]).
    pub fn system(code: u32, field: &'static str, message: String) -> Self {
        Self {
            error: crate::error::system_error_name(code).to_string(),
            code,
            field,
            message,
        }
    }

    /// From an error the program crate's own host-callable code returned
    /// (the backstop checks); `field` and `message` say where it came from.
    fn from_anchor_error(err: anchor_lang::error::Error, field: &'static str, what: &str) -> Self {
        let (error, code, text) = match err {
            anchor_lang::error::Error::AnchorError(e) => (
                e.error_name.clone(),
                e.error_code_number,
                e.error_msg.clone(),
            ),
            anchor_lang::error::Error::ProgramError(e) => (
                format!("{:?}", e.program_error),
                0,
                e.program_error.to_string(),
            ),
        };
        Self {
            error,
            code,
            field,
            message: format!("{field}: {what}: {text}"),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Refusal {}

/// A policy as read from the chain: its address and decoded account.
#[derive(Debug, Clone, Copy)]
pub struct PolicyView<'a> {
    pub address: Pubkey,
    pub policy: &'a Policy,
}

/// An escrow as read from the chain, with its policy and the state of the
/// escrow it depends on (if it names one: that account is kept until its
/// dependents settle, so it can always be read).
#[derive(Debug, Clone, Copy)]
pub struct EscrowView<'a> {
    pub policy: PolicyView<'a>,
    pub address: Pubkey,
    pub escrow: &'a Escrow,
    /// State of the `depends_on` escrow; `None` when the escrow has no dependency.
    pub upstream: Option<EscrowState>,
}

/// The instructions that act on one escrow (for state and signer wording).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EscrowInstruction {
    SubmitProof,
    Approve,
    Veto,
    Release,
    Refund,
    Dispute,
    Resolve,
    Cancel,
    Close,
}

impl EscrowInstruction {
    /// The CLI command's name, e.g. `approve` (`agent-escrow escrow approve`).
    pub fn command(self) -> &'static str {
        match self {
            Self::SubmitProof => "proof",
            Self::Approve => "approve",
            Self::Veto => "veto",
            Self::Release => "release",
            Self::Refund => "refund",
            Self::Dispute => "dispute",
            Self::Resolve => "resolve",
            Self::Cancel => "cancel",
            Self::Close => "close",
        }
    }

    /// The instruction from the name Anchor logs (`Instruction: EscrowApprove`).
    pub fn from_log_name(name: &str) -> Option<Self> {
        Some(match name {
            "EscrowSubmitProof" => Self::SubmitProof,
            "EscrowApprove" | "EscrowApproveOffchain" => Self::Approve,
            "EscrowVeto" | "EscrowVetoOffchain" => Self::Veto,
            "EscrowRelease" => Self::Release,
            "EscrowRefund" => Self::Refund,
            "EscrowDispute" => Self::Dispute,
            "EscrowResolve" => Self::Resolve,
            "EscrowCancel" => Self::Cancel,
            "EscrowClose" => Self::Close,
            _ => return None,
        })
    }

    /// The states the instruction accepts.
    pub fn required_states(self) -> &'static [EscrowState] {
        use EscrowState::*;
        match self {
            Self::SubmitProof | Self::Cancel => &[Funded],
            Self::Approve | Self::Veto | Self::Release | Self::Dispute => &[ProofSubmitted],
            Self::Refund => &[Funded, ProofSubmitted, Disputed],
            Self::Resolve => &[Disputed],
            Self::Close => &[Released, Refunded, Resolved, Cancelled],
        }
    }

    /// What the instruction needs, in words: "ProofSubmitted (proof
    /// submitted, approval tier)".
    pub fn requirement(self) -> &'static str {
        match self {
            Self::SubmitProof => "Funded (no proof yet, before the deadline)",
            Self::Approve => "ProofSubmitted (proof submitted, approval tier)",
            Self::Veto => "ProofSubmitted (proof submitted, delay tier, not yet released)",
            Self::Release => "ProofSubmitted (proof submitted, delay tier after its delay, or instant tier waiting for its dependency)",
            Self::Refund => "Funded (after the deadline), ProofSubmitted (waiting for approval or a dependency, after review_timeout) or Disputed (after dispute_timeout)",
            Self::Dispute => "ProofSubmitted (proof submitted, not yet released)",
            Self::Resolve => "Disputed (disputed or vetoed)",
            Self::Cancel => "Funded (no proof yet)",
            Self::Close => "a settled state (Released, Refunded, Resolved or Cancelled) with no open dependents",
        }
    }
}

/// A unix time (seconds) as RFC 3339 in UTC, e.g. `2026-11-22T05:40:58Z`.
pub fn utc(unix_timestamp: i64) -> String {
    chrono::DateTime::from_timestamp(unix_timestamp, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| format!("unix time {unix_timestamp}"))
}

/// An escrow's state in words: "Funded (waiting for the provider's proof)".
pub fn describe_state(escrow: &Escrow) -> String {
    let tier = tier_name(escrow.tier);
    match EscrowState::from_u8(escrow.state) {
        Some(EscrowState::Funded) => "Funded (waiting for the provider's proof)".into(),
        Some(EscrowState::ProofSubmitted) => {
            format!("ProofSubmitted (proof submitted, {tier} tier)")
        }
        Some(EscrowState::Released) => "Released (paid to the provider)".into(),
        Some(EscrowState::Refunded) => "Refunded (unlocked back into the policy)".into(),
        Some(EscrowState::Disputed) => "Disputed (waiting for the arbiter)".into(),
        Some(EscrowState::Resolved) => "Resolved (split by the arbiter)".into(),
        Some(EscrowState::Cancelled) => "Cancelled (called off by agent and provider)".into(),
        None => format!("in an unknown state (byte {})", escrow.state),
    }
}

/// The refusal for an escrow whose state `instruction` does not accept
/// (`InvalidEscrowState`, 6013): "escrow E is Funded (...); approve needs
/// ProofSubmitted (proof submitted, approval tier)", with what to do next.
pub fn state_refusal(instruction: EscrowInstruction, address: &Pubkey, escrow: &Escrow) -> Refusal {
    let hint = match (instruction, EscrowState::from_u8(escrow.state)) {
        (_, Some(EscrowState::Funded)) => {
            format!("; the provider submits a proof first (`agent-escrow escrow proof {address}`)")
        }
        (EscrowInstruction::Resolve, Some(EscrowState::ProofSubmitted)) => format!(
            "; the agent or the owner disputes it first (`agent-escrow escrow dispute {address}`)"
        ),
        (_, Some(s)) if s.is_terminal() => {
            format!("; it is settled (see `agent-escrow history --escrow {address}`)")
        }
        _ => String::new(),
    };
    Refusal::program(
        EscrowError::InvalidEscrowState,
        "ESCROW",
        format!(
            "ESCROW: escrow {address} is {}; {} needs {}{hint}",
            describe_state(escrow),
            instruction.command(),
            instruction.requirement(),
        ),
    )
}

/// Amount in decimal token units with the unit: "150 USDC" (6-decimal
/// mints), "150 tokens" otherwise.
pub fn tokens(base_units: u64, decimals: u8) -> String {
    let unit = if decimals == crate::amount::USDC_DECIMALS {
        "USDC"
    } else {
        "tokens"
    };
    format!("{} {unit}", format_amount(base_units, decimals))
}

/// A duration in seconds as the CLI's flags take it: `14d`, `1h30m`, `90s`.
pub fn format_duration(seconds: i64) -> String {
    if seconds <= 0 {
        return format!("{seconds}s");
    }
    let mut out = String::new();
    let mut rest = seconds;
    for (unit, size) in [("d", 86_400i64), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

fn tier_name(tier: u8) -> &'static str {
    match tier {
        0 => "instant",
        1 => "delay",
        2 => "approval",
        _ => "unknown",
    }
}

/// "(the agent)", "(the owner)", ... or "(no role in this policy)".
fn role(key: &Pubkey, policy: &Policy, escrow: Option<&Escrow>) -> &'static str {
    if *key == policy.owner {
        "(the owner)"
    } else if *key == policy.agent {
        "(the agent)"
    } else if escrow.is_some_and(|e| e.provider == *key) {
        "(the provider)"
    } else if *key == policy.arbiter {
        "(the arbiter)"
    } else {
        "(no role in this policy)"
    }
}

/// `ConstraintHasOne` for a signer that is not the one the account names.
fn wrong_signer(
    command: &str,
    expected_role: &str,
    expected: &Pubkey,
    signer: &Pubkey,
    field: &'static str,
    view: &PolicyView,
    escrow: Option<&Escrow>,
) -> Refusal {
    Refusal::anchor(
        AnchorErrorCode::ConstraintHasOne,
        field,
        format!(
            "{field}: {command} must be signed by {expected_role} {expected}; the signer is {signer} {}; sign with that key ({field} SIGNER)",
            role(signer, view.policy, escrow)
        ),
    )
}

/// What the policy may still spend at `now`: (24 h, 30 days), base units.
fn remaining(policy: &Policy, now: i64) -> Result<(u64, u64, u64, u64), Refusal> {
    let (day, month) = policy.spent(now).map_err(|e| {
        Refusal::from_anchor_error(e, "POLICY", "cannot read the policy's spend windows")
    })?;
    Ok((
        policy.daily_cap.saturating_sub(day),
        policy.monthly_cap.saturating_sub(month),
        day,
        month,
    ))
}

/// What an accepted `escrow_create` will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CreatePlan {
    /// The tier the escrow gets.
    #[serde(serialize_with = "serialize_tier")]
    pub tier: ReleaseTier,
    /// Free balance after the escrow locks its amount, base units.
    pub free_after: u64,
    /// What the policy may still spend after it, in the rolling 24 h and 30
    /// day windows, base units.
    pub remaining_24h: u64,
    pub remaining_30d: u64,
}

fn serialize_tier<S: serde::Serializer>(tier: &ReleaseTier, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(match tier {
        ReleaseTier::Instant => "instant",
        ReleaseTier::Delay => "delay",
        ReleaseTier::Approval => "approval",
    })
}

/// Checks `escrow_create` as the program would, in its order: the signer is
/// the policy's agent, the policy is not paused or expired, `amount` (base
/// units) is 1..=per_escrow_max, the deadline (unix seconds) is in
/// `(now, now + max_escrow_duration]`, the provider is a real key other than
/// the agent, owner, policy and vault, the task hash is not zero, the
/// allowlist entry exists when required (`allow_entry_exists`: whether
/// `["allow", policy, provider]` exists), the dependency (`upstream`: the
/// decoded `depends_on` escrow, `None` if no account exists there, which
/// Anchor refuses as `AccountOwnedByWrongProgram`; ignored when
/// `args.depends_on` is `None`) is an open or Released escrow of the
/// same policy, the free balance
/// (`vault_amount` − locked, base units) covers the amount, the escrow id
/// is available, and the rolling 24 h / 30 day caps leave room.
#[allow(clippy::too_many_arguments)]
pub fn escrow_create(
    view: &PolicyView,
    vault_amount: u64,
    signer: &Pubkey,
    args: &EscrowCreateArgs,
    allow_entry_exists: bool,
    upstream: Option<&Escrow>,
    now: i64,
) -> Result<CreatePlan, Refusal> {
    let policy = view.policy;
    let p = view.address;
    let dec = policy.decimals;
    if *signer != policy.agent {
        return Err(wrong_signer(
            "escrow create",
            "the policy's agent",
            &policy.agent,
            signer,
            "--agent",
            view,
            None,
        ));
    }
    if policy.paused != 0 {
        return Err(Refusal::program(
            EscrowError::PolicyPaused,
            "POLICY",
            format!("POLICY: policy {p} is paused, so no escrow can be created; the owner resumes it with `agent-escrow policy resume {p}`"),
        ));
    }
    if policy.expires_at != 0 && now >= policy.expires_at {
        return Err(Refusal::program(
            EscrowError::PolicyExpired,
            "POLICY",
            format!(
                "POLICY: policy {p} expired {} ago (at {}); the owner extends it with `agent-escrow policy update {p} --expires-in DURATION` (or --no-expiry)",
                format_duration(now.saturating_sub(policy.expires_at)),
                utc(policy.expires_at)
            ),
        ));
    }
    let amount = args.amount;
    if amount == 0 {
        return Err(Refusal::program(
            EscrowError::ZeroAmount,
            "--amount",
            format!(
                "--amount: 0 is not an amount; give at least {}",
                tokens(1, dec)
            ),
        ));
    }
    if amount > policy.per_escrow_max {
        let cap = format_amount(policy.per_escrow_max, dec);
        return Err(Refusal::program(
            EscrowError::PerEscrowCapExceeded,
            "--amount",
            format!(
                "--amount: {} is above policy {p}'s per-escrow cap of {}; give at most {cap}, or the owner raises it with `agent-escrow policy update {p} --per-escrow-max AMOUNT`",
                tokens(amount, dec),
                tokens(policy.per_escrow_max, dec)
            ),
        ));
    }
    let latest = now.checked_add(policy.max_escrow_duration);
    if args.deadline <= now || latest.is_none_or(|latest| args.deadline > latest) {
        let max = format_duration(policy.max_escrow_duration);
        let message = if args.deadline <= now {
            format!(
                "--deadline: the deadline {} is {} ago, not in the future; give a duration of at least 1s and at most {max} (policy {p}'s max escrow duration)",
                args.deadline,
                format_duration(now.saturating_sub(args.deadline))
            )
        } else {
            format!(
                "--deadline: {} is longer than policy {p}'s max escrow duration of {max}; give at most {max}, or the owner raises it with `agent-escrow policy update {p} --max-escrow-duration DURATION`",
                format_duration(args.deadline.saturating_sub(now))
            )
        };
        return Err(Refusal::program(
            EscrowError::DeadlineOutOfRange,
            "--deadline",
            message,
        ));
    }
    let provider = args.provider;
    let who = if provider == Pubkey::default() {
        Some("the default (all-zero) key")
    } else if provider == policy.agent {
        Some("the policy's agent")
    } else if provider == policy.owner {
        Some("the policy's owner")
    } else if provider == p {
        Some("the policy itself")
    } else if provider == policy.vault {
        Some("the policy's vault")
    } else {
        None
    };
    if let Some(who) = who {
        return Err(Refusal::program(
            EscrowError::InvalidProvider,
            "--provider",
            format!("--provider: {provider} is {who}; the provider must be a real key other than the agent, the owner, the policy and its vault"),
        ));
    }
    if args.task_hash == [0u8; 32] {
        return Err(Refusal::program(
            EscrowError::ZeroHash,
            "--task-hash",
            "--task-hash: the task hash is all zeros; give the sha256 of the task specification (--task-file PATH hashes it)".into(),
        ));
    }
    if policy.require_allowlist != 0 && !allow_entry_exists {
        return Err(Refusal::program(
            EscrowError::ProviderNotAllowed,
            "--provider",
            format!("--provider: policy {p} pays only allowlisted providers and {provider} is not on its allowlist; the owner adds it with `agent-escrow policy allow {p} {provider}`"),
        ));
    }
    if let Some(upstream_key) = args.depends_on {
        let state = upstream.and_then(|u| EscrowState::from_u8(u.state));
        let usable = matches!(
            state,
            Some(
                EscrowState::Funded
                    | EscrowState::ProofSubmitted
                    | EscrowState::Disputed
                    | EscrowState::Released
            )
        );
        let reason = match upstream {
            None => {
                return Err(Refusal::anchor(
                    AnchorErrorCode::AccountOwnedByWrongProgram,
                    "--depends-on",
                    format!("--depends-on: no escrow exists at {upstream_key} (a settled escrow is closed unless others depend on it); name an open (Funded, ProofSubmitted, Disputed) or Released escrow of policy {p}"),
                ));
            }
            Some(u) if u.policy != p => Some(format!("it belongs to policy {}, not {p}", u.policy)),
            Some(u) if !usable => Some(format!("it is {}", describe_state(u))),
            Some(u) if u.dependents == u16::MAX => {
                return Err(Refusal::program(
                    EscrowError::TooManyDependents,
                    "--depends-on",
                    format!("--depends-on: escrow {upstream_key} already has {} dependents, the most it can have", u.dependents),
                ));
            }
            Some(_) => None,
        };
        if let Some(reason) = reason {
            return Err(Refusal::program(
                EscrowError::InvalidDependency,
                "--depends-on",
                format!("--depends-on: escrow {upstream_key} cannot be depended on: {reason}; name an open (Funded, ProofSubmitted, Disputed) or Released escrow of policy {p}"),
            ));
        }
    }
    let free = policy.free(vault_amount).map_err(|_| {
        Refusal::program(
            EscrowError::InsufficientBudget,
            "--amount",
            format!(
                "--amount: policy {p}'s vault holds {}, less than the {} its open escrows lock; deposit with `agent-escrow policy deposit {p} AMOUNT`",
                tokens(vault_amount, dec),
                tokens(policy.locked, dec)
            ),
        )
    })?;
    if free < amount {
        let short = amount.saturating_sub(free);
        return Err(Refusal::program(
            EscrowError::InsufficientBudget,
            "--amount",
            format!(
                "--amount: {} is above policy {p}'s free balance of {} (vault {} - locked {}); give at most {}, or deposit at least {} more with `agent-escrow policy deposit {p} {}`",
                tokens(amount, dec),
                tokens(free, dec),
                format_amount(vault_amount, dec),
                format_amount(policy.locked, dec),
                format_amount(free, dec),
                format_amount(short, dec),
                format_amount(short, dec)
            ),
        ));
    }
    if let Some(refusal) = escrow_id_refusal(view, args.escrow_id) {
        return Err(refusal);
    }
    let (left_24h, left_30d, day, month) = remaining(policy, now)?;
    let budget = format!(
        "remaining today {}, this month {} (spent {} of the {} rolling 24 h cap, {} of the {} 30 day cap)",
        tokens(left_24h, dec),
        tokens(left_30d, dec),
        format_amount(day, dec),
        format_amount(policy.daily_cap, dec),
        format_amount(month, dec),
        format_amount(policy.monthly_cap, dec)
    );
    if amount > left_24h {
        return Err(Refusal::program(
            EscrowError::DailyCapExceeded,
            "--amount",
            format!(
                "--amount: {} is above what policy {p} may still spend in 24 h: {budget}; give at most {}, or wait until earlier escrows leave the 24 h window, or the owner raises it with `agent-escrow policy update {p} --daily-cap AMOUNT`",
                tokens(amount, dec),
                format_amount(left_24h, dec)
            ),
        ));
    }
    if amount > left_30d {
        return Err(Refusal::program(
            EscrowError::MonthlyCapExceeded,
            "--amount",
            format!(
                "--amount: {} is above what policy {p} may still spend in 30 days: {budget}; give at most {}, or wait until earlier escrows leave the 30 day window, or the owner raises it with `agent-escrow policy update {p} --monthly-cap AMOUNT`",
                tokens(amount, dec),
                format_amount(left_30d, dec)
            ),
        ));
    }
    // Backstop: the program's own id and spend logic on a copy. It agrees
    // with the checks above; if it ever did not, its error is the refusal
    // (and it never logs when it passes).
    let mut copy = *policy;
    copy.claim_escrow_id(args.escrow_id)
        .map_err(|e| Refusal::from_anchor_error(e, "--escrow-id", "the program's id check"))?;
    let (day_after, month_after) = copy
        .charge(now, amount)
        .map_err(|e| Refusal::from_anchor_error(e, "--amount", "the program's cap check"))?;
    let tier = if policy.review_unlisted != 0 && !allow_entry_exists {
        ReleaseTier::Approval
    } else {
        policy.tier_for(amount)
    };
    Ok(CreatePlan {
        tier,
        free_after: free.saturating_sub(amount),
        remaining_24h: policy.daily_cap.saturating_sub(day_after),
        remaining_30d: policy.monthly_cap.saturating_sub(month_after),
    })
}

/// `EscrowIdUnavailable` if `id` was used or lies outside
/// `[next_escrow_id - 256, next_escrow_id + 256)` (the rule of
/// `Policy::claim_escrow_id`), else `None`.
pub fn escrow_id_refusal(view: &PolicyView, id: u64) -> Option<Refusal> {
    use agent_escrow::constants::ID_WINDOW;
    let policy = view.policy;
    let next = policy.next_escrow_id;
    let slot = id % ID_WINDOW;
    let used = policy
        .used_ids
        .get((slot / 64) as usize)
        .is_some_and(|word| word & (1u64 << (slot % 64)) != 0);
    let available = if id >= next {
        id < next.saturating_add(ID_WINDOW)
    } else {
        next.saturating_sub(id) <= ID_WINDOW && !used
    };
    if available {
        return None;
    }
    let why = if id < next && next.saturating_sub(id) <= ID_WINDOW {
        "is used already".to_string()
    } else {
        format!(
            "is outside the window [{}, {}) of ids the policy accepts",
            next.saturating_sub(ID_WINDOW),
            next.saturating_add(ID_WINDOW)
        )
    };
    Some(Refusal::program(
        EscrowError::EscrowIdUnavailable,
        "--escrow-id",
        format!(
            "--escrow-id: id {id} of policy {} {why}; ids are never reused: omit --escrow-id to take the next id ({next})",
            view.address
        ),
    ))
}

/// The limit checks of `Policy::validate_limits`, in its order, worded for
/// the flag that set each value. `given` says which flags the user gave
/// (for `policy update`: the fields of its args that are `Some`), to name
/// the one the user changed when two values conflict.
fn limits_refusal(policy: &Policy, given: &Given, p: Option<&Pubkey>) -> Option<Refusal> {
    let dec = policy.decimals;
    let t = |v: u64| tokens(v, dec);
    let update = |flag: &str| match p {
        Some(p) => format!(" (`agent-escrow policy update {p} {flag} ...`)"),
        None => String::new(),
    };
    let limits = |field: &'static str, message: String| {
        Some(Refusal::program(
            EscrowError::InvalidPolicyLimits,
            field,
            format!("{field}: {message}; the limits must satisfy 0 < per-escrow max <= daily cap <= monthly cap and instant max <= delay max"),
        ))
    };
    if policy.per_escrow_max == 0 {
        return limits(
            "--per-escrow-max",
            "0 is not a per-escrow cap; give more than 0".into(),
        );
    }
    if policy.per_escrow_max > policy.daily_cap {
        let field = if given.daily_cap && !given.per_escrow_max {
            "--daily-cap"
        } else {
            "--per-escrow-max"
        };
        return limits(
            field,
            format!(
                "the per-escrow cap {} is above the daily cap {}{}",
                t(policy.per_escrow_max),
                t(policy.daily_cap),
                update(if field == "--daily-cap" {
                    "--per-escrow-max"
                } else {
                    "--daily-cap"
                })
            ),
        );
    }
    if policy.daily_cap > policy.monthly_cap {
        let field = if given.monthly_cap && !given.daily_cap {
            "--monthly-cap"
        } else {
            "--daily-cap"
        };
        return limits(
            field,
            format!(
                "the daily cap {} is above the monthly cap {}",
                t(policy.daily_cap),
                t(policy.monthly_cap)
            ),
        );
    }
    if policy.instant_max > policy.delay_max {
        let field = if given.delay_max && !given.instant_max {
            "--delay-max"
        } else {
            "--instant-max"
        };
        return limits(
            field,
            format!(
                "the instant tier's maximum {} is above the delay tier's maximum {}",
                t(policy.instant_max),
                t(policy.delay_max)
            ),
        );
    }
    if !(0..=MAX_DELAY_SECONDS).contains(&policy.delay_seconds) {
        return Some(Refusal::program(
            EscrowError::DelayOutOfRange,
            "--delay",
            format!(
                "--delay: {} is outside 0s..{} (30 days)",
                format_duration(policy.delay_seconds),
                format_duration(MAX_DELAY_SECONDS)
            ),
        ));
    }
    let timeouts = MIN_TIMEOUT_SECONDS..=MAX_TIMEOUT_SECONDS;
    for (field, value) in [
        ("--dispute-timeout", policy.dispute_timeout),
        ("--review-timeout", policy.review_timeout),
    ] {
        if !timeouts.contains(&value) {
            return Some(Refusal::program(
                EscrowError::TimeoutOutOfRange,
                field,
                format!(
                    "{field}: {} is outside {}..{} (1 hour to 90 days)",
                    format_duration(value),
                    format_duration(MIN_TIMEOUT_SECONDS),
                    format_duration(MAX_TIMEOUT_SECONDS)
                ),
            ));
        }
    }
    if !(MIN_TIMEOUT_SECONDS..=MAX_ESCROW_DURATION).contains(&policy.max_escrow_duration) {
        return Some(Refusal::program(
            EscrowError::TimeoutOutOfRange,
            "--max-escrow-duration",
            format!(
                "--max-escrow-duration: {} is outside {}..{} (1 hour to 365 days)",
                format_duration(policy.max_escrow_duration),
                format_duration(MIN_TIMEOUT_SECONDS),
                format_duration(MAX_ESCROW_DURATION)
            ),
        ));
    }
    if policy.arbiter == policy.agent || policy.arbiter == Pubkey::default() {
        let (field, message) = if policy.arbiter == Pubkey::default() {
            (
                "--arbiter",
                "the arbiter is the default (all-zero) key".to_string(),
            )
        } else if given.agent && !given.arbiter {
            (
                "--agent",
                format!("the new agent {} is the policy's arbiter; an agent may never resolve its own disputes: name another arbiter (--arbiter PUBKEY) or another agent", policy.agent),
            )
        } else {
            (
                "--arbiter",
                format!("{} is the agent; an agent may never resolve its own disputes: name another key (default: the owner)", policy.arbiter),
            )
        };
        return Some(Refusal::program(
            EscrowError::InvalidArbiter,
            field,
            format!("{field}: {message}"),
        ));
    }
    None
}

/// Which flags were given (to name the changed one when two conflict).
#[derive(Debug, Default, Clone, Copy)]
struct Given {
    agent: bool,
    per_escrow_max: bool,
    daily_cap: bool,
    monthly_cap: bool,
    instant_max: bool,
    delay_max: bool,
    arbiter: bool,
}

/// Runs the program's own `validate_limits` on `policy` (which the checks
/// above found valid, so it does not log); its error, if any, is the refusal.
fn limits_backstop(policy: &Policy) -> Result<(), Refusal> {
    policy
        .validate_limits()
        .map_err(|e| Refusal::from_anchor_error(e, "POLICY", "the program's limit check"))
}

/// Checks `policy_create` as the program would, in its order: `expires_at`
/// is 0 or after `now` (unix seconds), the agent is a real key other than
/// the owner, the policy does not exist yet (`policy_exists`: whether an
/// account exists at the policy's address; the system program would fail
/// with `AccountAlreadyInUse`; `mint` names it), and the limits hold (see
/// `Policy::validate_limits`; amounts in base units of a mint with
/// `decimals`, durations in seconds). The mint itself (SPL Token or a
/// Token-2022 mint without refused extensions) is checked by the program.
pub fn policy_create(
    owner: &Pubkey,
    mint: &Pubkey,
    args: &PolicyCreateArgs,
    decimals: u8,
    policy_exists: bool,
    now: i64,
) -> Result<(), Refusal> {
    if args.expires_at != 0 && args.expires_at <= now {
        return Err(expiry_refusal(args.expires_at, now));
    }
    if args.agent == Pubkey::default() || args.agent == *owner {
        return Err(agent_refusal(&args.agent, owner));
    }
    if policy_exists {
        let (policy, _) = crate::pda::policy_address(owner, &args.agent, mint);
        return Err(Refusal::system(
            0,
            "--agent",
            format!(
                "--agent: policy {policy} of owner {owner}, agent {} and mint {mint} already exists; change it with `agent-escrow policy update {policy} ...`, or give another agent or mint",
                args.agent
            ),
        ));
    }
    let mut policy: Policy = bytemuck::Zeroable::zeroed();
    policy.owner = *owner;
    policy.agent = args.agent;
    policy.seed_agent = args.agent;
    policy.arbiter = args.arbiter.unwrap_or(*owner);
    policy.per_escrow_max = args.per_escrow_max;
    policy.daily_cap = args.daily_cap;
    policy.monthly_cap = args.monthly_cap;
    policy.instant_max = args.instant_max;
    policy.delay_max = args.delay_max;
    policy.delay_seconds = args.delay_seconds;
    policy.expires_at = args.expires_at;
    policy.dispute_timeout = args
        .dispute_timeout
        .unwrap_or(agent_escrow::constants::DEFAULT_DISPUTE_TIMEOUT);
    policy.review_timeout = args
        .review_timeout
        .unwrap_or(agent_escrow::constants::DEFAULT_REVIEW_TIMEOUT);
    policy.max_escrow_duration = args
        .max_escrow_duration
        .unwrap_or(agent_escrow::constants::DEFAULT_ESCROW_DURATION);
    policy.decimals = decimals;
    let given = Given {
        agent: true,
        per_escrow_max: true,
        daily_cap: true,
        monthly_cap: true,
        instant_max: true,
        delay_max: true,
        arbiter: args.arbiter.is_some(),
    };
    if let Some(refusal) = limits_refusal(&policy, &given, None) {
        return Err(refusal);
    }
    limits_backstop(&policy)
}

fn expiry_refusal(expires_at: i64, now: i64) -> Refusal {
    Refusal::program(
        EscrowError::ExpiryInPast,
        "--expires-in",
        format!(
            "--expires-in: the expiry {} is {} before the cluster's clock ({}); give a duration of at least 1s, or --no-expiry",
            utc(expires_at),
            format_duration(now.saturating_sub(expires_at)),
            utc(now)
        ),
    )
}

fn agent_refusal(agent: &Pubkey, owner: &Pubkey) -> Refusal {
    let who = if *agent == Pubkey::default() {
        "the default (all-zero) key"
    } else {
        "the owner"
    };
    Refusal::program(
        EscrowError::InvalidAgent,
        "--agent",
        format!(
            "--agent: {agent} is {who}; the agent must be a real key other than the owner {owner}"
        ),
    )
}

/// Checks `policy_update` as the program would, in its order: the signer
/// is the owner, a new agent is a real key other than the owner, a new
/// `expires_at` is 0 or after `now` (unix seconds), and the limits after
/// the update hold (`Policy::validate_limits`; the arbiter may not be the
/// agent, before or after a rotation).
pub fn policy_update(
    view: &PolicyView,
    signer: &Pubkey,
    args: &PolicyUpdateArgs,
    now: i64,
) -> Result<(), Refusal> {
    let current = view.policy;
    if *signer != current.owner {
        return Err(wrong_signer(
            "policy update",
            "the policy's owner",
            &current.owner,
            signer,
            "--owner",
            view,
            None,
        ));
    }
    let mut policy = *current;
    if let Some(agent) = args.agent {
        if agent == Pubkey::default() || agent == current.owner {
            return Err(agent_refusal(&agent, &current.owner));
        }
        policy.agent = agent;
    }
    if let Some(expires_at) = args.expires_at {
        if expires_at != 0 && expires_at <= now {
            return Err(expiry_refusal(expires_at, now));
        }
        policy.expires_at = expires_at;
    }
    policy.arbiter = args.arbiter.unwrap_or(policy.arbiter);
    policy.per_escrow_max = args.per_escrow_max.unwrap_or(policy.per_escrow_max);
    policy.daily_cap = args.daily_cap.unwrap_or(policy.daily_cap);
    policy.monthly_cap = args.monthly_cap.unwrap_or(policy.monthly_cap);
    policy.instant_max = args.instant_max.unwrap_or(policy.instant_max);
    policy.delay_max = args.delay_max.unwrap_or(policy.delay_max);
    policy.delay_seconds = args.delay_seconds.unwrap_or(policy.delay_seconds);
    policy.dispute_timeout = args.dispute_timeout.unwrap_or(policy.dispute_timeout);
    policy.review_timeout = args.review_timeout.unwrap_or(policy.review_timeout);
    policy.max_escrow_duration = args
        .max_escrow_duration
        .unwrap_or(policy.max_escrow_duration);
    let given = Given {
        agent: args.agent.is_some(),
        per_escrow_max: args.per_escrow_max.is_some(),
        daily_cap: args.daily_cap.is_some(),
        monthly_cap: args.monthly_cap.is_some(),
        instant_max: args.instant_max.is_some(),
        delay_max: args.delay_max.is_some(),
        arbiter: args.arbiter.is_some(),
    };
    if let Some(refusal) = limits_refusal(&policy, &given, Some(&view.address)) {
        return Err(refusal);
    }
    limits_backstop(&policy)
}

/// Checks `policy_withdraw`: the signer is the owner, `amount` (base
/// units) is at least 1 and at most the free balance (`vault_amount` −
/// locked).
pub fn policy_withdraw(
    view: &PolicyView,
    signer: &Pubkey,
    vault_amount: u64,
    amount: u64,
) -> Result<(), Refusal> {
    let policy = view.policy;
    let p = view.address;
    let dec = policy.decimals;
    if *signer != policy.owner {
        return Err(wrong_signer(
            "policy withdraw",
            "the policy's owner",
            &policy.owner,
            signer,
            "--owner",
            view,
            None,
        ));
    }
    if amount == 0 {
        return Err(Refusal::program(
            EscrowError::ZeroAmount,
            "AMOUNT",
            format!(
                "AMOUNT: 0 is not an amount; give at least {}",
                tokens(1, dec)
            ),
        ));
    }
    let free = policy.free(vault_amount).map_err(|_| {
        Refusal::program(
            EscrowError::InsufficientBudget,
            "AMOUNT",
            format!(
                "AMOUNT: policy {p}'s vault holds {}, less than the {} its open escrows lock; nothing can be withdrawn",
                tokens(vault_amount, dec),
                tokens(policy.locked, dec)
            ),
        )
    })?;
    if amount > free {
        return Err(Refusal::program(
            EscrowError::InsufficientVaultBalance,
            "AMOUNT",
            format!(
                "AMOUNT: {} is above policy {p}'s free balance of {} (vault {} - locked {} by open escrows); give at most {}",
                tokens(amount, dec),
                tokens(free, dec),
                format_amount(vault_amount, dec),
                format_amount(policy.locked, dec),
                format_amount(free, dec)
            ),
        ));
    }
    Ok(())
}

/// Checks `policy_deposit`: `amount` (base units) is at least 1 and, when
/// the source token account's balance is known (`source_balance`, base
/// units), at most that balance (else the token program fails with
/// `InsufficientFunds`, 1).
pub fn policy_deposit(
    view: &PolicyView,
    amount: u64,
    source: &Pubkey,
    source_balance: Option<u64>,
) -> Result<(), Refusal> {
    let dec = view.policy.decimals;
    if amount == 0 {
        return Err(Refusal::program(
            EscrowError::ZeroAmount,
            "AMOUNT",
            format!(
                "AMOUNT: 0 is not an amount; give at least {}",
                tokens(1, dec)
            ),
        ));
    }
    if let Some(balance) = source_balance {
        if amount > balance {
            return Err(Refusal::token(
                1,
                "AMOUNT",
                format!(
                    "AMOUNT: {} is more than the source token account {source} holds ({}); give at most {}, or fund it first",
                    tokens(amount, dec),
                    tokens(balance, dec),
                    format_amount(balance, dec)
                ),
            ));
        }
    }
    Ok(())
}

/// Checks `policy_pause`: the signer is the owner or the agent.
pub fn policy_pause(view: &PolicyView, signer: &Pubkey) -> Result<(), Refusal> {
    let policy = view.policy;
    if *signer != policy.owner && *signer != policy.agent {
        return Err(Refusal::program(
            EscrowError::Unauthorized,
            "--authority",
            format!(
                "--authority: policy pause must be signed by the policy's owner {} or its agent {}; the signer is {signer} {}",
                policy.owner,
                policy.agent,
                role(signer, policy, None)
            ),
        ));
    }
    Ok(())
}

/// Checks the owner-only policy instructions without other rules
/// (`policy_resume`, `provider_allow`, `provider_disallow`): the signer is
/// the owner. `command` names it in the message, e.g. "policy resume".
pub fn owner_only(view: &PolicyView, signer: &Pubkey, command: &str) -> Result<(), Refusal> {
    if *signer != view.policy.owner {
        return Err(wrong_signer(
            command,
            "the policy's owner",
            &view.policy.owner,
            signer,
            "--owner",
            view,
            None,
        ));
    }
    Ok(())
}

fn state_of(view: &EscrowView) -> Option<EscrowState> {
    EscrowState::from_u8(view.escrow.state)
}

fn require_state(view: &EscrowView, ix: EscrowInstruction) -> Result<EscrowState, Refusal> {
    match state_of(view) {
        Some(state) if ix.required_states().contains(&state) => Ok(state),
        _ => Err(state_refusal(ix, &view.address, view.escrow)),
    }
}

fn dependency_released(view: &EscrowView) -> bool {
    view.upstream.is_none_or(|s| s == EscrowState::Released)
}

fn dependency_refusal(view: &EscrowView, command: &str) -> Refusal {
    let state = view
        .upstream
        .map(|s| format!("{s:?}"))
        .unwrap_or_else(|| "unknown".into());
    Refusal::program(
        EscrowError::DependencyNotReleased,
        "ESCROW",
        format!(
            "ESCROW: escrow {} depends on an escrow that is {state}, not Released; {command} waits until that one is released",
            view.address
        ),
    )
}

/// Checks `escrow_submit_proof`: the signer is the escrow's provider, the
/// proof hash is not zero, the escrow is Funded and `now` (unix seconds)
/// is before its deadline. (A verifier's attestation, when the escrow
/// names one, is checked by the program.)
pub fn submit_proof(
    view: &EscrowView,
    signer: &Pubkey,
    proof_hash: &[u8; 32],
    now: i64,
) -> Result<(), Refusal> {
    let escrow = view.escrow;
    if *signer != escrow.provider {
        return Err(wrong_signer(
            "escrow proof",
            "the escrow's provider",
            &escrow.provider,
            signer,
            "--provider",
            &view.policy,
            Some(escrow),
        ));
    }
    if *proof_hash == [0u8; 32] {
        return Err(Refusal::program(
            EscrowError::ZeroHash,
            "--hash",
            "--hash: the proof hash is all zeros; give the sha256 of the deliverable (--file PATH hashes it)".into(),
        ));
    }
    require_state(view, EscrowInstruction::SubmitProof)?;
    if now >= escrow.deadline {
        return Err(Refusal::program(
            EscrowError::DeadlinePassed,
            "ESCROW",
            format!(
                "ESCROW: escrow {}'s deadline passed {} ago (deadline {}); proofs are accepted only before it. Anyone can now refund it (`agent-escrow escrow refund {}`)",
                view.address,
                format_duration(now.saturating_sub(escrow.deadline)),
                escrow.deadline,
                view.address
            ),
        ));
    }
    Ok(())
}

/// Checks `escrow_approve`: the signer is the policy's owner, the escrow
/// is ProofSubmitted in the approval tier, and its dependency (if any) is
/// Released.
pub fn approve(view: &EscrowView, signer: &Pubkey) -> Result<(), Refusal> {
    let policy = view.policy.policy;
    if *signer != policy.owner {
        return Err(wrong_signer(
            "escrow approve",
            "the policy's owner",
            &policy.owner,
            signer,
            "--owner",
            &view.policy,
            Some(view.escrow),
        ));
    }
    require_state(view, EscrowInstruction::Approve)?;
    if view.escrow.tier != ReleaseTier::Approval as u8 {
        let hint = if view.escrow.tier == ReleaseTier::Delay as u8 {
            format!(
                "it is released by anyone after the delay (`agent-escrow escrow release {}`)",
                view.address
            )
        } else {
            "it is released on proof".to_string()
        };
        return Err(Refusal::program(
            EscrowError::NotApprovalTier,
            "ESCROW",
            format!(
                "ESCROW: escrow {} is in the {} tier, not the approval tier; {hint}",
                view.address,
                tier_name(view.escrow.tier)
            ),
        ));
    }
    if !dependency_released(view) {
        return Err(dependency_refusal(view, "approve"));
    }
    Ok(())
}

/// Checks `escrow_veto`: the signer is the policy's owner and the escrow is
/// ProofSubmitted in the delay tier. (The program accepts a veto even after
/// the delay, as long as nobody has released the escrow.)
pub fn veto(view: &EscrowView, signer: &Pubkey) -> Result<(), Refusal> {
    let policy = view.policy.policy;
    if *signer != policy.owner {
        return Err(wrong_signer(
            "escrow veto",
            "the policy's owner",
            &policy.owner,
            signer,
            "--owner",
            &view.policy,
            Some(view.escrow),
        ));
    }
    require_state(view, EscrowInstruction::Veto)?;
    if view.escrow.tier != ReleaseTier::Delay as u8 {
        let hint = if view.escrow.tier == ReleaseTier::Approval as u8 {
            format!(
                "an approval-tier escrow is simply not approved, or disputed (`agent-escrow escrow dispute {}`)",
                view.address
            )
        } else {
            format!(
                "dispute it instead (`agent-escrow escrow dispute {}`)",
                view.address
            )
        };
        return Err(Refusal::program(
            EscrowError::NotDelayTier,
            "ESCROW",
            format!(
                "ESCROW: escrow {} is in the {} tier; only delay-tier escrows are vetoed: {hint}",
                view.address,
                tier_name(view.escrow.tier)
            ),
        ));
    }
    Ok(())
}

/// Checks an owner message's expiry (`escrow approve --offchain`,
/// `escrow veto --offchain`): the program refuses it once the cluster's
/// unix time `now` reaches `expires_at` (`OwnerMessageExpired`).
pub fn owner_message_expiry(now: i64, expires_at: i64) -> Result<(), Refusal> {
    if now >= expires_at {
        return Err(Refusal::program(
            EscrowError::OwnerMessageExpired,
            "--expires-at",
            format!(
                "--expires-at: the owner's message expired at {} and the cluster's time is {}: ask the owner to sign a new one (`--expires-in 1h`)",
                utc(expires_at),
                utc(now)
            ),
        ));
    }
    Ok(())
}

/// Checks who signs an owner message (`--offchain`): the policy's owner,
/// else the program refuses the signature (`OwnerMessageWrongSigner`).
pub fn owner_message_signer(view: &EscrowView, signer: &Pubkey) -> Result<(), Refusal> {
    let owner = view.policy.policy.owner;
    if *signer != owner {
        return Err(Refusal::program(
            EscrowError::OwnerMessageWrongSigner,
            "--owner",
            format!(
                "--owner: {signer} is not the owner of policy {} ({owner}); sign the message with the owner's key (--owner usb://ledger, or the owner's keypair file)",
                view.policy.address
            ),
        ));
    }
    Ok(())
}

/// Checks a signature brought from another machine (`--owner-signature`):
/// it must verify as the policy owner's over the message rebuilt from the
/// chain, else the program would refuse it (`OwnerMessageWrongSigner`:
/// another key, another escrow, amount or expiry all give another message).
pub fn owner_signature(
    message: &crate::offchain::SignableMessage,
    signature: &solana_signature::Signature,
) -> Result<(), Refusal> {
    if !message.verifies(signature) {
        return Err(Refusal::program(
            EscrowError::OwnerMessageWrongSigner,
            "--owner-signature",
            format!(
                "--owner-signature: the signature is not the policy owner's ({}) over this message: {:?}. Was it made for this escrow, with this --expires-at, by the owner's key?",
                message.owner, message.text
            ),
        ));
    }
    Ok(())
}

/// Checks `escrow_release` (anyone signs): the escrow is ProofSubmitted,
/// not in the approval tier, its delay (delay tier: `delay_seconds` after
/// the proof) has passed at `now` (unix seconds), and its dependency (if
/// any) is Released.
pub fn release(view: &EscrowView, now: i64) -> Result<(), Refusal> {
    require_state(view, EscrowInstruction::Release)?;
    let escrow = view.escrow;
    if escrow.tier == ReleaseTier::Approval as u8 {
        return Err(Refusal::program(
            EscrowError::NotDelayTier,
            "ESCROW",
            format!(
                "ESCROW: escrow {} is in the approval tier; only the owner releases it (`agent-escrow escrow approve {}`)",
                view.address, view.address
            ),
        ));
    }
    if escrow.tier == ReleaseTier::Delay as u8 {
        let delay = view.policy.policy.delay_seconds;
        let at = escrow.state_at.saturating_add(delay);
        if now < at {
            return Err(Refusal::program(
                EscrowError::DelayNotElapsed,
                "ESCROW",
                format!(
                    "ESCROW: escrow {}'s delay of {} after the proof ends in {} (at {}); release it then, while the owner may still veto",
                    view.address,
                    format_duration(delay),
                    format_duration(at.saturating_sub(now)),
                    utc(at)
                ),
            ));
        }
    }
    if !dependency_released(view) {
        return Err(dependency_refusal(view, "release"));
    }
    Ok(())
}

/// When `escrow_refund` becomes due for this escrow (unix seconds), or the
/// refusal if it never will in its state: Funded at the deadline;
/// ProofSubmitted `review_timeout` after the proof if it waits for the
/// owner's approval or for its dependency (a releasable one is released
/// instead); Disputed `dispute_timeout` after the dispute.
pub fn refund_due_at(view: &EscrowView) -> Result<i64, Refusal> {
    let state = require_state(view, EscrowInstruction::Refund)?;
    let escrow = view.escrow;
    let policy = view.policy.policy;
    Ok(match state {
        EscrowState::Funded => escrow.deadline,
        EscrowState::ProofSubmitted => {
            let waiting = escrow.tier == ReleaseTier::Approval as u8 || !dependency_released(view);
            if !waiting {
                return Err(Refusal::program(
                    EscrowError::RefundNotDue,
                    "ESCROW",
                    format!(
                        "ESCROW: escrow {} has its proof and can be released, so it is not refunded; release it (`agent-escrow escrow release {}`), or the agent or owner disputes it",
                        view.address, view.address
                    ),
                ));
            }
            escrow.state_at.saturating_add(policy.review_timeout)
        }
        _ => escrow.state_at.saturating_add(policy.dispute_timeout),
    })
}

/// Checks `escrow_refund` (anyone signs) at `now` (unix seconds): see
/// [`refund_due_at`].
pub fn refund(view: &EscrowView, now: i64) -> Result<(), Refusal> {
    let due = refund_due_at(view)?;
    if now < due {
        let (error, why) = match state_of(view) {
            Some(EscrowState::Funded) => (
                EscrowError::DeadlineNotReached,
                "its deadline (no proof came by then)",
            ),
            Some(EscrowState::ProofSubmitted) => (
                EscrowError::RefundNotDue,
                "the policy's review_timeout after the proof (it waits for approval or its dependency)",
            ),
            _ => (
                EscrowError::RefundNotDue,
                "the policy's dispute_timeout after the dispute (if the arbiter has not resolved it)",
            ),
        };
        return Err(Refusal::program(
            error,
            "ESCROW",
            format!(
                "ESCROW: escrow {} is {}; it can be refunded in {} (at {}), at {why}",
                view.address,
                describe_state(view.escrow),
                format_duration(due.saturating_sub(now)),
                utc(due)
            ),
        ));
    }
    Ok(())
}

/// Checks `escrow_dispute`: the signer is the policy's agent or owner and
/// the escrow is ProofSubmitted.
pub fn dispute(view: &EscrowView, signer: &Pubkey) -> Result<(), Refusal> {
    let policy = view.policy.policy;
    if *signer != policy.agent && *signer != policy.owner {
        return Err(Refusal::program(
            EscrowError::Unauthorized,
            "--authority",
            format!(
                "--authority: escrow dispute must be signed by the policy's agent {} or its owner {}; the signer is {signer} {}",
                policy.agent,
                policy.owner,
                role(signer, policy, Some(view.escrow))
            ),
        ));
    }
    require_state(view, EscrowInstruction::Dispute)?;
    Ok(())
}

/// Checks `escrow_resolve`: `provider_bps` is 0..=10,000, the signer is
/// the policy's arbiter or owner, a share above 0 needs the dependency (if
/// any) Released, and the escrow is Disputed.
pub fn resolve(view: &EscrowView, signer: &Pubkey, provider_bps: u16) -> Result<(), Refusal> {
    let policy = view.policy.policy;
    if provider_bps > agent_escrow::constants::BPS_DENOMINATOR {
        return Err(Refusal::program(
            EscrowError::InvalidBasisPoints,
            "--provider-share",
            format!(
                "--provider-share: {}.{:02}% is above 100%",
                provider_bps / 100,
                provider_bps % 100
            ),
        ));
    }
    if *signer != policy.arbiter && *signer != policy.owner {
        return Err(Refusal::program(
            EscrowError::NotArbiter,
            "--arbiter",
            format!(
                "--arbiter: escrow resolve must be signed by the policy's arbiter {} or its owner {}; the signer is {signer} {}",
                policy.arbiter,
                policy.owner,
                role(signer, policy, Some(view.escrow))
            ),
        ));
    }
    if provider_bps > 0 && !dependency_released(view) {
        return Err(dependency_refusal(view, "a provider share above 0"));
    }
    require_state(view, EscrowInstruction::Resolve)?;
    Ok(())
}

/// Checks `escrow_cancel`: `agent` is the policy's agent, `provider` the
/// escrow's provider (both sign), and the escrow is Funded.
pub fn cancel(view: &EscrowView, agent: &Pubkey, provider: &Pubkey) -> Result<(), Refusal> {
    let policy = view.policy.policy;
    if *agent != policy.agent {
        return Err(wrong_signer(
            "escrow cancel",
            "the policy's agent",
            &policy.agent,
            agent,
            "--agent",
            &view.policy,
            Some(view.escrow),
        ));
    }
    if *provider != view.escrow.provider {
        return Err(wrong_signer(
            "escrow cancel",
            "the escrow's provider",
            &view.escrow.provider,
            provider,
            "--provider",
            &view.policy,
            Some(view.escrow),
        ));
    }
    require_state(view, EscrowInstruction::Cancel)?;
    Ok(())
}

/// Checks `escrow_close` (anyone signs): the escrow is settled (Released,
/// Refunded, Resolved, Cancelled) and no open escrow depends on it.
pub fn close(view: &EscrowView) -> Result<(), Refusal> {
    require_state(view, EscrowInstruction::Close)?;
    if view.escrow.dependents > 0 {
        return Err(Refusal::program(
            EscrowError::HasDependents,
            "ESCROW",
            format!(
                "ESCROW: {} open escrows still depend on escrow {}; it closes by itself when they settle",
                view.escrow.dependents, view.address
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_the_flags() {
        assert_eq!(format_duration(1_209_600), "14d");
        assert_eq!(format_duration(5_400), "1h30m");
        assert_eq!(format_duration(0), "0s");
        assert_eq!(format_duration(86_401), "1d1s");
    }

    #[test]
    fn refusal_codes_come_from_the_program() {
        let r = Refusal::program(EscrowError::PerEscrowCapExceeded, "--amount", String::new());
        assert_eq!((r.error.as_str(), r.code), ("PerEscrowCapExceeded", 6007));
        let r = Refusal::anchor(AnchorErrorCode::ConstraintHasOne, "--owner", String::new());
        assert_eq!((r.error.as_str(), r.code), ("ConstraintHasOne", 2001));
        assert_eq!(
            Refusal::token(1, "AMOUNT", String::new()).error,
            "InsufficientFunds"
        );
        assert_eq!(
            Refusal::system(0, "--agent", String::new()).error,
            "AccountAlreadyInUse"
        );
    }
}
