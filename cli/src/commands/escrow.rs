//! `agent-escrow escrow ...`

use agent_escrow::{
    instructions::EscrowCreateArgs,
    offchain::OwnerAction,
    state::{Escrow, EscrowState},
};
use agent_escrow_client::{
    anchor_lang::prelude::Pubkey,
    events::{hex, EscrowEvent},
    instructions,
    pda::{allow_address, escrow_address},
    preflight::{self, EscrowInstruction, EscrowView, Refusal},
    transport::Transport,
    ClientError, CreateOutcome, Signer,
};
use serde_json::{json, Map, Value};

use super::{
    check, ensure_ata, escrow_id_of, escrow_info, escrow_view, owner_message, policy_info,
    policy_view, recent_escrow_ids, sha256_file, state_name, submit_on_escrow, tier_name,
    EscrowInfo, PolicyInfo,
};
use crate::{
    args::{EscrowCommand, OffchainArgs, ProofSource},
    context::{Context, Submitted},
    output::{duration, human_time, submitted, time, token_amount, u64s, ui, Report},
    parse::amount,
    CliError,
};

fn proof_hash(source: &ProofSource) -> Result<[u8; 32], CliError> {
    match (&source.file, &source.hash) {
        (Some(path), _) => sha256_file("--file", path),
        (None, Some(hash)) => Ok(*hash),
        (None, None) => Err(CliError::Input(
            "give the proof as --file PATH (hashed with sha256) or --hash HEX".into(),
        )),
    }
}

fn task_hash(
    file: Option<std::path::PathBuf>,
    hash: Option<[u8; 32]>,
) -> Result<[u8; 32], CliError> {
    match (file, hash) {
        (Some(path), _) => sha256_file("--task-file", &path),
        (None, Some(hash)) => Ok(hash),
        (None, None) => Err(CliError::Input(
            "give the task as --task-file PATH (hashed with sha256) or --task-hash HEX".into(),
        )),
    }
}

fn state_arg(state: &str) -> Option<EscrowState> {
    Some(match state {
        "funded" => EscrowState::Funded,
        "proof-submitted" => EscrowState::ProofSubmitted,
        "released" => EscrowState::Released,
        "refunded" => EscrowState::Refunded,
        "disputed" => EscrowState::Disputed,
        "resolved" => EscrowState::Resolved,
        "cancelled" => EscrowState::Cancelled,
        _ => return None,
    })
}

fn object(value: Value) -> Map<String, Value> {
    value.as_object().cloned().unwrap_or_default()
}

pub async fn run(ctx: &Context, command: EscrowCommand) -> Result<Report, CliError> {
    match command {
        EscrowCommand::Create {
            policy,
            provider,
            amount: value,
            task_file,
            task_hash: hash,
            deadline,
            escrow_id,
            verifier,
            depends_on,
            allow_duplicate,
            agent,
        } => {
            let info = policy_info(ctx, &policy).await?;
            let decimals = info.policy.decimals;
            let base_units = amount("--amount", &value, decimals)?;
            let task_hash = task_hash(task_file, hash)?;
            let agent = ctx.signer(agent.as_deref(), "agent")?;
            // One open escrow per task: a re-run reports it instead of paying twice.
            if !allow_duplicate {
                let open = ctx
                    .client
                    .open_escrows_for_task(&policy, &provider, base_units, &task_hash)
                    .await?;
                if let Some((address, existing)) = open.first() {
                    return Ok(existing_report(ctx, &info, address, existing, open.len()).await);
                }
            }
            let now = ctx.client.transport().unix_timestamp().await?;
            // Every bound the client can know, before any fee is spent. A
            // retry of an explicit id that already holds an escrow is
            // reported by the client instead.
            let first_id = escrow_id.unwrap_or(info.policy.next_escrow_id);
            let retry = escrow_id.is_some()
                && ctx
                    .client
                    .escrow(&escrow_address(&policy, first_id).0)
                    .await?
                    .is_some();
            if !retry {
                let vault_amount = ctx.client.token_balance(&info.policy.vault).await?;
                let allowed = ctx
                    .client
                    .transport()
                    .get_account(&allow_address(&policy, &provider).0)
                    .await?
                    .is_some();
                let upstream = match depends_on {
                    Some(upstream) => ctx.client.escrow(&upstream).await?,
                    None => None,
                };
                let args = EscrowCreateArgs {
                    escrow_id: first_id,
                    bump: 0,
                    provider,
                    amount: base_units,
                    task_hash,
                    deadline: now.saturating_add(deadline),
                    verifier,
                    depends_on,
                };
                check(
                    ctx,
                    preflight::escrow_create(
                        &policy_view(&info),
                        vault_amount,
                        &agent.pubkey(),
                        &args,
                        allowed,
                        upstream.as_ref(),
                        now,
                    ),
                )?;
            }
            let mut next = info.policy.next_escrow_id;
            // With the default id, concurrent creates race for `next`: the
            // loser moves up (past the id it lost and the policy's new next)
            // and tries again, within the 256-id window. An explicit id is
            // tried once.
            let attempts = if escrow_id.is_some() { 1 } else { 16 };
            for attempt in 1..=attempts {
                let id = escrow_id.unwrap_or(next);
                let address = escrow_address(&policy, id).0;
                let args = EscrowCreateArgs {
                    escrow_id: id,
                    bump: 0, // the builder sets the canonical bump
                    provider,
                    amount: base_units,
                    task_hash,
                    deadline: now + deadline,
                    verifier,
                    depends_on,
                };
                let what = format!(
                    "Created escrow {address} (id {id}): {} locked for {provider}",
                    ui(base_units, decimals)
                );
                let extra = object(json!({
                    "escrow": address.to_string(),
                    "escrowId": u64s(id),
                    "amount": token_amount(base_units, decimals),
                    "deadline": time(now + deadline),
                }));
                if ctx.offline() || ctx.dry_run() {
                    // Offline signing: the exact instruction, no read-back retries.
                    let entry = allow_address(&policy, &provider).0;
                    let with_allow = ctx.client.transport().get_account(&entry).await?.is_some();
                    let payer = ctx.fee_payer()?.pubkey();
                    let ix = instructions::escrow_create(
                        &policy,
                        &agent.pubkey(),
                        &payer,
                        args,
                        with_allow,
                    );
                    let result = ctx.submit(vec![ix], vec![agent]).await?;
                    return Ok(submitted(result, &what, extra, Some(decimals)));
                }
                let payer = ctx.fee_payer()?;
                match ctx
                    .client
                    .escrow_create(agent.as_ref(), payer.as_ref(), &policy, args)
                    .await
                {
                    Ok(CreateOutcome::Created(outcome)) => {
                        return Ok(created_report(outcome, what, extra, decimals))
                    }
                    Ok(CreateOutcome::AlreadyExists(existing)) => {
                        return Ok(existing_report(ctx, &info, &address, &existing, 1).await)
                    }
                    Err(e) if attempt < attempts && lost_id_race(&e) => {
                        let fresh = ctx.client.next_escrow_id(&policy).await?;
                        next = fresh.max(id.saturating_add(1));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Err(CliError::Input(format!(
                "{attempts} concurrent creates took every id tried on policy {policy}; run the command again"
            )))
        }
        EscrowCommand::Address {
            policy,
            escrow_id: _, // with an id: answered offline (`commands::offline`)
            provider,
            amount: value,
            task_file,
            task_hash: hash,
        } => {
            let (Some(provider), Some(value)) = (provider, value) else {
                return Err(CliError::Input(
                    "give --escrow-id N, or --provider, --amount and --task-file/--task-hash"
                        .into(),
                ));
            };
            let info = policy_info(ctx, &policy).await?;
            let base_units = amount("--amount", &value, info.policy.decimals)?;
            let task_hash = task_hash(task_file, hash)?;
            let open = ctx
                .client
                .open_escrows_for_task(&policy, &provider, base_units, &task_hash)
                .await?;
            let found: Vec<(Pubkey, Option<u64>)> = {
                let mut found = Vec::new();
                for (address, _) in &open {
                    found.push((*address, escrow_id_of(ctx, &info, address, true).await));
                }
                found
            };
            match found.as_slice() {
                [] => Err(CliError::Input(format!(
                    "no open escrow of policy {policy} pays {} to {provider} for this task; a \
                     settled escrow is closed (see `agent-escrow history --policy {policy}`), and \
                     `escrow create` prints the address of the escrow it creates",
                    ui(base_units, info.policy.decimals)
                ))),
                [(address, id)] => Ok(Report::new(
                    json!({ "escrow": address.to_string(), "escrowId": id.map(u64s) }),
                    address.to_string(),
                )),
                many => {
                    let list: Vec<String> = many
                        .iter()
                        .map(|(a, id)| match id {
                            Some(id) => format!("{a} (id {id})"),
                            None => a.to_string(),
                        })
                        .collect();
                    Err(CliError::Input(format!(
                        "{} open escrows of policy {policy} match these terms (created with \
                         --allow-duplicate): {}; pick one with --escrow-id",
                        many.len(),
                        list.join(", ")
                    )))
                }
            }
        }
        EscrowCommand::Show { escrow } => {
            let info = escrow_info(ctx, &escrow).await?;
            let id = escrow_id_of(ctx, &info.policy, &escrow, true).await;
            Ok(escrow_report(ctx, &info, id).await)
        }
        EscrowCommand::List {
            policy,
            provider,
            state,
        } => {
            let state = state.as_deref().and_then(state_arg);
            let escrows = ctx
                .client
                .list_escrows(policy.as_ref(), provider.as_ref(), state)
                .await?;
            // Escrow ids are in the addresses only: match the policies' recent ids.
            let mut ids = std::collections::HashMap::new();
            let mut decimals_of = std::collections::HashMap::new();
            let policies: std::collections::BTreeSet<Pubkey> =
                escrows.iter().map(|(_, e)| e.policy).collect();
            for policy in policies {
                if let Ok(p) = ctx.client.policy(&policy).await {
                    ids.extend(recent_escrow_ids(&policy, p.next_escrow_id));
                    decimals_of.insert(policy, p.decimals);
                }
            }
            let mut text = format!("{} escrow(s)", escrows.len());
            if !escrows.is_empty() {
                text.push_str(&format!(
                    "\n  {:<44}  {:<7} {:>16}  {:<15} {:<8} {:<25} PROVIDER",
                    "ESCROW", "ID", "AMOUNT", "STATE", "TIER", "DEADLINE"
                ));
            }
            let mut items = Vec::new();
            for (address, escrow) in &escrows {
                let id = ids.get(address).copied();
                let decimals = decimals_of.get(&escrow.policy).copied();
                text.push_str(&format!(
                    "\n  {address:<44}  #{:<6} {:>16}  {:<15} {:<8} {:<25} {}",
                    id.map(|i| i.to_string()).unwrap_or_else(|| "?".into()),
                    decimals
                        .map(|d| ui(escrow.amount, d))
                        .unwrap_or_else(|| format!("{} base units", escrow.amount)),
                    state_name(escrow.state),
                    tier_name(escrow.tier),
                    human_time(escrow.deadline),
                    escrow.provider
                ));
                let mut item = json!({
                    "escrow": address.to_string(),
                    "policy": escrow.policy.to_string(),
                    "escrowId": id.map(u64s),
                    "provider": escrow.provider.to_string(),
                    "amount": decimals
                        .map(|d| token_amount(escrow.amount, d))
                        .unwrap_or_else(|| json!({ "amount": escrow.amount.to_string() })),
                    "state": state_name(escrow.state),
                    "tier": tier_name(escrow.tier),
                    "taskTag": hex(&escrow.task_tag),
                    "deadline": time(escrow.deadline),
                    "dependents": escrow.dependents,
                });
                if let Some(obj) = item.as_object_mut() {
                    obj.retain(|_, v| !v.is_null());
                }
                items.push(item);
            }
            Ok(Report::new(json!({ "escrows": items }), text))
        }
        EscrowCommand::Proof {
            escrow,
            proof,
            provider,
            attestation,
            verifier_signer,
        } => {
            let info = escrow_info(ctx, &escrow).await?;
            let proof = proof_hash(&proof)?;
            let provider = ctx.signer(provider.as_deref(), "provider")?;
            let payer = ctx.fee_payer()?.pubkey();
            let mut ixs = vec![provider_ata(&payer, &info)];
            if let Some(verifier) = info.verifier {
                let message = instructions::attestation(
                    &info.keys,
                    &info.escrow.provider,
                    info.escrow.amount,
                    &proof,
                );
                let signature: [u8; 64] = match (attestation, verifier_signer) {
                    (Some(sig), _) => sig
                        .parse::<solana_signature::Signature>()
                        .map_err(|_| CliError::Input(format!("--attestation: '{sig}' is not a base58 signature")))?
                        .into(),
                    (None, Some(source)) => {
                        let signer = ctx.signer(Some(&source), "verifier-signer")?;
                        if signer.pubkey() != verifier {
                            return Err(CliError::Input(format!("--verifier-signer: {} is not this escrow's verifier {verifier}", signer.pubkey())));
                        }
                        signer.try_sign_message(&message).map_err(|e| CliError::Input(format!("--verifier-signer: {e}")))?.into()
                    }
                    (None, None) => {
                        return Err(CliError::Input(format!(
                            "this escrow requires an attestation by verifier {verifier}: pass --attestation SIGNATURE (the verifier runs `agent-escrow escrow attest {escrow} ...`) or --verifier-signer SIGNER"
                        )))
                    }
                };
                ixs.push(instructions::ed25519_attestation(
                    &verifier, &signature, &message,
                ));
            }
            ixs.push(instructions::escrow_submit_proof(
                &provider.pubkey(),
                &info.keys,
                proof,
            ));
            let now = ctx.client.transport().unix_timestamp().await?;
            check(
                ctx,
                preflight::submit_proof(&escrow_view(&info), &provider.pubkey(), &proof, now),
            )?;
            let result = submit_on_escrow(
                ctx,
                &info,
                EscrowInstruction::SubmitProof,
                ixs,
                vec![provider],
            )
            .await?;
            let events = match &result {
                Submitted::Sent(o) => o.events.as_slice(),
                Submitted::Simulated { events, .. } => events.as_slice(),
                Submitted::SignedOffline { .. } => &[],
            };
            let paid = events.iter().any(|e| e.name() == "EscrowReleased");
            let amount = ui(info.escrow.amount, info.policy.policy.decimals);
            let mut what = if paid {
                format!(
                    "Proof recorded for escrow {escrow} and paid (instant tier): {amount} to {}",
                    info.escrow.provider
                )
            } else {
                format!(
                    "Proof recorded for escrow {escrow} ({amount} to {})",
                    info.escrow.provider
                )
            };
            if !paid && !matches!(&result, Submitted::SignedOffline { .. }) {
                what.push_str(&format!(". {}", after_proof(&info)));
            }
            Ok(settlement_report(
                result,
                what,
                &info,
                object(json!({ "proofHash": hex(&proof), "released": paid })),
            ))
        }
        EscrowCommand::Attest {
            escrow,
            proof,
            verifier,
        } => {
            let info = escrow_info(ctx, &escrow).await?;
            let proof = proof_hash(&proof)?;
            let verifier = ctx.signer(verifier.as_deref(), "verifier")?;
            let message = instructions::attestation(
                &info.keys,
                &info.escrow.provider,
                info.escrow.amount,
                &proof,
            );
            let signature = verifier
                .try_sign_message(&message)
                .map_err(|e| CliError::Input(format!("--verifier: {e}")))?;
            let json = json!({ "escrow": escrow.to_string(), "verifier": verifier.pubkey().to_string(), "proofHash": hex(&proof), "signature": signature.to_string() });
            Ok(Report::new(
                json,
                format!(
                    "Attestation by {} for escrow {escrow}\nSignature: {signature}",
                    verifier.pubkey()
                ),
            ))
        }
        EscrowCommand::Approve {
            escrow,
            owner,
            offchain,
        } if offchain.used() => {
            owner_message_report(ctx, &escrow, OwnerAction::ApproveRelease, owner, &offchain).await
        }
        EscrowCommand::Veto {
            escrow,
            owner,
            offchain,
        } if offchain.used() => {
            owner_message_report(ctx, &escrow, OwnerAction::VetoRelease, owner, &offchain).await
        }
        EscrowCommand::Approve {
            escrow,
            owner,
            offchain,
        } => {
            no_expiry(&offchain)?;
            let info = escrow_info(ctx, &escrow).await?;
            let result = on_escrow(
                ctx,
                &info,
                (EscrowInstruction::Approve, owner.as_deref(), "owner"),
                |view, signer, _| preflight::approve(view, signer),
                |signer, payer| {
                    vec![
                        provider_ata(payer, &info),
                        instructions::escrow_approve(signer, &info.keys),
                    ]
                },
            )
            .await?;
            let what = format!(
                "Approved and released escrow {escrow}: {} paid to {}",
                ui(info.escrow.amount, info.policy.policy.decimals),
                info.escrow.provider
            );
            Ok(settlement_report(result, what, &info, Map::new()))
        }
        EscrowCommand::Veto {
            escrow,
            owner,
            offchain,
        } => {
            no_expiry(&offchain)?;
            let info = escrow_info(ctx, &escrow).await?;
            let result = on_escrow(
                ctx,
                &info,
                (EscrowInstruction::Veto, owner.as_deref(), "owner"),
                |view, signer, _| preflight::veto(view, signer),
                |signer, _| {
                    vec![instructions::escrow_veto(
                        signer,
                        &info.keys.policy,
                        &escrow,
                    )]
                },
            )
            .await?;
            let what = format!(
                "Vetoed escrow {escrow} ({} to {}): {}",
                ui(info.escrow.amount, info.policy.policy.decimals),
                info.escrow.provider,
                waiting_for_arbiter(&info)
            );
            Ok(submitted(
                result,
                &what,
                amount_of(&info),
                Some(info.policy.policy.decimals),
            ))
        }
        EscrowCommand::Release { escrow } => {
            let info = escrow_info(ctx, &escrow).await?;
            let result = on_escrow(
                ctx,
                &info,
                (EscrowInstruction::Release, None, "keypair"),
                |view, _, now| preflight::release(view, now),
                |signer, payer| {
                    vec![
                        provider_ata(payer, &info),
                        instructions::escrow_release(signer, &info.keys),
                    ]
                },
            )
            .await?;
            let what = format!(
                "Released escrow {escrow}: {} paid to {}",
                ui(info.escrow.amount, info.policy.policy.decimals),
                info.escrow.provider
            );
            Ok(settlement_report(result, what, &info, Map::new()))
        }
        EscrowCommand::Refund { escrow } => {
            let info = escrow_info(ctx, &escrow).await?;
            let result = on_escrow(
                ctx,
                &info,
                (EscrowInstruction::Refund, None, "keypair"),
                |view, _, now| preflight::refund(view, now),
                |signer, _| vec![instructions::escrow_refund(signer, &info.keys)],
            )
            .await?;
            let what = format!(
                "Refunded escrow {escrow} (was {}): {} is free again in the policy vault",
                state_name(info.escrow.state),
                ui(info.escrow.amount, info.policy.policy.decimals)
            );
            Ok(settlement_report(result, what, &info, Map::new()))
        }
        EscrowCommand::Dispute { escrow, authority } => {
            let info = escrow_info(ctx, &escrow).await?;
            let result = on_escrow(
                ctx,
                &info,
                (
                    EscrowInstruction::Dispute,
                    authority.as_deref(),
                    "authority",
                ),
                |view, signer, _| preflight::dispute(view, signer),
                |signer, _| {
                    vec![instructions::escrow_dispute(
                        signer,
                        &info.keys.policy,
                        &escrow,
                    )]
                },
            )
            .await?;
            let what = format!(
                "Disputed escrow {escrow} ({} to {}): {}",
                ui(info.escrow.amount, info.policy.policy.decimals),
                info.escrow.provider,
                waiting_for_arbiter(&info)
            );
            Ok(submitted(
                result,
                &what,
                amount_of(&info),
                Some(info.policy.policy.decimals),
            ))
        }
        EscrowCommand::Resolve {
            escrow,
            provider_share,
            arbiter,
        } => {
            let info = escrow_info(ctx, &escrow).await?;
            let result = on_escrow(
                ctx,
                &info,
                (EscrowInstruction::Resolve, arbiter.as_deref(), "arbiter"),
                |view, signer, _| preflight::resolve(view, signer, provider_share),
                |signer, payer| {
                    vec![
                        provider_ata(payer, &info),
                        instructions::escrow_resolve(signer, &info.keys, provider_share),
                    ]
                },
            )
            .await?;
            let amount = info.escrow.amount;
            let to_provider =
                u64::try_from(u128::from(amount) * u128::from(provider_share) / 10_000)
                    .unwrap_or(amount);
            let d = info.policy.policy.decimals;
            let what = format!(
                "Resolved escrow {escrow}: {}.{:02}% of {} to the provider ({}), {} free again in the policy vault",
                provider_share / 100,
                provider_share % 100,
                ui(amount, d),
                ui(to_provider, d),
                ui(amount - to_provider, d)
            );
            Ok(settlement_report(
                result,
                what,
                &info,
                object(json!({ "providerBps": provider_share })),
            ))
        }
        EscrowCommand::Cancel {
            escrow,
            agent,
            provider,
        } => {
            let info = escrow_info(ctx, &escrow).await?;
            let agent = ctx.signer(agent.as_deref(), "agent")?;
            let provider = ctx.signer(Some(&provider), "provider")?;
            check(
                ctx,
                preflight::cancel(&escrow_view(&info), &agent.pubkey(), &provider.pubkey()),
            )?;
            let ix = instructions::escrow_cancel(&agent.pubkey(), &provider.pubkey(), &info.keys);
            let result = submit_on_escrow(
                ctx,
                &info,
                EscrowInstruction::Cancel,
                vec![ix],
                vec![agent, provider],
            )
            .await?;
            let what = format!(
                "Cancelled escrow {escrow}: {} is free again in the policy vault",
                ui(info.escrow.amount, info.policy.policy.decimals)
            );
            Ok(settlement_report(result, what, &info, Map::new()))
        }
        EscrowCommand::Close { escrow } => {
            let info = escrow_info(ctx, &escrow).await?;
            let result = on_escrow(
                ctx,
                &info,
                (EscrowInstruction::Close, None, "keypair"),
                |view, _, _| preflight::close(view),
                |signer, _| {
                    vec![instructions::escrow_close(
                        signer,
                        &escrow,
                        &info.keys.rent_payer,
                    )]
                },
            )
            .await?;
            Ok(submitted(
                result,
                &format!(
                    "Closed escrow {escrow}: {} lamports of rent returned to {}",
                    info.lamports, info.keys.rent_payer
                ),
                object(
                    json!({ "rentReturned": u64s(info.lamports), "rentPayer": info.keys.rent_payer.to_string() }),
                ),
                Some(info.policy.policy.decimals),
            ))
        }
    }
}

/// The report of a new escrow, with its tier and the policy's balances
/// from the EscrowCreated event.
fn created_report(
    outcome: agent_escrow_client::transport::TxOutcome,
    mut what: String,
    mut extra: Map<String, Value>,
    decimals: u8,
) -> Report {
    if let Some(created) = outcome.events.iter().find_map(|e| match e {
        EscrowEvent::EscrowCreated(c) => Some(c),
        _ => None,
    }) {
        what.push_str(&format!(
            " ({:?} tier); policy free balance {}, locked {}",
            created.tier,
            ui(created.free_balance, decimals),
            ui(created.locked, decimals)
        ));
        extra.insert("tier".into(), format!("{:?}", created.tier).into());
        extra.insert(
            "freeBalance".into(),
            token_amount(created.free_balance, decimals),
        );
        extra.insert("locked".into(), token_amount(created.locked, decimals));
    }
    submitted(Submitted::Sent(outcome), &what, extra, Some(decimals))
}

/// The report when an open escrow already pays this provider this amount
/// for this task: nothing is sent.
async fn existing_report(
    ctx: &Context,
    policy: &PolicyInfo,
    address: &Pubkey,
    existing: &Escrow,
    count: usize,
) -> Report {
    let id = escrow_id_of(ctx, policy, address, true).await;
    let more = if count > 1 {
        format!(" (and {} more with these terms)", count - 1)
    } else {
        String::new()
    };
    let mut report = match escrow_info(ctx, address).await {
        Ok(info) => escrow_report(ctx, &info, id).await,
        Err(_) => Report::new(
            json!({ "escrow": address.to_string(), "escrowId": id.map(u64s) }),
            "",
        ),
    };
    report.text = format!(
        "Escrow {address} already exists{more}: an open escrow ({}) of this policy pays {} to {} \
         for this task. Nothing was sent; pass --allow-duplicate to create another.\n{}",
        state_name(existing.state),
        ui(existing.amount, policy.policy.decimals),
        existing.provider,
        report.text
    );
    if let Some(obj) = report.json.as_object_mut() {
        obj.insert("alreadyExisted".into(), true.into());
    }
    report
}

/// What a proven escrow that was not paid at once waits for.
fn after_proof(info: &EscrowInfo) -> String {
    let p = &info.policy.policy;
    match info.escrow.tier {
        1 => format!(
            "Anyone can release it with `agent-escrow escrow release {}` in {} unless the owner vetoes{}",
            info.address,
            duration(p.delay_seconds),
            dependency_note(info)
        ),
        2 => format!(
            "It waits for the owner's `agent-escrow escrow approve {}`{}; if that does not come \
             within {} (review timeout), anyone can refund it",
            info.address,
            dependency_note(info),
            duration(p.review_timeout)
        ),
        _ => format!(
            "It is paid when its dependency is released: then run `agent-escrow escrow release {}`",
            info.address
        ),
    }
}

fn dependency_note(info: &EscrowInfo) -> String {
    info.depends_on
        .map(|d| format!(", once its dependency {d} is released"))
        .unwrap_or_default()
}

fn waiting_for_arbiter(info: &EscrowInfo) -> String {
    let p = &info.policy.policy;
    format!(
        "it now waits for the arbiter {} (or the owner) to `escrow resolve` it; after {} \
         (dispute timeout) anyone can refund it",
        p.arbiter,
        duration(p.dispute_timeout)
    )
}

/// A settling transaction's report: where the escrow's rent went (closed at
/// settlement) or why its account stays (other escrows depend on it).
fn settlement_report(
    result: Submitted,
    mut what: String,
    info: &EscrowInfo,
    mut extra: Map<String, Value>,
) -> Report {
    if let Submitted::Sent(outcome) = &result {
        let settled = outcome.events.iter().find_map(|e| {
            let record = e.record();
            let rent = record.fields.get("rentReturned")?.parse::<u64>().ok()?;
            (record.escrow.as_deref() == Some(info.address.to_string().as_str())).then_some(rent)
        });
        if let Some(rent) = settled {
            if rent > 0 {
                what.push_str(&format!(
                    "\nThe escrow is settled and its account closed: {rent} lamports of rent returned to {}",
                    info.keys.rent_payer
                ));
            } else {
                what.push_str(&format!(
                    "\nThe escrow is settled; its account stays open while {} escrow(s) depend on it. \
                     Close it with `agent-escrow escrow close {}` once they have settled",
                    info.escrow.dependents, info.address
                ));
            }
            extra.insert("rentReturned".into(), u64s(rent));
        }
    }
    if !extra.contains_key("amount") {
        extra.extend(amount_of(info));
    }
    submitted(result, &what, extra, Some(info.policy.policy.decimals))
}

/// `escrow show`: the escrow, and what happens next.
async fn escrow_report(ctx: &Context, info: &EscrowInfo, id: Option<u64>) -> Report {
    let e = &info.escrow;
    let p = &info.policy.policy;
    let d = p.decimals;
    let state = EscrowState::from_u8(e.state);
    // The dependency's state matters for what a proven escrow waits for.
    let dependency_released = match info.depends_on {
        None => true,
        Some(upstream) => matches!(
            ctx.client.escrow(&upstream).await,
            Ok(Some(u)) if u.state == EscrowState::Released as u8
        ),
    };
    let (mut releasable_at, mut refundable_at) = (None, None);
    let next = match state {
        Some(EscrowState::Funded) => {
            refundable_at = Some(e.deadline);
            format!(
                "waits for the provider's proof until {}; then anyone can refund it",
                human_time(e.deadline)
            )
        }
        Some(EscrowState::ProofSubmitted) => {
            let waiting = e.tier == 2 || !dependency_released;
            if waiting {
                refundable_at = Some(e.state_at.saturating_add(p.review_timeout));
            }
            match (e.tier, dependency_released) {
                (_, false) => format!(
                    "waits for its dependency to be released; anyone can refund it from {}",
                    human_time(e.state_at.saturating_add(p.review_timeout))
                ),
                (2, true) => format!(
                    "waits for the owner's approval; anyone can refund it from {}",
                    human_time(e.state_at.saturating_add(p.review_timeout))
                ),
                (1, true) => {
                    let at = e.state_at.saturating_add(p.delay_seconds);
                    releasable_at = Some(at);
                    format!(
                        "anyone can release it from {}, unless the owner vetoes it",
                        human_time(at)
                    )
                }
                _ => {
                    releasable_at = Some(e.state_at);
                    "its dependency is released: anyone can release it now".to_string()
                }
            }
        }
        Some(EscrowState::Disputed) => {
            let at = e.state_at.saturating_add(p.dispute_timeout);
            refundable_at = Some(at);
            format!(
                "waits for the arbiter {} (or the owner) to resolve it; anyone can refund it from {}",
                p.arbiter,
                human_time(at)
            )
        }
        _ if e.dependents > 0 => format!(
            "settled; its account is kept while {} escrow(s) depend on it, then \
             `agent-escrow escrow close {}` returns its rent",
            e.dependents, info.address
        ),
        _ => format!(
            "settled; no escrow depends on it any more: `agent-escrow escrow close {}` \
             returns its rent",
            info.address
        ),
    };
    let json = json!({
        "escrow": info.address.to_string(),
        "policy": e.policy.to_string(),
        "escrowId": id.map(u64s),
        "provider": e.provider.to_string(),
        "amount": token_amount(e.amount, d),
        "state": state_name(e.state),
        "tier": tier_name(e.tier),
        "taskTag": hex(&e.task_tag),
        "createdAt": time(e.created_at),
        "deadline": time(e.deadline),
        "stateAt": (e.state_at != 0).then(|| time(e.state_at)),
        "verifier": info.verifier.map(|k| k.to_string()),
        "dependsOn": info.depends_on.map(|k| k.to_string()),
        "dependents": e.dependents,
        "arbiter": p.arbiter.to_string(),
        "rentPayer": e.rent_payer.to_string(),
        "rentLamports": u64s(info.lamports),
        "releasableAt": releasable_at.map(time),
        "refundableAt": refundable_at.map(time),
    });
    let text = format!(
        "Escrow: {}\nPolicy: {}\nId: {}\nProvider: {}\nAmount: {}\nState: {}\nTier: {}\n\
         Created at: {}\nDeadline: {}\nTask tag: {} (first 8 bytes of the task hash)\n\
         Verifier: {}\nDepends on: {}\nDependents: {}\nArbiter: {} (the policy's)\n\
         Rent: {} lamports, returned to {} {}\nNext: {next}",
        info.address,
        e.policy,
        id.map(|i| i.to_string())
            .unwrap_or_else(|| "unknown".into()),
        e.provider,
        ui(e.amount, d),
        state_name(e.state),
        tier_name(e.tier),
        human_time(e.created_at),
        human_time(e.deadline),
        hex(&e.task_tag),
        info.verifier
            .map(|k| k.to_string())
            .unwrap_or_else(|| "none".into()),
        info.depends_on
            .map(|k| k.to_string())
            .unwrap_or_else(|| "none".into()),
        e.dependents,
        p.arbiter,
        info.lamports,
        e.rent_payer,
        if state.is_some_and(|s| s.is_terminal()) {
            "by `escrow close`"
        } else {
            "at settlement"
        },
    );
    Report::new(json, text)
}

/// An instruction on the escrow of `info`, signed by `role` (`source`,
/// else `-k`): the preflight `check` (the escrow's view, the signer's key,
/// the cluster's unix time), then `build` (signer, fee payer), then sent
/// with [`submit_on_escrow`].
async fn on_escrow(
    ctx: &Context,
    info: &EscrowInfo,
    (instruction, source, role): (EscrowInstruction, Option<&str>, &str),
    check_fn: impl FnOnce(&EscrowView, &Pubkey, i64) -> Result<(), Refusal>,
    build: impl FnOnce(
        &Pubkey,
        &Pubkey,
    ) -> Vec<
        agent_escrow_client::anchor_lang::solana_program::instruction::Instruction,
    >,
) -> Result<Submitted, CliError> {
    let signer = ctx.signer(source, role)?;
    let now = ctx.client.transport().unix_timestamp().await?;
    check(ctx, check_fn(&escrow_view(info), &signer.pubkey(), now))?;
    let payer = ctx.fee_payer()?.pubkey();
    let ixs = build(&signer.pubkey(), &payer);
    submit_on_escrow(ctx, info, instruction, ixs, vec![signer]).await
}

/// `--expires-at` belongs to an owner message (`--offchain`,
/// `--owner-signature`).
fn no_expiry(args: &OffchainArgs) -> Result<(), CliError> {
    if args.expires_at.is_some() {
        return Err(CliError::Input(
            "--expires-at: only with --offchain or --owner-signature (the expiry of an owner message)"
                .into(),
        ));
    }
    Ok(())
}

/// `escrow approve|veto --offchain` / `--owner-signature`, worded as the
/// on-chain approve and veto are.
async fn owner_message_report(
    ctx: &Context,
    escrow: &Pubkey,
    action: OwnerAction,
    owner: Option<String>,
    args: &OffchainArgs,
) -> Result<Report, CliError> {
    let outcome = owner_message::run(ctx, escrow, action, owner.as_deref(), args).await?;
    let (info, result, fields) = match outcome {
        owner_message::Outcome::Signed(report) => return Ok(report),
        owner_message::Outcome::Submitted {
            info,
            result,
            fields,
        } => (info, result, fields),
    };
    let amount = ui(info.escrow.amount, info.policy.policy.decimals);
    Ok(match action {
        OwnerAction::ApproveRelease => settlement_report(
            result,
            format!(
                "Approved (owner message) and released escrow {escrow}: {amount} paid to {}",
                info.escrow.provider
            ),
            &info,
            fields,
        ),
        OwnerAction::VetoRelease => {
            let mut extra = amount_of(&info);
            extra.extend(fields);
            submitted(
                result,
                &format!(
                    "Vetoed escrow {escrow} (owner message; {amount} to {}): {}",
                    info.escrow.provider,
                    waiting_for_arbiter(&info)
                ),
                extra,
                Some(info.policy.policy.decimals),
            )
        }
    })
}

/// `{"amount": <token amount>}` of an escrow, for settle reports.
fn amount_of(info: &EscrowInfo) -> Map<String, Value> {
    object(json!({ "amount": token_amount(info.escrow.amount, info.policy.policy.decimals) }))
}

/// The provider's ATA, created in the paying transaction if missing.
pub(super) fn provider_ata(
    payer: &Pubkey,
    info: &EscrowInfo,
) -> agent_escrow_client::anchor_lang::solana_program::instruction::Instruction {
    ensure_ata(
        payer,
        &info.escrow.provider,
        &info.keys.mint,
        &info.keys.token_program,
    )
}

/// Whether `error` means another create took the id first: the id holds an
/// escrow with other terms, or the program refused the id as used
/// (`EscrowIdUnavailable`, 6042; the winner may even have settled and
/// closed already).
fn lost_id_race(error: &ClientError) -> bool {
    match error {
        ClientError::EscrowIdTaken { .. } => true,
        ClientError::Program(failure) => {
            failure.code == u32::from(agent_escrow::error::EscrowError::EscrowIdUnavailable)
        }
        _ => false,
    }
}
