//! `agent-escrow escrow ...`

use agent_escrow::{instructions::EscrowCreateArgs, state::EscrowState};
use agent_escrow_client::{
    anchor_lang::prelude::Pubkey, instructions, pda::escrow_address, transport::Transport,
    CreateOutcome, Signer,
};
use serde_json::json;

use super::{
    ensure_ata, escrow_info, policy_info, sha256_file, sign_and_send, state_name, tier_name,
    EscrowInfo,
};
use crate::{
    args::{EscrowCommand, ProofSource},
    context::{Context, Submitted},
    output::{submitted, ui, Report},
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

/// Default escrow id: the first 8 bytes (LE) of sha256(task_hash | provider |
/// amount LE), so re-running the same `escrow create` is idempotent.
fn default_escrow_id(task_hash: &[u8; 32], provider: &Pubkey, amount: u64) -> u64 {
    let mut bytes = task_hash.to_vec();
    bytes.extend_from_slice(provider.as_ref());
    bytes.extend_from_slice(&amount.to_le_bytes());
    let digest = agent_escrow_client::sha256(&bytes);
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
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

pub async fn run(ctx: &Context, command: EscrowCommand) -> Result<Report, CliError> {
    match command {
        EscrowCommand::Create {
            policy,
            provider,
            amount: value,
            task_file,
            task_hash,
            deadline,
            escrow_id,
            verifier,
            arbiter,
            depends_on,
            agent,
        } => {
            let info = policy_info(ctx, &policy).await?;
            let base_units = amount("--amount", &value, info.policy.decimals)?;
            let task_hash = match (task_file, task_hash) {
                (Some(path), _) => sha256_file("--task-file", &path)?,
                (None, Some(hash)) => hash,
                (None, None) => {
                    return Err(CliError::Input(
                        "give the task as --task-file PATH or --task-hash HEX".into(),
                    ))
                }
            };
            let escrow_id =
                escrow_id.unwrap_or_else(|| default_escrow_id(&task_hash, &provider, base_units));
            let agent = ctx.signer(agent.as_deref(), "agent")?;
            let now = ctx.client.transport().unix_timestamp().await?;
            let args = EscrowCreateArgs {
                escrow_id,
                provider,
                amount: base_units,
                task_hash,
                deadline: now + deadline,
                verifier,
                arbiter,
                depends_on,
            };
            let address = escrow_address(&policy, escrow_id).0;
            let extra = json!({ "escrow": address.to_string(), "escrowId": escrow_id, "amount": base_units });
            let extra = extra.as_object().cloned().unwrap_or_default();
            let what = format!(
                "Created escrow {address} ({} to {provider})",
                ui(base_units, info.policy.decimals)
            );
            if let Some(existing) = ctx.client.escrow(&address).await? {
                return existing_report(address, &existing, &args, info.policy.decimals);
            }
            if ctx.offline() {
                // Offline signing: the exact instruction, no read-back retries.
                let with_allow = info.policy.require_allowlist != 0;
                let payer = ctx.fee_payer()?.pubkey();
                let ix = instructions::escrow_create(
                    &policy,
                    &info.policy.mint,
                    &info.token_program,
                    &agent.pubkey(),
                    &payer,
                    args,
                    with_allow,
                );
                let result = ctx.submit(vec![ix], vec![agent]).await?;
                return Ok(submitted(result, &what, extra));
            }
            let payer = ctx.fee_payer()?;
            match ctx
                .client
                .escrow_create(agent.as_ref(), payer.as_ref(), &policy, args.clone())
                .await?
            {
                CreateOutcome::Created(outcome) => {
                    Ok(submitted(Submitted::Sent(outcome), &what, extra))
                }
                CreateOutcome::AlreadyExists(existing) => {
                    existing_report(address, &existing, &args, info.policy.decimals)
                }
            }
        }
        EscrowCommand::Address {
            policy,
            escrow_id,
            provider,
            amount: value,
            task_file,
            task_hash,
        } => {
            let escrow_id = match (escrow_id, provider, value) {
                (Some(id), _, _) => id,
                (None, Some(provider), Some(value)) => {
                    let info = policy_info(ctx, &policy).await?;
                    let base_units = amount("--amount", &value, info.policy.decimals)?;
                    let task_hash = match (task_file, task_hash) {
                        (Some(path), _) => sha256_file("--task-file", &path)?,
                        (None, Some(hash)) => hash,
                        (None, None) => {
                            return Err(CliError::Input(
                                "give --task-file PATH or --task-hash HEX".into(),
                            ))
                        }
                    };
                    default_escrow_id(&task_hash, &provider, base_units)
                }
                _ => {
                    return Err(CliError::Input(
                        "give --escrow-id, or --provider, --amount and --task-file/--task-hash"
                            .into(),
                    ))
                }
            };
            let address = escrow_address(&policy, escrow_id).0;
            Ok(Report::new(
                json!({ "escrow": address.to_string(), "escrowId": escrow_id }),
                address.to_string(),
            ))
        }
        EscrowCommand::Show { escrow } => {
            let info = escrow_info(ctx, &escrow).await?;
            Ok(escrow_report(
                &info.address,
                &info.escrow,
                info.policy.policy.decimals,
            ))
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
            let mut text = format!("{} escrow(s)", escrows.len());
            let mut items = Vec::new();
            for (address, escrow) in &escrows {
                text.push_str(&format!(
                    "\n  {address}  #{:<20} {:>14} base units  {:<15} {:<8} provider {}",
                    escrow.escrow_id,
                    escrow.amount,
                    state_name(escrow.state),
                    tier_name(escrow.tier),
                    escrow.provider
                ));
                items.push(escrow_json(address, escrow));
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
            if let Some(verifier) = info.escrow.verifier() {
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
            let result = ctx.submit(ixs, vec![provider]).await?;
            let paid = matches!(&result, Submitted::Sent(o) if o.events.iter().any(|e| e.name() == "EscrowReleased"));
            let what = format!(
                "Proof recorded for escrow {escrow}{}",
                if paid { " and paid (instant tier)" } else { "" }
            );
            Ok(submitted(
                result,
                &what,
                json!({ "proofHash": agent_escrow_client::events::hex(&proof), "released": paid })
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
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
            let json = json!({ "escrow": escrow.to_string(), "verifier": verifier.pubkey().to_string(), "proofHash": agent_escrow_client::events::hex(&proof), "signature": signature.to_string() });
            Ok(Report::new(
                json,
                format!(
                    "Attestation by {} for escrow {escrow}\nSignature: {signature}",
                    verifier.pubkey()
                ),
            ))
        }
        EscrowCommand::Approve { escrow, owner } => {
            let info = escrow_info(ctx, &escrow).await?;
            sign_and_send(
                ctx,
                owner.as_deref(),
                "owner",
                format!("Approved and released escrow {escrow}"),
                |signer, payer| {
                    vec![
                        provider_ata(payer, &info),
                        instructions::escrow_approve(signer, &info.keys),
                    ]
                },
            )
            .await
        }
        EscrowCommand::Veto { escrow, owner } => {
            let info = escrow_info(ctx, &escrow).await?;
            let what = format!("Vetoed escrow {escrow}: it now waits for the arbiter");
            sign_and_send(ctx, owner.as_deref(), "owner", what, |signer, _| {
                vec![instructions::escrow_veto(
                    signer,
                    &info.keys.policy,
                    &escrow,
                )]
            })
            .await
        }
        EscrowCommand::Release { escrow } => {
            let info = escrow_info(ctx, &escrow).await?;
            sign_and_send(
                ctx,
                None,
                "keypair",
                format!("Released escrow {escrow}"),
                |signer, payer| {
                    vec![
                        provider_ata(payer, &info),
                        instructions::escrow_release(signer, &info.keys),
                    ]
                },
            )
            .await
        }
        EscrowCommand::Refund { escrow } => {
            let info = escrow_info(ctx, &escrow).await?;
            let what = format!("Refunded escrow {escrow} to the policy vault");
            sign_and_send(ctx, None, "keypair", what, |signer, _| {
                let keys = &info.keys;
                vec![instructions::escrow_refund(
                    signer,
                    &keys.policy,
                    &escrow,
                    &keys.mint,
                    &keys.token_program,
                )]
            })
            .await
        }
        EscrowCommand::Dispute { escrow, authority } => {
            let info = escrow_info(ctx, &escrow).await?;
            let what = format!("Disputed escrow {escrow}: it now waits for the arbiter");
            sign_and_send(ctx, authority.as_deref(), "authority", what, |signer, _| {
                vec![instructions::escrow_dispute(
                    signer,
                    &info.keys.policy,
                    &escrow,
                )]
            })
            .await
        }
        EscrowCommand::Resolve {
            escrow,
            provider_share,
            arbiter,
        } => {
            let info = escrow_info(ctx, &escrow).await?;
            let arbiter = ctx.signer(arbiter.as_deref(), "arbiter")?;
            let payer = ctx.fee_payer()?.pubkey();
            let ixs = vec![
                provider_ata(&payer, &info),
                instructions::escrow_resolve(&arbiter.pubkey(), &info.keys, provider_share),
            ];
            let result = ctx.submit(ixs, vec![arbiter]).await?;
            let what = format!(
                "Resolved escrow {escrow}: {}.{:02}% to the provider",
                provider_share / 100,
                provider_share % 100
            );
            Ok(submitted(
                result,
                &what,
                json!({ "providerBps": provider_share })
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
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
            let ix = instructions::escrow_cancel(
                &agent.pubkey(),
                &provider.pubkey(),
                &info.keys.policy,
                &escrow,
                &info.keys.mint,
                &info.keys.token_program,
            );
            let result = ctx.submit(vec![ix], vec![agent, provider]).await?;
            Ok(submitted(
                result,
                &format!("Cancelled escrow {escrow}"),
                Default::default(),
            ))
        }
        EscrowCommand::Close { escrow } => {
            let info = escrow_info(ctx, &escrow).await?;
            let cranker = ctx.signer(None, "keypair")?;
            let ix = instructions::escrow_close(
                &cranker.pubkey(),
                &escrow,
                &info.escrow.rent_payer,
                &info.keys.token_program,
            );
            let result = ctx.submit(vec![ix], vec![cranker]).await?;
            Ok(submitted(
                result,
                &format!(
                    "Closed escrow {escrow}; rent returned to {}",
                    info.escrow.rent_payer
                ),
                Default::default(),
            ))
        }
    }
}

fn existing_report(
    address: Pubkey,
    existing: &agent_escrow::state::Escrow,
    args: &EscrowCreateArgs,
    decimals: u8,
) -> Result<Report, CliError> {
    let same = existing.provider == args.provider
        && existing.amount == args.amount
        && existing.task_hash == args.task_hash;
    if !same {
        return Err(agent_escrow_client::ClientError::EscrowIdTaken {
            policy: existing.policy,
            escrow_id: args.escrow_id,
        }
        .into());
    }
    let mut report = escrow_report(&address, existing, decimals);
    report.text = format!(
        "Escrow {address} already exists with these terms (nothing sent)\n{}",
        report.text
    );
    if let Some(obj) = report.json.as_object_mut() {
        obj.insert("alreadyExisted".into(), true.into());
    }
    Ok(report)
}

fn escrow_json(address: &Pubkey, e: &agent_escrow::state::Escrow) -> serde_json::Value {
    json!({
        "escrow": address.to_string(),
        "policy": e.policy.to_string(),
        "escrowId": e.escrow_id,
        "provider": e.provider.to_string(),
        "amount": e.amount,
        "state": state_name(e.state),
        "tier": tier_name(e.tier),
        "taskHash": agent_escrow_client::events::hex(&e.task_hash),
        "proofHash": agent_escrow_client::events::hex(&e.proof_hash),
        "deadline": e.deadline,
        "createdAt": e.created_at,
        "proofSubmittedAt": e.proof_submitted_at,
        "releaseDelay": e.release_delay,
        "settledAt": e.settled_at,
        "verifier": e.verifier().map(|k| k.to_string()),
        "arbiter": e.arbiter().map(|k| k.to_string()),
        "dependsOn": e.depends_on().map(|k| k.to_string()),
        "rentPayer": e.rent_payer.to_string(),
        "providerBps": e.provider_bps,
    })
}

fn escrow_report(address: &Pubkey, e: &agent_escrow::state::Escrow, decimals: u8) -> Report {
    let text = format!(
        "Escrow: {address}\nPolicy: {}\nId: {}\nProvider: {}\nAmount: {}\nState: {}\nTier: {}\nDeadline: {}\n\
         Task hash: {}\nProof hash: {}\nVerifier: {}\nArbiter: {}\nDepends on: {}",
        e.policy,
        e.escrow_id,
        e.provider,
        ui(e.amount, decimals),
        state_name(e.state),
        tier_name(e.tier),
        e.deadline,
        agent_escrow_client::events::hex(&e.task_hash),
        agent_escrow_client::events::hex(&e.proof_hash),
        e.verifier().map(|k| k.to_string()).unwrap_or_else(|| "none".into()),
        e.arbiter().map(|k| k.to_string()).unwrap_or_else(|| "policy owner".into()),
        e.depends_on().map(|k| k.to_string()).unwrap_or_else(|| "none".into()),
    );
    Report::new(escrow_json(address, e), text)
}

/// The provider's ATA, created in the paying transaction if missing.
fn provider_ata(
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
