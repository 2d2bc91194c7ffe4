//! Program-derived addresses. Seeds come from the program crate's
//! `constants` module, so client and program cannot disagree.

use agent_escrow::constants::{ALLOW_SEED, ESCROW_SEED, POLICY_SEED, POLICY_VAULT_SEED};
use anchor_lang::prelude::Pubkey;

/// The program id compiled into the program crate (`declare_id!`).
pub const PROGRAM_ID: Pubkey = agent_escrow::ID;

/// Policy PDA `["policy", owner, agent, mint]` and its bump.
pub fn policy_address(owner: &Pubkey, agent: &Pubkey, mint: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[POLICY_SEED, owner.as_ref(), agent.as_ref(), mint.as_ref()],
        &PROGRAM_ID,
    )
}

/// Policy vault PDA `["policy_vault", policy]` and its bump.
pub fn policy_vault_address(policy: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[POLICY_VAULT_SEED, policy.as_ref()], &PROGRAM_ID)
}

/// Escrow PDA `["escrow", policy, escrow_id as u64 LE]` and its (canonical)
/// bump, which `escrow_create` takes as an argument.
pub fn escrow_address(policy: &Pubkey, escrow_id: u64) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[ESCROW_SEED, policy.as_ref(), &escrow_id.to_le_bytes()],
        &PROGRAM_ID,
    )
}

/// Allowlist entry PDA `["allow", policy, provider]` and its bump.
pub fn allow_address(policy: &Pubkey, provider: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[ALLOW_SEED, policy.as_ref(), provider.as_ref()],
        &PROGRAM_ID,
    )
}

/// The associated token account (ATA) of `owner` for `mint` under `token_program`.
pub fn associated_token_address(owner: &Pubkey, mint: &Pubkey, token_program: &Pubkey) -> Pubkey {
    anchor_spl::associated_token::get_associated_token_address_with_program_id(
        owner,
        mint,
        token_program,
    )
}
