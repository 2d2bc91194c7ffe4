//! Decoding of the program's accounts from raw account data.

use agent_escrow::state::{Escrow, Policy};
use anchor_lang::Discriminator;

use crate::error::ClientError;

fn decode<T: bytemuck::Pod + Discriminator>(
    name: &'static str,
    data: &[u8],
) -> Result<T, ClientError> {
    let disc = T::DISCRIMINATOR;
    let body = data.strip_prefix(disc).ok_or(ClientError::AccountDecode {
        name,
        reason: "discriminator does not match",
    })?;
    let size = core::mem::size_of::<T>();
    let bytes = body.get(..size).ok_or(ClientError::AccountDecode {
        name,
        reason: "account data too short",
    })?;
    Ok(bytemuck::pod_read_unaligned(bytes))
}

/// Decodes a [`Policy`] account (8-byte discriminator + zero-copy body).
pub fn decode_policy(data: &[u8]) -> Result<Policy, ClientError> {
    decode("Policy", data)
}

/// Decodes an [`Escrow`] account (8-byte discriminator + zero-copy body).
pub fn decode_escrow(data: &[u8]) -> Result<Escrow, ClientError> {
    decode("Escrow", data)
}

/// The optional keys after an escrow's fixed part: (verifier, depends_on).
pub fn escrow_optional_keys(
    data: &[u8],
    flags: u8,
) -> Result<
    (
        Option<anchor_lang::prelude::Pubkey>,
        Option<anchor_lang::prelude::Pubkey>,
    ),
    ClientError,
> {
    agent_escrow::state::optional_keys(data, flags).map_err(|_| ClientError::AccountDecode {
        name: "Escrow",
        reason: "optional keys missing",
    })
}

/// Reads the `amount` (base units) of an SPL Token / Token-2022 account.
pub fn token_account_amount(data: &[u8]) -> Result<u64, ClientError> {
    // SPL token account layout: mint (32) | owner (32) | amount (u64 LE) | ...
    data.get(64..72)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
        .ok_or(ClientError::AccountDecode {
            name: "TokenAccount",
            reason: "account data too short",
        })
}

/// Reads the `decimals` of an SPL Token / Token-2022 mint.
pub fn mint_decimals(data: &[u8]) -> Result<u8, ClientError> {
    // SPL mint layout (82 bytes): mint_authority COption<Pubkey> (36) |
    // supply u64 (8) | decimals u8 @44 | is_initialized bool @45 |
    // freeze_authority (36). Token-2022 mints with extensions are longer:
    // padded to 165 bytes, then the account type byte @165 = 1 (Mint).
    // Source: spl-token `state::Mint::LEN`, spl-token-2022 `extension`.
    const MINT_LEN: usize = 82;
    const ACCOUNT_TYPE_OFFSET: usize = 165;
    let shaped = data.len() == MINT_LEN
        || (data.len() > ACCOUNT_TYPE_OFFSET && data[ACCOUNT_TYPE_OFFSET] == 1);
    if !shaped {
        return Err(ClientError::AccountDecode {
            name: "Mint",
            reason: "not a token mint (wrong size or account type)",
        });
    }
    if data[45] != 1 {
        return Err(ClientError::AccountDecode {
            name: "Mint",
            reason: "mint is not initialized",
        });
    }
    Ok(data[44])
}

/// Decimals of `account` if it is a mint owned by SPL Token or Token-2022
/// (see [`mint_decimals`] for the layout checks).
pub fn decode_mint(account: &solana_account::Account) -> Result<u8, ClientError> {
    let token_programs = [anchor_spl::token::ID, anchor_spl::token_2022::ID];
    if !token_programs.contains(&account.owner) {
        return Err(ClientError::AccountDecode {
            name: "Mint",
            reason: "not owned by the SPL Token or Token-2022 program",
        });
    }
    mint_decimals(&account.data)
}
