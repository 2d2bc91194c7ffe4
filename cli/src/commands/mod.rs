//! One module per command group; shared lookups here.

pub mod demo;
pub mod embedded;
pub mod escrow;
pub mod history;
pub mod keygen;
pub mod mint;
pub mod policy;

use agent_escrow::state::{Escrow, Policy};
use agent_escrow_client::{
    accounts::{decode_escrow, escrow_optional_keys},
    anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction},
    instructions::EscrowAccounts,
    pda::escrow_address,
    transport::Transport,
};
use anchor_spl::associated_token::spl_associated_token_account;

use crate::{
    context::{Context, Submitted},
    output::{submitted, Report},
    CliError,
};

/// A policy with what commands need next to it.
pub struct PolicyInfo {
    pub address: Pubkey,
    pub policy: Policy,
    pub token_program: Pubkey,
}

/// An open escrow (or a settled one kept for its dependents) with its
/// policy and the accounts every instruction on it names.
pub struct EscrowInfo {
    pub address: Pubkey,
    pub escrow: Escrow,
    /// The optional keys after the fixed part.
    pub verifier: Option<Pubkey>,
    pub depends_on: Option<Pubkey>,
    /// Lamports held by the account (its rent, returned at settlement).
    pub lamports: u64,
    pub policy: PolicyInfo,
    pub keys: EscrowAccounts,
}

pub async fn policy_info(ctx: &Context, address: &Pubkey) -> Result<PolicyInfo, CliError> {
    let policy = ctx
        .client
        .policy(address)
        .await
        .map_err(|e| not_found(e, "policy", address))?;
    let token_program = ctx.client.token_program_of(&policy.mint).await?;
    Ok(PolicyInfo {
        address: *address,
        policy,
        token_program,
    })
}

/// Reads an escrow and the accounts its instructions name
/// ([`agent_escrow_client::EscrowClient::escrow_accounts`]). An address
/// without an account is an input error that says whether the escrow
/// existed and was closed at settlement (and where its history is).
pub async fn escrow_info(ctx: &Context, address: &Pubkey) -> Result<EscrowInfo, CliError> {
    let Some(account) = ctx.client.transport().get_account(address).await? else {
        return Err(closed_or_missing(ctx, address).await);
    };
    let escrow = decode_escrow(&account.data).map_err(|e| not_found(e, "escrow", address))?;
    let (verifier, depends_on) = escrow_optional_keys(&account.data, escrow.flags)
        .map_err(|e| not_found(e, "escrow", address))?;
    let policy = policy_info(ctx, &escrow.policy).await?;
    let keys = ctx.client.escrow_accounts(address).await?;
    Ok(EscrowInfo {
        address: *address,
        escrow,
        verifier,
        depends_on,
        lamports: account.lamports,
        policy,
        keys,
    })
}

/// The error for an escrow address without an account: settled and closed
/// (its events say how it ended), or never created.
async fn closed_or_missing(ctx: &Context, address: &Pubkey) -> CliError {
    let key = address.to_string();
    let events: Vec<agent_escrow_client::events::EventRecord> =
        match ctx.client.history(address, 100).await {
            Ok(items) => items
                .iter()
                .flat_map(|item| item.events.iter().map(|e| e.record()))
                .filter(|r| r.escrow.as_deref() == Some(key.as_str()))
                .collect(),
            Err(_) => Vec::new(),
        };
    if events.is_empty() {
        return CliError::Input(format!(
            "ESCROW: no escrow account at {address} on {}, and no escrow was created there; \
             find an escrow's address with `agent-escrow escrow address POLICY --escrow-id N` \
             or `agent-escrow escrow list --policy POLICY`",
            ctx.backend().describe()
        ));
    }
    let ended = events
        .iter()
        .rev()
        .find_map(|r| {
            let state = r.fields.get("state")?;
            let terminal = ["Released", "Refunded", "Resolved", "Cancelled"];
            terminal
                .contains(&state.as_str())
                .then(|| format!(" ({state})"))
        })
        .unwrap_or_default();
    CliError::Input(format!(
        "ESCROW: escrow {address} is settled{ended} and closed: its account was closed at \
         settlement and the rent returned to its payer. Its history: \
         `agent-escrow history --escrow {address}`"
    ))
}

/// The id of `escrow` (a PDA of `policy`): searched among the policy's
/// last 256 ids, else read from its EscrowCreated event if `history`.
pub async fn escrow_id_of(
    ctx: &Context,
    policy: &PolicyInfo,
    escrow: &Pubkey,
    history: bool,
) -> Option<u64> {
    let next = policy.policy.next_escrow_id;
    let recent = (next.saturating_sub(256)..next)
        .rev()
        .find(|id| escrow_address(&policy.address, *id).0 == *escrow);
    if recent.is_some() || !history {
        return recent;
    }
    let items = ctx.client.history(escrow, 1_000).await.ok()?;
    items
        .iter()
        .flat_map(|i| i.events.iter())
        .find_map(|e| match e {
            agent_escrow_client::events::EscrowEvent::EscrowCreated(c) if c.escrow == *escrow => {
                Some(c.escrow_id)
            }
            _ => None,
        })
}

/// Addresses of the policy's last 256 escrow ids (for listings).
pub fn recent_escrow_ids(policy: &Pubkey, next: u64) -> std::collections::HashMap<Pubkey, u64> {
    (next.saturating_sub(256)..next)
        .map(|id| (escrow_address(policy, id).0, id))
        .collect()
}

fn not_found(err: agent_escrow_client::ClientError, what: &str, address: &Pubkey) -> CliError {
    match err {
        agent_escrow_client::ClientError::AccountNotFound(_) => CliError::Input(format!(
            "{}: no {what} account at {address}",
            what.to_uppercase()
        )),
        agent_escrow_client::ClientError::AccountDecode { .. } => CliError::Input(format!(
            "{}: {address} is not an agent-escrow {what}",
            what.to_uppercase()
        )),
        other => other.into(),
    }
}

/// Creates `owner`'s ATA for `mint` in the same transaction if it is missing
/// (idempotent instruction: harmless when it exists).
pub fn ensure_ata(
    payer: &Pubkey,
    owner: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
) -> Instruction {
    spl_associated_token_account::instruction::create_associated_token_account_idempotent(
        payer,
        owner,
        mint,
        token_program,
    )
}

/// Human form of a stored state byte.
pub fn state_name(state: u8) -> &'static str {
    match agent_escrow::state::EscrowState::from_u8(state) {
        Some(agent_escrow::state::EscrowState::Funded) => "Funded",
        Some(agent_escrow::state::EscrowState::ProofSubmitted) => "ProofSubmitted",
        Some(agent_escrow::state::EscrowState::Released) => "Released",
        Some(agent_escrow::state::EscrowState::Refunded) => "Refunded",
        Some(agent_escrow::state::EscrowState::Disputed) => "Disputed",
        Some(agent_escrow::state::EscrowState::Resolved) => "Resolved",
        Some(agent_escrow::state::EscrowState::Cancelled) => "Cancelled",
        None => "Unknown",
    }
}

pub fn tier_name(tier: u8) -> &'static str {
    match tier {
        0 => "Instant",
        1 => "Delay",
        2 => "Approval",
        _ => "Unknown",
    }
}

/// Reads a file and returns its sha256, naming the flag on failure.
pub fn sha256_file(flag: &str, path: &std::path::Path) -> Result<[u8; 32], CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Input(format!("{flag}: cannot read {}: {e}", path.display())))?;
    Ok(agent_escrow_client::sha256(&bytes))
}

/// The common shape of a command: resolve the signer for `role` (`source`,
/// else `-k`), build the instructions from its pubkey and the fee payer's,
/// send (or sign offline), report `what`.
pub async fn sign_and_send(
    ctx: &Context,
    source: Option<&str>,
    role: &str,
    what: String,
    build: impl FnOnce(&Pubkey, &Pubkey) -> Vec<Instruction>,
) -> Result<Report, CliError> {
    let result = sign_and_submit(ctx, source, role, build).await?;
    Ok(submitted(result, &what, Default::default()))
}

/// As [`sign_and_send`], returning the raw result for the caller to report.
pub async fn sign_and_submit(
    ctx: &Context,
    source: Option<&str>,
    role: &str,
    build: impl FnOnce(&Pubkey, &Pubkey) -> Vec<Instruction>,
) -> Result<Submitted, CliError> {
    let signer = ctx.signer(source, role)?;
    let payer = ctx.fee_payer()?.pubkey();
    let instructions = build(&signer.pubkey(), &payer);
    ctx.submit(instructions, vec![signer]).await
}
