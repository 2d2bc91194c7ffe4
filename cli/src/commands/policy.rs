//! `agent-escrow policy ...`

use agent_escrow::{
    constants::{DAY_SECONDS, HOUR_SECONDS},
    instructions::{PolicyCreateArgs, PolicyUpdateArgs},
};
use agent_escrow_client::{
    anchor_lang::prelude::Pubkey,
    instructions,
    pda::{associated_token_address, policy_address, policy_vault_address},
    preflight,
    transport::Transport,
};
use serde_json::json;

use super::{check, ensure_ata, policy_info, policy_view, sign_and_send};
use crate::{
    args::{Limits, PolicyCommand},
    context::Context,
    output::{duration, human_time, submitted, time, token_amount, u64s, ui, Report},
    parse::amount,
    CliError,
};

async fn mint_decimals(ctx: &Context, mint: &Pubkey) -> Result<u8, CliError> {
    Ok(super::mint_account(ctx, "--mint", mint).await?.1)
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
            let policy = policy_address(&owner.pubkey(), &agent, &mint).0;
            let exists = ctx.client.transport().get_account(&policy).await?.is_some();
            check(
                ctx,
                preflight::policy_create(&owner.pubkey(), &mint, &args, decimals, exists, now),
            )?;
            let token_program = ctx.client.token_program_of(&mint).await?;
            let ix = instructions::policy_create(&owner.pubkey(), &mint, &token_program, args);
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
                Some(decimals),
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
        PolicyCommand::List { owner, agent } => list(ctx, owner.as_ref(), agent.as_ref()).await,
        PolicyCommand::Update {
            policy,
            agent,
            limits,
            no_expiry,
            require_allowlist,
            review_unlisted,
            owner,
        } => {
            let info = policy_info(ctx, &policy).await?;
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
            check(
                ctx,
                preflight::policy_update(&policy_view(&info), &owner.pubkey(), &args, now),
            )?;
            let ix = instructions::policy_update(&owner.pubkey(), &policy, args);
            let result = ctx.submit(vec![ix], vec![owner]).await?;
            Ok(submitted(
                result,
                &format!("Updated policy {policy}"),
                Default::default(),
                Some(info.policy.decimals),
            ))
        }
        PolicyCommand::Pause { policy, authority } => {
            let info = policy_info(ctx, &policy).await?;
            sign_and_send(
                ctx,
                authority.as_deref(),
                "authority",
                format!("Paused policy {policy}"),
                |signer| preflight::policy_pause(&policy_view(&info), signer),
                |signer, _| vec![instructions::policy_pause(signer, &policy)],
            )
            .await
        }
        PolicyCommand::Resume { policy, owner } => {
            let info = policy_info(ctx, &policy).await?;
            sign_and_send(
                ctx,
                owner.as_deref(),
                "owner",
                format!("Resumed policy {policy}"),
                |signer| preflight::owner_only(&policy_view(&info), signer, "policy resume"),
                |signer, _| vec![instructions::policy_resume(signer, &policy)],
            )
            .await
        }
        PolicyCommand::Allow {
            policy,
            provider,
            owner,
        } => {
            let info = policy_info(ctx, &policy).await?;
            sign_and_send(
                ctx,
                owner.as_deref(),
                "owner",
                format!("Allowed provider {provider}"),
                |signer| preflight::owner_only(&policy_view(&info), signer, "policy allow"),
                |signer, _| vec![instructions::provider_allow(signer, &policy, &provider)],
            )
            .await
        }
        PolicyCommand::Disallow {
            policy,
            provider,
            owner,
        } => {
            let info = policy_info(ctx, &policy).await?;
            sign_and_send(
                ctx,
                owner.as_deref(),
                "owner",
                format!("Disallowed provider {provider}"),
                |signer| preflight::owner_only(&policy_view(&info), signer, "policy disallow"),
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
            let source_balance = match ctx.client.transport().get_account(&source).await? {
                Some(_) => ctx.client.token_balance(&source).await.ok(),
                None => Some(0),
            };
            check(
                ctx,
                preflight::policy_deposit(&policy_view(&info), base_units, &source, source_balance),
            )?;
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
                json!({ "amount": token_amount(base_units, info.policy.decimals) })
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
                Some(info.policy.decimals),
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
            let vault_amount = ctx.client.token_balance(&info.policy.vault).await?;
            check(
                ctx,
                preflight::policy_withdraw(
                    &policy_view(&info),
                    &owner.pubkey(),
                    vault_amount,
                    base_units,
                ),
            )?;
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
                json!({ "amount": token_amount(base_units, info.policy.decimals) })
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
                Some(info.policy.decimals),
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
    let remaining_24h = p.daily_cap.saturating_sub(spent_24h);
    let remaining_30d = p.monthly_cap.saturating_sub(spent_30d);
    // The largest escrow the agent could create now (before the paused,
    // expiry and allowlist rules).
    let can_lock = [remaining_24h, remaining_30d, p.per_escrow_max, free_balance]
        .into_iter()
        .min()
        .unwrap_or(0);
    let hourly = buckets(&p.hourly, now, HOUR_SECONDS);
    let daily = buckets(&p.daily, now, DAY_SECONDS);
    let bucket_json = |list: &[(i64, u64)]| -> Vec<serde_json::Value> {
        list.iter()
            .filter(|(_, amount)| *amount > 0)
            .map(|(start, amount)| json!({ "start": time(*start), "amount": token_amount(*amount, d) }))
            .collect()
    };
    let json = json!({
        "policy": policy.to_string(),
        "owner": p.owner.to_string(),
        "agent": p.agent.to_string(),
        "arbiter": p.arbiter.to_string(),
        "mint": p.mint.to_string(),
        "decimals": d,
        "vault": p.vault.to_string(),
        "vaultBalance": token_amount(vault_balance, d),
        "locked": token_amount(p.locked, d),
        "freeBalance": token_amount(free_balance, d),
        "perEscrowMax": token_amount(p.per_escrow_max, d),
        "dailyCap": token_amount(p.daily_cap, d),
        "monthlyCap": token_amount(p.monthly_cap, d),
        "instantMax": token_amount(p.instant_max, d),
        "delayMax": token_amount(p.delay_max, d),
        "delaySeconds": p.delay_seconds,
        "disputeTimeout": p.dispute_timeout,
        "reviewTimeout": p.review_timeout,
        "maxEscrowDuration": p.max_escrow_duration,
        "expiresAt": (p.expires_at != 0).then(|| time(p.expires_at)),
        "paused": p.paused != 0,
        "requireAllowlist": p.require_allowlist != 0,
        "reviewUnlisted": p.review_unlisted != 0,
        "nextEscrowId": u64s(p.next_escrow_id),
        "spent24h": token_amount(spent_24h, d),
        "spent30d": token_amount(spent_30d, d),
        "remaining24h": token_amount(remaining_24h, d),
        "remaining30d": token_amount(remaining_30d, d),
        "largestEscrowNow": token_amount(can_lock, d),
        "spendBuckets": { "hourly": bucket_json(&hourly), "daily": bucket_json(&daily) },
        "totalDeposited": token_amount(p.total_deposited, d),
        "totalEscrowed": token_amount(p.total_escrowed, d),
        "totalReleased": token_amount(p.total_released, d),
        "totalRefunded": token_amount(p.total_refunded, d),
        "totalWithdrawn": token_amount(p.total_withdrawn, d),
        "escrowsCreated": u64s(p.escrows_created),
        "now": time(now),
    });
    let arbiter = if p.arbiter == p.owner {
        format!("{} (the owner)", p.arbiter)
    } else {
        format!("{} (the owner can resolve too)", p.arbiter)
    };
    let mut text = format!(
        "Policy: {policy}\nOwner: {}\nAgent: {}\nArbiter: {arbiter}\nMint: {}\n\
         Vault: {} (balance {})\nLocked by open escrows: {}\nFree balance: {}\n\
         Per escrow max: {}\n\
         Daily cap: {} (spent in the last 24 h: {}; remaining today: {})\n\
         Monthly cap: {} (spent in the last 30 days: {}; remaining this month: {})\n\
         Largest escrow now: {}\n\
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
        ui(remaining_24h, d),
        ui(p.monthly_cap, d),
        ui(spent_30d, d),
        ui(remaining_30d, d),
        ui(can_lock, d),
        ui(p.instant_max, d),
        ui(p.delay_max, d),
        duration(p.delay_seconds),
        ui(p.delay_max, d),
        duration(p.dispute_timeout),
        duration(p.review_timeout),
        duration(p.max_escrow_duration),
        if p.expires_at == 0 {
            "never".to_string()
        } else {
            human_time(p.expires_at)
        },
        p.paused != 0,
        p.require_allowlist != 0,
        p.review_unlisted != 0,
        p.next_escrow_id,
        p.escrows_created,
    );
    text.push_str(&chart(
        "Spend by hour, last 25 hours (the 24 h cap sums these)",
        &hourly,
        d,
        "%m-%d %H:00",
    ));
    text.push_str(&chart(
        "Spend by day, last 31 days (the 30 day cap sums these)",
        &daily,
        d,
        "%Y-%m-%d",
    ));
    Ok(Report::new(json, text))
}

/// The spend of each period of a rolling window, oldest first: `(period
/// start in unix seconds, base units)` for the current period and the
/// `buckets.len() - 1` before it (what `spend::window_total` sums).
fn buckets(
    buckets: &[agent_escrow::state::spend::SpendBucket],
    now: i64,
    width: i64,
) -> Vec<(i64, u64)> {
    let current = now.div_euclid(width);
    let len = buckets.len() as i64;
    (current - (len - 1)..=current)
        .map(|period| {
            let amount = buckets
                .iter()
                .filter(|b| i64::try_from(b.period).ok() == Some(period))
                .map(|b| b.amount)
                .sum();
            (period.saturating_mul(width), amount)
        })
        .collect()
}

/// A bar chart of the periods with spend (bars scaled to the largest),
/// labelled in UTC with `format`.
fn chart(title: &str, periods: &[(i64, u64)], decimals: u8, format: &str) -> String {
    const WIDTH: u64 = 40;
    let max = periods.iter().map(|(_, a)| *a).max().unwrap_or(0);
    let mut out = format!("\n{title}:");
    if max == 0 {
        out.push_str(" none");
        return out;
    }
    let mut skipped = 0;
    for (start, amount) in periods {
        if *amount == 0 {
            skipped += 1;
            continue;
        }
        // Eighths of a cell: at least one for any spend.
        let eighths = (u128::from(*amount) * u128::from(WIDTH * 8) / u128::from(max)).max(1) as u64;
        let mut bar = "█".repeat((eighths / 8) as usize);
        bar.push_str(["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][(eighths % 8) as usize]);
        let label = chrono::DateTime::from_timestamp(*start, 0)
            .map(|t| t.format(format).to_string())
            .unwrap_or_default();
        out.push_str(&format!(
            "\n  {label} UTC │{bar:<40} {}",
            ui(*amount, decimals)
        ));
    }
    if skipped > 0 {
        out.push_str(&format!("\n  ({skipped} periods without spend not shown)"));
    }
    out
}

/// `policy list`: the policies of an owner and/or an agent.
async fn list(
    ctx: &Context,
    owner: Option<&Pubkey>,
    agent: Option<&Pubkey>,
) -> Result<Report, CliError> {
    let policies = ctx.client.list_policies(owner, agent).await?;
    let mut text = format!("{} policy(ies)", policies.len());
    if !policies.is_empty() {
        text.push_str(&format!(
            "\n  {:<44}  {:<44}  {:>14}  {:>14}  {:>14}  PAUSED",
            "POLICY", "AGENT", "LOCKED", "DAILY CAP", "MONTHLY CAP"
        ));
    }
    let mut items = Vec::new();
    for (address, p) in &policies {
        let d = p.decimals;
        text.push_str(&format!(
            "\n  {address:<44}  {:<44}  {:>14}  {:>14}  {:>14}  {}",
            p.agent.to_string(),
            ui(p.locked, d),
            ui(p.daily_cap, d),
            ui(p.monthly_cap, d),
            if p.paused != 0 { "yes" } else { "no" }
        ));
        items.push(json!({
            "policy": address.to_string(),
            "owner": p.owner.to_string(),
            "agent": p.agent.to_string(),
            "mint": p.mint.to_string(),
            "arbiter": p.arbiter.to_string(),
            "locked": token_amount(p.locked, d),
            "perEscrowMax": token_amount(p.per_escrow_max, d),
            "dailyCap": token_amount(p.daily_cap, d),
            "monthlyCap": token_amount(p.monthly_cap, d),
            "paused": p.paused != 0,
            "nextEscrowId": u64s(p.next_escrow_id),
        }));
    }
    Ok(Report::new(json!({ "policies": items }), text))
}
