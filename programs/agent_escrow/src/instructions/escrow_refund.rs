//! `escrow_refund`: anyone unlocks an escrow that has run out of time back
//! into the policy's free balance. It is the bounded way out of every open
//! state, needing nobody who may be gone:
//! - Funded: at the deadline (no proof came);
//! - ProofSubmitted: `review_timeout` after the proof, if the escrow still
//!   waits for the owner's approval or for its dependency;
//! - Disputed: `dispute_timeout` after the dispute (no arbiter ruled).

use anchor_lang::prelude::*;

use crate::{
    error::EscrowError,
    events::EscrowRefunded,
    settle::{
        check_escrow_accounts, dependency, dependency_released, escrow_keys, finish, tier_from_u8,
    },
    state::{Escrow, EscrowState, Policy, ReleaseTier},
    transfer::vault_amount,
};

/// Accounts, in order:
/// 0. `[signer]` cranker (anyone).
/// 1. `[writable]` policy.
/// 2. `[]` policy vault (its balance is reported as the free balance).
/// 3. `[writable]` escrow.
/// 4. `[writable]` rent payer (escrow.rent_payer).
/// 5. `[writable]` depends_on escrow (optional: pass the program id for none).
#[derive(Accounts)]
pub struct EscrowRefund<'info> {
    pub cranker: Signer<'info>,

    #[account(mut)]
    pub policy: AccountLoader<'info, Policy>,

    /// CHECK: the policy's vault (`check_escrow_accounts`); only its balance is read.
    pub vault: UncheckedAccount<'info>,

    #[account(mut)]
    pub escrow: AccountLoader<'info, Escrow>,

    /// CHECK: the escrow's rent payer (`check_escrow_accounts`).
    #[account(mut)]
    pub rent_payer: UncheckedAccount<'info>,

    #[account(mut)]
    pub depends_on: Option<AccountLoader<'info, Escrow>>,
}

/// Refunds when the escrow's time is up (see the module docs); credits the
/// amount back to the spend buckets it was charged to (those still in
/// their window), unlocks it, and closes the escrow.
pub fn escrow_refund(ctx: Context<EscrowRefund>) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let accounts = &ctx.accounts;
    check_escrow_accounts(
        &accounts.policy,
        &accounts.vault,
        None,
        &accounts.escrow,
        &accounts.rent_payer,
    )?;
    let (_, depends_on) = escrow_keys(&accounts.escrow)?;
    let upstream = dependency(depends_on, accounts.depends_on.as_ref())?;
    let (dispute_timeout, review_timeout) = {
        let policy = accounts.policy.load()?;
        (policy.dispute_timeout, policy.review_timeout)
    };
    let (policy_key, amount, created_at, from_state) = {
        let mut escrow = accounts.escrow.load_mut()?;
        let from_state = escrow.state()?;
        let due_at = match from_state {
            EscrowState::Funded => escrow.deadline,
            EscrowState::ProofSubmitted => {
                let waiting = tier_from_u8(escrow.tier)? == ReleaseTier::Approval
                    || !dependency_released(upstream)?;
                if !waiting {
                    msg!("the escrow is releasable: use escrow_release");
                    return err!(EscrowError::RefundNotDue);
                }
                escrow
                    .state_at
                    .checked_add(review_timeout)
                    .ok_or(EscrowError::ArithmeticOverflow)?
            }
            EscrowState::Disputed => escrow
                .state_at
                .checked_add(dispute_timeout)
                .ok_or(EscrowError::ArithmeticOverflow)?,
            _ => return err!(EscrowError::InvalidEscrowState),
        };
        if now < due_at {
            msg!(
                "now {} < refundable_at {} (state {:?})",
                now,
                due_at,
                from_state
            );
            return err!(if from_state == EscrowState::Funded {
                EscrowError::DeadlineNotReached
            } else {
                EscrowError::RefundNotDue
            });
        }
        escrow.state = EscrowState::Refunded as u8;
        (escrow.policy, escrow.amount, escrow.created_at, from_state)
    };
    let (spent_24h, spent_30d, free_balance) = {
        let mut policy = accounts.policy.load_mut()?;
        let (spent_24h, spent_30d) = policy.unlock_refund(created_at, amount, now)?;
        (
            spent_24h,
            spent_30d,
            policy.free(vault_amount(&accounts.vault)?)?,
        )
    };
    let rent_returned = finish(&accounts.escrow, &accounts.rent_payer, upstream, now)?;
    emit!(EscrowRefunded {
        policy: policy_key,
        escrow: accounts.escrow.key(),
        amount,
        from_state,
        free_balance,
        spent_24h,
        spent_30d,
        rent_returned,
        state: EscrowState::Refunded,
    });
    Ok(())
}
