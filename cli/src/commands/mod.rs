//! One module per command group; shared lookups here.

pub mod demo;
pub mod embedded;
pub mod escrow;
pub mod history;
pub mod keygen;
pub mod mint;
pub mod nonce;
pub mod owner_message;
pub mod policy;
pub mod program;

use agent_escrow::state::{Escrow, Policy};
use agent_escrow_client::{
    accounts::{decode_escrow, escrow_optional_keys},
    anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction},
    instructions::EscrowAccounts,
    pda::escrow_address,
    preflight::{EscrowInstruction, EscrowView, PolicyView, Refusal},
    transport::Transport,
};
use anchor_spl::associated_token::spl_associated_token_account;

use crate::{
    args::{Cli, Command, EscrowCommand, PolicyCommand},
    context::{Context, Settings, Signers, Submitted},
    output::{submitted, Report},
    CliError,
};

/// Runs a command that needs a chain.
pub async fn run(ctx: &Context, command: Command) -> Result<Report, CliError> {
    match command {
        Command::Policy(command) => policy::run(ctx, command).await,
        Command::Escrow(command) => escrow::run(ctx, command).await,
        Command::History(command) => history::run(ctx, command).await,
        Command::Mint(command) => mint::run(ctx, command).await,
        Command::Embedded(command) => embedded::run(ctx, command).await,
        Command::Nonce(command) => nonce::run(ctx, command).await,
        Command::Program(command) => program::run(ctx, command).await,
        Command::Blockhash => {
            let hash = ctx.client.transport().latest_blockhash().await?;
            Ok(Report::new(
                serde_json::json!({ "blockhash": hash.to_string() }),
                hash.to_string(),
            ))
        }
        Command::Keygen(_) | Command::Demo | Command::Completions { .. } | Command::Mcp { .. } => {
            Err(CliError::Input(
                "this command runs without a chain context".into(),
            ))
        }
    }
}

/// Runs the commands that need no chain (no RPC, no embedded SVM, no
/// program binary): `keygen`, `policy address`, `escrow address
/// --escrow-id`, `completions`. `None` for every other command.
pub fn offline(cli: &Cli, matches: &clap::ArgMatches) -> Result<Option<Report>, CliError> {
    use agent_escrow_client::pda::policy_address;
    use serde_json::json;
    Ok(Some(match &cli.command {
        Command::Keygen(command) => {
            let settings = Settings::resolve(cli)?;
            keygen::run(&Signers::new(cli, &settings, matches.clone()), command)?
        }
        Command::Policy(PolicyCommand::Address { owner, agent, mint }) => {
            let policy = policy_address(owner, agent, mint).0;
            Report::new(json!({ "policy": policy.to_string() }), policy.to_string())
        }
        Command::Escrow(EscrowCommand::Address {
            policy,
            escrow_id: Some(id),
            ..
        }) => {
            let address = escrow_address(policy, *id).0;
            Report::new(
                json!({ "escrow": address.to_string(), "escrowId": id.to_string() }),
                address.to_string(),
            )
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut command, "agent-escrow", &mut script);
            let script = String::from_utf8_lossy(&script).to_string();
            Report::new(
                json!({ "shell": format!("{shell:?}").to_lowercase(), "script": script }),
                script,
            )
        }
        _ => return Ok(None),
    }))
}

/// Whether `command` sends exactly one transaction through
/// [`Context::submit`], and so can be signed offline (`--sign-only`,
/// `--blockhash`) or simulated (`--dry-run`).
fn sends_one_transaction(command: &Command) -> bool {
    match command {
        Command::Policy(c) => !matches!(
            c,
            PolicyCommand::Address { .. } | PolicyCommand::Show { .. } | PolicyCommand::List { .. }
        ),
        Command::Escrow(c) => !matches!(
            c,
            EscrowCommand::Address { .. }
                | EscrowCommand::Show { .. }
                | EscrowCommand::List { .. }
                | EscrowCommand::Attest { .. }
        ),
        Command::Nonce(c) => matches!(c, crate::args::NonceCommand::Create { .. }),
        Command::Mint(c) => matches!(c, crate::args::MintCommand::To { .. }),
        _ => false,
    }
}

/// Whether the command has the owner sign an off-chain message
/// (`escrow approve --offchain`, `escrow veto --offchain`).
fn signs_owner_message(command: &Command) -> bool {
    matches!(
        command,
        Command::Escrow(EscrowCommand::Approve { offchain, .. } | EscrowCommand::Veto { offchain, .. })
            if offchain.offchain
    )
}

/// Refuses `--sign-only`, `--blockhash`, `--nonce`, `--signer`,
/// `--dry-run` and `--skip-checks` for commands that cannot honour them (reads, keys, test tools, multi-transaction helpers),
/// instead of silently ignoring them.
pub fn check_modes(cli: &Cli, matches: &clap::ArgMatches) -> Result<(), CliError> {
    let offchain = signs_owner_message(&cli.command);
    if cli.sign_only && cli.blockhash.is_none() && !offchain {
        return Err(CliError::Input(
            "--sign-only: needs --blockhash BLOCKHASH (from `agent-escrow blockhash`, or the \
             nonce value with --nonce): the signature is over a transaction with that blockhash"
                .into(),
        ));
    }
    if offchain && (cli.sign_only || cli.dry_run) && cli.blockhash.is_some() {
        return Err(CliError::Input(
            "--blockhash: an owner message (--offchain) has its own expiry and signs no \
             blockhash; drop --blockhash"
                .into(),
        ));
    }
    if sends_one_transaction(&cli.command) {
        return Ok(());
    }
    let flag = if cli.sign_only {
        "--sign-only"
    } else if cli.dry_run {
        "--dry-run"
    } else if cli.blockhash.is_some() {
        "--blockhash"
    } else if cli.nonce.is_some() {
        "--nonce"
    } else if !cli.signers.is_empty() {
        "--signer"
    } else if cli.skip_checks {
        "--skip-checks"
    } else {
        return Ok(());
    };
    let mut name = vec!["agent-escrow"];
    let mut current = matches;
    while let Some((sub, sub_matches)) = current.subcommand() {
        name.push(sub);
        current = sub_matches;
    }
    Err(CliError::Input(format!(
        "{flag}: `{}` does not send one transaction, so it cannot be {}; drop {flag} \
         (it applies to the policy and escrow commands that sign, e.g. `policy deposit`, \
         `escrow create`, `escrow approve`)",
        name.join(" "),
        match flag {
            "--dry-run" => "simulated",
            "--skip-checks" => "sent unchecked",
            _ => "signed offline",
        }
    )))
}

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
    /// State of the `depends_on` escrow (kept open while this one is open).
    pub upstream: Option<agent_escrow::state::EscrowState>,
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
    let upstream = match depends_on {
        Some(upstream) => ctx
            .client
            .escrow(&upstream)
            .await?
            .and_then(|u| agent_escrow::state::EscrowState::from_u8(u.state)),
        None => None,
    };
    Ok(EscrowInfo {
        address: *address,
        escrow,
        upstream,
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

/// The mint at `mint` and its decimals, or an input error for `flag` that
/// says what the address holds instead (nothing, a policy, another account).
pub async fn mint_account(
    ctx: &Context,
    flag: &str,
    mint: &Pubkey,
) -> Result<(agent_escrow_client::Account, u8), CliError> {
    let Some(account) = ctx.client.transport().get_account(mint).await? else {
        return Err(CliError::Input(format!(
            "{flag}: no account at {mint} on {}; create a test mint with `agent-escrow mint create`",
            ctx.backend().describe()
        )));
    };
    match agent_escrow_client::accounts::decode_mint(&account) {
        Ok(decimals) => Ok((account, decimals)),
        Err(e) => {
            let what = match agent_escrow_client::accounts::decode_policy(&account.data) {
                Ok(policy) if account.owner == agent_escrow_client::pda::PROGRAM_ID => {
                    format!("it is an agent-escrow policy (its mint is {})", policy.mint)
                }
                _ => format!("{e}; the account is owned by {}", account.owner),
            };
            Err(CliError::Input(format!(
                "{flag}: {mint} is not a token mint: {what}. Give the mint's address"
            )))
        }
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

/// A preflight check ([`agent_escrow_client::preflight`]): its refusal is
/// the command's error, before anything is signed or sent, unless
/// `--skip-checks`.
pub fn check<T>(ctx: &Context, result: Result<T, Refusal>) -> Result<Option<T>, CliError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(refusal) if ctx.skip_checks() => {
            log::info!("--skip-checks: sending although {refusal}");
            Ok(None)
        }
        Err(refusal) => Err(refusal.into()),
    }
}

/// The preflight view of an escrow.
pub fn escrow_view(info: &EscrowInfo) -> EscrowView<'_> {
    EscrowView {
        policy: policy_view(&info.policy),
        address: info.address,
        escrow: &info.escrow,
        upstream: info.upstream,
    }
}

/// The preflight view of a policy.
pub fn policy_view(info: &PolicyInfo) -> PolicyView<'_> {
    PolicyView {
        address: info.address,
        policy: &info.policy,
    }
}

/// The common shape of a command: resolve the signer for `role` (`source`,
/// else `-k`), run `check` on its pubkey (preflight), build the
/// instructions from its pubkey and the fee payer's, send (or sign
/// offline), report `what`.
pub async fn sign_and_send(
    ctx: &Context,
    source: Option<&str>,
    role: &str,
    what: String,
    check: impl FnOnce(&Pubkey) -> Result<(), Refusal>,
    build: impl FnOnce(&Pubkey, &Pubkey) -> Vec<Instruction>,
) -> Result<Report, CliError> {
    let result = sign_and_submit(ctx, source, role, check, build).await?;
    Ok(submitted(result, &what, Default::default(), None))
}

/// As [`sign_and_send`], returning the raw result for the caller to report.
pub async fn sign_and_submit(
    ctx: &Context,
    source: Option<&str>,
    role: &str,
    check: impl FnOnce(&Pubkey) -> Result<(), Refusal>,
    build: impl FnOnce(&Pubkey, &Pubkey) -> Vec<Instruction>,
) -> Result<Submitted, CliError> {
    let signer = ctx.signer(source, role)?;
    self::check(ctx, check(&signer.pubkey()))?;
    let payer = ctx.fee_payer()?.pubkey();
    let instructions = build(&signer.pubkey(), &payer);
    ctx.submit(instructions, vec![signer]).await
}

/// Sends an instruction on the escrow of `info`. If the program refuses it
/// as `InvalidEscrowState` (the escrow changed since it was read), the
/// error is reworded from a fresh read: the current and the required state,
/// or that the escrow settled and closed.
pub async fn submit_on_escrow(
    ctx: &Context,
    info: &EscrowInfo,
    instruction: EscrowInstruction,
    instructions: Vec<Instruction>,
    signers: Vec<Box<dyn agent_escrow_client::Signer>>,
) -> Result<Submitted, CliError> {
    match ctx.submit(instructions, signers).await {
        Err(CliError::Client(err @ agent_escrow_client::ClientError::Program(_))) => {
            let now = ctx.client.escrow(&info.address).await.ok().flatten();
            Err(err
                .with_escrow_state(instruction, &info.address, now.as_ref())
                .into())
        }
        other => other,
    }
}
