//! Command-line surface (clap 3 derive; the Solana CLI utilities that parse
//! signer sources and offline-signing flags are built on clap 3).

use std::path::PathBuf;

use clap::{ArgEnum, Args, Parser, Subcommand};

use crate::parse::{parse_bps_percent, parse_duration, parse_hash, parse_pubkey};

/// Output format, as in the Solana CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ArgEnum)]
pub enum OutputFormat {
    /// Human-readable text.
    Display,
    /// Pretty-printed JSON (one document).
    Json,
    /// JSON on one line.
    JsonCompact,
}

/// Policy-bounded USDC escrows between autonomous agents on Solana.
///
/// Amounts are decimal token units (USDC: "50", "0.25"); durations are like
/// 90s, 30m, 24h, 7d (or 1h30m); SIGNER is any Solana signer source: a
/// keypair file, usb://ledger?key=0/0, prompt://, stdin, or a pubkey with
/// --signer PUBKEY=SIGNATURE.
#[derive(Debug, Parser)]
#[clap(name = "agent-escrow", version, propagate_version = true)]
pub struct Cli {
    /// Configuration file [default: the Solana CLI's ~/.config/solana/cli/config.yml]
    #[clap(short = 'C', long, global = true, value_name = "PATH")]
    pub config: Option<String>,

    /// Cluster: embedded, localhost, devnet, testnet, mainnet-beta (or l/d/t/m), or an RPC URL
    /// [default: the config file's json_rpc_url, else embedded]
    #[clap(
        short = 'u',
        long = "url",
        global = true,
        value_name = "URL_OR_MONIKER",
        env = "AGENT_ESCROW_URL"
    )]
    pub url: Option<String>,

    /// Default signer: pays fees and signs for every role not given explicitly
    /// [default: the config file's keypair_path, else ~/.config/solana/id.json]
    #[clap(short = 'k', long, global = true, value_name = "SIGNER")]
    pub keypair: Option<String>,

    /// Fee payer [default: --keypair]
    #[clap(long, global = true, value_name = "SIGNER")]
    pub fee_payer: Option<String>,

    /// Commitment for reads and confirmations [default: config, else confirmed]
    #[clap(long, global = true, possible_values = ["processed", "confirmed", "finalized"])]
    pub commitment: Option<String>,

    /// Output format
    #[clap(long, global = true, arg_enum, default_value = "display")]
    pub output: OutputFormat,

    /// Program binary for the embedded SVM [default: target/deploy/agent_escrow.so of this checkout]
    #[clap(long, global = true, value_name = "PATH", env = "AGENT_ESCROW_SO")]
    pub program_so: Option<PathBuf>,

    /// State file of the embedded SVM, shared by separate invocations
    /// [default: <user data dir>/agent-escrow/embedded.json]
    #[clap(long, global = true, value_name = "PATH", env = "AGENT_ESCROW_STATE")]
    pub embedded_state: Option<PathBuf>,

    /// Priority fee: compute-unit price in micro-lamports
    #[clap(long, global = true, value_name = "MICRO_LAMPORTS")]
    pub with_compute_unit_price: Option<u64>,

    /// Sign offline: print this signer's PUBKEY=SIGNATURE for the exact
    /// message instead of sending (needs --blockhash)
    #[clap(
        name = "sign_only",
        long = "sign-only",
        global = true,
        requires = "blockhash"
    )]
    pub sign_only: bool,

    /// Simulate instead of sending: print the compute units and the events
    /// the transaction would emit; nothing is signed by a hardware wallet,
    /// sent or saved
    #[clap(long, global = true, conflicts_with = "sign_only")]
    pub dry_run: bool,

    /// Send without the client's own checks (the bounds, states and signer
    /// roles it verifies before any fee is spent); the program still
    /// enforces every rule, and a refused transaction costs its fee
    #[clap(long, global = true)]
    pub skip_checks: bool,

    /// Log to stderr: -v info (RPC calls, signatures, simulations), -vv debug,
    /// -vvv trace [RUST_LOG overrides]
    #[clap(short = 'v', long = "verbose", global = true, parse(from_occurrences))]
    pub verbose: u8,

    /// Durable nonce account: sign with the nonce it stores instead of a
    /// recent blockhash, so the signature has no ~60-90 s blockhash
    /// lifetime (an owner signing on a hardware wallet or on an offline
    /// machine); the transaction advances the nonce as its first
    /// instruction. Create one with `agent-escrow nonce create`
    #[clap(long, global = true, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
    pub nonce: Option<Address>,

    /// Authority of --nonce [default: --keypair]
    #[clap(long, global = true, value_name = "SIGNER", requires = "nonce")]
    pub nonce_authority: Option<String>,

    /// Use this blockhash (offline signing, and submitting presigned transactions)
    #[clap(name = "blockhash", long, global = true, value_name = "BLOCKHASH")]
    pub blockhash: Option<String>,

    /// A signature made offline: PUBKEY=SIGNATURE (repeatable; needs the same --blockhash)
    #[clap(
        name = "signer",
        long = "signer",
        global = true,
        value_name = "PUBKEY=SIGNATURE",
        multiple_occurrences = true,
        requires = "blockhash",
        validator = crate::parse::validate_pubkey_signature
    )]
    pub signers: Vec<String>,

    #[clap(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, inspect and manage policies (owner side)
    #[clap(subcommand)]
    Policy(PolicyCommand),
    /// Create, inspect and settle escrows
    #[clap(subcommand)]
    Escrow(EscrowCommand),
    /// The audit trail of a policy or an escrow, decoded from its events
    History(HistoryArgs),
    /// Test token mints for the embedded chain and localnet
    #[clap(subcommand)]
    Mint(MintCommand),
    /// Manage the embedded chain's saved state
    #[clap(subcommand)]
    Embedded(EmbeddedCommand),
    /// Print a recent blockhash (for --sign-only / --blockhash flows)
    Blockhash,
    /// Durable nonce accounts, for offline signing without a blockhash
    /// lifetime (`--nonce`)
    #[clap(subcommand)]
    Nonce(NonceCommand),
    /// Create keypair files and show public keys (solana-keygen compatible)
    #[clap(subcommand)]
    Keygen(KeygenCommand),
    /// Run the end-to-end M2M scenario on a fresh embedded SVM
    Demo,
    /// Print a shell completion script
    #[clap(after_help = "EXAMPLES:
    agent-escrow completions bash > ~/.local/share/bash-completion/completions/agent-escrow
    agent-escrow completions zsh > ~/.zfunc/_agent-escrow
    agent-escrow completions fish > ~/.config/fish/completions/agent-escrow.fish")]
    Completions {
        /// Shell to generate for
        #[clap(value_name = "SHELL", arg_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum NonceCommand {
    /// Create a durable nonce account (the fee payer funds its rent)
    #[clap(after_help = "EXAMPLES:
    agent-escrow keygen new -o nonce.json
    agent-escrow nonce create nonce.json --authority OWNER_PUBKEY
    agent-escrow nonce show NONCE_PUBKEY

Then an owner signs offline with the nonce as the blockhash, and anyone
submits later (no blockhash lifetime to race):
    agent-escrow escrow approve ESCROW --nonce NONCE_PUBKEY --nonce-authority usb://ledger \\
        --blockhash NONCE_VALUE --fee-payer AGENT_PUBKEY --sign-only -k usb://ledger")]
    Create {
        /// Keypair of the new nonce account's address
        #[clap(value_name = "NONCE_KEYPAIR")]
        nonce_keypair: String,
        /// Who may advance the nonce (sign transactions that use it)
        /// [default: --keypair]
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        authority: Option<Address>,
    },
    /// Show a nonce account: its nonce (the blockhash to sign with) and authority
    #[clap(after_help = "EXAMPLES:
    agent-escrow nonce show NONCE_PUBKEY --output json")]
    Show {
        /// The nonce account
        #[clap(value_name = "NONCE_ACCOUNT", parse(try_from_str = parse_pubkey))]
        account: Address,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeygenCommand {
    /// Write a new keypair file (JSON array of 64 bytes, as solana-keygen)
    New {
        #[clap(short = 'o', long, value_name = "PATH")]
        outfile: PathBuf,
        /// Overwrite an existing file
        #[clap(long)]
        force: bool,
    },
    /// Print the public key of a signer
    Pubkey {
        #[clap(value_name = "SIGNER")]
        signer: Option<String>,
    },
}

/// An account argument holding a pubkey.
pub type Address = agent_escrow_client::anchor_lang::prelude::Pubkey;

#[derive(Debug, Args)]
pub struct Limits {
    /// Largest single escrow (decimal token units)
    #[clap(long, value_name = "AMOUNT")]
    pub per_escrow_max: Option<String>,
    /// Cap on net spend in any 24 h interval
    #[clap(long, value_name = "AMOUNT")]
    pub daily_cap: Option<String>,
    /// Cap on net spend in any 30 day interval
    #[clap(long, value_name = "AMOUNT")]
    pub monthly_cap: Option<String>,
    /// Escrows up to this amount are paid as soon as the proof lands
    #[clap(long, value_name = "AMOUNT")]
    pub instant_max: Option<String>,
    /// Escrows up to this amount are paid after --delay, unless the owner vetoes
    #[clap(long, value_name = "AMOUNT")]
    pub delay_max: Option<String>,
    /// Veto window of the delay tier
    #[clap(long, value_name = "DURATION", parse(try_from_str = parse_duration))]
    pub delay: Option<i64>,
    /// The policy stops accepting escrows this long from now
    #[clap(name = "expires_in", long = "expires-in", value_name = "DURATION", parse(try_from_str = parse_duration))]
    pub expires_in: Option<i64>,
    /// Who resolves disputes (`escrow resolve`); never the agent. The owner
    /// can always resolve too [create default: the owner]
    #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
    pub arbiter: Option<Address>,
    /// A disputed escrow the arbiter leaves unresolved this long can be
    /// refunded by anyone (1h to 90d) [create default: 14d]
    #[clap(long, value_name = "DURATION", parse(try_from_str = parse_duration))]
    pub dispute_timeout: Option<i64>,
    /// A proven escrow still waiting for the owner's approval or for its
    /// dependency this long after the proof can be refunded by anyone
    /// (1h to 90d) [create default: 14d]
    #[clap(long, value_name = "DURATION", parse(try_from_str = parse_duration))]
    pub review_timeout: Option<i64>,
    /// Longest --deadline an escrow may set (1h to 365d) [create default: 30d]
    #[clap(long, value_name = "DURATION", parse(try_from_str = parse_duration))]
    pub max_escrow_duration: Option<i64>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Create a policy for an agent (the owner signs and pays rent)
    Create {
        /// The agent's public key
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        agent: Address,
        /// Token mint the policy pays in (USDC)
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        mint: Address,
        #[clap(flatten)]
        limits: Limits,
        /// Escrows may pay only allowlisted providers (`policy allow`)
        #[clap(long)]
        require_allowlist: bool,
        /// Escrows to providers without an allowlist entry take the approval
        /// tier whatever their amount (new providers: the owner reviews)
        #[clap(long)]
        review_unlisted: bool,
        /// Owner [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        owner: Option<String>,
    },
    /// Print the policy address of an owner, agent and mint (no network)
    Address {
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        owner: Address,
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        agent: Address,
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        mint: Address,
    },
    /// List policies by owner and/or agent (read from the chain)
    #[clap(after_help = "EXAMPLES:
    agent-escrow policy list --owner OWNER_PUBKEY
    agent-escrow policy list --agent AGENT_PUBKEY --output json")]
    List {
        /// Policies of this owner
        #[clap(name = "owner", long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey), required_unless_present = "agent")]
        owner: Option<Address>,
        /// Policies whose current agent key is this
        #[clap(name = "agent", long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        agent: Option<Address>,
    },
    /// Show a policy: limits, tiers, arbiter and timeouts, spend in the
    /// rolling windows with what remains today and this month (and a chart
    /// of the hourly and daily spend buckets the caps see), vault balance
    /// (free + locked), next escrow id
    Show {
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
    },
    /// Change limits, tiers, expiry, arbiter, timeouts or the agent key (owner)
    Update {
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        /// Rotate the agent key
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        agent: Option<Address>,
        #[clap(flatten)]
        limits: Limits,
        /// Never expire
        #[clap(long, conflicts_with = "expires_in")]
        no_expiry: bool,
        /// Require (true) or stop requiring (false) allowlisted providers
        #[clap(long, value_name = "BOOL")]
        require_allowlist: Option<bool>,
        /// Give escrows to providers without an allowlist entry the approval
        /// tier (true) or their amount's tier (false)
        #[clap(long, value_name = "BOOL")]
        review_unlisted: Option<bool>,
        /// Owner [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        owner: Option<String>,
    },
    /// Stop escrow creation (owner, or the agent as a kill switch)
    Pause {
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        /// Owner or agent [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        authority: Option<String>,
    },
    /// Resume a paused policy (owner)
    Resume {
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        /// Owner [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        owner: Option<String>,
    },
    /// Add a provider to the policy's allowlist (owner)
    Allow {
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        #[clap(value_name = "PROVIDER", parse(try_from_str = parse_pubkey))]
        provider: Address,
        /// Owner [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        owner: Option<String>,
    },
    /// Remove a provider from the allowlist (owner)
    Disallow {
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        #[clap(value_name = "PROVIDER", parse(try_from_str = parse_pubkey))]
        provider: Address,
        /// Owner [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        owner: Option<String>,
    },
    /// Deposit tokens into the policy vault (anyone)
    Deposit {
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        #[clap(value_name = "AMOUNT")]
        amount: String,
        /// Source token account [default: the depositor's ATA]
        #[clap(long, value_name = "TOKEN_ACCOUNT", parse(try_from_str = parse_pubkey))]
        from: Option<Address>,
        /// Depositor (authority of the source) [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        depositor: Option<String>,
    },
    /// Withdraw from the policy vault's free balance (owner): amounts locked by
    /// open escrows stay
    Withdraw {
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        #[clap(value_name = "AMOUNT")]
        amount: String,
        /// Destination token account [default: the owner's ATA, created if missing]
        #[clap(long, value_name = "TOKEN_ACCOUNT", parse(try_from_str = parse_pubkey))]
        to: Option<Address>,
        /// Owner [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        owner: Option<String>,
    },
}

/// Where a proof's hash comes from.
#[derive(Debug, Args)]
pub struct ProofSource {
    /// The deliverable: its sha256 is the proof hash
    #[clap(
        name = "file",
        long,
        value_name = "PATH",
        conflicts_with = "hash",
        required_unless_present = "hash"
    )]
    pub file: Option<PathBuf>,
    /// The proof hash itself (64 hex characters)
    #[clap(name = "hash", long, value_name = "HEX", parse(try_from_str = parse_hash))]
    pub hash: Option<[u8; 32]>,
}

#[derive(Debug, Subcommand)]
pub enum EscrowCommand {
    /// Lock budget for a task (the agent signs)
    Create {
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        /// Who is paid on release
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        provider: Address,
        /// Amount to lock (decimal token units)
        #[clap(long, value_name = "AMOUNT")]
        amount: String,
        /// Task specification: its sha256 is the task hash
        #[clap(
            name = "task_file",
            long = "task-file",
            value_name = "PATH",
            conflicts_with = "task_hash",
            required_unless_present = "task_hash"
        )]
        task_file: Option<PathBuf>,
        /// The task hash itself (64 hex characters)
        #[clap(name = "task_hash", long = "task-hash", value_name = "HEX", parse(try_from_str = parse_hash))]
        task_hash: Option<[u8; 32]>,
        /// Proofs are accepted for this long; then the escrow can be refunded
        #[clap(long, value_name = "DURATION", parse(try_from_str = parse_duration))]
        deadline: i64,
        /// Escrow id: an id the policy has never used, within 256 of its next
        /// id (a retry with the same id never creates a second escrow)
        /// [default: the policy's next escrow id]
        #[clap(long, value_name = "U64")]
        escrow_id: Option<u64>,
        /// Key whose ed25519 attestation the proof must carry
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        verifier: Option<Address>,
        /// An open escrow of the same policy that must be released first
        #[clap(long, value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        depends_on: Option<Address>,
        /// Create even if an open escrow of this policy already pays the same
        /// provider the same amount for the same task (by default that escrow
        /// is reported and nothing is created)
        #[clap(long)]
        allow_duplicate: bool,
        /// Agent [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        agent: Option<String>,
    },
    /// Print an escrow's address: from its id (no network), or the open
    /// escrow of the policy for a task, provider and amount (read from the chain)
    #[clap(after_help = "EXAMPLES:
    agent-escrow escrow address POLICY --escrow-id 0
    agent-escrow escrow address POLICY --provider PUBKEY --amount 20 --task-file task.txt

`escrow create` prints the address and id of the escrow it creates. Ids are
never reused, so an escrow's address cannot be derived from its terms; the
second form finds the open (Funded, ProofSubmitted or Disputed) escrow with
these terms, as `escrow create` does before creating one. A settled escrow is
closed: find it with `agent-escrow history --policy POLICY`.")]
    Address {
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        /// The escrow id (`escrow create` prints it)
        #[clap(
            name = "escrow_id",
            long = "escrow-id",
            value_name = "U64",
            required_unless_present = "provider",
            conflicts_with_all = &["provider", "amount", "task_file", "task_hash"]
        )]
        escrow_id: Option<u64>,
        /// The provider of the open escrow to find
        #[clap(
            name = "provider",
            long,
            value_name = "PUBKEY",
            requires = "amount",
            parse(try_from_str = parse_pubkey)
        )]
        provider: Option<Address>,
        /// Its amount (decimal token units)
        #[clap(name = "amount", long, value_name = "AMOUNT", requires = "provider")]
        amount: Option<String>,
        /// Its task specification (hashed with sha256)
        #[clap(
            name = "task_file",
            long = "task-file",
            value_name = "PATH",
            requires = "provider",
            conflicts_with = "task_hash"
        )]
        task_file: Option<PathBuf>,
        /// Its task hash (64 hex characters)
        #[clap(
            name = "task_hash",
            long = "task-hash",
            value_name = "HEX",
            requires = "provider",
            parse(try_from_str = parse_hash)
        )]
        task_hash: Option<[u8; 32]>,
    },
    /// Show an open escrow (a settled escrow is closed: see `history --escrow`)
    Show {
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
    },
    /// List escrow accounts by policy, provider and/or state: the open ones,
    /// and settled ones kept for their dependents
    List {
        #[clap(long, value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Option<Address>,
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        provider: Option<Address>,
        #[clap(long, possible_values = ["funded", "proof-submitted", "released", "refunded", "disputed", "resolved", "cancelled"])]
        state: Option<String>,
    },
    /// Submit the proof of delivery (provider)
    Proof {
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
        #[clap(flatten)]
        proof: ProofSource,
        /// Provider [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        provider: Option<String>,
        /// The verifier's signature over the attestation message (from `escrow attest`)
        #[clap(name = "attestation", long, value_name = "SIGNATURE")]
        attestation: Option<String>,
        /// Sign the attestation with this verifier signer instead
        #[clap(
            long = "verifier-signer",
            value_name = "SIGNER",
            conflicts_with = "attestation"
        )]
        verifier_signer: Option<String>,
    },
    /// Sign a proof's attestation as the escrow's verifier; prints the signature
    Attest {
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
        #[clap(flatten)]
        proof: ProofSource,
        /// Verifier [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        verifier: Option<String>,
    },
    /// Release an approval-tier escrow after proof (owner)
    Approve {
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
        /// Owner [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        owner: Option<String>,
    },
    /// Stop a proven delay-tier escrow before release (owner)
    Veto {
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
        /// Owner [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        owner: Option<String>,
    },
    /// Pay out a delay-tier escrow after its delay (anyone)
    Release {
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
    },
    /// Unlock an escrow's amount back into the policy's free balance (anyone,
    /// once one of the three refund paths is due)
    #[clap(after_help = "REFUND PATHS:
    Funded          after its deadline, with no proof
                    (before: DeadlineNotReached, error 6015)
    ProofSubmitted  waiting for the owner's approval (approval tier) or for an
                    unreleased dependency, the policy's review_timeout after
                    the proof (before, or when it can be released: RefundNotDue,
                    error 6045)
    Disputed        the policy's dispute_timeout after the dispute or veto,
                    if the arbiter has not resolved it (before: RefundNotDue)

No tokens move: the amount stays in the policy vault and becomes free again,
credited back to the spend windows it was charged to. The escrow account is
closed and its rent returned to whoever paid it (unless other escrows depend
on it). `agent-escrow escrow show ESCROW` prints when it becomes refundable.")]
    Refund {
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
    },
    /// Contest a proof before release (agent or owner)
    Dispute {
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
        /// Agent or owner [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        authority: Option<String>,
    },
    /// Settle a dispute: the provider's share is paid, the rest becomes free
    /// again in the policy vault (the policy's arbiter, or its owner)
    Resolve {
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
        /// Provider's share in percent, 0-100 with up to 2 decimals (e.g. 62.5)
        #[clap(long, value_name = "PERCENT", parse(try_from_str = parse_bps_percent))]
        provider_share: u16,
        /// The policy's arbiter or its owner [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        arbiter: Option<String>,
    },
    /// Call off an unproven escrow (agent and provider both sign)
    Cancel {
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
        /// Agent [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        agent: Option<String>,
        /// Provider
        #[clap(long, value_name = "SIGNER")]
        provider: String,
    },
    /// Close a settled escrow that was kept for its dependents, once none is
    /// left; rent back to its payer (anyone). Other escrows close by
    /// themselves when they settle
    Close {
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
    },
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// A policy: every event of every transaction that touched it
    #[clap(name = "policy", long, value_name = "POLICY", parse(try_from_str = parse_pubkey), required_unless_present = "escrow", conflicts_with = "escrow")]
    pub policy: Option<Address>,
    /// An escrow
    #[clap(name = "escrow", long, value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
    pub escrow: Option<Address>,
    /// Most recent transactions to read
    #[clap(long, default_value = "1000")]
    pub limit: usize,
}

#[derive(Debug, Subcommand)]
pub enum MintCommand {
    /// Create a test SPL Token mint (authority: --keypair); prints its address
    Create {
        #[clap(long, default_value = "6")]
        decimals: u8,
        /// Mint address keypair [default: a new random keypair]
        #[clap(long, value_name = "SIGNER")]
        mint_keypair: Option<String>,
    },
    /// Mint test tokens to an owner's ATA (created if missing)
    To {
        #[clap(value_name = "MINT", parse(try_from_str = parse_pubkey))]
        mint: Address,
        #[clap(value_name = "OWNER", parse(try_from_str = parse_pubkey))]
        owner: Address,
        #[clap(value_name = "AMOUNT")]
        amount: String,
    },
    /// Token balance of an owner's ATA (or of a token account)
    Balance {
        #[clap(value_name = "MINT", parse(try_from_str = parse_pubkey))]
        mint: Address,
        #[clap(value_name = "OWNER_OR_TOKEN_ACCOUNT", parse(try_from_str = parse_pubkey))]
        owner: Address,
    },
}

#[derive(Debug, Subcommand)]
pub enum EmbeddedCommand {
    /// Delete the saved state: the next command starts a fresh chain
    Reset,
    /// Give SOL to an address (embedded only)
    Airdrop {
        #[clap(value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        to: Address,
        /// SOL to give
        #[clap(default_value = "10")]
        sol: u64,
    },
    /// Move the embedded chain's clock forward (deadlines, delays)
    Advance {
        #[clap(value_name = "DURATION", parse(try_from_str = parse_duration))]
        duration: i64,
    },
}
