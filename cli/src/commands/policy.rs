//! `agent-escrow policy ...`

use agent_escrow::instructions::{PolicyCreateArgs, PolicyUpdateArgs};
use agent_escrow_client::{
    anchor_lang::prelude::Pubkey,
    instructions,
    pda::{associated_token_address, policy_address, policy_vault_address},
    transport::Transport,
};
use serde_json::json;

use super::{ensure_ata, policy_info, sign_and_send};
use crate::{
    args::{Limits, PolicyCommand},
    context::Context,
    output::{duration, submitted, ui, Report},
    parse::amount,
    CliError,
};

async fn mint_decimals(ctx: &Context, mint: &Pubkey) -> Result<u8, CliError> {
    let account = ctx
        .client
        .transport()
        .get_account(mint)
        .await?
        .ok_or_else(|| {
            CliError::Input(format!(
                "--mint: no account at {mint}; create a test mint with `agent-escrow mint create`"
            ))
        })?;
    agent_escrow_client::accounts::mint_decimals(&account.data)
        .map_err(|_| CliError::Input(format!("--mint: {mint} is not a token mint")))
}

fn opt_amount(field: &str, value: &Option<String>, decimals: u8) -> Result<Option<u64>, CliError> {
    value
        .as_deref()
        .map(|v| amount(field, v, decimals))
        .transpose()
}

fn required(field: &str, value: Option<u64>) -> Result<u64, CliError> {
    value.ok_or_else(|| CliError::Input(format!("{field} is required when creating a policy")))
}

/// Checks the timeout flags against the program's bounds, naming the flag,
/// the bound and the fix (the program would refuse with TimeoutOutOfRange).
fn check_timeouts(limits: &Limits) -> Result<(), CliError> {
    use agent_escrow::constants::{MAX_ESCROW_DURATION, MAX_TIMEOUT_SECONDS, MIN_TIMEOUT_SECONDS};
    let checks = [
        (
            "--dispute-timeout",
            limits.dispute_timeout,
            MAX_TIMEOUT_SECONDS,
        ),
        (
            "--review-timeout",
            limits.review_timeout,
            MAX_TIMEOUT_SECONDS,
        ),
        (
            "--max-escrow-duration",
            limits.max_escrow_duration,
            MAX_ESCROW_DURATION,
        ),
    ];
    for (flag, value, max) in checks {
        let Some(value) = value else { continue };
        if !(MIN_TIMEOUT_SECONDS..=max).contains(&value) {
            return Err(CliError::Input(format!(
                "{flag}: {} is out of range: give a duration from {} to {} (e.g. {flag} 14d)",
                duration(value),
                duration(MIN_TIMEOUT_SECONDS),
                duration(max)
            )));
        }
    }
    Ok(())
}

/// The arbiter resolves disputes, so it can pay the provider: the agent may
/// never be it (the program refuses with InvalidArbiter).
fn check_arbiter(arbiter: &Pubkey, agent: &Pubkey, flag: &str) -> Result<(), CliError> {
    if arbiter == agent {
        return Err(CliError::Input(format!(
            "{flag}: the arbiter {arbiter} would be the agent; whoever resolves disputes can pay the \
             provider, so the agent may never be the arbiter: give another --arbiter (the owner is \
             the default)"
        )));
    }
    if *arbiter == Pubkey::default() {
        return Err(CliError::Input(format!(
            "{flag}: {arbiter} is the default key, nobody can sign for it: give the arbiter's public key"
        )));
    }
    Ok(())
}

pub async fn run(ctx: &Context, command: PolicyCommand) -> Result<Report, CliError> {
    match command {
        PolicyCommand::Create {
            agent,
            mint,
            limits,
            require_allowlist,
            review_unlisted,
            owner,
        } => {
            check_timeouts(&limits)?;
            if let Some(arbiter) = &limits.arbiter {
                check_arbiter(arbiter, &agent, "--arbiter")?;
            }
            let decimals = mint_decimals(ctx, &mint).await?;
            let owner = ctx.signer(owner.as_deref(), "owner")?;
            let l = parse_limits(&limits, decimals)?;
            let now = ctx.client.transport().unix_timestamp().await?;
            let args = PolicyCreateArgs {
                agent,
                per_escrow_max: required("--per-escrow-max", l.per_escrow_max)?,
                daily_cap: required("--daily-cap", l.daily_cap)?,
                monthly_cap: required("--monthly-cap", l.monthly_cap)?,
                instant_max: l.instant_max.unwrap_or(0),
                delay_max: l.delay_max.or(l.instant_max).unwrap_or(0),
                delay_seconds: limits.delay.unwrap_or(0),
                expires_at: limits.expires_in.map(|d| now + d).unwrap_or(0),
                require_allowlist,
                review_unlisted,
                arbiter: limits.arbiter,
                dispute_timeout: limits.dispute_timeout,
                review_timeout: limits.review_timeout,
                max_escrow_duration: limits.max_escrow_duration,
            };
            let token_program = ctx.client.token_program_of(&mint).await?;
            let ix = instructions::policy_create(&owner.pubkey(), &mint, &token_program, args);
            let policy = policy_address(&owner.pubkey(), &agent, &mint).0;
            let extra = json!({ "policy": policy.to_string(), "vault": policy_vault_address(&policy).0.to_string() });
            let result = ctx.submit(vec![ix], vec![owner]).await?;
            let arbiter = limits
                .arbiter
                .map(|a| a.to_string())
                .unwrap_or_else(|| "the owner".into());
            Ok(submitted(
                result,
                &format!("Created policy {policy} (arbiter: {arbiter})"),
                extra.as_object().cloned().unwrap_or_default(),
            ))
        }
        PolicyCommand::Address { owner, agent, mint } => {
            let policy = policy_address(&owner, &agent, &mint).0;
            Ok(Report::new(
                json!({ "policy": policy.to_string() }),
                policy.to_string(),
            ))
        }
        PolicyCommand::Show { policy } => show(ctx, &policy).await,
        PolicyCommand::Update {
            policy,
            agent,
            limits,
            no_expiry,
            require_allowlist,
            review_unlisted,
            owner,
        } => {
            check_timeouts(&limits)?;
            let info = policy_info(ctx, &policy).await?;
            let (new_agent, new_arbiter) = (
                agent.unwrap_or(info.policy.agent),
                limits.arbiter.unwrap_or(info.policy.arbiter),
            );
            if limits.arbiter.is_some() {
                check_arbiter(&new_arbiter, &new_agent, "--arbiter")?;
            } else if new_arbiter == new_agent {
                return Err(CliError::Input(format!(
                    "--agent: {new_agent} is the policy's arbiter; the agent may never be the \
                     arbiter: give another --arbiter in the same update"
                )));
            }
            let owner = ctx.signer(owner.as_deref(), "owner")?;
            let l = parse_limits(&limits, info.policy.decimals)?;
            let now = ctx.client.transport().unix_timestamp().await?;
            let expires_at = if no_expiry {
                Some(0)
            } else {
                limits.expires_in.map(|d| now + d)
            };
            let args = PolicyUpdateArgs {
                agent,
                per_escrow_max: l.per_escrow_max,
                daily_cap: l.daily_cap,
                monthly_cap: l.monthly_cap,
                instant_max: l.instant_max,
                delay_max: l.delay_max,
                delay_seconds: limits.delay,
                expires_at,
                require_allowlist,
                review_unlisted,
                arbiter: limits.arbiter,
                dispute_timeout: limits.dispute_timeout,
                review_timeout: limits.review_timeout,
                max_escrow_duration: limits.max_escrow_duration,
            };
            if args == PolicyUpdateArgs::default() {
                return Err(CliError::Input("nothing to update: give at least one of --agent, --per-escrow-max, --daily-cap, --monthly-cap, --instant-max, --delay-max, --delay, --expires-in, --no-expiry, --require-allowlist, --review-unlisted, --arbiter, --dispute-timeout, --review-timeout, --max-escrow-duration".into()));
            }
            let ix = instructions::policy_update(&owner.pubkey(), &policy, args);
            let result = ctx.submit(vec![ix], vec![owner]).await?;
            Ok(submitted(
                result,
                &format!("Updated policy {policy}"),
                Default::default(),
            ))
        }
        PolicyCommand::Pause { policy, authority } => {
            sign_and_send(
                ctx,
                authority.as_deref(),
                "authority",
                format!("Paused policy {policy}"),
                |signer, _| vec![instructions::policy_pause(signer, &policy)],
            )
            .await
        }
        PolicyCommand::Resume { policy, owner } => {
            sign_and_send(
                ctx,
                owner.as_deref(),
                "owner",
                format!("Resumed policy {policy}"),
                |signer, _| vec![instructions::policy_resume(signer, &policy)],
            )
            .await
        }
        PolicyCommand::Allow {
            policy,
            provider,
            owner,
        } => {
            sign_and_send(
                ctx,
                owner.as_deref(),
                "owner",
                format!("Allowed provider {provider}"),
                |signer, _| vec![instructions::provider_allow(signer, &policy, &provider)],
            )
            .await
        }
        PolicyCommand::Disallow {
            policy,
            provider,
            owner,
        } => {
            sign_and_send(
                ctx,
                owner.as_deref(),
                "owner",
                format!("Disallowed provider {provider}"),
                |signer, _| vec![instructions::provider_disallow(signer, &policy, &provider)],
            )
            .await
        }
        PolicyCommand::Deposit {
            policy,
            amount: value,
            from,
            depositor,
        } => {
            let info = policy_info(ctx, &policy).await?;
            let base_units = amount("AMOUNT", &value, info.policy.decimals)?;
            let depositor = ctx.signer(depositor.as_deref(), "depositor")?;
            let source = from.unwrap_or_else(|| {
                associated_token_address(
                    &depositor.pubkey(),
                    &info.policy.mint,
                    &info.token_program,
                )
            });
            let ix = instructions::policy_deposit(
                &policy,
                &info.policy.mint,
                &info.token_program,
                &depositor.pubkey(),
                &source,
                base_units,
            );
            let result = ctx.submit(vec![ix], vec![depositor]).await?;
            let what = format!(
                "Deposited {} into policy {policy}",
                ui(base_units, info.policy.decimals)
            );
            Ok(submitted(
                result,
                &what,
                json!({ "amount": base_units })
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            ))
        }
        PolicyCommand::Withdraw {
            policy,
            amount: value,
            to,
            owner,
        } => {
            let info = policy_info(ctx, &policy).await?;
            let base_units = amount("AMOUNT", &value, info.policy.decimals)?;
            let owner = ctx.signer(owner.as_deref(), "owner")?;
            let payer = ctx.fee_payer()?.pubkey();
            let mut ixs = Vec::new();
            let destination = match to {
                Some(account) => account,
                None => {
                    ixs.push(ensure_ata(
                        &payer,
                        &owner.pubkey(),
                        &info.policy.mint,
                        &info.token_program,
                    ));
                    associated_token_address(
                        &owner.pubkey(),
                        &info.policy.mint,
                        &info.token_program,
                    )
                }
            };
            ixs.push(instructions::policy_withdraw(
                &owner.pubkey(),
                &policy,
                &info.policy.mint,
                &info.token_program,
                &destination,
                base_units,
            ));
            let result = ctx.submit(ixs, vec![owner]).await?;
            let what = format!(
                "Withdrew {} from policy {policy}",
                ui(base_units, info.policy.decimals)
            );
            Ok(submitted(
                result,
                &what,
                json!({ "amount": base_units })
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            ))
        }
    }
}

/// Parsed amounts of a `Limits` group (base units).
struct ParsedLimits {
    per_escrow_max: Option<u64>,
    daily_cap: Option<u64>,
    monthly_cap: Option<u64>,
    instant_max: Option<u64>,
    delay_max: Option<u64>,
}

fn parse_limits(limits: &Limits, decimals: u8) -> Result<ParsedLimits, CliError> {
    Ok(ParsedLimits {
        per_escrow_max: opt_amount("--per-escrow-max", &limits.per_escrow_max, decimals)?,
        daily_cap: opt_amount("--daily-cap", &limits.daily_cap, decimals)?,
        monthly_cap: opt_amount("--monthly-cap", &limits.monthly_cap, decimals)?,
        instant_max: opt_amount("--instant-max", &limits.instant_max, decimals)?,
        delay_max: opt_amount("--delay-max", &limits.delay_max, decimals)?,
    })
}

async fn show(ctx: &Context, policy: &Pubkey) -> Result<Report, CliError> {
    let info = policy_info(ctx, policy).await?;
    let p = &info.policy;
    let d = p.decimals;
    let now = ctx.client.transport().unix_timestamp().await?;
    let (spent_24h, spent_30d) = p.spent(now).map_err(|e| CliError::Output(e.to_string()))?;
    let vault_balance = ctx.client.token_balance(&p.vault).await?;
    // The program keeps vault >= locked; a shortfall would show as 0 free.
    let free_balance = vault_balance.saturating_sub(p.locked);
    let json = json!({
        "policy": policy.to_string(),
        "owner": p.owner.to_string(),
        "agent": p.agent.to_string(),
        "arbiter": p.arbiter.to_string(),
        "mint": p.mint.to_string(),
        "vault": p.vault.to_string(),
        "vaultBalance": vault_balance,
        "locked": p.locked,
        "freeBalance": free_balance,
        "perEscrowMax": p.per_escrow_max,
        "dailyCap": p.daily_cap,
        "monthlyCap": p.monthly_cap,
        "instantMax": p.instant_max,
        "delayMax": p.delay_max,
        "delaySeconds": p.delay_seconds,
        "disputeTimeout": p.dispute_timeout,
        "reviewTimeout": p.review_timeout,
        "maxEscrowDuration": p.max_escrow_duration,
        "expiresAt": p.expires_at,
        "paused": p.paused != 0,
        "requireAllowlist": p.require_allowlist != 0,
        "reviewUnlisted": p.review_unlisted != 0,
        "nextEscrowId": p.next_escrow_id,
        "spent24h": spent_24h,
        "spent30d": spent_30d,
        "totalDeposited": p.total_deposited,
        "totalEscrowed": p.total_escrowed,
        "totalReleased": p.total_released,
        "totalRefunded": p.total_refunded,
        "totalWithdrawn": p.total_withdrawn,
        "escrowsCreated": p.escrows_created,
    });
    let arbiter = if p.arbiter == p.owner {
        format!("{} (the owner)", p.arbiter)
    } else {
        format!("{} (the owner can resolve too)", p.arbiter)
    };
    let text = format!(
        "Policy: {policy}\nOwner: {}\nAgent: {}\nArbiter: {arbiter}\nMint: {}\n\
         Vault: {} (balance {})\nLocked by open escrows: {}\nFree balance: {}\n\
         Per escrow max: {}\nDaily cap: {} (spent in the last 24 h: {})\nMonthly cap: {} (spent in the last 30 days: {})\n\
         Instant release up to: {}\nDelay release up to: {} after {}\nApproval: above {}\n\
         Dispute timeout: {}\nReview timeout: {}\nMax escrow duration: {}\n\
         Expires at: {}\nPaused: {}\nAllowlist required: {}\nUnlisted providers reviewed: {}\n\
         Next escrow id: {}\nEscrows created: {}",
        p.owner,
        p.agent,
        p.mint,
        p.vault,
        ui(vault_balance, d),
        ui(p.locked, d),
        ui(free_balance, d),
        ui(p.per_escrow_max, d),
        ui(p.daily_cap, d),
        ui(spent_24h, d),
        ui(p.monthly_cap, d),
        ui(spent_30d, d),
        ui(p.instant_max, d),
        ui(p.delay_max, d),
        duration(p.delay_seconds),
        ui(p.delay_max, d),
        duration(p.dispute_timeout),
        duration(p.review_timeout),
        duration(p.max_escrow_duration),
        if p.expires_at == 0 { "never".to_string() } else { p.expires_at.to_string() },
        p.paused != 0,
        p.require_allowlist != 0,
        p.review_unlisted != 0,
        p.next_escrow_id,
        p.escrows_created,
    );
    Ok(Report::new(json, text))
}
