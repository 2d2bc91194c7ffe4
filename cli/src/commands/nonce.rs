//! `agent-escrow nonce ...`: durable nonce accounts (the system program's),
//! so an owner can sign offline with no blockhash lifetime (`--nonce`).

use serde_json::json;

use crate::{
    args::NonceCommand,
    context::Context,
    output::{submitted, u64s, Report},
    CliError,
};

/// Size of a nonce account (`solana_nonce::state::State::size()`).
const NONCE_ACCOUNT_LEN: usize = 80;

pub async fn run(ctx: &Context, command: NonceCommand) -> Result<Report, CliError> {
    use agent_escrow_client::transport::Transport;
    match command {
        NonceCommand::Create {
            nonce_keypair,
            authority,
        } => {
            let nonce = ctx.signer(Some(&nonce_keypair), "nonce-keypair")?;
            let authority = match authority {
                Some(key) => key,
                None => ctx.signer(None, "keypair")?.pubkey(),
            };
            if ctx
                .client
                .transport()
                .get_account(&nonce.pubkey())
                .await?
                .is_some()
            {
                return Err(CliError::Input(format!(
                    "NONCE_KEYPAIR: an account already exists at {}; use a new keypair \
                     (`agent-escrow keygen new -o nonce.json`)",
                    nonce.pubkey()
                )));
            }
            let lamports = ctx
                .client
                .transport()
                .minimum_balance_for_rent_exemption(NONCE_ACCOUNT_LEN)
                .await?;
            let payer = ctx.fee_payer()?.pubkey();
            let ixs = solana_system_interface::instruction::create_nonce_account(
                &payer,
                &nonce.pubkey(),
                &authority,
                lamports,
            );
            let address = nonce.pubkey();
            let result = ctx.submit(ixs, vec![nonce]).await?;
            let extra = json!({
                "nonceAccount": address.to_string(),
                "authority": authority.to_string(),
                "lamports": u64s(lamports),
            });
            Ok(submitted(
                result,
                &format!(
                    "Created nonce account {address} (authority {authority}, {lamports} lamports of rent)"
                ),
                extra.as_object().cloned().unwrap_or_default(),
                None,
            ))
        }
        NonceCommand::Show { account } => {
            let (nonce, authority) = ctx.nonce_value(&account).await?;
            Ok(Report::new(
                json!({
                    "nonceAccount": account.to_string(),
                    "nonce": nonce.to_string(),
                    "authority": authority.to_string(),
                }),
                format!(
                    "Nonce account: {account}\nNonce: {nonce} (sign with --blockhash {nonce} --nonce {account})\nAuthority: {authority}"
                ),
            ))
        }
    }
}
