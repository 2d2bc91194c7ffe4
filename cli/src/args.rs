//! Command-line surface (clap 3 derive; the Solana CLI utilities that parse
//! signer sources and offline-signing flags are built on clap 3).
//!
//! Every command's `--help` ends with an `EXAMPLES:` block of invocations
//! that parse as written (once the CAPS placeholders are filled in; the
//! `help_tests` module below checks this), every positional argument is
//! described, and every value states its unit and bounds.

use std::path::PathBuf;

use clap::{ArgEnum, Args, Parser, Subcommand};

use crate::parse::{parse_bps_percent, parse_duration, parse_hash, parse_pubkey, parse_time};

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
#[clap(
    name = "agent-escrow",
    version,
    propagate_version = true,
    after_help = "EXAMPLES:
    agent-escrow demo
    agent-escrow -k owner.json policy create --agent AGENT_PUBKEY --mint MINT \\
        --per-escrow-max 100 --daily-cap 300 --monthly-cap 1000 --instant-max 25
    agent-escrow -k agent.json escrow create POLICY --provider PROVIDER_PUBKEY \\
        --amount 25 --task-file task.txt --deadline 24h
    agent-escrow -k provider.json escrow proof ESCROW --file report.pdf
    agent-escrow -u devnet history --policy POLICY --output json

Every command has its own --help with examples, e.g. `agent-escrow escrow create --help`."
)]
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

    /// Default signer (keypair file, usb://ledger?key=0/0, prompt://, stdin, or
    /// a pubkey with --signer): pays fees and signs for every role not given
    /// explicitly [default: the config file's keypair_path, else ~/.config/solana/id.json]
    #[clap(short = 'k', long, global = true, value_name = "SIGNER")]
    pub keypair: Option<String>,

    /// Fee payer (a signer source, or its pubkey when signing offline) [default: --keypair]
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

    /// Priority fee: compute-unit price in micro-lamports per compute unit
    /// (u64; 1000 = 0.001 lamport per CU) [default: none, no priority fee]
    #[clap(long, global = true, value_name = "MICRO_LAMPORTS")]
    pub with_compute_unit_price: Option<u64>,

    /// Sign offline: print this signer's PUBKEY=SIGNATURE for the exact
    /// message instead of sending (needs --blockhash); with `escrow approve
    /// --offchain` / `escrow veto --offchain`, print the owner's message
    /// signature (no --blockhash: the message has its own expiry)
    #[clap(name = "sign_only", long = "sign-only", global = true)]
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

    /// Durable nonce account (base58 pubkey): sign with the nonce it stores
    /// instead of a recent blockhash, so the signature has no ~60-90 s blockhash
    /// lifetime (an owner signing on a hardware wallet or on an offline
    /// machine); the transaction advances the nonce as its first
    /// instruction. Create one with `agent-escrow nonce create`
    #[clap(long, global = true, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
    pub nonce: Option<Address>,

    /// Authority of --nonce (a signer source) [default: --keypair]
    #[clap(long, global = true, value_name = "SIGNER", requires = "nonce")]
    pub nonce_authority: Option<String>,

    /// Use this blockhash (base58, from `agent-escrow blockhash`, or the nonce
    /// of --nonce from `agent-escrow nonce show`): offline signing, and
    /// submitting presigned transactions
    #[clap(name = "blockhash", long, global = true, value_name = "BLOCKHASH")]
    pub blockhash: Option<String>,

    /// A signature made offline: PUBKEY=SIGNATURE, both base58, as printed by
    /// --sign-only (repeatable; needs the same --blockhash)
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
    #[clap(
        subcommand,
        after_help = "EXAMPLES:
    agent-escrow -k owner.json policy create --agent AGENT_PUBKEY --mint MINT \\
        --per-escrow-max 100 --daily-cap 300 --monthly-cap 1000 --instant-max 25
    agent-escrow policy address --owner OWNER_PUBKEY --agent AGENT_PUBKEY --mint MINT
    agent-escrow -k owner.json policy deposit POLICY 500
    agent-escrow policy show POLICY --output json"
    )]
    Policy(PolicyCommand),
    /// Create, inspect and settle escrows
    #[clap(
        subcommand,
        after_help = "EXAMPLES:
    agent-escrow -k agent.json escrow create POLICY --provider PROVIDER_PUBKEY \\
        --amount 25 --task-file task.txt --deadline 24h
    agent-escrow -k provider.json escrow proof ESCROW --file report.pdf
    agent-escrow -k owner.json escrow approve ESCROW
    agent-escrow escrow list --policy POLICY --output json"
    )]
    Escrow(EscrowCommand),
    /// The audit trail of a policy or an escrow, decoded from its events
    #[clap(after_help = "EXAMPLES:
    agent-escrow history --policy POLICY
    agent-escrow history --escrow ESCROW --output json
    agent-escrow -u devnet history --policy POLICY --limit 5000 --output json-compact

A settled escrow's account is closed, but its history stays: find its
address in the policy's history.")]
    History(HistoryArgs),
    /// Test token mints for the embedded chain and localnet
    #[clap(
        subcommand,
        after_help = "EXAMPLES:
    agent-escrow -k owner.json mint create --mint-keypair usdc.json
    agent-escrow -k owner.json mint to MINT OWNER_PUBKEY 1000
    agent-escrow mint balance MINT PROVIDER_PUBKEY"
    )]
    Mint(MintCommand),
    /// Manage the embedded chain's saved state
    #[clap(
        subcommand,
        after_help = "EXAMPLES:
    agent-escrow embedded airdrop PUBKEY 10
    agent-escrow embedded advance 24h
    agent-escrow embedded reset"
    )]
    Embedded(EmbeddedCommand),
    /// Print a recent blockhash (for --sign-only / --blockhash flows)
    #[clap(after_help = "EXAMPLES:
    agent-escrow blockhash
    agent-escrow -u devnet blockhash --output json

A blockhash expires after ~60-90 s (150 slots): sign and submit within
that time, or sign with a durable nonce instead (`agent-escrow nonce create`).")]
    Blockhash,
    /// Durable nonce accounts, for offline signing without a blockhash
    /// lifetime (`--nonce`)
    #[clap(
        subcommand,
        after_help = "EXAMPLES:
    agent-escrow nonce create nonce.json --authority OWNER_PUBKEY
    agent-escrow nonce show NONCE_PUBKEY --output json"
    )]
    Nonce(NonceCommand),
    /// Check that the program deployed on the cluster is a given .so
    #[clap(
        subcommand,
        after_help = "EXAMPLES:
    make build-sbf && agent-escrow -u mainnet-beta program verify target/deploy/agent_escrow.so
    agent-escrow -u devnet program verify agent_escrow.so --program-id PUBKEY --output json"
    )]
    Program(ProgramCommand),
    /// Create keypair files and show public keys (solana-keygen compatible)
    #[clap(
        subcommand,
        after_help = "EXAMPLES:
    agent-escrow keygen new -o agent.json
    agent-escrow keygen pubkey agent.json"
    )]
    Keygen(KeygenCommand),
    /// Run the end-to-end M2M scenario on a fresh embedded SVM
    #[clap(after_help = "EXAMPLES:
    agent-escrow demo
    agent-escrow demo --output json
    agent-escrow demo --program-so target/deploy/agent_escrow.so

The demo never touches the embedded state file or any cluster.")]
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
    /// Serve this key's actions on one policy as MCP tools over stdio (for
    /// language-model agents; see the README's MCP section)
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k agent.json mcp --policy POLICY
    agent-escrow -u localhost -k provider.json mcp --policy POLICY
    agent-escrow -u embedded --embedded-state chain.json -k owner.json mcp --policy POLICY
    agent-escrow -k agent.json mcp --policy POLICY --http 127.0.0.1:8765

The key given with -k signs every tool call, and picks the tools: the
policy's agent gets budget_status, escrow_create, escrow_status, escrow_list,
escrow_dispute and history; its owner budget_status, escrow_approve,
escrow_veto, escrow_resolve, policy_pause and the read tools; any other key
(a provider) escrow_submit_proof and the read tools. The protocol runs on
stdin/stdout (or at http://ADDR/mcp with --http); messages go to stderr.")]
    Mcp {
        /// The policy the tools act on (its address)
        #[clap(long, value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        /// Serve Streamable HTTP at http://ADDR/mcp instead of stdio, on a
        /// loopback address only (e.g. 127.0.0.1:8765): the server signs with
        /// the key and has no authentication
        #[clap(long, value_name = "ADDR")]
        http: Option<std::net::SocketAddr>,
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
        /// Keypair file (or other signer source) of the new nonce account's
        /// address, e.g. from `agent-escrow keygen new -o nonce.json`
        #[clap(value_name = "NONCE_KEYPAIR")]
        nonce_keypair: String,
        /// Who may advance the nonce (sign transactions that use it), a
        /// base58 pubkey [default: --keypair]
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        authority: Option<Address>,
    },
    /// Show a nonce account: its nonce (the blockhash to sign with) and authority
    #[clap(after_help = "EXAMPLES:
    agent-escrow nonce show NONCE_PUBKEY
    agent-escrow nonce show NONCE_PUBKEY --output json")]
    Show {
        /// The nonce account's address (base58 pubkey, from `nonce create`)
        #[clap(value_name = "NONCE_ACCOUNT", parse(try_from_str = parse_pubkey))]
        account: Address,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProgramCommand {
    /// Compare a local .so with the program deployed at the program id:
    /// SHA-256 of both without trailing zero bytes (the loader pads its
    /// ProgramData account with zeros), the upgrade authority and the last
    /// deploy slot. Exits 1 when they differ.
    #[clap(after_help = "EXAMPLES:
    agent-escrow -u mainnet-beta program verify target/deploy/agent_escrow.so
    agent-escrow -u localhost program verify target/deploy/agent_escrow.so --output json

To check that a deployed program is this source: build the release's
commit in a clean clone (`make build-sbf`: the registry route is
deterministic, see the README's \"Verify the deployed binary\"), then run
this against the cluster.")]
    Verify {
        /// The .so to compare (e.g. target/deploy/agent_escrow.so)
        #[clap(value_name = "SO_FILE")]
        so: PathBuf,
        /// The deployed program's address [default: this program's id]
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        program_id: Option<Address>,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeygenCommand {
    /// Write a new keypair file (JSON array of 64 bytes, as solana-keygen)
    #[clap(after_help = "EXAMPLES:
    agent-escrow keygen new -o agent.json
    agent-escrow keygen new --outfile keys/provider.json --force --output json")]
    New {
        /// Where to write the keypair (mode 0600; missing directories are created)
        #[clap(short = 'o', long, value_name = "PATH")]
        outfile: PathBuf,
        /// Overwrite an existing file
        #[clap(long)]
        force: bool,
    },
    /// Print the public key of a signer
    #[clap(after_help = "EXAMPLES:
    agent-escrow keygen pubkey agent.json
    agent-escrow keygen pubkey usb://ledger?key=0/0
    agent-escrow -k owner.json keygen pubkey")]
    Pubkey {
        /// Signer source: a keypair file, usb://ledger?key=0/0, prompt:// or
        /// stdin [default: --keypair]
        #[clap(name = "keygen_signer", value_name = "SIGNER")]
        signer: Option<String>,
    },
}

/// An account argument holding a pubkey.
pub type Address = agent_escrow_client::anchor_lang::prelude::Pubkey;

#[derive(Debug, Args)]
pub struct Limits {
    /// Largest single escrow, in decimal token units of the mint (USDC: 25 =
    /// 25 000 000 base units; at most the mint's decimals); more than 0 and
    /// at most --daily-cap [required by create]
    #[clap(long, value_name = "AMOUNT")]
    pub per_escrow_max: Option<String>,
    /// Cap on net spend in any 24 h interval, in decimal token units (USDC:
    /// 300 = 300 000 000 base units); at least --per-escrow-max and at most
    /// --monthly-cap [required by create]
    #[clap(long, value_name = "AMOUNT")]
    pub daily_cap: Option<String>,
    /// Cap on net spend in any 30 day interval, in decimal token units (USDC:
    /// 1000 = 1 000 000 000 base units); at least --daily-cap [required by create]
    #[clap(long, value_name = "AMOUNT")]
    pub monthly_cap: Option<String>,
    /// Escrows up to this amount (decimal token units, USDC: 25 = 25 000 000
    /// base units) are paid as soon as the proof lands; at most --delay-max
    /// [create default: 0, no instant tier]
    #[clap(long, value_name = "AMOUNT")]
    pub instant_max: Option<String>,
    /// Escrows up to this amount (decimal token units, USDC: 60 = 60 000 000
    /// base units) are paid after --delay, unless the owner vetoes; larger
    /// ones need the owner's approval; at least --instant-max
    /// [create default: --instant-max, no delay tier]
    #[clap(long, value_name = "AMOUNT")]
    pub delay_max: Option<String>,
    /// Veto window of the delay tier, with a unit: 90s, 30m, 24h, 7d; at most
    /// 30d [create default: 0, no veto window]
    #[clap(long, value_name = "DURATION", parse(try_from_str = parse_duration))]
    pub delay: Option<i64>,
    /// The policy stops accepting escrows this long from now, with a unit:
    /// 90s, 30m, 24h, 7d; 1s to 3650d [create default: never]
    #[clap(name = "expires_in", long = "expires-in", value_name = "DURATION", parse(try_from_str = parse_duration))]
    pub expires_in: Option<i64>,
    /// Who resolves disputes (`escrow resolve`), a base58 pubkey; never the
    /// agent. The owner can always resolve too [create default: the owner]
    #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
    pub arbiter: Option<Address>,
    /// A disputed escrow the arbiter leaves unresolved this long can be
    /// refunded by anyone; with a unit: 36h, 14d; 1h to 90d [create default: 14d]
    #[clap(long, value_name = "DURATION", parse(try_from_str = parse_duration))]
    pub dispute_timeout: Option<i64>,
    /// A proven escrow still waiting for the owner's approval or for its
    /// dependency this long after the proof can be refunded by anyone; with
    /// a unit: 36h, 7d; 1h to 90d [create default: 14d]
    #[clap(long, value_name = "DURATION", parse(try_from_str = parse_duration))]
    pub review_timeout: Option<i64>,
    /// Longest --deadline an escrow may set, with a unit: 24h, 30d; 1h to
    /// 365d [create default: 30d]
    #[clap(long, value_name = "DURATION", parse(try_from_str = parse_duration))]
    pub max_escrow_duration: Option<i64>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Create a policy for an agent (the owner signs and pays rent)
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k owner.json policy create --agent AGENT_PUBKEY --mint MINT \\
        --per-escrow-max 100 --daily-cap 300 --monthly-cap 1000
    agent-escrow -k owner.json policy create --agent AGENT_PUBKEY --mint MINT \\
        --per-escrow-max 100 --daily-cap 300 --monthly-cap 1000 \\
        --instant-max 25 --delay-max 60 --delay 1h --expires-in 90d \\
        --arbiter ARBITER_PUBKEY --dispute-timeout 7d --review-timeout 3d \\
        --max-escrow-duration 30d --review-unlisted --output json
    agent-escrow policy create --agent AGENT_PUBKEY --mint MINT --owner usb://ledger \\
        --per-escrow-max 0.5 --daily-cap 5 --monthly-cap 50 --dry-run

Amounts are decimal token units of MINT (USDC: 100 = 100 000 000 base units)
with 0 < per-escrow max <= daily cap <= monthly cap and instant max <= delay
max: escrows up to --instant-max are paid on proof, up to --delay-max after
--delay unless the owner vetoes, larger ones need `escrow approve`. The
policy's address: `agent-escrow policy address` with the same owner, agent, mint.")]
    Create {
        /// The agent's public key (base58): it creates escrows; never the owner
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        agent: Address,
        /// Token mint the policy pays in (base58 pubkey; USDC, SPL Token or Token-2022)
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
        /// Owner (a signer source) [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        owner: Option<String>,
    },
    /// Print the policy address of an owner, agent and mint (no network)
    #[clap(after_help = "EXAMPLES:
    agent-escrow policy address --owner OWNER_PUBKEY --agent AGENT_PUBKEY --mint MINT
    agent-escrow policy address --owner OWNER_PUBKEY --agent AGENT_PUBKEY --mint MINT \\
        --output json")]
    Address {
        /// The owner's public key (base58)
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        owner: Address,
        /// The agent's public key (base58)
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        agent: Address,
        /// The token mint (base58 pubkey)
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        mint: Address,
    },
    /// List policies by owner and/or agent (read from the chain)
    #[clap(after_help = "EXAMPLES:
    agent-escrow policy list --owner OWNER_PUBKEY
    agent-escrow policy list --agent AGENT_PUBKEY --output json")]
    List {
        /// Policies of this owner (base58 pubkey)
        #[clap(name = "owner", long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey), required_unless_present = "agent")]
        owner: Option<Address>,
        /// Policies whose current agent key is this (base58 pubkey)
        #[clap(name = "agent", long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        agent: Option<Address>,
    },
    /// Show a policy: limits, tiers, arbiter and timeouts, spend in the
    /// rolling windows with what remains today and this month (and a chart
    /// of the hourly and daily spend buckets the caps see), vault balance
    /// (free + locked), next escrow id
    #[clap(after_help = "EXAMPLES:
    agent-escrow policy show POLICY
    agent-escrow policy show POLICY --output json
    agent-escrow -u devnet policy show POLICY --output json-compact")]
    Show {
        /// The policy's address (from `policy create` or `policy address`)
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
    },
    /// Change limits, tiers, expiry, arbiter, timeouts or the agent key (owner)
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k owner.json policy update POLICY --daily-cap 500 --monthly-cap 2000
    agent-escrow -k owner.json policy update POLICY --agent NEW_AGENT_PUBKEY
    agent-escrow -k owner.json policy update POLICY --expires-in 30d --review-timeout 7d
    agent-escrow -k owner.json policy update POLICY --no-expiry --require-allowlist true
    agent-escrow policy update POLICY --instant-max 10 --owner usb://ledger \\
        --nonce NONCE_PUBKEY --nonce-authority usb://ledger --blockhash NONCE_VALUE \\
        --fee-payer AGENT_PUBKEY --sign-only

Only the values given change. Amounts are decimal token units of the
policy's mint (USDC: 25 = 25 000 000 base units); the last example signs
offline with a durable nonce (see `agent-escrow nonce create --help`).")]
    Update {
        /// The policy's address (from `policy create` or `policy address`)
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        /// Rotate the agent key (base58 pubkey; never the owner)
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
        /// Owner (a signer source) [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        owner: Option<String>,
    },
    /// Stop escrow creation (owner, or the agent as a kill switch)
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k owner.json policy pause POLICY
    agent-escrow policy pause POLICY --authority agent.json --output json

Open escrows are not affected; `policy resume` (owner) lifts the pause.")]
    Pause {
        /// The policy's address (from `policy create` or `policy address`)
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        /// Owner or agent (a signer source) [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        authority: Option<String>,
    },
    /// Resume a paused policy (owner)
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k owner.json policy resume POLICY
    agent-escrow policy resume POLICY --owner usb://ledger --fee-payer AGENT_PUBKEY \\
        --sign-only --blockhash BLOCKHASH")]
    Resume {
        /// The policy's address (from `policy create` or `policy address`)
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        /// Owner (a signer source) [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        owner: Option<String>,
    },
    /// Add a provider to the policy's allowlist (owner)
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k owner.json policy allow POLICY PROVIDER_PUBKEY
    agent-escrow policy allow POLICY PROVIDER_PUBKEY --owner usb://ledger --output json")]
    Allow {
        /// The policy's address (from `policy create` or `policy address`)
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        /// The provider's public key (base58): the key escrows pay
        #[clap(value_name = "PROVIDER", parse(try_from_str = parse_pubkey))]
        provider: Address,
        /// Owner (a signer source) [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        owner: Option<String>,
    },
    /// Remove a provider from the allowlist (owner)
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k owner.json policy disallow POLICY PROVIDER_PUBKEY
    agent-escrow policy disallow POLICY PROVIDER_PUBKEY --owner usb://ledger --dry-run")]
    Disallow {
        /// The policy's address (from `policy create` or `policy address`)
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        /// The provider's public key (base58), as given to `policy allow`
        #[clap(value_name = "PROVIDER", parse(try_from_str = parse_pubkey))]
        provider: Address,
        /// Owner (a signer source) [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        owner: Option<String>,
    },
    /// Deposit tokens into the policy vault (anyone)
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k owner.json policy deposit POLICY 500
    agent-escrow policy deposit POLICY 0.5 --from TOKEN_ACCOUNT --depositor treasury.json")]
    Deposit {
        /// The policy's address (from `policy create` or `policy address`)
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        /// Amount in decimal token units of the policy's mint (USDC: 25 =
        /// 25 000 000 base units, 0.5; at most 6 decimals for USDC)
        #[clap(value_name = "AMOUNT")]
        amount: String,
        /// Source token account (base58 pubkey) [default: the depositor's ATA]
        #[clap(long, value_name = "TOKEN_ACCOUNT", parse(try_from_str = parse_pubkey))]
        from: Option<Address>,
        /// Depositor, authority of the source (a signer source) [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        depositor: Option<String>,
    },
    /// Withdraw from the policy vault's free balance (owner): amounts locked by
    /// open escrows stay
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k owner.json policy withdraw POLICY 100
    agent-escrow policy withdraw POLICY 25.5 --to TOKEN_ACCOUNT --owner usb://ledger --dry-run")]
    Withdraw {
        /// The policy's address (from `policy create` or `policy address`)
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        /// Amount in decimal token units of the policy's mint (USDC: 25 =
        /// 25 000 000 base units, 0.5; at most 6 decimals for USDC); at most
        /// the vault's free balance (`policy show`)
        #[clap(value_name = "AMOUNT")]
        amount: String,
        /// Destination token account (base58 pubkey) [default: the owner's
        /// ATA, created if missing]
        #[clap(long, value_name = "TOKEN_ACCOUNT", parse(try_from_str = parse_pubkey))]
        to: Option<Address>,
        /// Owner (a signer source) [default: --keypair]
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
    /// The proof hash itself (sha256, 64 hex characters, optional 0x)
    #[clap(name = "hash", long, value_name = "HEX", parse(try_from_str = parse_hash))]
    pub hash: Option<[u8; 32]>,
}

/// The owner's consent as a signed off-chain message instead of a
/// transaction signature (`escrow approve` / `escrow veto`).
#[derive(Debug, Default, Args)]
pub struct OffchainArgs {
    /// The owner signs a clear-text off-chain message (shown in full on a
    /// Ledger) instead of the transaction; -k (or --fee-payer) submits it
    #[clap(long, conflicts_with = "owner_signature")]
    pub offchain: bool,
    /// How long the signed message stays valid, with a unit: 30m, 2h, 7d
    /// [default: 1h]
    #[clap(
        name = "expires_in",
        long = "expires-in",
        value_name = "DURATION",
        parse(try_from_str = parse_duration),
        requires = "offchain",
        conflicts_with = "expires_at"
    )]
    pub expires_in: Option<i64>,
    /// When the signed message expires: unix seconds or RFC 3339; with
    /// --owner-signature, the --expires-at it was signed with
    #[clap(
        name = "expires_at",
        long = "expires-at",
        value_name = "TIME",
        parse(try_from_str = parse_time)
    )]
    pub expires_at: Option<i64>,
    /// Submit an owner's signature made elsewhere (`--offchain --sign-only`
    /// prints it), base58; needs the same --expires-at
    #[clap(
        name = "owner_signature",
        long = "owner-signature",
        value_name = "SIGNATURE",
        requires = "expires_at"
    )]
    pub owner_signature: Option<String>,
}

impl OffchainArgs {
    /// Whether the owner's consent is an off-chain message.
    pub fn used(&self) -> bool {
        self.offchain || self.owner_signature.is_some()
    }
}

#[derive(Debug, Subcommand)]
pub enum EscrowCommand {
    /// Lock budget for a task (the agent signs)
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k agent.json escrow create POLICY --provider PROVIDER_PUBKEY \\
        --amount 25 --task-file task.txt --deadline 24h
    agent-escrow escrow create POLICY --provider PROVIDER_PUBKEY --amount 0.5 \\
        --task-hash HEX --deadline 90m --verifier VERIFIER_PUBKEY --output json
    agent-escrow escrow create POLICY --provider PROVIDER_PUBKEY --amount 75 \\
        --task-file write.txt --deadline 7d --depends-on UPSTREAM_ESCROW
    agent-escrow escrow create POLICY --provider PROVIDER_PUBKEY --amount 25 \\
        --task-file task.txt --deadline 24h --dry-run

The escrow's address and id are printed. Running the same command again
finds the open escrow with these terms and creates nothing (retry-safe);
--allow-duplicate creates a second one.")]
    Create {
        /// The policy's address (from `policy create` or `policy address`)
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        /// Who is paid on release (base58 pubkey)
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        provider: Address,
        /// Amount to lock, in decimal token units of the policy's mint (USDC: 25
        /// = 25 000 000 base units, 0.5); more than 0, at most the policy's
        /// per-escrow max
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
        /// The task hash itself (sha256, 64 hex characters, optional 0x)
        #[clap(name = "task_hash", long = "task-hash", value_name = "HEX", parse(try_from_str = parse_hash))]
        task_hash: Option<[u8; 32]>,
        /// Proofs are accepted for this long; then the escrow can be refunded.
        /// With a unit: 90m, 24h, 7d; 1s to the policy's max escrow duration
        /// (at most 365d; 30d unless the owner changed it)
        #[clap(long, value_name = "DURATION", parse(try_from_str = parse_duration))]
        deadline: i64,
        /// Escrow id: an id the policy has never used, within 256 of its next
        /// id (a retry with the same id never creates a second escrow)
        /// [default: the policy's next escrow id]
        #[clap(long, value_name = "U64")]
        escrow_id: Option<u64>,
        /// Key whose ed25519 attestation the proof must carry (base58 pubkey)
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        verifier: Option<Address>,
        /// An open escrow of the same policy that must be released first
        /// (its address)
        #[clap(long, value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        depends_on: Option<Address>,
        /// Create even if an open escrow of this policy already pays the same
        /// provider the same amount for the same task (by default that escrow
        /// is reported and nothing is created)
        #[clap(long)]
        allow_duplicate: bool,
        /// Agent (a signer source) [default: --keypair]
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
        /// The policy's address (from `policy create` or `policy address`)
        #[clap(value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Address,
        /// The escrow id, a u64 (`escrow create` prints it)
        #[clap(
            name = "escrow_id",
            long = "escrow-id",
            value_name = "U64",
            required_unless_present = "provider",
            conflicts_with_all = &["provider", "amount", "task_file", "task_hash"]
        )]
        escrow_id: Option<u64>,
        /// The provider of the open escrow to find (base58 pubkey)
        #[clap(
            name = "provider",
            long,
            value_name = "PUBKEY",
            requires = "amount",
            parse(try_from_str = parse_pubkey)
        )]
        provider: Option<Address>,
        /// Its amount, in decimal token units of the policy's mint (USDC: 20 =
        /// 20 000 000 base units)
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
        /// Its task hash (sha256, 64 hex characters, optional 0x)
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
    #[clap(after_help = "EXAMPLES:
    agent-escrow escrow show ESCROW
    agent-escrow escrow show ESCROW --output json")]
    Show {
        /// The escrow's address (from `escrow create` or `escrow list`)
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
    },
    /// List escrow accounts by policy, provider and/or state: the open ones,
    /// and settled ones kept for their dependents
    #[clap(after_help = "EXAMPLES:
    agent-escrow escrow list --policy POLICY
    agent-escrow escrow list --policy POLICY --state funded --output json
    agent-escrow escrow list --provider PROVIDER_PUBKEY --state proof-submitted --output json")]
    List {
        /// Escrows of this policy (its address)
        #[clap(long, value_name = "POLICY", parse(try_from_str = parse_pubkey))]
        policy: Option<Address>,
        /// Escrows that pay this provider (base58 pubkey)
        #[clap(long, value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        provider: Option<Address>,
        /// Escrows in this state
        #[clap(long, possible_values = ["funded", "proof-submitted", "released", "refunded", "disputed", "resolved", "cancelled"])]
        state: Option<String>,
    },
    /// Submit the proof of delivery (provider)
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k provider.json escrow proof ESCROW --file report.pdf
    agent-escrow escrow proof ESCROW --hash HEX --provider provider.json --attestation SIGNATURE
    agent-escrow -k provider.json escrow proof ESCROW --file report.pdf \\
        --verifier-signer verifier.json --output json

An escrow created with --verifier needs the verifier's attestation: from
`escrow attest` (--attestation), or signed here (--verifier-signer).")]
    Proof {
        /// The escrow's address (from `escrow create` or `escrow list`)
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
        #[clap(flatten)]
        proof: ProofSource,
        /// Provider (a signer source) [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        provider: Option<String>,
        /// The verifier's signature over the attestation message (base58, from
        /// `escrow attest`)
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
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k verifier.json escrow attest ESCROW --file report.pdf
    agent-escrow escrow attest ESCROW --hash HEX --verifier usb://ledger --output json

Give the printed signature to the provider: `escrow proof ESCROW --attestation SIGNATURE`.")]
    Attest {
        /// The escrow's address (from `escrow create` or `escrow list`)
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
        #[clap(flatten)]
        proof: ProofSource,
        /// Verifier (a signer source) [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        verifier: Option<String>,
    },
    /// Release an approval-tier escrow after proof (owner)
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k owner.json escrow approve ESCROW
    agent-escrow escrow approve ESCROW --offchain --owner usb://ledger -k agent.json
    agent-escrow escrow approve ESCROW --offchain --owner usb://ledger --expires-in 2h \\
        --sign-only
    agent-escrow -k agent.json escrow approve ESCROW --owner-signature SIGNATURE \\
        --expires-at 2026-12-02T15:00:00Z
    agent-escrow escrow approve ESCROW -k usb://ledger --fee-payer AGENT_PUBKEY \\
        --sign-only --blockhash BLOCKHASH
    agent-escrow escrow approve ESCROW --owner OWNER_PUBKEY \\
        --signer OWNER_PUBKEY=SIGNATURE --blockhash BLOCKHASH -k agent.json

OFF-CHAIN APPROVAL (--offchain): a Ledger shows this program's instructions
only as a hash (blind signing). With --offchain the owner signs instead a
one-line ASCII message that the device shows in clear (signed after the
proof, which it names by its time), e.g.
    agent-escrow: approve release | amount: 75.000000 USDC | to: PROVIDER |
    escrow: ESCROW | policy: POLICY | proof submitted: 2026-12-02T14:41:07Z |
    expires: 2026-12-02T15:00:00Z
and any key (-k, paying the fee) submits it. With --sign-only the signature
is printed instead, with the command that submits it from another machine
(--owner-signature and --expires-at); the message has its own expiry, so
there is no blockhash to race.

The last two sign the transaction itself offline (BLOCKHASH from
`agent-escrow blockhash`) and submit OWNER_PUBKEY=SIGNATURE from the
agent's machine; with --nonce that signature does not expire with the
blockhash (see `agent-escrow nonce create --help`).")]
    Approve {
        /// The escrow's address (from `escrow create` or `escrow list`)
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
        /// Owner (a signer source) [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        owner: Option<String>,
        #[clap(flatten)]
        offchain: OffchainArgs,
    },
    /// Stop a proven delay-tier escrow before release (owner)
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k owner.json escrow veto ESCROW
    agent-escrow escrow veto ESCROW --offchain --owner usb://ledger -k keeper.json
    agent-escrow escrow veto ESCROW --owner usb://ledger --nonce NONCE_PUBKEY \\
        --nonce-authority usb://ledger --blockhash NONCE_VALUE --fee-payer AGENT_PUBKEY \\
        --sign-only

A vetoed escrow is disputed: the arbiter settles it (`escrow resolve`).
--offchain works as for `escrow approve` (see its --help): the owner signs a
clear-text message (`agent-escrow: veto release | ...`) that any key submits.")]
    Veto {
        /// The escrow's address (from `escrow create` or `escrow list`)
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
        /// Owner (a signer source) [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        owner: Option<String>,
        #[clap(flatten)]
        offchain: OffchainArgs,
    },
    /// Pay out a delay-tier escrow after its delay (anyone)
    #[clap(after_help = "EXAMPLES:
    agent-escrow escrow release ESCROW
    agent-escrow -k keeper.json escrow release ESCROW --output json")]
    Release {
        /// The escrow's address (from `escrow create` or `escrow list`)
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
    },
    /// Unlock an escrow's amount back into the policy's free balance (anyone,
    /// once one of the three refund paths is due)
    #[clap(after_help = "EXAMPLES:
    agent-escrow escrow refund ESCROW
    agent-escrow -k keeper.json escrow refund ESCROW --output json

REFUND PATHS:
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
        /// The escrow's address (from `escrow create` or `escrow list`)
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
    },
    /// Contest a proof before release (agent or owner)
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k agent.json escrow dispute ESCROW
    agent-escrow escrow dispute ESCROW --authority owner.json --output json

The arbiter then settles it (`escrow resolve`); if it does not within the
policy's dispute timeout, anyone can refund it (`escrow refund`).")]
    Dispute {
        /// The escrow's address (from `escrow create` or `escrow list`)
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
        /// Agent or owner (a signer source) [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        authority: Option<String>,
    },
    /// Settle a dispute: the provider's share is paid, the rest becomes free
    /// again in the policy vault (the policy's arbiter, or its owner)
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k arbiter.json escrow resolve ESCROW --provider-share 62.5
    agent-escrow escrow resolve ESCROW --provider-share 0 --arbiter usb://ledger --output json
    agent-escrow -k owner.json escrow resolve ESCROW --provider-share 100 --dry-run

--provider-share 62.5 pays the provider 62.5% of the escrow's amount.")]
    Resolve {
        /// The escrow's address (from `escrow create` or `escrow list`)
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
        /// Provider's share in percent, 0-100 with up to 2 decimals (e.g. 62.5)
        #[clap(long, value_name = "PERCENT", parse(try_from_str = parse_bps_percent))]
        provider_share: u16,
        /// The policy's arbiter or its owner (a signer source) [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        arbiter: Option<String>,
    },
    /// Call off an unproven escrow (agent and provider both sign)
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k agent.json escrow cancel ESCROW --provider provider.json
    agent-escrow escrow cancel ESCROW --provider PROVIDER_PUBKEY \\
        --signer PROVIDER_PUBKEY=SIGNATURE --blockhash BLOCKHASH -k agent.json

In the second, the provider signed offline with --sign-only --blockhash BLOCKHASH.")]
    Cancel {
        /// The escrow's address (from `escrow create` or `escrow list`)
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
        /// Agent (a signer source) [default: --keypair]
        #[clap(long, value_name = "SIGNER")]
        agent: Option<String>,
        /// Provider (a signer source, or its pubkey with --signer)
        #[clap(long, value_name = "SIGNER")]
        provider: String,
    },
    /// Close a settled escrow that was kept for its dependents, once none is
    /// left; rent back to its payer (anyone). Other escrows close by
    /// themselves when they settle
    #[clap(after_help = "EXAMPLES:
    agent-escrow escrow close ESCROW
    agent-escrow -k keeper.json escrow close ESCROW --output json")]
    Close {
        /// The escrow's address (from `escrow create` or `escrow list`)
        #[clap(value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
        escrow: Address,
    },
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// A policy (its address): every event of every transaction that touched it
    #[clap(name = "policy", long, value_name = "POLICY", parse(try_from_str = parse_pubkey), required_unless_present = "escrow", conflicts_with = "escrow")]
    pub policy: Option<Address>,
    /// An escrow (its address; settled escrows included)
    #[clap(name = "escrow", long, value_name = "ESCROW", parse(try_from_str = parse_pubkey))]
    pub escrow: Option<Address>,
    /// Count of the most recent transactions to read; older ones are skipped
    /// (and the output says so)
    #[clap(long, default_value = "1000")]
    pub limit: usize,
}

#[derive(Debug, Subcommand)]
pub enum MintCommand {
    /// Create a test SPL Token mint (authority: --keypair); prints its address
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k owner.json mint create
    agent-escrow -k owner.json mint create --mint-keypair usdc.json
    agent-escrow mint create --decimals 9 --output json")]
    Create {
        /// Decimal places of the mint: 0-9 typical (6 for USDC: 1 token =
        /// 1 000 000 base units)
        #[clap(long, default_value = "6")]
        decimals: u8,
        /// Mint address keypair [default: a new random keypair]
        #[clap(long, value_name = "SIGNER")]
        mint_keypair: Option<String>,
    },
    /// Mint test tokens to an owner's ATA (created if missing)
    #[clap(after_help = "EXAMPLES:
    agent-escrow -k owner.json mint to MINT OWNER_PUBKEY 1000
    agent-escrow -k owner.json mint to MINT AGENT_PUBKEY 0.5 --output json")]
    To {
        /// The mint's address (from `mint create`); --keypair must be its authority
        #[clap(value_name = "MINT", parse(try_from_str = parse_pubkey))]
        mint: Address,
        /// Who receives the tokens (base58 pubkey; paid into their ATA)
        #[clap(value_name = "OWNER", parse(try_from_str = parse_pubkey))]
        owner: Address,
        /// Amount in decimal token units of the mint (USDC: 25 = 25 000 000
        /// base units, 0.5; at most the mint's decimals)
        #[clap(value_name = "AMOUNT")]
        amount: String,
    },
    /// Token balance of an owner's ATA (or of a token account)
    #[clap(after_help = "EXAMPLES:
    agent-escrow mint balance MINT PROVIDER_PUBKEY
    agent-escrow mint balance MINT TOKEN_ACCOUNT --output json")]
    Balance {
        /// The mint's address (base58 pubkey)
        #[clap(value_name = "MINT", parse(try_from_str = parse_pubkey))]
        mint: Address,
        /// A wallet (its ATA of MINT is read) or a token account (base58 pubkey)
        #[clap(value_name = "OWNER_OR_TOKEN_ACCOUNT", parse(try_from_str = parse_pubkey))]
        owner: Address,
    },
}

#[derive(Debug, Subcommand)]
pub enum EmbeddedCommand {
    /// Delete the saved state: the next command starts a fresh chain
    #[clap(after_help = "EXAMPLES:
    agent-escrow embedded reset
    agent-escrow embedded reset --embedded-state ./chain.json --output json")]
    Reset,
    /// Give SOL to an address (embedded only)
    #[clap(after_help = "EXAMPLES:
    agent-escrow embedded airdrop PUBKEY
    agent-escrow embedded airdrop PUBKEY 100 --output json")]
    Airdrop {
        /// Who receives the SOL (base58 pubkey)
        #[clap(value_name = "PUBKEY", parse(try_from_str = parse_pubkey))]
        to: Address,
        /// SOL to give, in whole SOL (1 SOL = 1 000 000 000 lamports; at most
        /// 18446744073)
        #[clap(value_name = "SOL", default_value = "10")]
        sol: u64,
    },
    /// Move the embedded chain's clock forward (deadlines, delays)
    #[clap(after_help = "EXAMPLES:
    agent-escrow embedded advance 24h
    agent-escrow embedded advance 1h30m --output json")]
    Advance {
        /// How far, with a unit: 90s, 30m, 24h, 7d (or 1h30m); 1s to 3650d
        #[clap(value_name = "DURATION", parse(try_from_str = parse_duration))]
        duration: i64,
    },
}

#[cfg(test)]
mod help_tests {
    //! Walks the whole command tree: every command has examples that parse,
    //! every positional argument and every option that takes a value is
    //! described.

    use clap::{CommandFactory, Parser};

    use super::Cli;

    /// A valid base58 pubkey, for the pubkey placeholders.
    const PUBKEY: &str = "11111111111111111111111111111111";

    /// Fills in a CAPS placeholder (a run of `A-Z` and `_`) with a value
    /// its argument's parser accepts; other runs are kept.
    fn fill(run: &str) -> String {
        match run {
            "POLICY" | "ESCROW" | "UPSTREAM_ESCROW" | "PUBKEY" | "OWNER_PUBKEY"
            | "AGENT_PUBKEY" | "NEW_AGENT_PUBKEY" | "PROVIDER_PUBKEY" | "ARBITER_PUBKEY"
            | "VERIFIER_PUBKEY" | "NONCE_PUBKEY" | "MINT" | "TOKEN_ACCOUNT" | "BLOCKHASH"
            | "NONCE_VALUE" => PUBKEY.to_string(),
            "HEX" => "ab".repeat(32),
            // 64 zero bytes in base58: a well-formed signature.
            "SIGNATURE" => "1".repeat(64),
            other => other.to_string(),
        }
    }

    fn substitute(token: &str) -> String {
        let mut out = String::new();
        let mut run = String::new();
        for c in token.chars() {
            if c.is_ascii_uppercase() || (c == '_' && !run.is_empty()) {
                run.push(c);
            } else {
                out.push_str(&fill(&std::mem::take(&mut run)));
                out.push(c);
            }
        }
        out.push_str(&fill(&run));
        out
    }

    /// The example invocations of an `after_help`: lines starting with
    /// `    agent-escrow `, joined with their `\` continuation lines, cut
    /// at a shell redirection, pipe or comment.
    fn examples(after_help: &str) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        let mut lines = after_help.lines();
        while let Some(line) = lines.next() {
            if !line.starts_with("    agent-escrow ") {
                continue;
            }
            let mut full = line.trim().to_string();
            while full.ends_with('\\') {
                full.pop();
                let next = lines.next().expect("a continuation line after `\\`");
                full.push(' ');
                full.push_str(next.trim());
            }
            let words = full
                .split_whitespace()
                .take_while(|w| !matches!(*w, ">" | ">>" | "|" | "2>") && !w.starts_with('#'))
                .map(substitute)
                .collect();
            out.push(words);
        }
        out
    }

    /// Every command, with its path of names below the root (root: empty).
    fn commands() -> Vec<(Vec<String>, clap::Command<'static>)> {
        fn go(
            cmd: &clap::Command<'static>,
            path: Vec<String>,
            out: &mut Vec<(Vec<String>, clap::Command<'static>)>,
        ) {
            out.push((path.clone(), cmd.clone()));
            for sub in cmd.get_subcommands() {
                let mut p = path.clone();
                p.push(sub.get_name().to_string());
                go(sub, p, out);
            }
        }
        let mut out = Vec::new();
        go(&Cli::command(), Vec::new(), &mut out);
        out
    }

    /// The subcommand names a parse took, e.g. `["escrow", "create"]`.
    fn parsed_path(matches: &clap::ArgMatches) -> Vec<String> {
        let mut path = Vec::new();
        let mut current = matches;
        while let Some((name, sub)) = current.subcommand() {
            path.push(name.to_string());
            current = sub;
        }
        path
    }

    #[test]
    fn every_command_has_parsing_examples_and_every_value_is_described() {
        let mut failures = Vec::new();
        let all = commands();
        assert!(all.len() > 40, "only {} commands found", all.len());
        for (path, cmd) in &all {
            let name = format!("agent-escrow {}", path.join(" "));
            let name = name.trim_end();
            let leaf = !cmd.has_subcommands();
            // Examples: present, verbatim in --help (no line wrapped at
            // clap's 100 columns), parsing, and running this command.
            let after = cmd.get_after_help().unwrap_or_default();
            if !after.contains("EXAMPLES:") {
                failures.push(format!("{name}: no EXAMPLES: in after_help"));
            }
            for line in after.lines() {
                if line.chars().count() >= 100 {
                    failures.push(format!("{name}: after_help line over 99 columns: {line}"));
                }
            }
            let examples = examples(after);
            if examples.is_empty() {
                failures.push(format!("{name}: no example line `    agent-escrow ...`"));
            }
            let mut runs_this = false;
            for words in &examples {
                match Cli::command().try_get_matches_from(words) {
                    Ok(matches) => {
                        let took = parsed_path(&matches);
                        runs_this |= if leaf {
                            &took == path
                        } else {
                            took.starts_with(path)
                        };
                        // The derive's conversion must accept it as well.
                        if let Err(e) = Cli::try_parse_from(words) {
                            failures.push(format!("{name}: {words:?}: {e}"));
                        }
                    }
                    Err(e) => {
                        failures.push(format!("{name}: example does not parse: {words:?}\n{e}"))
                    }
                }
            }
            if !examples.is_empty() && !runs_this {
                failures.push(format!("{name}: no example runs this command"));
            }
            // Every positional argument and every option taking a value is described.
            for arg in cmd.get_arguments() {
                let described = arg
                    .get_help()
                    .or_else(|| arg.get_long_help())
                    .is_some_and(|h| !h.trim().is_empty());
                if arg.is_positional() && !described {
                    failures.push(format!("{name}: positional {} has no help", arg.get_id()));
                } else if arg.is_takes_value_set() && !described {
                    failures.push(format!("{name}: option --{} has no help", arg.get_id()));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn placeholders_are_filled_and_continuations_joined() {
        let got = examples(
            "EXAMPLES:\n    agent-escrow escrow approve ESCROW \\\n        --signer OWNER_PUBKEY=SIGNATURE --blockhash BLOCKHASH -k owner.json\n    agent-escrow completions bash > out\nnot an example",
        );
        let sig = "1".repeat(64);
        assert_eq!(
            got,
            vec![
                vec![
                    "agent-escrow".to_string(),
                    "escrow".into(),
                    "approve".into(),
                    PUBKEY.into(),
                    "--signer".into(),
                    format!("{PUBKEY}={sig}"),
                    "--blockhash".into(),
                    PUBKEY.into(),
                    "-k".into(),
                    "owner.json".into(),
                ],
                vec![
                    "agent-escrow".to_string(),
                    "completions".into(),
                    "bash".into()
                ],
            ]
        );
        // A bare-number duration is refused, so examples must carry units.
        assert!(Cli::try_parse_from(["agent-escrow", "embedded", "advance", "24"]).is_err());
    }
}
