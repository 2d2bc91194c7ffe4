//! Creating PDA accounts without a bump search and without bincode: the
//! System Program instructions are encoded by hand (source: solana
//! system-interface `SystemInstruction`, bincode layout: a u32 LE variant
//! index, then the fields: CreateAccount = 0 `lamports u64 | space u64 |
//! owner (32)`, Assign = 1 `owner (32)`, Transfer = 2 `lamports u64`,
//! Allocate = 8 `space u64`).
//!
//! The seeds (bump included) make `invoke_signed` sign for the PDA they
//! derive. The runtime does not check that this PDA is `target`: the caller
//! must make sure `target` did not sign the transaction itself (then only
//! the PDA signature can authorize its creation, so `target` is that PDA,
//! and a wrong bump fails the CPI with nothing created).
//! Lamports someone sent to the address beforehand (to block a plain
//! `create_account`) are kept and topped up, never an obstacle.

use anchor_lang::{
    prelude::*,
    solana_program::{instruction::Instruction, program::invoke_signed},
};

fn system_ix(accounts: Vec<AccountMeta>, variant: u32, fields: &[&[u8]]) -> Instruction {
    let mut data = Vec::with_capacity(52);
    data.extend_from_slice(&variant.to_le_bytes());
    for field in fields {
        data.extend_from_slice(field);
    }
    Instruction {
        program_id: anchor_lang::system_program::ID,
        accounts,
        data,
    }
}

/// Creates `target` (a PDA of `seeds`) with `space` bytes owned by
/// `owner`, rent paid by `payer`: one `CreateAccount` CPI, or `Transfer` +
/// `Allocate` + `Assign` when the address already holds lamports.
pub fn create_pda_account<'info>(
    payer: &AccountInfo<'info>,
    target: &AccountInfo<'info>,
    system: &AccountInfo<'info>,
    space: usize,
    owner: &Pubkey,
    seeds: &[&[u8]],
) -> Result<()> {
    let rent = Rent::get()?.minimum_balance(space);
    let space = (space as u64).to_le_bytes();
    let signer = [seeds];
    let held = target.lamports();
    let (payer_key, target_key) = (*payer.key, *target.key);
    if held == 0 {
        let ix = system_ix(
            vec![
                AccountMeta::new(payer_key, true),
                AccountMeta::new(target_key, true),
            ],
            0,
            &[&rent.to_le_bytes(), &space, owner.as_ref()],
        );
        invoke_signed(
            &ix,
            &[payer.clone(), target.clone(), system.clone()],
            &signer,
        )?;
        return Ok(());
    }
    let top_up = rent.saturating_sub(held);
    if top_up > 0 {
        let ix = system_ix(
            vec![
                AccountMeta::new(payer_key, true),
                AccountMeta::new(target_key, false),
            ],
            2,
            &[&top_up.to_le_bytes()],
        );
        invoke_signed(&ix, &[payer.clone(), target.clone(), system.clone()], &[])?;
    }
    let allocate = system_ix(vec![AccountMeta::new(target_key, true)], 8, &[&space]);
    invoke_signed(&allocate, &[target.clone(), system.clone()], &signer)?;
    let assign = system_ix(
        vec![AccountMeta::new(target_key, true)],
        1,
        &[owner.as_ref()],
    );
    invoke_signed(&assign, &[target.clone(), system.clone()], &signer)?;
    Ok(())
}
