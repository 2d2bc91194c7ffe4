//! The one token movement every instruction uses: `transfer_checked`
//! through the token interface, optionally signed by a PDA.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{self, TransferChecked};

/// Moves `amount` base units from `from` to `to` with `transfer_checked`
/// (which verifies mint and decimals). `signer_seeds` empty = `authority`
/// signed the transaction itself.
#[allow(clippy::too_many_arguments)]
pub fn transfer_checked<'info>(
    token_program: &AccountInfo<'info>,
    from: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    authority: &AccountInfo<'info>,
    signer_seeds: &[&[&[u8]]],
    amount: u64,
    decimals: u8,
) -> Result<()> {
    let accounts = TransferChecked {
        from: from.clone(),
        mint: mint.clone(),
        to: to.clone(),
        authority: authority.clone(),
    };
    let ctx = CpiContext::new_with_signer(token_program.key(), accounts, signer_seeds);
    token_interface::transfer_checked(ctx, amount, decimals)
}
