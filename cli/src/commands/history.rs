//! `agent-escrow history`: the audit trail, decoded from the program's events.

use agent_escrow_client::anchor_lang::prelude::Pubkey;
use serde_json::json;

use crate::{args::HistoryArgs, context::Context, output::Report, CliError};

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
    let items = ctx.client.history(&address, args.limit).await?;
    let mut text = format!("Audit trail of {address}: {} transaction(s)", items.len());
    let mut entries = Vec::new();
    for item in &items {
        for event in &item.events {
            let record = event.record();
            let mut line = format!(
                "\n  {:<12} {:<18}",
                item.block_time.map(|t| t.to_string()).unwrap_or_default(),
                record.name
            );
            if let Some(amount) = record.amount {
                line.push_str(&format!(" amount={amount}"));
            }
            if let Some(escrow) = &record.escrow {
                line.push_str(&format!(" escrow={escrow}"));
            }
            for (key, value) in &record.fields {
                line.push_str(&format!(" {key}={value}"));
            }
            text.push_str(&line);
            let mut value =
                serde_json::to_value(&record).map_err(|e| CliError::Output(e.to_string()))?;
            if let Some(obj) = value.as_object_mut() {
                obj.insert("signature".into(), item.signature.to_string().into());
                obj.insert("blockTime".into(), json!(item.block_time));
            }
            entries.push(value);
        }
    }
    Ok(Report::new(
        json!({ "address": address.to_string(), "events": entries }),
        text,
    ))
}
