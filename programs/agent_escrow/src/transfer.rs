//! Token movements and token-account reads, written against the SPL Token
//! / Token-2022 instruction and account layouts directly (no anchor-spl: its
//! Token-2022 support links spl-token-2022 and the zk SDK behind it, which
//! made up most of v1's 836 KB binary).
//!
//! Layouts (source: spl-token `state.rs`, identical in Token-2022 for the
//! base state): a token account starts `mint (32) | owner (32) | amount u64
//! LE (8) | ...`, 165 bytes; a mint is `mint_authority COption (36) | supply
//! u64 (8) | decimals u8 (at 44) | is_initialized u8 (at 45) | freeze
//! authority COption (36)`, 82 bytes. Token-2022 appends, after byte 165,
//! an account-type byte (1 = mint, 2 = account) and TLV extensions
//! (`type u16 LE | length u16 LE | value`).

use anchor_lang::{
    prelude::*,
    solana_program::{instruction::Instruction, program::invoke_signed},
};

use crate::{
    constants::{TOKEN_2022_PROGRAM_ID, TOKEN_PROGRAM_ID},
    error::EscrowError,
};

/// Size of a token account without extensions, bytes.
pub const TOKEN_ACCOUNT_LEN: usize = 165;
/// Size of a mint without extensions, bytes.
pub const MINT_LEN: usize = 82;

/// `TransferChecked` (instruction 12: `[12, amount u64 LE, decimals]`):
/// moves `amount` base units from `from` to `to`, `authority` signing
/// (with `signer_seeds` when it is a PDA of this program).
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
    let mut data = [0u8; 10];
    data[0] = 12;
    data[1..9].copy_from_slice(&amount.to_le_bytes());
    data[9] = decimals;
    crate::cu_trace!("transfer: ix built");
    let r = invoke_signed_c(
        token_program.key,
        &[
            Meta::writable(from.key),
            Meta::readonly(mint.key),
            Meta::writable(to.key),
            Meta {
                key: authority.key,
                writable: false,
                signer: true,
            },
        ],
        &data,
        &[from, mint, to, authority],
        signer_seeds,
    );
    crate::cu_trace!("transfer: invoked");
    r
}

/// One account of a CPI instruction (an `AccountMeta` without the copy).
pub struct Meta<'a> {
    pub key: &'a Pubkey,
    pub writable: bool,
    pub signer: bool,
}

impl<'a> Meta<'a> {
    pub fn writable(key: &'a Pubkey) -> Self {
        Self {
            key,
            writable: true,
            signer: false,
        }
    }
    pub fn readonly(key: &'a Pubkey) -> Self {
        Self {
            key,
            writable: false,
            signer: false,
        }
    }
}

/// `invoke_signed` through the C ABI (`sol_invoke_signed_c`), as pinocchio
/// does: the account infos are passed as flat structs pointing into the
/// runtime's input buffer, so no `Instruction` clone, `Rc` clone or
/// `RefCell` bookkeeping runs in the program (about 400 CU per CPI less than
/// `solana_program::program::invoke_signed`; the runtime charges the same).
/// Layouts: agave `program-runtime` `cpi.rs` (`SolInstruction`,
/// `SolAccountMeta`, `SolAccountInfo`) and the C SDK's `SolSignerSeeds`.
/// Callers hold no borrow of these accounts' data or lamports (the callee
/// writes them). Off-chain (host) builds use the Rust ABI.
pub fn invoke_signed_c(
    program_id: &Pubkey,
    metas: &[Meta],
    data: &[u8],
    infos: &[&AccountInfo],
    signer_seeds: &[&[&[u8]]],
) -> Result<()> {
    #[cfg(not(target_os = "solana"))]
    {
        let ix = Instruction {
            program_id: *program_id,
            accounts: metas
                .iter()
                .map(|m| AccountMeta {
                    pubkey: *m.key,
                    is_signer: m.signer,
                    is_writable: m.writable,
                })
                .collect(),
            data: data.to_vec(),
        };
        let owned: Vec<AccountInfo> = infos.iter().map(|i| (*i).clone()).collect();
        invoke_signed(&ix, &owned, signer_seeds).map_err(Into::into)
    }
    #[cfg(target_os = "solana")]
    {
        #[repr(C)]
        struct CMeta {
            pubkey: *const Pubkey,
            is_writable: bool,
            is_signer: bool,
        }
        #[repr(C)]
        struct CInstruction {
            program_id: *const Pubkey,
            accounts: *const CMeta,
            accounts_len: u64,
            data: *const u8,
            data_len: u64,
        }
        #[repr(C)]
        struct CAccountInfo {
            key: *const Pubkey,
            lamports: *const u64,
            data_len: u64,
            data: *const u8,
            owner: *const Pubkey,
            rent_epoch: u64,
            is_signer: bool,
            is_writable: bool,
            executable: bool,
        }
        #[repr(C)]
        struct CSlice {
            addr: *const u8,
            len: u64,
        }
        extern "C" {
            fn sol_invoke_signed_c(
                instruction: *const u8,
                account_infos: *const u8,
                account_infos_len: u64,
                signers_seeds: *const u8,
                signers_seeds_len: u64,
            ) -> u64;
        }
        const MAX: usize = 4;
        if infos.len() > MAX || metas.len() > MAX || signer_seeds.len() > 1 {
            return err!(EscrowError::ArithmeticOverflow);
        }
        let c_metas: [CMeta; MAX] = core::array::from_fn(|i| match metas.get(i) {
            Some(m) => CMeta {
                pubkey: m.key,
                is_writable: m.writable,
                is_signer: m.signer,
            },
            None => CMeta {
                pubkey: core::ptr::null(),
                is_writable: false,
                is_signer: false,
            },
        });
        let c_ix = CInstruction {
            program_id,
            accounts: c_metas.as_ptr(),
            accounts_len: metas.len() as u64,
            data: data.as_ptr(),
            data_len: data.len() as u64,
        };
        let c_infos: [CAccountInfo; MAX] = core::array::from_fn(|i| match infos.get(i) {
            // SAFETY: the RefCells hold pointers into the runtime's input
            // buffer; reading the pointers does not borrow the values.
            Some(info) => unsafe {
                let data: &[u8] = &**info.data.as_ptr();
                CAccountInfo {
                    key: info.key,
                    lamports: &**info.lamports.as_ptr(),
                    data_len: data.len() as u64,
                    data: data.as_ptr(),
                    owner: info.owner,
                    rent_epoch: u64::MAX,
                    is_signer: info.is_signer,
                    is_writable: info.is_writable,
                    executable: info.executable,
                }
            },
            None => CAccountInfo {
                key: core::ptr::null(),
                lamports: core::ptr::null(),
                data_len: 0,
                data: core::ptr::null(),
                owner: core::ptr::null(),
                rent_epoch: 0,
                is_signer: false,
                is_writable: false,
                executable: false,
            },
        });
        const MAX_SEEDS: usize = 5;
        let (seeds_len, seed_slices): (usize, [CSlice; MAX_SEEDS]) = match signer_seeds.first() {
            Some(seeds) if seeds.len() <= MAX_SEEDS => (
                seeds.len(),
                core::array::from_fn(|i| match seeds.get(i) {
                    Some(s) => CSlice {
                        addr: s.as_ptr(),
                        len: s.len() as u64,
                    },
                    None => CSlice {
                        addr: core::ptr::null(),
                        len: 0,
                    },
                }),
            ),
            Some(_) => return err!(EscrowError::ArithmeticOverflow),
            None => (
                0,
                core::array::from_fn(|_| CSlice {
                    addr: core::ptr::null(),
                    len: 0,
                }),
            ),
        };
        let signer = CSlice {
            addr: seed_slices.as_ptr() as *const u8,
            len: seeds_len as u64,
        };
        // SAFETY: every pointer refers to memory that lives until the call
        // returns; the structs follow the runtime's C ABI.
        let result = unsafe {
            sol_invoke_signed_c(
                &c_ix as *const CInstruction as *const u8,
                c_infos.as_ptr() as *const u8,
                infos.len() as u64,
                &signer as *const CSlice as *const u8,
                u64::from(!signer_seeds.is_empty()),
            )
        };
        match result {
            0 => Ok(()),
            code => {
                Err(anchor_lang::solana_program::program_error::ProgramError::from(code).into())
            }
        }
    }
}

/// `InitializeAccount3` (instruction 18: `[18, owner (32)]`): initializes
/// the already allocated token account `account` for `mint`, owned by `owner`.
pub fn initialize_account3<'info>(
    token_program: &AccountInfo<'info>,
    account: &AccountInfo<'info>,
    mint: &AccountInfo<'info>,
    owner: &Pubkey,
) -> Result<()> {
    let mut data = Vec::with_capacity(33);
    data.push(18);
    data.extend_from_slice(owner.as_ref());
    let ix = Instruction {
        program_id: token_program.key(),
        accounts: vec![
            AccountMeta::new(account.key(), false),
            AccountMeta::new_readonly(mint.key(), false),
        ],
        data,
    };
    invoke_signed(&ix, &[account.clone(), mint.clone()], &[]).map_err(Into::into)
}

/// Whether `program` is SPL Token or Token-2022.
pub fn is_token_program(program: &Pubkey) -> bool {
    *program == TOKEN_PROGRAM_ID || *program == TOKEN_2022_PROGRAM_ID
}

/// `(mint, owner, amount)` of a token account owned by a token program.
pub fn token_account_fields(account: &AccountInfo) -> Result<(Pubkey, Pubkey, u64)> {
    if !is_token_program(account.owner) {
        return err!(EscrowError::InvalidProviderTokenAccount);
    }
    let data = account.try_borrow_data()?;
    let field =
        |at: usize| -> Option<[u8; 32]> { data.get(at..at.checked_add(32)?)?.try_into().ok() };
    let read = || -> Option<(Pubkey, Pubkey, u64)> {
        if data.len() < TOKEN_ACCOUNT_LEN {
            return None;
        }
        let amount: [u8; 8] = data.get(64..72)?.try_into().ok()?;
        Some((
            Pubkey::new_from_array(field(0)?),
            Pubkey::new_from_array(field(32)?),
            u64::from_le_bytes(amount),
        ))
    };
    read().ok_or_else(|| error!(EscrowError::InvalidProviderTokenAccount))
}

/// Token balance of the policy vault (a token account this program
/// created; its address is checked against `policy.vault` by the caller).
pub fn vault_amount(vault: &AccountInfo) -> Result<u64> {
    let data = vault.try_borrow_data()?;
    let amount: [u8; 8] = data
        .get(64..72)
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(EscrowError::VaultMismatch)?;
    Ok(u64::from_le_bytes(amount))
}

/// Token-2022 mint extension types (source: spl-token-2022-interface 3.1
/// `ExtensionType`, `#[repr(u16)]`) a policy accepts: interest-bearing
/// config (10), metadata pointer (18), token metadata (19), group pointer
/// (20), token group (21), group member pointer (22), token group member
/// (23), scaled UI amount (25). They change only how amounts are displayed
/// or what is said about the mint. Everything else is refused, including
/// every type this list does not know: mint close authority (3: the mint
/// could be closed at zero supply and re-created at the same address with
/// a permanent delegate), transfer fee (1), confidential transfer (4, 16,
/// 24), default account state (6), non-transferable (9), permanent
/// delegate (12), transfer hook (14), pausable (26), permissioned burn (28).
pub const BENIGN_MINT_EXTENSIONS: [u16; 8] = [10, 18, 19, 20, 21, 22, 23, 25];

/// Checks that `mint` is an initialized mint of SPL Token or Token-2022
/// without a refused extension; returns its decimals. A mint of SPL Token
/// has no extensions and cannot be closed.
pub fn screen_mint(mint: &AccountInfo) -> Result<u8> {
    if !is_token_program(mint.owner) {
        return err!(EscrowError::InvalidMint);
    }
    let data = mint.try_borrow_data()?;
    let decimals = *data.get(44).ok_or(EscrowError::InvalidMint)?;
    if data.get(45) != Some(&1) {
        return err!(EscrowError::InvalidMint);
    }
    if data.len() == MINT_LEN {
        return Ok(decimals);
    }
    // Token-2022 with extensions: account type byte 1 (mint) at 165, then TLV.
    if *mint.owner != TOKEN_2022_PROGRAM_ID || data.get(TOKEN_ACCOUNT_LEN) != Some(&1) {
        return err!(EscrowError::InvalidMint);
    }
    let mut at = TOKEN_ACCOUNT_LEN.saturating_add(1);
    while let Some(&[k0, k1, l0, l1]) = data.get(at..at.saturating_add(4)) {
        let kind = u16::from_le_bytes([k0, k1]);
        let len = usize::from(u16::from_le_bytes([l0, l1]));
        if kind == 0 {
            break; // Uninitialized: the end of the extensions
        }
        if !BENIGN_MINT_EXTENSIONS.contains(&kind) {
            msg!("mint extension type {} is refused", kind);
            return err!(EscrowError::HostileMintExtension);
        }
        at = at.saturating_add(4).saturating_add(len);
    }
    Ok(decimals)
}
