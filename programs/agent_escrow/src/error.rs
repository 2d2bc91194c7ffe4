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
    #[msg("Unsupported token program: pass SPL Token or Token-2022")]
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
    #[msg("The policy's free balance (vault balance - locked) is less than the escrow amount: deposit more first")]
    InsufficientBudget,
    /// 6011
    #[msg("Escrow deadline must be after now and at most the policy's max_escrow_duration away (default 30 days)")]
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
    #[msg("Approval-tier escrows are released only by the owner's escrow_approve")]
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
    /// 6025
    #[msg("Policy requires an allowlist entry [\"allow\", policy, provider] for this provider")]
    ProviderNotAllowed,
    /// 6026
    #[msg("Signer is neither the policy owner nor its agent")]
    Unauthorized,
    /// 6027
    #[msg("Withdrawal exceeds the free balance (vault balance - amounts locked by open escrows)")]
    InsufficientVaultBalance,
    /// 6028
    #[msg("provider_bps must be between 0 and 10,000")]
    InvalidBasisPoints,
    /// 6029
    #[msg("Only the policy's arbiter (set by the owner) or the owner can resolve")]
    NotArbiter,
    /// 6030
    #[msg("Unused since v2 (escrows close when they settle)")]
    CloseTooEarly,
    /// 6031
    #[msg("Account passed as rent payer is not the escrow's rent_payer")]
    RentPayerMismatch,
    /// 6032
    #[msg("depends_on must name an open or released escrow of the same policy")]
    InvalidDependency,
    /// 6033
    #[msg("The escrow this one depends on is not Released yet (pass it as depends_on)")]
    DependencyNotReleased,
    /// 6034
    #[msg("Verifier attestation missing: no ed25519 instruction signed by the escrow's verifier")]
    AttestationMissing,
    /// 6035
    #[msg("Verifier attestation signed by a key other than the escrow's verifier")]
    AttestationWrongSigner,
    /// 6036
    #[msg("Verifier attestation was made for another program")]
    AttestationWrongProgram,
    /// 6037
    #[msg("Verifier attestation was made for another escrow")]
    AttestationWrongEscrow,
    /// 6038
    #[msg("Verifier attestation does not match provider, mint, amount or proof_hash")]
    AttestationFieldMismatch,
    /// 6039
    #[msg("Malformed ed25519 instruction: offsets must point inside that same instruction")]
    AttestationMalformed,
    /// 6040
    #[msg("Mint has a Token-2022 extension this program refuses (close authority, permanent delegate, transfer hook, transfer fee, default-frozen, pausable, non-transferable, confidential transfer)")]
    HostileMintExtension,
    /// 6041
    #[msg("The mint is not owned by the token program passed")]
    MintProgramMismatch,
    /// 6042
    #[msg("escrow_id is used already or outside [next_escrow_id - 256, next_escrow_id + 256): read the policy's next_escrow_id and use a fresh id")]
    EscrowIdUnavailable,
    /// 6043
    #[msg("dispute_timeout and review_timeout must be 3,600..=7,776,000 s (1 h..90 days); max_escrow_duration 3,600..=31,536,000 s (1 h..365 days)")]
    TimeoutOutOfRange,
    /// 6044
    #[msg("The arbiter must be a real key other than the agent")]
    InvalidArbiter,
    /// 6045
    #[msg("Escrow cannot be refunded yet: it needs its deadline (Funded), review_timeout after the proof while it waits for approval or its dependency (ProofSubmitted), or dispute_timeout after the dispute (Disputed)")]
    RefundNotDue,
    /// 6046
    #[msg("Other escrows still depend on this one: it closes when they settle")]
    HasDependents,
    /// 6047
    #[msg("Token account is not a token account of the escrow's provider in the policy's mint")]
    InvalidProviderTokenAccount,
    /// 6048
    #[msg("The escrow account must be the PDA [\"escrow\", policy, escrow_id LE] and must not sign the transaction")]
    InvalidEscrowAddress,
    /// 6049
    #[msg("The mint is not an initialized SPL Token or Token-2022 mint")]
    InvalidMint,
    /// 6050
    #[msg("Escrow has too many dependents (65,535)")]
    TooManyDependents,
    /// 6051
    #[msg("Owner message missing: no ed25519 instruction with the policy owner's signature over an agent-escrow off-chain message")]
    OwnerMessageMissing,
    /// 6052
    #[msg("Owner message signed by a key other than the policy owner, or listing another signer")]
    OwnerMessageWrongSigner,
    /// 6053
    #[msg("Malformed owner message: off-chain message v0 header, format 0 (printable ASCII, no line feeds), length, ed25519 offsets inside that same instruction, expiry 0..=9999-12-31")]
    OwnerMessageMalformed,
    /// 6054
    #[msg(
        "Owner message was signed for another application domain (it must be this program's id)"
    )]
    OwnerMessageWrongDomain,
    /// 6055
    #[msg("Owner message authorizes another action (approve release vs veto release)")]
    OwnerMessageWrongAction,
    /// 6056
    #[msg("Owner message names another policy")]
    OwnerMessagePolicyMismatch,
    /// 6057
    #[msg("Owner message names another escrow")]
    OwnerMessageEscrowMismatch,
    /// 6058
    #[msg("Owner message names another provider")]
    OwnerMessageProviderMismatch,
    /// 6059
    #[msg("Owner message names another amount or mint")]
    OwnerMessageAmountMismatch,
    /// 6060
    #[msg("Owner message's expiry is not the expires_at passed to the instruction")]
    OwnerMessageExpiryMismatch,
    /// 6061
    #[msg("Owner message has expired (now >= expires_at): the owner must sign a new one")]
    OwnerMessageExpired,
    /// 6062
    #[msg("Owner message was signed for another proof (its proof time is not the escrow's), or before the proof")]
    OwnerMessageProofMismatch,
}
