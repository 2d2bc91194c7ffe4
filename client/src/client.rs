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

/// High-level client: builds, signs and sends the program's instructions.
pub struct EscrowClient<T> {
    transport: T,
}

impl<T: Transport> EscrowClient<T> {
    pub fn new(transport: T) -> Self {
        Self { transport }
    }

    /// The underlying transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Signs `instructions` with `payer` (fee payer) and `signers`, sends and
    /// confirms. Each signer is listed once even if it plays several roles.
    /// A missing or extra signer is a [`ClientError::Signing`] (nothing is sent).
    pub async fn send(
        &self,
        instructions: &[Instruction],
        payer: &dyn Signer,
        signers: &[&dyn Signer],
    ) -> Result<TxOutcome, ClientError> {
        let blockhash = self.transport.latest_blockhash().await?;
        let mut all: Vec<&dyn Signer> = vec![payer];
        for signer in signers {
            if !all.iter().any(|s| s.pubkey() == signer.pubkey()) {
                all.push(*signer);
            }
        }
        let mut tx = Transaction::new_with_payer(instructions, Some(&payer.pubkey()));
        tx.try_sign(&all, blockhash)
            .map_err(|e| ClientError::Signing(e.to_string()))?;
        self.transport.send_transaction(tx).await
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

    /// Creates an escrow, safely retryable: if the escrow id is already used
    /// by an escrow with the same provider, amount and task hash, that escrow
    /// is reported instead of failing; with different terms the call fails
    /// with [`ClientError::EscrowIdTaken`] before anything is sent.
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
                && escrow.task_hash == args.task_hash;
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
        let policy_state = self.policy(policy).await?;
        let mint = policy_state.mint;
        let token_program = self.token_program_of(&mint).await?;
        // Pass the allowlist entry only if it exists: a missing one then fails
        // with the program's ProviderNotAllowed rather than "not initialized".
        let entry = crate::pda::allow_address(policy, &args.provider).0;
        let with_allow_entry = policy_state.require_allowlist != 0
            && self.transport.get_account(&entry).await?.is_some();
        let ix = instructions::escrow_create(
            policy,
            &mint,
            &token_program,
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
}
