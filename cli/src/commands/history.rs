//! `agent-escrow history`: the audit trail, decoded from the program's events.

use agent_escrow_client::{
    anchor_lang::prelude::Pubkey,
    events::{AMOUNT_FIELDS, DURATION_FIELDS, LAMPORT_FIELDS, TIME_FIELDS},
};
use serde_json::json;

use crate::{
    args::HistoryArgs,
    context::Context,
    output::{duration, event_json, explorer_link, human_time, time, ui, Report},
    CliError,
};

pub async fn run(ctx: &Context, args: HistoryArgs) -> Result<Report, CliError> {
    let address: Pubkey = match (args.policy, args.escrow) {
        (Some(policy), _) => policy,
        (None, Some(escrow)) => escrow,
        (None, None) => {
            return Err(CliError::Input(
                "give --policy POLICY or --escrow ESCROW".into(),
            ))
        }
    };
    // The mint's decimals, to show amounts in token units: the policy's (for
    // an escrow, its policy's, from the first event that names it).
    let (items, truncated) = ctx.client.history_page(&address, args.limit).await?;
    let policy = items
        .iter()
        .flat_map(|i| i.events.iter())
        .map(|e| e.record().policy)
        .next();
    let decimals = match policy.and_then(|p| p.parse::<Pubkey>().ok()) {
        Some(policy) => ctx.client.policy(&policy).await.ok().map(|p| p.decimals),
        None => None,
    };
    let mut text = format!("Audit trail of {address}: {} transaction(s)", items.len());
    if truncated {
        text.push_str(&format!(
            " (stopped at --limit {}: older transactions were not read; raise --limit to see them)",
            args.limit
        ));
    }
    let mut entries = Vec::new();
    for item in &items {
        text.push_str(&format!(
            "\n  {}  {}",
            item.block_time
                .map(human_time)
                .unwrap_or_else(|| "time unknown".into()),
            item.signature
        ));
        if let Some(link) = explorer_link(&item.signature.to_string()) {
            text.push_str(&format!("\n    {link}"));
        }
        for event in &item.events {
            let record = event.record();
            let mut line = format!("\n    {:<18}", record.name);
            if let Some(amount) = record.amount {
                line.push_str(&format!(" amount={}", amount_text(amount, decimals)));
            }
            if let Some(escrow) = &record.escrow {
                line.push_str(&format!(" escrow={escrow}"));
            }
            for (key, value) in &record.fields {
                let key = key.as_str();
                let shown = match (value.parse::<i64>(), value.parse::<u64>()) {
                    (Ok(v), _) if TIME_FIELDS.contains(&key) && v > 0 => human_time(v),
                    (Ok(0), _) if TIME_FIELDS.contains(&key) => "never".into(),
                    (Ok(v), _) if DURATION_FIELDS.contains(&key) => duration(v),
                    (_, Ok(v)) if AMOUNT_FIELDS.contains(&key) => amount_text(v, decimals),
                    (_, Ok(v)) if LAMPORT_FIELDS.contains(&key) => format!("{v} lamports"),
                    _ => value.clone(),
                };
                line.push_str(&format!(" {key}={shown}"));
            }
            text.push_str(&line);
            let mut value = event_json(event, decimals);
            if let Some(obj) = value.as_object_mut() {
                obj.insert("signature".into(), item.signature.to_string().into());
                obj.insert("blockTime".into(), json!(item.block_time.map(time)));
            }
            entries.push(value);
        }
    }
    Ok(Report::new(
        json!({
            "address": address.to_string(),
            "events": entries,
            "limit": args.limit.to_string(),
            "truncated": truncated,
        }),
        text,
    ))
}

fn amount_text(base_units: u64, decimals: Option<u8>) -> String {
    match decimals {
        Some(d) => ui(base_units, d),
        None => format!("{base_units} base units"),
    }
}
