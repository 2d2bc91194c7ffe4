//! `escrow approve --offchain` and `escrow veto --offchain`: the owner's
//! consent as a signed clear-text off-chain message (see
//! `agent_escrow::offchain`), submitted by any key, or printed for another
//! machine to submit with `--owner-signature`.

use agent_escrow::offchain::OwnerAction;
use agent_escrow_client::{
    offchain::{owner_message, SignableMessage},
    preflight::{self, EscrowInstruction},
    transport::Transport,
    Signer,
};
use serde_json::{json, Map, Value};
use solana_signature::Signature;

use super::{check, escrow_info, escrow_view, submit_on_escrow, EscrowInfo};
use crate::{
    args::OffchainArgs,
    context::{Context, Submitted},
    output::{time, ui, Report},
    CliError,
};

/// Default lifetime of a signed owner message: one hour, in seconds.
pub const DEFAULT_EXPIRES_IN: i64 = 3_600;

/// `escrow approve|veto ESCROW --offchain ...` or `... --owner-signature SIG
/// --expires-at TIME`. Returns what was done and, when sent, the events
/// (the caller words the report).
pub async fn run(
    ctx: &Context,
    escrow: &agent_escrow_client::anchor_lang::prelude::Pubkey,
    action: OwnerAction,
    owner: Option<&str>,
    args: &OffchainArgs,
) -> Result<Outcome, CliError> {
    let info = escrow_info(ctx, escrow).await?;
    let now = ctx.client.transport().unix_timestamp().await?;
    let expires_at = match (args.expires_at, args.expires_in) {
        (Some(at), _) => at,
        (None, duration) => now
            .checked_add(duration.unwrap_or(DEFAULT_EXPIRES_IN))
            .ok_or_else(|| CliError::Input("--expires-in: too far in the future".into()))?,
    };
    let policy = &info.policy.policy;
    let message = SignableMessage::new(
        owner_message(
            action,
            (&info.policy.address, policy),
            (&info.address, &info.escrow),
            expires_at,
        ),
        policy.owner,
    )
    .map_err(|e| CliError::Input(format!("--expires-at: {e}")))?;
    let (instruction, state_check) = match action {
        OwnerAction::ApproveRelease => (EscrowInstruction::Approve, preflight::approve as Check),
        OwnerAction::VetoRelease => (EscrowInstruction::Veto, preflight::veto as Check),
    };
    check(ctx, preflight::owner_message_expiry(now, expires_at))?;
    let (signer_key, signature) = match &args.owner_signature {
        Some(text) => {
            let signature = text.parse::<Signature>().map_err(|_| {
                CliError::Input(format!(
                    "--owner-signature: '{text}' is not a base58 signature"
                ))
            })?;
            check(ctx, state_check(&escrow_view(&info), &policy.owner))?;
            check(ctx, preflight::owner_signature(&message, &signature))?;
            (policy.owner, signature)
        }
        None => {
            let signer = ctx.signer(owner, "owner")?;
            check(
                ctx,
                preflight::owner_message_signer(&escrow_view(&info), &signer.pubkey()),
            )?;
            check(ctx, state_check(&escrow_view(&info), &policy.owner))?;
            (signer.pubkey(), sign(&*signer, owner, &message)?)
        }
    };
    if ctx.sign_only() {
        return Ok(Outcome::Signed(signed_report(&info, &message, &signature)));
    }
    let payer = ctx.fee_payer()?.pubkey();
    let mut ixs = Vec::with_capacity(3);
    if action == OwnerAction::ApproveRelease {
        ixs.push(super::escrow::provider_ata(&payer, &info));
    }
    ixs.extend(message.instructions_signed_by(&signer_key, &payer, &info.keys, &signature));
    let result = submit_on_escrow(ctx, &info, instruction, ixs, Vec::new()).await?;
    Ok(Outcome::Submitted {
        info: Box::new(info),
        result,
        fields: message_fields(&message, &signature),
    })
}

/// A preflight state-and-signer check (`preflight::approve` / `veto`).
type Check = fn(
    &preflight::EscrowView,
    &agent_escrow_client::anchor_lang::prelude::Pubkey,
) -> Result<(), preflight::Refusal>;

/// What [`run`] did.
pub enum Outcome {
    /// `--sign-only`: the signature, printed; nothing sent.
    Signed(Report),
    /// Sent (or simulated with `--dry-run`).
    Submitted {
        info: Box<EscrowInfo>,
        result: Submitted,
        /// The message's fields for the JSON report.
        fields: Map<String, Value>,
    },
}

/// Signs the envelope with the owner's signer. A hardware wallet shows the
/// text, so it is printed on stderr first for the owner to compare; the
/// signature is checked against the signer's key before it is used (a
/// device that signed anything else is caught here, not on chain).
fn sign(
    signer: &dyn Signer,
    source: Option<&str>,
    message: &SignableMessage,
) -> Result<Signature, CliError> {
    if source.is_some_and(|s| s.starts_with("usb://")) {
        eprintln!(
            "Check the message on the device, then approve it:\n  {}",
            message.text
        );
    }
    let signature = signer
        .try_sign_message(&message.envelope)
        .map_err(|e| CliError::Input(format!("--owner: cannot sign the owner message: {e}")))?;
    if !signature.verify(signer.pubkey().as_ref(), &message.envelope) {
        return Err(CliError::Input(format!(
            "--owner: the signer returned a signature that does not verify as {}'s over the message",
            signer.pubkey()
        )));
    }
    Ok(signature)
}

/// The message's fields in a report (flat, so the display lists them one
/// per line): `ownerMessage` (the text), `owner`, `ownerSignature`,
/// `messageExpiresAt`, `envelopeBytes`.
fn message_fields(message: &SignableMessage, signature: &Signature) -> Map<String, Value> {
    let json = json!({
        "ownerMessage": message.text,
        "owner": message.owner.to_string(),
        "ownerSignature": signature.to_string(),
        "messageExpiresAt": time(message.message.expires_at),
        "envelopeBytes": message.envelope.len().to_string(),
    });
    match json {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// `--sign-only`: the message, its signature and the command that submits
/// it from another machine.
fn signed_report(info: &EscrowInfo, message: &SignableMessage, signature: &Signature) -> Report {
    let verb = match message.message.action {
        OwnerAction::ApproveRelease => "approve",
        OwnerAction::VetoRelease => "veto",
    };
    let submit = format!(
        "agent-escrow escrow {verb} {} --owner-signature {signature} --expires-at {}",
        info.address, message.message.expires_at
    );
    let mut json = message_fields(message, signature);
    json.insert("escrow".into(), json!(info.address.to_string()));
    json.insert("submit".into(), json!(submit));
    let text = format!(
        "Owner message signed by {} ({} of {}):\n  {}\nSignature: {signature}\nExpires: {}\n\
         Submit it from any machine (any key pays the fee):\n  {submit}",
        message.owner,
        verb,
        ui(info.escrow.amount, info.policy.policy.decimals),
        message.text,
        crate::output::rfc3339(message.message.expires_at),
    );
    Report::new(Value::Object(json), text)
}
