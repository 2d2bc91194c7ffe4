//! Resolved settings (flag > config file > default), the chain backend, the
//! signers, and the one path every transaction takes: send, or print the
//! signatures in `--sign-only` mode.

use std::{cell::RefCell, path::PathBuf, rc::Rc};

use agent_escrow_client::{
    anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction},
    embedded::{EmbeddedSvm, StateLock},
    rpc::RpcTransport,
    transport::{HistoryEntry, Memcmp, Simulation, Transport, TxOutcome},
    ClientError, EscrowClient, SendOptions, Signer,
};
use clap::ArgMatches;
use solana_clap_v3_utils::keypair::signer_from_path;
use solana_commitment_config::CommitmentConfig;
use solana_hash::Hash;
use solana_remote_wallet::remote_wallet::RemoteWalletManager;
use solana_signature::Signature;
use solana_transaction::Transaction;

use crate::{args::Cli, CliError};

/// Where commands run: the embedded SVM (with its state file) or JSON-RPC.
#[allow(clippy::large_enum_variant)] // one per process; boxing buys nothing
pub enum Backend {
    Embedded(EmbeddedSvm),
    Rpc(RpcTransport),
}

macro_rules! delegate {
    ($self:ident, $t:ident => $call:expr) => {
        match $self {
            Backend::Embedded($t) => $call,
            Backend::Rpc($t) => $call,
        }
    };
}

impl Transport for Backend {
    fn describe(&self) -> String {
        delegate!(self, t => t.describe())
    }
    async fn latest_blockhash(&self) -> Result<Hash, ClientError> {
        delegate!(self, t => t.latest_blockhash().await)
    }
    async fn send_transaction(&self, tx: Transaction) -> Result<TxOutcome, ClientError> {
        delegate!(self, t => t.send_transaction(tx).await)
    }
    async fn simulate_transaction(&self, tx: &Transaction) -> Result<Simulation, ClientError> {
        delegate!(self, t => t.simulate_transaction(tx).await)
    }
    async fn get_account(
        &self,
        address: &Pubkey,
    ) -> Result<Option<agent_escrow_client::Account>, ClientError> {
        delegate!(self, t => t.get_account(address).await)
    }
    async fn get_program_accounts(
        &self,
        program: &Pubkey,
        data_len: usize,
        filters: &[Memcmp],
    ) -> Result<Vec<(Pubkey, agent_escrow_client::Account)>, ClientError> {
        delegate!(self, t => t.get_program_accounts(program, data_len, filters).await)
    }
    async fn history(
        &self,
        address: &Pubkey,
        limit: usize,
    ) -> Result<Vec<HistoryEntry>, ClientError> {
        delegate!(self, t => t.history(address, limit).await)
    }
    async fn unix_timestamp(&self) -> Result<i64, ClientError> {
        delegate!(self, t => t.unix_timestamp().await)
    }
    async fn minimum_balance_for_rent_exemption(&self, len: usize) -> Result<u64, ClientError> {
        delegate!(self, t => t.minimum_balance_for_rent_exemption(len).await)
    }
}

/// Cluster monikers, as in the Solana CLI (plus `embedded`).
pub fn resolve_url(url: &str) -> Result<Option<String>, CliError> {
    Ok(Some(match url {
        "embedded" | "e" => return Ok(None),
        "localhost" | "l" => "http://127.0.0.1:8899".into(),
        "devnet" | "d" => "https://api.devnet.solana.com".into(),
        "testnet" | "t" => "https://api.testnet.solana.com".into(),
        "mainnet-beta" | "m" => "https://api.mainnet-beta.solana.com".into(),
        other if other.starts_with("http://") || other.starts_with("https://") => other.into(),
        other => {
            return Err(CliError::Input(format!(
                "--url: '{other}' is neither a moniker (embedded, localhost, devnet, testnet, mainnet-beta) nor an http(s):// URL"
            )))
        }
    }))
}

/// The result of a transaction-sending command.
pub enum Submitted {
    Sent(TxOutcome),
    /// `--dry-run`: the transaction was simulated, nothing was sent.
    Simulated {
        /// Compute units the simulation consumed (without compute-budget
        /// instructions).
        compute_units: u64,
        /// This program's events in the simulation's logs: the effect.
        events: Vec<agent_escrow_client::events::EscrowEvent>,
    },
    /// `--sign-only`: the signatures, for the submitter's `--signer` flags.
    SignedOffline {
        blockhash: Hash,
        present: Vec<(Pubkey, Signature)>,
        absent: Vec<Pubkey>,
    },
}

/// Settings resolved from the flags and the config file (flag > config
/// file > default), before any chain is opened.
pub struct Settings {
    pub url: String,
    pub keypair_path: String,
    pub commitment: CommitmentConfig,
    pub blockhash: Option<Hash>,
}

impl Settings {
    pub fn resolve(cli: &Cli) -> Result<Self, CliError> {
        let config = load_config(cli.config.as_deref())?;
        let url = cli
            .url
            .clone()
            .or_else(|| config.as_ref().map(|c| c.json_rpc_url.clone()))
            .unwrap_or_else(|| "embedded".into());
        let keypair_path = cli
            .keypair
            .clone()
            .or_else(|| config.as_ref().map(|c| c.keypair_path.clone()))
            .unwrap_or_else(|| solana_cli_config::Config::default().keypair_path);
        let commitment = cli
            .commitment
            .clone()
            .or_else(|| {
                config
                    .as_ref()
                    .map(|c| c.commitment.clone())
                    .filter(|c| !c.is_empty())
            })
            .unwrap_or_else(|| "confirmed".into());
        let commitment: CommitmentConfig = commitment.parse().map_err(|_| {
            CliError::Input(format!(
                "--commitment: '{commitment}' is not processed, confirmed or finalized"
            ))
        })?;
        let blockhash = cli
            .blockhash
            .as_deref()
            .map(|b| {
                b.parse::<Hash>().map_err(|_| {
                    CliError::Input(format!("--blockhash: '{b}' is not a base58 blockhash"))
                })
            })
            .transpose()?;
        Ok(Self {
            url,
            keypair_path,
            commitment,
            blockhash,
        })
    }
}

/// Signer sources (`-k`, `--fee-payer`, role flags), resolved through
/// solana-clap-v3-utils: keypair files, `usb://ledger`, `prompt://`,
/// `stdin`, presigned `--signer PUBKEY=SIGNATURE`. Needs no chain.
pub struct Signers {
    matches: ArgMatches,
    wallet_manager: RefCell<Option<Rc<RemoteWalletManager>>>,
    keypair_path: String,
    fee_payer_path: Option<String>,
}

impl Signers {
    pub fn new(cli: &Cli, settings: &Settings, matches: ArgMatches) -> Self {
        Self {
            matches,
            wallet_manager: RefCell::new(None),
            keypair_path: settings.keypair_path.clone(),
            fee_payer_path: cli.fee_payer.clone(),
        }
    }

    /// Resolves a signer source for `role` (`--owner`, `--agent`, ...);
    /// `None` means the default keypair (`-k`).
    pub fn signer(&self, source: Option<&str>, role: &str) -> Result<Box<dyn Signer>, CliError> {
        let path = source.unwrap_or(&self.keypair_path);
        signer_from_path(
            &self.matches,
            path,
            role,
            &mut self.wallet_manager.borrow_mut(),
        )
        .map_err(|e| {
            let missing_file = path.ends_with(".json") && !std::path::Path::new(path).exists();
            let fix = if missing_file {
                "; create it with `agent-escrow keygen new -o PATH` (or `solana-keygen new`)"
            } else {
                "; a signer is a keypair file, usb://ledger?key=0/0, prompt://, stdin, \
                 or a pubkey with --signer PUBKEY=SIGNATURE"
            };
            CliError::Input(format!("{role}: cannot load signer '{path}': {e}{fix}"))
        })
    }

    /// The fee payer (`--fee-payer`, else `-k`).
    pub fn fee_payer(&self) -> Result<Box<dyn Signer>, CliError> {
        self.signer(self.fee_payer_path.as_deref(), "fee-payer")
    }
}

pub struct Context {
    pub client: EscrowClient<Backend>,
    signers: Signers,
    sign_only: bool,
    dry_run: bool,
    skip_checks: bool,
    blockhash: Option<Hash>,
    /// `--nonce` and `--nonce-authority`.
    nonce: Option<(Pubkey, Option<String>)>,
    state_path: Option<PathBuf>,
    /// Held from before the embedded state is loaded until it is saved.
    _state_lock: Option<StateLock>,
}

impl Context {
    /// Resolves settings from the parsed flags and the config file, and opens
    /// the backend: for the embedded chain, after taking the state file's
    /// lock (held until this context is dropped, after [`Context::finish`]).
    pub fn new(cli: &Cli, matches: ArgMatches) -> Result<Self, CliError> {
        let settings = Settings::resolve(cli)?;
        let blockhash = settings.blockhash;
        let offline = cli.sign_only || blockhash.is_some() || cli.nonce.is_some();
        let signers = Signers::new(cli, &settings, matches);
        let (backend, state_path, state_lock) = match resolve_url(&settings.url)? {
            None => {
                let so = cli.program_so.clone().unwrap_or_else(|| {
                    EmbeddedSvm::program_path(&PathBuf::from(concat!(
                        env!("CARGO_MANIFEST_DIR"),
                        "/.."
                    )))
                });
                let state = state_path(cli)?;
                log::info!(
                    "embedded chain: program {}, state {}",
                    so.display(),
                    state.display()
                );
                let lock = lock_state(&state)?;
                let svm = EmbeddedSvm::open(&so, &state).map_err(|e| match e {
                    ClientError::ProgramBinary { .. } => CliError::Client(e),
                    other => CliError::StateUnreadable(other),
                })?;
                (Backend::Embedded(svm), Some(state), Some(lock))
            }
            Some(url) => (
                {
                    crate::output::set_explorer_cluster(&url);
                    log::info!(
                        "JSON-RPC {url}, commitment {:?}",
                        settings.commitment.commitment
                    );
                    Backend::Rpc(RpcTransport::new(url, settings.commitment))
                },
                None,
                None,
            ),
        };
        let options = SendOptions {
            // A simulated CU limit would differ between the signing and the
            // submitting run of an offline flow: only when online.
            compute_unit_limit: !offline,
            priority_fee_micro_lamports: cli.with_compute_unit_price,
            attempts: if offline { 1 } else { 3 },
        };
        Ok(Self {
            client: EscrowClient::new(backend).with_options(options),
            signers,
            sign_only: cli.sign_only,
            dry_run: cli.dry_run,
            skip_checks: cli.skip_checks,
            blockhash,
            nonce: cli.nonce.map(|n| (n, cli.nonce_authority.clone())),
            state_path,
            _state_lock: state_lock,
        })
    }

    pub fn backend(&self) -> &Backend {
        self.client.transport()
    }

    /// The embedded SVM, or an error naming the flag to use.
    pub fn embedded(&self, what: &str) -> Result<&EmbeddedSvm, CliError> {
        match self.backend() {
            Backend::Embedded(svm) => Ok(svm),
            Backend::Rpc(_) => Err(CliError::Input(format!(
                "{what} works on the embedded chain only: add `-u embedded`"
            ))),
        }
    }

    /// An offline flow (`--sign-only`, submitting with `--blockhash`, or a
    /// durable `--nonce`): the exact instructions, signed once.
    pub fn offline(&self) -> bool {
        self.blockhash.is_some() || self.nonce.is_some()
    }

    /// See [`Signers::signer`].
    pub fn signer(&self, source: Option<&str>, role: &str) -> Result<Box<dyn Signer>, CliError> {
        self.signers.signer(source, role)
    }

    /// The fee payer (`--fee-payer`, else `-k`).
    pub fn fee_payer(&self) -> Result<Box<dyn Signer>, CliError> {
        self.signers.fee_payer()
    }

    /// `--sign-only`: commands sign and print instead of sending.
    pub fn sign_only(&self) -> bool {
        self.sign_only
    }

    /// `--dry-run`: commands simulate instead of sending.
    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    /// `--skip-checks`: send without the client's preflight checks.
    pub fn skip_checks(&self) -> bool {
        self.skip_checks
    }

    /// Sends `instructions` signed by the fee payer and `signers`, or in
    /// `--sign-only` mode signs the exact message with the given
    /// `--blockhash` and returns the signatures without sending.
    pub async fn submit(
        &self,
        mut instructions: Vec<Instruction>,
        mut signers: Vec<Box<dyn Signer>>,
    ) -> Result<Submitted, CliError> {
        // Durable nonce: advance it first; sign with its stored nonce.
        let mut blockhash = self.blockhash;
        let mut advance = None;
        if let Some((nonce, authority)) = &self.nonce {
            let authority = self.signer(authority.as_deref(), "nonce-authority")?;
            let stored = self.nonce_value(nonce).await?;
            if let Some(given) = blockhash.filter(|b| *b != stored.0) {
                return Err(CliError::Input(format!(
                    "--blockhash: {given} is not the nonce stored in {nonce} ({}); sign with \
                     --blockhash {} (`agent-escrow nonce show {nonce}`)",
                    stored.0, stored.0
                )));
            }
            if stored.1 != authority.pubkey() {
                return Err(CliError::Input(format!(
                    "--nonce-authority: {} is not the authority of nonce account {nonce} ({})",
                    authority.pubkey(),
                    stored.1
                )));
            }
            blockhash = Some(stored.0);
            advance = Some(solana_system_interface::instruction::advance_nonce_account(
                nonce,
                &authority.pubkey(),
            ));
            signers.push(authority);
        }
        if let (Some(advance), true) = (&advance, self.dry_run) {
            instructions.insert(0, advance.clone());
        }
        let payer = self.fee_payer()?;
        let mut all: Vec<&dyn Signer> = vec![payer.as_ref()];
        for signer in &signers {
            if !all.iter().any(|s| s.pubkey() == signer.pubkey()) {
                all.push(signer.as_ref());
            }
        }
        if self.dry_run {
            let blockhash = match self.blockhash {
                Some(hash) => hash,
                None => self.client.transport().latest_blockhash().await?,
            };
            let mut tx = Transaction::new_with_payer(&instructions, Some(&payer.pubkey()));
            tx.message.recent_blockhash = blockhash;
            let simulation = self.client.transport().simulate_transaction(&tx).await?;
            log::info!(
                "simulated: {} compute units, error {:?}",
                simulation.compute_units,
                simulation.error
            );
            if let Some(err) = simulation.err {
                return Err(ClientError::from_transaction(err, simulation.logs)
                    .with_instructions(&instructions)
                    .into());
            }
            return Ok(Submitted::Simulated {
                compute_units: simulation.compute_units,
                events: agent_escrow_client::events::parse_events(&simulation.logs),
            });
        }
        let Some(blockhash) = blockhash else {
            let (first, rest) = all.split_first().expect("payer is present");
            log::info!(
                "sending {} instruction(s) on {}, fee payer {}",
                instructions.len(),
                self.backend().describe(),
                first.pubkey()
            );
            let spinner = self.spinner("Sending transaction and waiting for confirmation");
            let sent = self.client.send(&instructions, *first, rest).await;
            if let Some(spinner) = spinner {
                spinner.finish_and_clear();
            }
            let sent = sent?;
            log::info!(
                "confirmed {} ({} compute units, {} event(s))",
                sent.signature,
                sent.compute_units,
                sent.events.len()
            );
            return Ok(Submitted::Sent(sent));
        };
        let mut instructions = self
            .client
            .with_compute_budget(&instructions, &payer.pubkey())
            .await?;
        if let Some(advance) = advance {
            // A nonce transaction's first instruction advances the nonce.
            instructions.insert(0, advance);
        }
        let mut tx = Transaction::new_with_payer(&instructions, Some(&payer.pubkey()));
        if self.sign_only {
            tx.try_partial_sign(&all, blockhash)
                .map_err(|e| ClientError::Signing(e.to_string()))?;
            let keys =
                &tx.message.account_keys[..usize::from(tx.message.header.num_required_signatures)];
            let (mut present, mut absent) = (Vec::new(), Vec::new());
            for (key, signature) in keys.iter().zip(&tx.signatures) {
                if *signature == Signature::default() {
                    absent.push(*key);
                } else {
                    present.push((*key, *signature));
                }
            }
            return Ok(Submitted::SignedOffline {
                blockhash,
                present,
                absent,
            });
        }
        tx.try_sign(&all, blockhash)
            .map_err(|e| ClientError::Signing(e.to_string()))?;
        let sent = self.client.transport().send_transaction(tx).await;
        Ok(Submitted::Sent(
            sent.map_err(|e| e.with_instructions(&instructions))?,
        ))
    }

    /// The nonce stored in the durable nonce account `nonce` (the
    /// "blockhash" its transactions sign with) and its authority.
    pub async fn nonce_value(&self, nonce: &Pubkey) -> Result<(Hash, Pubkey), CliError> {
        let account = self
            .client
            .transport()
            .get_account(nonce)
            .await?
            .ok_or_else(|| {
                CliError::Input(format!(
                    "--nonce: no account at {nonce}; create one with `agent-escrow nonce create`"
                ))
            })?;
        let data = solana_rpc_client_nonce_utils::data_from_account(&account).map_err(|e| {
            CliError::Input(format!(
                "--nonce: {nonce} is not a durable nonce account: {e}"
            ))
        })?;
        Ok((data.blockhash(), data.authority))
    }

    /// A spinner on stderr while waiting on a cluster (RPC only: the embedded
    /// chain answers at once). indicatif hides it when stderr is not a terminal.
    fn spinner(&self, message: &str) -> Option<indicatif::ProgressBar> {
        matches!(self.backend(), Backend::Rpc(_)).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_message(message.to_string());
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        })
    }

    /// Saves the embedded chain's state if anything changed (no-op on RPC,
    /// in sign-only and in dry-run mode).
    pub fn finish(&self) -> Result<(), CliError> {
        if let (Backend::Embedded(svm), Some(path), false) = (
            self.backend(),
            &self.state_path,
            self.sign_only || self.dry_run,
        ) {
            if svm.is_dirty() {
                svm.save(path).map_err(CliError::State)?;
                log::info!("saved the embedded state to {}", path.display());
            }
        }
        Ok(())
    }
}

fn load_config(path: Option<&str>) -> Result<Option<solana_cli_config::Config>, CliError> {
    match path {
        Some(path) => solana_cli_config::Config::load(path).map(Some).map_err(|e| {
            CliError::Input(format!("--config: cannot read '{path}': {e}. Create it with `solana config set` or drop -C"))
        }),
        None => Ok(solana_cli_config::CONFIG_FILE
            .as_ref()
            .filter(|p| std::path::Path::new(p).exists())
            .and_then(|p| solana_cli_config::Config::load(p).ok())),
    }
}

/// Takes the embedded state file's lock (see
/// [`agent_escrow_client::embedded::StateLock`]), saying on stderr when it
/// waits for another process.
pub fn lock_state(state: &std::path::Path) -> Result<StateLock, CliError> {
    StateLock::acquire(state, |lock| {
        eprintln!(
            "Waiting for {}: another agent-escrow command is using this embedded chain",
            lock.display()
        )
    })
    .map_err(CliError::StateUnreadable)
}

/// The embedded state file (`--embedded-state`, else the default), with
/// symbolic links resolved so that every name of one file takes one lock.
pub fn state_path(cli: &Cli) -> Result<PathBuf, CliError> {
    let path = match &cli.embedded_state {
        Some(path) => path.clone(),
        None => default_state_path()?,
    };
    Ok(std::fs::canonicalize(&path).unwrap_or(path))
}

fn default_state_path() -> Result<PathBuf, CliError> {
    dirs::data_dir()
        .map(|d| d.join("agent-escrow").join("embedded.json"))
        .ok_or_else(|| {
            CliError::Input(
                "no user data directory: pass --embedded-state PATH or set AGENT_ESCROW_STATE"
                    .into(),
            )
        })
}
