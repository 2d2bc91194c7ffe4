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
    anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction},
    instructions::EscrowAccounts,
    pda::associated_token_address,
    transport::Transport,
};
use anchor_spl::associated_token::spl_associated_token_account;

use crate::{
    context::Context,
    output::{submitted, Report},
    CliError,
};

/// A policy with what commands need next to it.
pub struct PolicyInfo {
    pub address: Pubkey,
    pub policy: Policy,
    pub token_program: Pubkey,
}

/// An escrow with its policy and the accounts every payout path names.
pub struct EscrowInfo {
    pub address: Pubkey,
    pub escrow: Escrow,
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

pub async fn escrow_info(ctx: &Context, address: &Pubkey) -> Result<EscrowInfo, CliError> {
    let escrow = ctx
        .client
        .escrow(address)
        .await
        .map_err(|e| not_found(e, "escrow", address))?
        .ok_or_else(|| {
            CliError::Input(format!(
                "ESCROW: no escrow account at {address} on {}",
                ctx.backend().describe()
            ))
        })?;
    let policy = policy_info(ctx, &escrow.policy).await?;
    let keys = EscrowAccounts {
        policy: policy.address,
        escrow: *address,
        mint: policy.policy.mint,
        token_program: policy.token_program,
        provider_token: associated_token_address(
            &escrow.provider,
            &policy.policy.mint,
            &policy.token_program,
        ),
        depends_on: escrow.depends_on(),
    };
    Ok(EscrowInfo {
        address: *address,
        escrow,
        policy,
        keys,
    })
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
    let signer = ctx.signer(source, role)?;
    let payer = ctx.fee_payer()?.pubkey();
    let instructions = build(&signer.pubkey(), &payer);
    let result = ctx.submit(instructions, vec![signer]).await?;
    Ok(submitted(result, &what, Default::default()))
}
