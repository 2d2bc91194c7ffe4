//! What every settlement shares: paying the provider out of the policy
//! vault (the policy PDA signs), checking the provider's token account,
//! reading the dependency, and finishing an escrow (its dependency released,
//! the account closed and its rent returned).

use anchor_lang::prelude::*;

use crate::{
    error::EscrowError,
    events::EscrowReleased,
    state::{optional_keys, Escrow, EscrowState, Policy, ReleaseTier, VaultSigner},
    transfer::{is_token_program, token_account_fields, transfer_checked},
};

/// Moves `amount` base units from the policy vault to `to`, signed by the
/// policy PDA (`["policy", owner, seed_agent, mint, bump]`). The policy must
/// not be borrowed by the caller (the CPI borrows it).
pub fn pay_from_vault<'info>(
    policy: &AccountLoader<'info, Policy>,
    vault: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    token_program: &AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let signer = policy.load()?.vault_signer();
    transfer_from_vault(&signer, policy, vault, mint, to, token_program, amount)
}

/// [`pay_from_vault`] for a caller that has already read the policy's
/// [`VaultSigner`] (the payout path loads the policy once).
#[inline(always)]
pub fn transfer_from_vault<'info>(
    signer: &VaultSigner,
    policy: &AccountLoader<'info, Policy>,
    vault: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    to: &AccountInfo<'info>,
    token_program: &AccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    transfer_checked(
        token_program,
        vault,
        mint,
        to,
        &policy.to_account_info(),
        &[&signer.seeds()],
        amount,
        signer.decimals,
    )
}

/// The account relations every escrow instruction needs, checked in one
/// shared function (one load of each account) instead of per-instruction
/// `has_one` constraints, which Anchor expands inline into each
/// instruction's account validation (about 10 KB of the binary per
/// instruction). Same errors as those constraints: the policy's vault
/// (`VaultMismatch`), the policy's mint when given (`ConstraintHasOne`), the
/// escrow's policy (`ConstraintHasOne`) and rent payer (`RentPayerMismatch`).
#[inline(never)]
pub fn check_escrow_accounts(
    policy: &AccountLoader<Policy>,
    vault: &AccountInfo,
    mint: Option<&AccountInfo>,
    escrow: &AccountLoader<Escrow>,
    rent_payer: &AccountInfo,
) -> Result<()> {
    {
        let p = policy.load()?;
        if p.vault != *vault.key {
            return Err(error!(EscrowError::VaultMismatch).with_pubkeys((p.vault, *vault.key)));
        }
        if let Some(mint) = mint {
            if p.mint != *mint.key {
                return Err(has_one("mint", p.mint, *mint.key));
            }
        }
    }
    let e = escrow.load()?;
    if e.policy != policy.key() {
        return Err(has_one("escrow", e.policy, policy.key()));
    }
    if e.rent_payer != *rent_payer.key {
        return Err(
            error!(EscrowError::RentPayerMismatch).with_pubkeys((e.rent_payer, *rent_payer.key))
        );
    }
    Ok(())
}

/// Anchor's `ConstraintHasOne` (2001) for `account`, with both keys.
pub fn has_one(account: &str, stored: Pubkey, passed: Pubkey) -> anchor_lang::error::Error {
    anchor_lang::error::Error::from(anchor_lang::error::ErrorCode::ConstraintHasOne)
        .with_account_name(account)
        .with_pubkeys((stored, passed))
}

/// `token_program` must be the program that owns `mint` (SPL Token or
/// Token-2022).
pub fn check_token_program(token_program: &AccountInfo, mint: &AccountInfo) -> Result<()> {
    if token_program.key != mint.owner || !is_token_program(token_program.key) {
        return err!(EscrowError::MintProgramMismatch);
    }
    Ok(())
}

/// `provider_token` must be a token account of `provider` in `mint`.
pub fn check_provider_token(
    provider_token: &AccountInfo,
    mint: &Pubkey,
    provider: &Pubkey,
) -> Result<()> {
    let (account_mint, owner, _) = token_account_fields(provider_token)?;
    if account_mint != *mint || owner != *provider {
        msg!(
            "token account {} has mint {} owner {}; expected mint {} owner {}",
            provider_token.key,
            account_mint,
            owner,
            mint,
            provider
        );
        return err!(EscrowError::InvalidProviderTokenAccount);
    }
    Ok(())
}

/// The escrow's optional keys: (verifier, depends_on).
pub fn escrow_keys(escrow: &AccountLoader<Escrow>) -> Result<(Option<Pubkey>, Option<Pubkey>)> {
    let flags = escrow.load()?.flags;
    let info = escrow.to_account_info();
    let data = info.try_borrow_data()?;
    optional_keys(&data, flags)
}

/// The dependency as passed: `Ok(None)` when the escrow has none, the
/// account when it has one and it was passed correctly, `InvalidDependency`
/// when it is missing or another account was passed.
pub fn dependency<'a, 'info>(
    depends_on: Option<Pubkey>,
    passed: Option<&'a AccountLoader<'info, Escrow>>,
) -> Result<Option<&'a AccountLoader<'info, Escrow>>> {
    let Some(required) = depends_on else {
        return Ok(None);
    };
    let Some(upstream) = passed else {
        msg!("pass the depends_on escrow {}", required);
        return err!(EscrowError::InvalidDependency);
    };
    require_keys_eq!(upstream.key(), required, EscrowError::InvalidDependency);
    Ok(Some(upstream))
}

/// Whether the dependency (if any) is Released.
pub fn dependency_released(upstream: Option<&AccountLoader<Escrow>>) -> Result<bool> {
    match upstream {
        None => Ok(true),
        Some(upstream) => Ok(upstream.load()?.state()? == EscrowState::Released),
    }
}

/// Finishes an escrow that has just reached a terminal state: its
/// dependency (if any) loses a dependent, and the escrow account is closed
/// with all its lamports going to `rent_payer`, unless other escrows still
/// depend on it (then it stays, terminal, until `escrow_close`). Returns
/// the lamports returned (0 when kept). The escrow must not be borrowed.
pub fn finish<'info>(
    escrow: &AccountLoader<'info, Escrow>,
    rent_payer: &AccountInfo<'info>,
    upstream: Option<&AccountLoader<'info, Escrow>>,
    now: i64,
) -> Result<u64> {
    release_upstream(upstream)?;
    let keep = {
        let mut escrow = escrow.load_mut()?;
        escrow.state_at = now;
        escrow.dependents > 0
    };
    close_unless_kept(escrow, rent_payer, keep)
}

/// The dependency (if any) loses the dependent that just settled.
#[inline(always)]
fn release_upstream(upstream: Option<&AccountLoader<Escrow>>) -> Result<()> {
    if let Some(upstream) = upstream {
        let mut upstream = upstream.load_mut()?;
        upstream.dependents = upstream
            .dependents
            .checked_sub(1)
            .ok_or(EscrowError::ArithmeticOverflow)?;
    }
    Ok(())
}

/// Closes the settled escrow into `rent_payer` unless `keep` (it still has
/// dependents); returns the lamports returned.
#[inline(always)]
fn close_unless_kept<'info>(
    escrow: &AccountLoader<'info, Escrow>,
    rent_payer: &AccountInfo<'info>,
    keep: bool,
) -> Result<u64> {
    if keep {
        return Ok(0);
    }
    let lamports = escrow.to_account_info().lamports();
    escrow.close(rent_payer.clone())?;
    Ok(lamports)
}

/// The accounts a payout touches, validated by the caller
/// ([`check_escrow_accounts`], [`check_token_program`]); the provider's
/// token account is checked by [`Payout::release`].
pub struct Payout<'a, 'info> {
    pub policy: &'a AccountLoader<'info, Policy>,
    pub vault: &'a AccountInfo<'info>,
    pub escrow: &'a AccountLoader<'info, Escrow>,
    pub provider_token: &'a AccountInfo<'info>,
    pub rent_payer: &'a AccountInfo<'info>,
    pub mint: &'a AccountInfo<'info>,
    pub token_program: &'a AccountInfo<'info>,
    pub upstream: Option<&'a AccountLoader<'info, Escrow>>,
}

impl Payout<'_, '_> {
    /// Marks the escrow Released, unlocks and pays its whole amount to the
    /// provider (after [`check_provider_token`]), releases its dependency,
    /// closes it unless others depend on it, and emits [`EscrowReleased`].
    /// Each account is loaded once (this is the hot path of every payout).
    pub fn release(&self, released_by: Pubkey, now: i64) -> Result<()> {
        let (policy_key, amount, tier, provider, keep) = {
            let mut escrow = self.escrow.load_mut()?;
            escrow.state = EscrowState::Released as u8;
            escrow.state_at = now;
            (
                escrow.policy,
                escrow.amount,
                escrow.tier,
                escrow.provider,
                escrow.dependents > 0,
            )
        };
        let (locked, signer) = {
            let mut policy = self.policy.load_mut()?;
            policy.unlock(amount)?;
            policy.total_released = policy
                .total_released
                .checked_add(amount)
                .ok_or(EscrowError::ArithmeticOverflow)?;
            (policy.locked, policy.vault_signer())
        };
        check_provider_token(self.provider_token, &signer.mint, &provider)?;
        crate::cu_trace!("payout: before cpi");
        transfer_from_vault(
            &signer,
            self.policy,
            self.vault,
            self.mint,
            self.provider_token,
            self.token_program,
            amount,
        )?;
        crate::cu_trace!("payout: after cpi");
        release_upstream(self.upstream)?;
        let rent_returned = close_unless_kept(self.escrow, self.rent_payer, keep)?;
        crate::cu_trace!("payout: after finish");
        emit!(EscrowReleased {
            policy: policy_key,
            escrow: self.escrow.key(),
            provider,
            amount,
            tier: tier_from_u8(tier)?,
            released_by,
            locked,
            rent_returned,
            state: EscrowState::Released,
        });
        crate::cu_trace!("payout: after emit");
        Ok(())
    }
}

/// Decodes a stored tier byte.
pub fn tier_from_u8(value: u8) -> Result<ReleaseTier> {
    match value {
        0 => Ok(ReleaseTier::Instant),
        1 => Ok(ReleaseTier::Delay),
        2 => Ok(ReleaseTier::Approval),
        _ => err!(EscrowError::InvalidEscrowState),
    }
}
