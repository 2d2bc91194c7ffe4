//! Deploying a program through the upgradeable loader (BPF loader v3), the
//! way `solana program deploy` does: create a buffer, write the ELF into it
//! in chunks (sent in parallel, re-sent until confirmed), then deploy the
//! buffer to the program address.

use std::{collections::BTreeMap, time::Duration};

use anchor_lang::solana_program::bpf_loader_upgradeable::{self as loader, UpgradeableLoaderState};
use solana_client::rpc_config::RpcSendTransactionConfig;
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;
use solana_transaction::Transaction;

use crate::{error::ClientError, rpc::RpcTransport, transport::Transport, EscrowClient};

/// Program bytes per `Write` instruction: a write transaction (one
/// signature, the buffer and authority accounts, the loader) stays under the
/// 1,232-byte packet limit with this much data.
pub const WRITE_CHUNK: usize = 950;

fn loader_error(e: impl std::fmt::Display) -> ClientError {
    ClientError::Transport(format!("upgradeable loader: {e}"))
}

/// Deploys `elf` at `program` (its keypair signs once, as with
/// `solana program deploy --program-id`), `payer` paying rent and fees and
/// becoming the upgrade authority. The program account is sized for twice
/// the ELF (room to upgrade). Returns the deploy transaction's signature.
pub async fn deploy_program(
    client: &EscrowClient<RpcTransport>,
    payer: &Keypair,
    program: &Keypair,
    elf: &[u8],
) -> Result<Signature, ClientError> {
    let rpc = client.transport();
    let buffer = Keypair::new();
    let buffer_len = UpgradeableLoaderState::size_of_buffer(elf.len());
    let lamports = rpc.minimum_balance_for_rent_exemption(buffer_len).await?;
    let create = loader::create_buffer(
        &payer.pubkey(),
        &buffer.pubkey(),
        &payer.pubkey(),
        lamports,
        elf.len(),
    )
    .map_err(loader_error)?;
    client.send(&create, payer, &[&buffer]).await?;

    // Write every chunk; re-send what is not confirmed until all are.
    let mut pending: BTreeMap<usize, Option<Signature>> = (0..elf.len().div_ceil(WRITE_CHUNK))
        .map(|i| (i, None))
        .collect();
    let config = RpcSendTransactionConfig {
        skip_preflight: true,
        ..RpcSendTransactionConfig::default()
    };
    for _round in 0..20 {
        let blockhash = rpc.latest_blockhash().await?;
        for (index, signature) in pending.iter_mut() {
            let offset = index * WRITE_CHUNK;
            let chunk = &elf[offset..(offset + WRITE_CHUNK).min(elf.len())];
            let ix = loader::write(
                &buffer.pubkey(),
                &payer.pubkey(),
                offset as u32,
                chunk.to_vec(),
            );
            let tx = Transaction::new_signed_with_payer(
                &[ix],
                Some(&payer.pubkey()),
                &[payer],
                blockhash,
            );
            if rpc
                .rpc()
                .send_transaction_with_config(&tx, config)
                .await
                .is_ok()
            {
                *signature = Some(tx.signatures[0]);
            }
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        let sent: Vec<(usize, Signature)> = pending
            .iter()
            .filter_map(|(i, s)| s.map(|s| (*i, s)))
            .collect();
        for batch in sent.chunks(256) {
            let signatures: Vec<Signature> = batch.iter().map(|(_, s)| *s).collect();
            let statuses = rpc
                .rpc()
                .get_signature_statuses(&signatures)
                .await
                .map_err(|e| ClientError::Transport(e.to_string()))?;
            for ((index, _), status) in batch.iter().zip(statuses.value) {
                if status.is_some_and(|s| {
                    s.err.is_none()
                        && s.satisfies_commitment(
                            solana_commitment_config::CommitmentConfig::confirmed(),
                        )
                }) {
                    pending.remove(index);
                }
            }
        }
        if pending.is_empty() {
            break;
        }
    }
    if !pending.is_empty() {
        return Err(ClientError::Transport(format!(
            "{} buffer writes not confirmed after 20 rounds",
            pending.len()
        )));
    }

    let program_lamports = rpc
        .minimum_balance_for_rent_exemption(UpgradeableLoaderState::size_of_program())
        .await?;
    let deploy = loader::deploy_with_max_program_len(
        &payer.pubkey(),
        &program.pubkey(),
        &buffer.pubkey(),
        &payer.pubkey(),
        program_lamports,
        elf.len() * 2,
    )
    .map_err(loader_error)?;
    Ok(client.send(&deploy, payer, &[program]).await?.signature)
}
