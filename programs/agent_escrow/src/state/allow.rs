//! Provider allowlist entries.

use anchor_lang::prelude::*;

/// PDA `["allow", policy, provider]`: `provider` may be paid by escrows of
/// `policy` when the policy has `require_allowlist` set. Borsh, 8-byte
/// discriminator + 66 bytes.
#[account]
#[derive(InitSpace, Debug)]
pub struct AllowEntry {
    pub policy: Pubkey,
    pub provider: Pubkey,
    /// Layout version.
    pub version: u8,
    pub bump: u8,
}
