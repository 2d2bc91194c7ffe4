//! `EscrowClient`: signs, sends and reads over any [`Transport`].

use agent_escrow::{
    instructions::EscrowCreateArgs,
    state::{Escrow, Policy},
};
use anchor_lang::{
    prelude::Pubkey,
    solana_program::{instruction::Instruction, program_pack::Pack, system_instruction},
};
use anchor_spl::{
    associated_token::spl_associated_token_account, token::spl_token, token_2022::spl_token_2022,
};
use solana_signer::Signer;
use solana_transaction::Transaction;

use crate::{
    accounts::{decode_escrow, decode_policy, token_account_amount},
    error::ClientError,
    instructions,
    pda::{associated_token_address, escrow_address},
    transport::{Transport, TxOutcome},
};

/// The result of [`EscrowClient::escrow_create`]: either this call created
/// the escrow, or an identical one (same id, provider, amount, task hash)
/// already existed, e.g. because an earlier attempt did land.
#[derive(Debug)]
pub enum CreateOutcome {
    Created(TxOutcome),
    AlreadyExists(Box<Escrow>),
}

/// Transaction options: compute-budget instructions and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendOptions {
    /// Prepend `SetComputeUnitLimit` sized from a simulation:
    /// consumed × 1.1 + 1,000 CU, at most 1,400,000.
    pub compute_unit_limit: bool,
    /// Prepend `SetComputeUnitPrice` with this many micro-lamports per CU.
    pub priority_fee_micro_lamports: Option<u64>,
    /// Attempts when a transaction's blockhash expires unconfirmed (each
    /// attempt re-signs with a fresh blockhash; an expired one can never land).
    pub attempts: u32,
}

impl Default for SendOptions {
    fn default() -> Self {
        Self {
            compute_unit_limit: false,
            priority_fee_micro_lamports: None,
            attempts: 3,
        }
    }
}

/// One confirmed transaction of the audit trail, with its decoded events.
#[derive(Debug, Clone)]
pub struct HistoryItem {
    pub signature: solana_signature::Signature,
    pub block_time: Option<i64>,
    pub events: Vec<crate::events::EscrowEvent>,
}

/// High-level client: builds, signs and sends the program's instructions.
pub struct EscrowClient<T> {
    transport: T,
    options: SendOptions,
}

impl<T: Transport> EscrowClient<T> {
    pub fn new(transport: T) -> Self {
        Self {
            transport,
            options: SendOptions::default(),
        }
    }

    /// Uses `options` for every transaction this client sends.
    pub fn with_options(mut self, options: SendOptions) -> Self {
        self.options = options;
        self
    }

    /// The underlying transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Signs `instructions` with `payer` (fee payer) and `signers`, sends and
    /// confirms, re-signing with a new blockhash if one expires (see
    /// [`SendOptions`]). Each signer is listed once even if it plays several
    /// roles. A missing or extra signer is a [`ClientError::Signing`]
    /// (nothing is sent).
    pub async fn send(
        &self,
        instructions: &[Instruction],
        payer: &dyn Signer,
        signers: &[&dyn Signer],
    ) -> Result<TxOutcome, ClientError> {
        let mut all: Vec<&dyn Signer> = vec![payer];
        for signer in signers {
            if !all.iter().any(|s| s.pubkey() == signer.pubkey()) {
                all.push(*signer);
            }
        }
        let instructions = self
            .with_compute_budget(instructions, &payer.pubkey())
            .await?;
        let mut attempt = 1;
        loop {
            let blockhash = self.transport.latest_blockhash().await?;
            let mut tx = Transaction::new_with_payer(&instructions, Some(&payer.pubkey()));
            tx.try_sign(&all, blockhash)
                .map_err(|e| ClientError::Signing(e.to_string()))?;
            match self.transport.send_transaction(tx).await {
                Err(ClientError::Expired { .. }) if attempt < self.options.attempts.max(1) => {
                    attempt += 1
                }
                // Name the failing instruction (the program logs no
                // instruction names: feature `no-log-ix-name`).
                other => return other.map_err(|e| e.with_instructions(&instructions)),
            }
        }
    }

    /// Prepends the compute-budget instructions the options ask for. The CU
    /// limit comes from a simulation; if the simulation fails the limit is
    /// left out, so the real send reports the real error.
    pub async fn with_compute_budget(
        &self,
        instructions: &[Instruction],
        payer: &Pubkey,
    ) -> Result<Vec<Instruction>, ClientError> {
        use solana_compute_budget_interface::ComputeBudgetInstruction as Cb;
        let mut out = Vec::new();
        if self.options.compute_unit_limit {
            let tx = Transaction::new_with_payer(instructions, Some(payer));
            let simulation = self.transport.simulate_transaction(&tx).await?;
            if simulation.error.is_none() {
                let limit = simulation.compute_units.saturating_mul(11) / 10 + 1_000;
                out.push(Cb::set_compute_unit_limit(limit.min(1_400_000) as u32));
            }
        }
        if let Some(price) = self.options.priority_fee_micro_lamports {
            out.push(Cb::set_compute_unit_price(price));
        }
        out.extend_from_slice(instructions);
        Ok(out)
    }

    /// Escrows matching the filters (each optional), via `getProgramAccounts`
    /// with memcmp filters on the escrow's fixed offsets.
    pub async fn list_escrows(
        &self,
        policy: Option<&Pubkey>,
        provider: Option<&Pubkey>,
        state: Option<agent_escrow::state::EscrowState>,
    ) -> Result<Vec<(Pubkey, Escrow)>, ClientError> {
        use crate::transport::Memcmp;
        let mut filters = vec![Memcmp {
            offset: 0,
            bytes: <Escrow as anchor_lang::Discriminator>::DISCRIMINATOR.to_vec(),
        }];
        if let Some(policy) = policy {
            filters.push(Memcmp {
                offset: 8,
                bytes: policy.to_bytes().to_vec(),
            });
        }
        if let Some(provider) = provider {
            filters.push(Memcmp {
                offset: 40,
                bytes: provider.to_bytes().to_vec(),
            });
        }
        if let Some(state) = state {
            filters.push(Memcmp {
                offset: Escrow::STATE_OFFSET,
                bytes: vec![state as u8],
            });
        }
        // An escrow is 152, 184 or 216 bytes (with a verifier and/or a
        // depends_on key after the fixed part): one query per size.
        let mut out = Vec::new();
        for (verifier, depends_on) in [(false, false), (true, false), (false, true), (true, true)] {
            let len = Escrow::space(verifier, depends_on);
            if out.iter().any(|(l, _)| *l == len) {
                continue;
            }
            let accounts = self
                .transport
                .get_program_accounts(&crate::pda::PROGRAM_ID, len, &filters)
                .await?;
            out.push((len, accounts));
        }
        let mut escrows = out
            .into_iter()
            .flat_map(|(_, accounts)| accounts)
            .map(|(key, account)| decode_escrow(&account.data).map(|e| (key, e)))
            .collect::<Result<Vec<_>, _>>()?;
        escrows.sort_by_key(|(key, _)| *key);
        Ok(escrows)
    }

    /// Policies of an owner and/or an agent (both optional; neither lists
    /// every policy of the program), via `getProgramAccounts` with memcmp
    /// filters on `Policy::owner` (offset 8) and `Policy::agent` (offset 40,
    /// the current agent key, after any rotation). Sorted by address.
    pub async fn list_policies(
        &self,
        owner: Option<&Pubkey>,
        agent: Option<&Pubkey>,
    ) -> Result<Vec<(Pubkey, Policy)>, ClientError> {
        use crate::transport::Memcmp;
        let mut filters = vec![Memcmp {
            offset: 0,
            bytes: <Policy as anchor_lang::Discriminator>::DISCRIMINATOR.to_vec(),
        }];
        for (offset, key) in [(8, owner), (40, agent)] {
            if let Some(key) = key {
                filters.push(Memcmp {
                    offset,
                    bytes: key.to_bytes().to_vec(),
                });
            }
        }
        let mut policies = self
            .transport
            .get_program_accounts(&crate::pda::PROGRAM_ID, Policy::LEN, &filters)
            .await?
            .into_iter()
            .map(|(key, account)| decode_policy(&account.data).map(|p| (key, p)))
            .collect::<Result<Vec<_>, _>>()?;
        policies.sort_by_key(|(key, _)| *key);
        Ok(policies)
    }

    /// As [`EscrowClient::history`], over the `limit` most recent
    /// transactions, and whether older ones exist beyond `limit` (it reads
    /// one more to know; a failed transaction there can hide that).
    pub async fn history_page(
        &self,
        address: &Pubkey,
        limit: usize,
    ) -> Result<(Vec<HistoryItem>, bool), ClientError> {
        let mut entries = self
            .transport
            .history(address, limit.saturating_add(1))
            .await?;
        let truncated = entries.len() > limit;
        if truncated {
            entries.drain(..entries.len() - limit);
        }
        let items = entries
            .into_iter()
            .map(|entry| HistoryItem {
                signature: entry.signature,
                block_time: entry.block_time,
                events: crate::events::parse_events(&entry.logs),
            })
            .filter(|item| !item.events.is_empty())
            .collect();
        Ok((items, truncated))
    }

    /// The audit trail of `address` (a policy or an escrow): this program's
    /// events from every confirmed transaction that touched it, oldest first.
    pub async fn history(
        &self,
        address: &Pubkey,
        limit: usize,
    ) -> Result<Vec<HistoryItem>, ClientError> {
        Ok(self
            .transport
            .history(address, limit)
            .await?
            .into_iter()
            .map(|entry| HistoryItem {
                signature: entry.signature,
                block_time: entry.block_time,
                events: crate::events::parse_events(&entry.logs),
            })
            .filter(|item| !item.events.is_empty())
            .collect())
    }

    /// Reads and decodes a policy.
    pub async fn policy(&self, address: &Pubkey) -> Result<Policy, ClientError> {
        let account = self
            .transport
            .get_account(address)
            .await?
            .ok_or(ClientError::AccountNotFound(*address))?;
        decode_policy(&account.data)
    }

    /// Reads and decodes an escrow; `None` if no account exists there.
    pub async fn escrow(&self, address: &Pubkey) -> Result<Option<Escrow>, ClientError> {
        match self.transport.get_account(address).await? {
            Some(account) => decode_escrow(&account.data).map(Some),
            None => Ok(None),
        }
    }

    /// The token program that owns `mint` (SPL Token or Token-2022).
    pub async fn token_program_of(&self, mint: &Pubkey) -> Result<Pubkey, ClientError> {
        Ok(self
            .transport
            .get_account(mint)
            .await?
            .ok_or(ClientError::AccountNotFound(*mint))?
            .owner)
    }

    /// Token balance (base units) of a token account; 0 if it does not exist.
    pub async fn token_balance(&self, token_account: &Pubkey) -> Result<u64, ClientError> {
        match self.transport.get_account(token_account).await? {
            Some(account) => token_account_amount(&account.data),
            None => Ok(0),
        }
    }

    /// Creates an SPL Token mint at `mint` with `decimals` (a test USDC on
    /// embedded / localnet: 6 decimals).
    pub async fn create_mint(
        &self,
        payer: &dyn Signer,
        mint: &dyn Signer,
        mint_authority: &Pubkey,
        decimals: u8,
    ) -> Result<TxOutcome, ClientError> {
        let space = spl_token::state::Mint::LEN;
        let lamports = self
            .transport
            .minimum_balance_for_rent_exemption(space)
            .await?;
        let create = system_instruction::create_account(
            &payer.pubkey(),
            &mint.pubkey(),
            lamports,
            space as u64,
            &spl_token::ID,
        );
        let init = spl_token::instruction::initialize_mint2(
            &spl_token::ID,
            &mint.pubkey(),
            mint_authority,
            None,
            decimals,
        )
        .map_err(|e| ClientError::Transport(e.to_string()))?;
        self.send(&[create, init], payer, &[mint]).await
    }

    /// Creates `owner`'s associated token account for `mint` (under the
    /// mint's token program) if it does not exist yet (idempotent) and
    /// returns its address.
    pub async fn create_ata(
        &self,
        payer: &dyn Signer,
        owner: &Pubkey,
        mint: &Pubkey,
    ) -> Result<Pubkey, ClientError> {
        let token_program = self.token_program_of(mint).await?;
        let ata = associated_token_address(owner, mint, &token_program);
        if self.transport.get_account(&ata).await?.is_none() {
            let ix = spl_associated_token_account::instruction::create_associated_token_account_idempotent(
                &payer.pubkey(),
                owner,
                mint,
                &token_program,
            );
            self.send(&[ix], payer, &[]).await?;
        }
        Ok(ata)
    }

    /// Mints `amount` base units to `destination` (test mints only; SPL
    /// Token or Token-2022, whichever owns the mint).
    pub async fn mint_to(
        &self,
        payer: &dyn Signer,
        mint: &Pubkey,
        authority: &dyn Signer,
        destination: &Pubkey,
        amount: u64,
    ) -> Result<TxOutcome, ClientError> {
        let token_program = self.token_program_of(mint).await?;
        let ix = spl_token_2022::instruction::mint_to(
            &token_program,
            mint,
            destination,
            &authority.pubkey(),
            &[],
            amount,
        )
        .map_err(|e| ClientError::Transport(e.to_string()))?;
        self.send(&[ix], payer, &[authority]).await
    }

    /// The id the policy will accept next (`policy.next_escrow_id`); ids up
    /// to 255 above it are accepted too, so concurrent creates can take
    /// `next`, `next + 1`, ... in any order.
    pub async fn next_escrow_id(&self, policy: &Pubkey) -> Result<u64, ClientError> {
        Ok(self.policy(policy).await?.next_escrow_id)
    }

    /// Creates an escrow, safely retryable: if the escrow id is already used
    /// by an open escrow with the same provider, amount and task (its
    /// `task_tag`), that escrow is reported instead of failing; with other
    /// terms the call fails with [`ClientError::EscrowIdTaken`] before
    /// anything is sent. A re-sent transaction (same id) can land at most
    /// once: the program never accepts an id twice.
    pub async fn escrow_create(
        &self,
        agent: &dyn Signer,
        payer: &dyn Signer,
        policy: &Pubkey,
        args: EscrowCreateArgs,
    ) -> Result<CreateOutcome, ClientError> {
        let address = escrow_address(policy, args.escrow_id).0;
        let existing = |escrow: Escrow| -> Result<CreateOutcome, ClientError> {
            let same = escrow.provider == args.provider
                && escrow.amount == args.amount
                && escrow.task_tag[..] == args.task_hash[..8];
            if same {
                Ok(CreateOutcome::AlreadyExists(Box::new(escrow)))
            } else {
                Err(ClientError::EscrowIdTaken {
                    policy: *policy,
                    escrow_id: args.escrow_id,
                })
            }
        };
        if let Some(escrow) = self.escrow(&address).await? {
            return existing(escrow);
        }
        // Pass the allowlist entry if it exists: required by require_allowlist
        // policies, and it keeps review_unlisted policies on the amount's tier.
        let entry = crate::pda::allow_address(policy, &args.provider).0;
        let with_allow_entry = self.transport.get_account(&entry).await?.is_some();
        let ix = instructions::escrow_create(
            policy,
            &agent.pubkey(),
            &payer.pubkey(),
            args.clone(),
            with_allow_entry,
        );
        match self.send(&[ix], payer, &[agent]).await {
            Ok(outcome) => Ok(CreateOutcome::Created(outcome)),
            // A previous attempt may have landed between our read and send.
            Err(err) => match self.escrow(&address).await? {
                Some(escrow) => existing(escrow),
                None => Err(err),
            },
        }
    }

    /// Open escrows (Funded, ProofSubmitted, Disputed) of `policy` to
    /// `provider` for `amount` whose task tag matches `task_hash`: what a
    /// re-run of the same create command should report instead of paying
    /// twice for one task.
    pub async fn open_escrows_for_task(
        &self,
        policy: &Pubkey,
        provider: &Pubkey,
        amount: u64,
        task_hash: &[u8; 32],
    ) -> Result<Vec<(Pubkey, Escrow)>, ClientError> {
        use agent_escrow::state::EscrowState;
        Ok(self
            .list_escrows(Some(policy), Some(provider), None)
            .await?
            .into_iter()
            .filter(|(_, e)| {
                e.amount == amount
                    && e.task_tag[..] == task_hash[..8]
                    && matches!(
                        EscrowState::from_u8(e.state),
                        Some(
                            EscrowState::Funded
                                | EscrowState::ProofSubmitted
                                | EscrowState::Disputed
                        )
                    )
            })
            .collect())
    }

    /// The accounts every instruction on `escrow` names, read from the
    /// chain: its policy, the policy's mint and token program, the
    /// provider's ATA, the rent payer and the dependency.
    pub async fn escrow_accounts(
        &self,
        escrow: &Pubkey,
    ) -> Result<instructions::EscrowAccounts, ClientError> {
        let account = self
            .transport
            .get_account(escrow)
            .await?
            .ok_or(ClientError::AccountNotFound(*escrow))?;
        let state = decode_escrow(&account.data)?;
        let (_, depends_on) = crate::accounts::escrow_optional_keys(&account.data, state.flags)?;
        let mint = self.policy(&state.policy).await?.mint;
        let token_program = self.token_program_of(&mint).await?;
        Ok(instructions::EscrowAccounts {
            policy: state.policy,
            escrow: *escrow,
            mint,
            token_program,
            provider_token: associated_token_address(&state.provider, &mint, &token_program),
            rent_payer: state.rent_payer,
            depends_on,
        })
    }
}
