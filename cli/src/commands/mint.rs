//! `agent-escrow mint ...`: test mints for the embedded chain and localnet
//! (the devnet USDC mint 4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU is
//! Circle's; it cannot be minted here).

use agent_escrow_client::{pda::associated_token_address, transport::Transport, Keypair, Signer};
use serde_json::json;

use super::{ensure_ata, mint_account};
use crate::{
    args::MintCommand,
    context::Context,
    output::{submitted, token_amount, ui, Report},
    parse::amount,
    CliError,
};

pub async fn run(ctx: &Context, command: MintCommand) -> Result<Report, CliError> {
    match command {
        MintCommand::Create {
            decimals,
            mint_keypair,
        } => {
            let authority = ctx.signer(None, "keypair")?;
            let payer = ctx.fee_payer()?;
            let mint: Box<dyn Signer> = match mint_keypair {
                Some(source) => ctx.signer(Some(&source), "mint-keypair")?,
                None => Box::new(Keypair::new()),
            };
            let outcome = ctx
                .client
                .create_mint(payer.as_ref(), mint.as_ref(), &authority.pubkey(), decimals)
                .await?;
            let what = format!(
                "Created mint {} ({decimals} decimals, authority {})",
                mint.pubkey(),
                authority.pubkey()
            );
            let extra = json!({ "mint": mint.pubkey().to_string(), "decimals": decimals });
            Ok(submitted(
                crate::context::Submitted::Sent(outcome),
                &what,
                extra.as_object().cloned().unwrap_or_default(),
                Some(decimals),
            ))
        }
        MintCommand::To {
            mint,
            owner,
            amount: value,
        } => {
            let (account, decimals) = mint_account(ctx, "MINT", &mint).await?;
            let base_units = amount("AMOUNT", &value, decimals)?;
            let authority = ctx.signer(None, "keypair")?;
            let payer = ctx.fee_payer()?;
            let token_program = account.owner;
            let ata = associated_token_address(&owner, &mint, &token_program);
            let mint_ix = anchor_spl::token_2022::spl_token_2022::instruction::mint_to(
                &token_program,
                &mint,
                &ata,
                &authority.pubkey(),
                &[],
                base_units,
            )
            .map_err(|e| CliError::Input(format!("MINT: {e}")))?;
            let ixs = vec![
                ensure_ata(&payer.pubkey(), &owner, &mint, &token_program),
                mint_ix,
            ];
            let result = ctx.submit(ixs, vec![authority]).await?;
            let what = format!(
                "Minted {} to {owner} (token account {ata})",
                ui(base_units, decimals)
            );
            Ok(submitted(
                result,
                &what,
                json!({ "tokenAccount": ata.to_string(), "amount": token_amount(base_units, decimals) })
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
                Some(decimals),
            ))
        }
        MintCommand::Balance { mint, owner } => {
            let (account, decimals) = mint_account(ctx, "MINT", &mint).await?;
            // OWNER may be a token account itself, else it is the ATA's owner.
            let direct = ctx
                .client
                .transport()
                .get_account(&owner)
                .await?
                .filter(|a| a.owner == account.owner);
            let token_account = if direct.is_some() {
                owner
            } else {
                associated_token_address(&owner, &mint, &account.owner)
            };
            let balance = ctx.client.token_balance(&token_account).await?;
            let json = json!({ "tokenAccount": token_account.to_string(), "amount": token_amount(balance, decimals) });
            Ok(Report::new(
                json,
                format!("{} ({token_account})", ui(balance, decimals)),
            ))
        }
    }
}
