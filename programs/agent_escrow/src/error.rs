//! Program errors. Anchor numbers them from 6000 in declaration order; the
//! order is part of the ABI, so new variants are only ever appended.
//! Where a bound is involved the program also logs the actual values
//! (`msg!`) before returning, so the transaction logs name both sides.

use anchor_lang::prelude::*;

#[error_code]
pub enum EscrowError {
    /// 6000
    #[msg("Invalid policy limits: need 0 < per_escrow_max <= daily_cap <= monthly_cap and instant_max <= delay_max")]
    InvalidPolicyLimits,
    /// 6001
    #[msg("delay_seconds must be between 0 and 2,592,000 (30 days)")]
    DelayOutOfRange,
    /// 6002
    #[msg("expires_at must be 0 (never) or a unix time in the future")]
    ExpiryInPast,
    /// 6003
    #[msg("Unsupported token program: this release accepts SPL Token mints only")]
    UnsupportedTokenProgram,
    /// 6004
    #[msg("Policy is paused: the owner must resume it before escrows can be created")]
    PolicyPaused,
    /// 6005
    #[msg("Policy has expired (now >= expires_at): the owner must extend it")]
    PolicyExpired,
    /// 6006
    #[msg("Amount must be at least 1 base unit")]
    ZeroAmount,
    /// 6007
    #[msg("Escrow amount exceeds the policy's per_escrow_max")]
    PerEscrowCapExceeded,
    /// 6008
    #[msg("Escrow would make the rolling 24 h spend exceed the policy's daily_cap")]
    DailyCapExceeded,
    /// 6009
    #[msg("Escrow would make the rolling 30 day spend exceed the policy's monthly_cap")]
    MonthlyCapExceeded,
    /// 6010
    #[msg("Policy vault holds less than the escrow amount: deposit more first")]
    InsufficientBudget,
    /// 6011
    #[msg("Escrow deadline must be after now and at most 365 days away")]
    DeadlineOutOfRange,
    /// 6012
    #[msg("Provider must be a real key other than the agent, the owner and the policy")]
    InvalidProvider,
    /// 6013
    #[msg("Escrow is not in the state this instruction requires")]
    InvalidEscrowState,
    /// 6014
    #[msg("Proof submitted at or after the escrow deadline")]
    DeadlinePassed,
    /// 6015
    #[msg("Refund requested before the escrow deadline")]
    DeadlineNotReached,
    /// 6016
    #[msg("proof_hash and task_hash must not be all zeros")]
    ZeroHash,
    /// 6017
    #[msg("Arithmetic overflow")]
    ArithmeticOverflow,
    /// 6018
    #[msg("Cluster clock is before the unix epoch")]
    ClockBeforeEpoch,
    /// 6019
    #[msg("Spend bucket underflow: refund larger than the amount charged (invariant broken)")]
    SpendBucketUnderflow,
    /// 6020
    #[msg("Escrow is not in the delay tier")]
    NotDelayTier,
    /// 6021
    #[msg("Release requested before the proof's delay_seconds have passed")]
    DelayNotElapsed,
    /// 6022
    #[msg("Escrow is not in the approval tier")]
    NotApprovalTier,
    /// 6023
    #[msg("Agent must be a real key other than the owner")]
    InvalidAgent,
    /// 6024
    #[msg("Token account is not the vault recorded on the policy or escrow")]
    VaultMismatch,
}
