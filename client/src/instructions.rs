//! Pure instruction builders: no I/O, no signing. Account order follows the
//! `#[derive(Accounts)]` structs in the program (documented there). Optional
//! accounts (`None`) are passed as the program id, as Anchor expects.

use agent_escrow::{
    accounts,
    attestation::attestation_message,
    instruction,
    instructions::{EscrowCreateArgs, PolicyCreateArgs, PolicyUpdateArgs},
};
use anchor_lang::{
    prelude::Pubkey,
    solana_program::{instruction::Instruction, system_program},
    InstructionData, ToAccountMetas,
};

use crate::pda::{allow_address, escrow_address, policy_address, policy_vault_address, PROGRAM_ID};

/// Address of the instructions sysvar (`Sysvar1nstructions1111111111111111111111111`).
pub const INSTRUCTIONS_SYSVAR_ID: Pubkey = agent_escrow::solana_instructions_sysvar::ID;

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction {
        program_id: PROGRAM_ID,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

/// `policy_create`: `owner` signs and pays rent for the policy and its vault.
pub fn policy_create(
    owner: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
    args: PolicyCreateArgs,
) -> Instruction {
    let policy = policy_address(owner, &args.agent, mint).0;
    build(
        accounts::PolicyCreate {
            owner: *owner,
            policy,
            mint: *mint,
            vault: policy_vault_address(&policy).0,
            token_program: *token_program,
            system_program: system_program::ID,
        },
        instruction::PolicyCreate { args },
    )
}

/// `policy_update`: the policy `owner` signs.
pub fn policy_update(owner: &Pubkey, policy: &Pubkey, args: PolicyUpdateArgs) -> Instruction {
    build(
        accounts::PolicyUpdate {
            owner: *owner,
            policy: *policy,
        },
        instruction::PolicyUpdate { args },
    )
}

/// `policy_pause`: the owner or the agent signs as `authority`.
pub fn policy_pause(authority: &Pubkey, policy: &Pubkey) -> Instruction {
    build(
        accounts::PolicyPause {
            authority: *authority,
            policy: *policy,
        },
        instruction::PolicyPause {},
    )
}

/// `policy_resume`: the owner signs.
pub fn policy_resume(owner: &Pubkey, policy: &Pubkey) -> Instruction {
    build(
        accounts::PolicyResume {
            owner: *owner,
            policy: *policy,
        },
        instruction::PolicyResume {},
    )
}

/// `policy_deposit`: `depositor` signs; moves `amount` base units from `source`.
pub fn policy_deposit(
    policy: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
    depositor: &Pubkey,
    source: &Pubkey,
    amount: u64,
) -> Instruction {
    build(
        accounts::PolicyDeposit {
            depositor: *depositor,
            policy: *policy,
            vault: policy_vault_address(policy).0,
            source: *source,
            mint: *mint,
            token_program: *token_program,
        },
        instruction::PolicyDeposit { amount },
    )
}

/// `policy_withdraw`: the owner signs; `amount` base units to `destination`.
pub fn policy_withdraw(
    owner: &Pubkey,
    policy: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
    destination: &Pubkey,
    amount: u64,
) -> Instruction {
    build(
        accounts::PolicyWithdraw {
            owner: *owner,
            policy: *policy,
            vault: policy_vault_address(policy).0,
            destination: *destination,
            mint: *mint,
            token_program: *token_program,
        },
        instruction::PolicyWithdraw { amount },
    )
}

/// `provider_allow`: the owner signs and pays rent for the allowlist entry.
pub fn provider_allow(owner: &Pubkey, policy: &Pubkey, provider: &Pubkey) -> Instruction {
    build(
        accounts::ProviderAllow {
            owner: *owner,
            policy: *policy,
            allow_entry: allow_address(policy, provider).0,
            system_program: system_program::ID,
        },
        instruction::ProviderAllow {
            provider: *provider,
        },
    )
}

/// `provider_disallow`: the owner signs and gets the entry's rent back.
pub fn provider_disallow(owner: &Pubkey, policy: &Pubkey, provider: &Pubkey) -> Instruction {
    build(
        accounts::ProviderDisallow {
            owner: *owner,
            policy: *policy,
            allow_entry: allow_address(policy, provider).0,
        },
        instruction::ProviderDisallow {},
    )
}

/// `escrow_create`: `agent` signs, `payer` signs and pays the escrow's
/// rent (returned to it when the escrow settles). The escrow address and
/// `args.bump` are derived from `args.escrow_id` (the canonical bump).
/// The allowlist entry of `args.provider` is passed when `with_allow_entry`;
/// `args.depends_on` is passed as the dependency account.
pub fn escrow_create(
    policy: &Pubkey,
    agent: &Pubkey,
    payer: &Pubkey,
    mut args: EscrowCreateArgs,
    with_allow_entry: bool,
) -> Instruction {
    let (escrow, bump) = escrow_address(policy, args.escrow_id);
    args.bump = bump;
    build(
        accounts::EscrowCreate {
            agent: *agent,
            payer: *payer,
            policy: *policy,
            vault: policy_vault_address(policy).0,
            escrow,
            system_program: system_program::ID,
            allow_entry: with_allow_entry.then(|| allow_address(policy, &args.provider).0),
            depends_on: args.depends_on,
        },
        instruction::EscrowCreate { args },
    )
}

/// The accounts the escrow instructions name: the escrow, its policy, where
/// the provider is paid, who gets the rent back, the mint, and the escrow it
/// depends on (if any). [`crate::EscrowClient::escrow_accounts`] fills it
/// from the chain.
#[derive(Clone, Copy, Debug)]
pub struct EscrowAccounts {
    pub policy: Pubkey,
    pub escrow: Pubkey,
    pub mint: Pubkey,
    pub token_program: Pubkey,
    /// A token account of the provider in `mint` (normally its ATA).
    pub provider_token: Pubkey,
    /// The escrow's `rent_payer` (receives the rent when it settles).
    pub rent_payer: Pubkey,
    /// The escrow's `depends_on`, if any.
    pub depends_on: Option<Pubkey>,
}

/// `escrow_submit_proof`: `provider` signs; `proof_hash` = sha256 of the deliverable.
/// For an escrow with a verifier, put [`ed25519_attestation`] in the same transaction.
pub fn escrow_submit_proof(
    provider: &Pubkey,
    keys: &EscrowAccounts,
    proof_hash: [u8; 32],
) -> Instruction {
    build(
        accounts::EscrowSubmitProof {
            provider: *provider,
            policy: keys.policy,
            vault: policy_vault_address(&keys.policy).0,
            escrow: keys.escrow,
            provider_token: keys.provider_token,
            rent_payer: keys.rent_payer,
            mint: keys.mint,
            token_program: keys.token_program,
            instructions_sysvar: INSTRUCTIONS_SYSVAR_ID,
            depends_on: keys.depends_on,
        },
        instruction::EscrowSubmitProof { proof_hash },
    )
}

/// The message a verifier signs for a proof (see `agent_escrow::attestation`).
pub fn attestation(
    keys: &EscrowAccounts,
    provider: &Pubkey,
    amount: u64,
    proof_hash: &[u8; 32],
) -> [u8; 192] {
    attestation_message(
        &PROGRAM_ID,
        &keys.escrow,
        provider,
        &keys.mint,
        amount,
        proof_hash,
    )
}

/// The ed25519 signature-verify instruction carrying a verifier's
/// `signature` (64 bytes) over `message`.
pub fn ed25519_attestation(verifier: &Pubkey, signature: &[u8; 64], message: &[u8]) -> Instruction {
    ed25519_signature(verifier, signature, message)
}

/// The ed25519 signature-verify instruction (precompile
/// `Ed25519SigVerify111111111111111111111111111`) for one `signature` by
/// `signer` over `message`, with every offset inside this instruction (as
/// the program requires).
pub fn ed25519_signature(signer: &Pubkey, signature: &[u8; 64], message: &[u8]) -> Instruction {
    solana_ed25519_program::new_ed25519_instruction_with_signature(
        message,
        signature,
        &signer.to_bytes(),
    )
}

/// `escrow_release`: any `cranker` signs (delay tier after the delay, or an
/// instant escrow whose dependency has been released since its proof).
pub fn escrow_release(cranker: &Pubkey, keys: &EscrowAccounts) -> Instruction {
    build(
        accounts::EscrowRelease {
            cranker: *cranker,
            policy: keys.policy,
            vault: policy_vault_address(&keys.policy).0,
            escrow: keys.escrow,
            provider_token: keys.provider_token,
            rent_payer: keys.rent_payer,
            mint: keys.mint,
            token_program: keys.token_program,
            depends_on: keys.depends_on,
        },
        instruction::EscrowRelease {},
    )
}

/// `escrow_approve`: the policy `owner` signs (approval tier, after proof).
pub fn escrow_approve(owner: &Pubkey, keys: &EscrowAccounts) -> Instruction {
    build(
        accounts::EscrowApprove {
            owner: *owner,
            policy: keys.policy,
            vault: policy_vault_address(&keys.policy).0,
            escrow: keys.escrow,
            provider_token: keys.provider_token,
            rent_payer: keys.rent_payer,
            mint: keys.mint,
            token_program: keys.token_program,
            depends_on: keys.depends_on,
        },
        instruction::EscrowApprove {},
    )
}

/// `escrow_approve_offchain`: any `submitter` signs; the owner's consent is
/// the ed25519 instruction before it (see [`crate::offchain`]), for the
/// message expiring at `expires_at` (unix seconds).
pub fn escrow_approve_offchain(
    submitter: &Pubkey,
    keys: &EscrowAccounts,
    expires_at: i64,
) -> Instruction {
    build(
        accounts::EscrowApproveOffchain {
            submitter: *submitter,
            policy: keys.policy,
            vault: policy_vault_address(&keys.policy).0,
            escrow: keys.escrow,
            provider_token: keys.provider_token,
            rent_payer: keys.rent_payer,
            mint: keys.mint,
            token_program: keys.token_program,
            instructions_sysvar: INSTRUCTIONS_SYSVAR_ID,
            depends_on: keys.depends_on,
        },
        instruction::EscrowApproveOffchain { expires_at },
    )
}

/// `escrow_veto_offchain`: any `submitter` signs; the owner's consent is the
/// ed25519 instruction before it, for the message expiring at `expires_at`.
pub fn escrow_veto_offchain(
    submitter: &Pubkey,
    policy: &Pubkey,
    escrow: &Pubkey,
    expires_at: i64,
) -> Instruction {
    build(
        accounts::EscrowVetoOffchain {
            submitter: *submitter,
            policy: *policy,
            escrow: *escrow,
            instructions_sysvar: INSTRUCTIONS_SYSVAR_ID,
        },
        instruction::EscrowVetoOffchain { expires_at },
    )
}

/// `escrow_refund`: any `cranker` signs (Funded after the deadline,
/// ProofSubmitted waiting for approval or a dependency after review_timeout,
/// Disputed after dispute_timeout).
pub fn escrow_refund(cranker: &Pubkey, keys: &EscrowAccounts) -> Instruction {
    build(
        accounts::EscrowRefund {
            cranker: *cranker,
            policy: keys.policy,
            vault: policy_vault_address(&keys.policy).0,
            escrow: keys.escrow,
            rent_payer: keys.rent_payer,
            depends_on: keys.depends_on,
        },
        instruction::EscrowRefund {},
    )
}

/// `escrow_veto`: the owner signs (delay tier, after proof, before release).
pub fn escrow_veto(owner: &Pubkey, policy: &Pubkey, escrow: &Pubkey) -> Instruction {
    build(
        accounts::EscrowVeto {
            owner: *owner,
            policy: *policy,
            escrow: *escrow,
        },
        instruction::EscrowVeto {},
    )
}

/// `escrow_dispute`: the agent or the owner signs as `authority`.
pub fn escrow_dispute(authority: &Pubkey, policy: &Pubkey, escrow: &Pubkey) -> Instruction {
    build(
        accounts::EscrowDispute {
            authority: *authority,
            policy: *policy,
            escrow: *escrow,
        },
        instruction::EscrowDispute {},
    )
}

/// `escrow_resolve`: the policy's arbiter (or its owner) signs;
/// `provider_bps` (0..=10_000) to the provider.
pub fn escrow_resolve(arbiter: &Pubkey, keys: &EscrowAccounts, provider_bps: u16) -> Instruction {
    build(
        accounts::EscrowResolve {
            arbiter: *arbiter,
            policy: keys.policy,
            vault: policy_vault_address(&keys.policy).0,
            escrow: keys.escrow,
            provider_token: keys.provider_token,
            rent_payer: keys.rent_payer,
            mint: keys.mint,
            token_program: keys.token_program,
            depends_on: keys.depends_on,
        },
        instruction::EscrowResolve { provider_bps },
    )
}

/// `escrow_cancel`: agent and provider both sign.
pub fn escrow_cancel(agent: &Pubkey, provider: &Pubkey, keys: &EscrowAccounts) -> Instruction {
    build(
        accounts::EscrowCancel {
            agent: *agent,
            provider: *provider,
            policy: keys.policy,
            vault: policy_vault_address(&keys.policy).0,
            escrow: keys.escrow,
            rent_payer: keys.rent_payer,
            depends_on: keys.depends_on,
        },
        instruction::EscrowCancel {},
    )
}

/// `escrow_close`: anyone signs; closes a settled escrow that was kept for
/// its dependents once they have settled; rent goes to `rent_payer`.
pub fn escrow_close(cranker: &Pubkey, escrow: &Pubkey, rent_payer: &Pubkey) -> Instruction {
    build(
        accounts::EscrowClose {
            cranker: *cranker,
            escrow: *escrow,
            rent_payer: *rent_payer,
        },
        instruction::EscrowClose {},
    )
}
