//! Pure instruction builders: no I/O, no signing. Account order follows the
//! `#[derive(Accounts)]` structs in the program (documented there).

use agent_escrow::{
    accounts, instruction,
    instructions::{EscrowCreateArgs, PolicyCreateArgs},
};
use anchor_lang::{
    prelude::Pubkey,
    solana_program::{instruction::Instruction, system_program},
    InstructionData, ToAccountMetas,
};

use crate::pda::{
    escrow_address, escrow_vault_address, policy_address, policy_vault_address, PROGRAM_ID,
};

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

/// `escrow_create`: `agent` signs, `payer` signs and pays rent.
pub fn escrow_create(
    policy: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
    agent: &Pubkey,
    payer: &Pubkey,
    args: EscrowCreateArgs,
) -> Instruction {
    let escrow = escrow_address(policy, args.escrow_id).0;
    build(
        accounts::EscrowCreate {
            agent: *agent,
            payer: *payer,
            policy: *policy,
            vault: policy_vault_address(policy).0,
            escrow,
            escrow_vault: escrow_vault_address(&escrow).0,
            mint: *mint,
            token_program: *token_program,
            system_program: system_program::ID,
        },
        instruction::EscrowCreate { args },
    )
}

/// The accounts every payout path names: the escrow, its policy, where the
/// provider is paid, and the mint.
#[derive(Clone, Copy, Debug)]
pub struct EscrowAccounts {
    pub policy: Pubkey,
    pub escrow: Pubkey,
    pub mint: Pubkey,
    pub token_program: Pubkey,
    /// A token account of the provider in `mint` (normally its ATA).
    pub provider_token: Pubkey,
}

/// `escrow_submit_proof`: `provider` signs; `proof_hash` = sha256 of the deliverable.
pub fn escrow_submit_proof(
    provider: &Pubkey,
    keys: &EscrowAccounts,
    proof_hash: [u8; 32],
) -> Instruction {
    build(
        accounts::EscrowSubmitProof {
            provider: *provider,
            policy: keys.policy,
            escrow: keys.escrow,
            vault: escrow_vault_address(&keys.escrow).0,
            provider_token: keys.provider_token,
            mint: keys.mint,
            token_program: keys.token_program,
        },
        instruction::EscrowSubmitProof { proof_hash },
    )
}

/// `escrow_release`: any `cranker` signs (delay tier, after the delay).
pub fn escrow_release(cranker: &Pubkey, keys: &EscrowAccounts) -> Instruction {
    build(
        accounts::EscrowRelease {
            cranker: *cranker,
            policy: keys.policy,
            escrow: keys.escrow,
            vault: escrow_vault_address(&keys.escrow).0,
            provider_token: keys.provider_token,
            mint: keys.mint,
            token_program: keys.token_program,
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
            escrow: keys.escrow,
            vault: escrow_vault_address(&keys.escrow).0,
            provider_token: keys.provider_token,
            mint: keys.mint,
            token_program: keys.token_program,
        },
        instruction::EscrowApprove {},
    )
}

/// `escrow_refund`: any `cranker` signs (after the deadline, no proof).
pub fn escrow_refund(
    cranker: &Pubkey,
    policy: &Pubkey,
    escrow: &Pubkey,
    mint: &Pubkey,
    token_program: &Pubkey,
) -> Instruction {
    build(
        accounts::EscrowRefund {
            cranker: *cranker,
            policy: *policy,
            vault: policy_vault_address(policy).0,
            escrow: *escrow,
            escrow_vault: escrow_vault_address(escrow).0,
            mint: *mint,
            token_program: *token_program,
        },
        instruction::EscrowRefund {},
    )
}
