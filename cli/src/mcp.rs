//! `agent-escrow mcp`: the CLI's commands as Model Context Protocol tools,
//! served over stdio with the official Rust MCP SDK (`rmcp`).
//!
//! The server signs with the one key given at start (`-k`) for one policy
//! (`--policy`) and offers only what that key may do on it: the policy's
//! agent gets budget status, escrow create / status / list, dispute and
//! history; a provider (any other key) gets escrow status / list (its own
//! escrows), submit proof and history; the owner gets budget status, escrow
//! status / list, approve, veto, resolve, pause and history. An agent's
//! server never offers an owner action.
//!
//! No logic of its own beyond argument mapping: each tool call builds the
//! CLI command it stands for (`args::EscrowCommand::Create`, ...) and runs
//! it exactly as the CLI does, on a fresh [`Context`] (for the embedded
//! chain: under the state file's lock, saved before the result is
//! returned), so every check before sending, every error and the result's
//! JSON shape are the CLI's `--output json`. A failure is an MCP tool
//! error (`isError: true`) whose structured content is the CLI's error
//! document: `{"error": {"name", "code", "message", "field", ...}}`, with
//! `field` named as the tool argument (`amount`, not `--amount`).

use std::sync::Arc;

use agent_escrow_client::{anchor_lang::prelude::Pubkey, Signer};
use clap::{CommandFactory, FromArgMatches};
use rmcp::{
    handler::server::{router::tool::ToolRouter, wrapper::Parameters},
    model::{
        CallToolResult, Implementation, ListResourcesResult, PaginatedRequestParams,
        ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
        ResourceContents, ServerCapabilities, ServerConfig,
    },
    service::RequestContext,
    tool, tool_handler, tool_router, ErrorData as McpError, RoleServer, ServerHandler, ServiceExt,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::{
    args::{Cli, Command, EscrowCommand, HistoryArgs, OffchainArgs, PolicyCommand, ProofSource},
    context::Context,
    parse::{parse_bps_percent, parse_duration, parse_hash, parse_pubkey},
    CliError,
};

/// What the server's key is on its policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    Agent,
    /// Any other key: a provider paid by the policy's escrows.
    Provider,
}

impl Role {
    fn name(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Agent => "agent",
            Self::Provider => "provider",
        }
    }
}

/// Fixed for the server's lifetime.
#[derive(Debug)]
struct Setup {
    /// The global flags the server was started with, as an argument vector
    /// each tool call's [`Context`] is built from.
    argv: Vec<String>,
    policy: Pubkey,
    key: Pubkey,
    role: Role,
}

/// The MCP server: a tool router chosen by role, over the CLI's commands.
#[derive(Clone)]
pub struct EscrowTools {
    tool_router: ToolRouter<Self>,
    setup: Arc<Setup>,
}

// ---- tool arguments (their doc comments are the schemas' descriptions) ----

/// No arguments.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct NoArgs {}

/// An escrow of this server's policy.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct EscrowArg {
    /// The escrow's address (base58), as `escrow_create` or `escrow_list` return it.
    pub escrow: String,
}

/// `escrow_create` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateArgs {
    /// Who is paid on release: the provider's public key (base58). Not the
    /// agent, the owner or the policy.
    pub provider: String,
    /// Amount to lock, in decimal USDC (the policy's mint units): "25",
    /// "0.5"; at most 6 decimals; at least 0.000001; at most the policy's
    /// per-escrow cap and what its rolling 24 h / 30 day caps and free
    /// balance leave (`budget_status`).
    pub amount: String,
    /// The task, in words: its sha256 is the escrow's task hash (give this
    /// or `task_hash`).
    #[serde(default)]
    pub task: Option<String>,
    /// The task hash itself: 64 hexadecimal characters (instead of `task`).
    #[serde(default)]
    pub task_hash: Option<String>,
    /// How long proofs are accepted, with a unit: "90m", "24h", "7d"; at
    /// least 1s and at most the policy's max escrow duration (default 30d).
    pub deadline: String,
    /// An open (or released) escrow of the same policy that must be released
    /// before this one is paid: its address.
    #[serde(default)]
    pub depends_on: Option<String>,
    /// A key whose ed25519 attestation every proof must carry (base58).
    #[serde(default)]
    pub verifier: Option<String>,
}

/// `escrow_list` arguments.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct ListArgs {
    /// Only escrows in this state: funded, proof-submitted, released,
    /// refunded, disputed, resolved or cancelled (settled escrows are closed
    /// and listed only while other escrows depend on them).
    #[serde(default)]
    pub state: Option<String>,
}

/// `escrow_submit_proof` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ProofArgs {
    /// The escrow's address (base58).
    pub escrow: String,
    /// The deliverable's content: its sha256 is the proof hash (give this
    /// or `proof_hash`).
    #[serde(default)]
    pub content: Option<String>,
    /// The proof hash itself: 64 hexadecimal characters (instead of `content`).
    #[serde(default)]
    pub proof_hash: Option<String>,
    /// The verifier's signature over the attestation (base58), when the
    /// escrow names a verifier.
    #[serde(default)]
    pub attestation: Option<String>,
}

/// `escrow_resolve` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ResolveArgs {
    /// The disputed escrow's address (base58).
    pub escrow: String,
    /// The provider's share in percent, 0 to 100 with up to 2 decimals
    /// ("62.5"); the rest becomes free again in the policy vault.
    pub provider_share: String,
}

/// `history` arguments.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct HistoryToolArgs {
    /// One escrow's trail (its address); default: the whole policy's.
    #[serde(default)]
    pub escrow: Option<String>,
    /// How many of the most recent transactions to read (default 1000).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// A tool argument that does not parse: a tool error naming it.
fn bad(field: &str, message: String) -> CallToolResult {
    CallToolResult::structured_error(
        CliError::Input(format!("{field}: {message}"))
            .document()
            .as_object()
            .cloned()
            .map(|mut doc| {
                if let Some(error) = doc.get_mut("error").and_then(Value::as_object_mut) {
                    error.insert("field".into(), field.into());
                }
                Value::Object(doc)
            })
            .unwrap_or(Value::Null),
    )
}

fn pubkey(field: &str, value: &str) -> Result<Pubkey, CallToolResult> {
    parse_pubkey(value).map_err(|e| bad(field, e))
}

fn opt_pubkey(field: &str, value: &Option<String>) -> Result<Option<Pubkey>, CallToolResult> {
    value.as_deref().map(|v| pubkey(field, v)).transpose()
}

/// sha256 of `text`, or the 64-hex `hash`: exactly one of them.
fn hash_of(
    (text_field, text): (&str, &Option<String>),
    (hash_field, hash): (&str, &Option<String>),
) -> Result<[u8; 32], CallToolResult> {
    match (text, hash) {
        (Some(text), None) => Ok(agent_escrow_client::sha256(text.as_bytes())),
        (None, Some(hash)) => parse_hash(hash).map_err(|e| bad(hash_field, e)),
        _ => Err(bad(
            text_field,
            format!("give exactly one of `{text_field}` (hashed with sha256) or `{hash_field}` (64 hex characters)"),
        )),
    }
}

/// The CLI's error document with CLI flags renamed to tool arguments
/// (`--amount` -> `amount`, `--depends-on` -> `depends_on`).
fn tool_error(err: &CliError) -> CallToolResult {
    let mut doc = err.document();
    if let Some(error) = doc.get_mut("error").and_then(Value::as_object_mut) {
        let flag = error
            .get("field")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                error
                    .get("message")
                    .and_then(Value::as_str)
                    .and_then(|m| m.split_once(':'))
                    .map(|(head, _)| head.to_string())
                    .filter(|head| head.starts_with("--"))
            });
        if let Some(flag) = flag.filter(|f| f.starts_with("--")) {
            let field = flag.trim_start_matches("--").replace('-', "_");
            if let Some(message) = error.get("message").and_then(Value::as_str) {
                let message = message.replacen(&flag, &field, 1);
                error.insert("message".into(), message.into());
            }
            error.insert("field".into(), field.into());
        }
    }
    CallToolResult::structured_error(doc)
}

impl EscrowTools {
    /// Runs a CLI command as the CLI does, on a fresh context (its own
    /// thread and single-threaded runtime: contexts hold non-`Send` signer
    /// state), and returns its JSON report or its error document.
    async fn run(&self, command: Command) -> CallToolResult {
        let argv = self.setup.argv.clone();
        let outcome = tokio::task::spawn_blocking(move || -> Result<Value, CliError> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| CliError::Output(format!("cannot start a runtime: {e}")))?;
            runtime.block_on(async move {
                let ctx = context_from(&argv)?;
                let result = crate::commands::run(&ctx, command).await;
                let saved = ctx.finish();
                match (result, saved) {
                    (Ok(report), Ok(())) => Ok(report.json),
                    (Ok(_), Err(e)) | (Err(e), _) => Err(e),
                }
            })
        })
        .await;
        match outcome {
            Ok(Ok(json)) => CallToolResult::structured(json),
            Ok(Err(err)) => tool_error(&err),
            Err(join) => tool_error(&CliError::Output(format!("tool call failed: {join}"))),
        }
    }

    fn escrow(&self, value: &str) -> Result<Pubkey, CallToolResult> {
        pubkey("escrow", value)
    }
}

/// A context from the server's global flags (`blockhash` stands in for the
/// subcommand clap requires; only the global flags are read).
fn context_from(argv: &[String]) -> Result<Context, CliError> {
    let mut argv = argv.to_vec();
    argv.push("blockhash".into());
    let matches = Cli::command()
        .try_get_matches_from(&argv)
        .map_err(|e| CliError::Input(e.to_string()))?;
    let cli = Cli::from_arg_matches(&matches).map_err(|e| CliError::Input(e.to_string()))?;
    Context::new(&cli, matches)
}

macro_rules! try_arg {
    ($e:expr) => {
        match $e {
            Ok(value) => value,
            Err(error) => return error,
        }
    };
}

/// Tools every role has.
#[tool_router(router = common_tools)]
impl EscrowTools {
    /// One escrow of this policy: state, tier, amount (USDC), provider,
    /// deadline, and what happens next (when it can be released or
    /// refunded). A settled escrow is closed: its error says how it ended;
    /// see `history`.
    #[tool(annotations(read_only_hint = true))]
    async fn escrow_status(&self, Parameters(args): Parameters<EscrowArg>) -> CallToolResult {
        let escrow = try_arg!(self.escrow(&args.escrow));
        self.run(Command::Escrow(EscrowCommand::Show { escrow }))
            .await
    }

    /// The policy's open escrows (a provider's server: only its own), with
    /// id, amount, state, tier and deadline.
    #[tool(annotations(read_only_hint = true))]
    async fn escrow_list(&self, Parameters(args): Parameters<ListArgs>) -> CallToolResult {
        const STATES: [&str; 7] = [
            "funded",
            "proof-submitted",
            "released",
            "refunded",
            "disputed",
            "resolved",
            "cancelled",
        ];
        if let Some(state) = args.state.as_deref().filter(|s| !STATES.contains(s)) {
            return bad(
                "state",
                format!(
                    "'{state}' is not a state: give one of {}",
                    STATES.join(", ")
                ),
            );
        }
        let provider = (self.setup.role == Role::Provider).then_some(self.setup.key);
        self.run(Command::Escrow(EscrowCommand::List {
            policy: Some(self.setup.policy),
            provider,
            state: args.state,
        }))
        .await
    }

    /// The audit trail: every event of the policy (or of one escrow), oldest
    /// first, with signatures and times; says when it stopped at `limit`.
    #[tool(annotations(read_only_hint = true))]
    async fn history(&self, Parameters(args): Parameters<HistoryToolArgs>) -> CallToolResult {
        let escrow = try_arg!(opt_pubkey("escrow", &args.escrow));
        self.run(Command::History(HistoryArgs {
            policy: escrow.is_none().then_some(self.setup.policy),
            escrow,
            limit: args.limit.map(|l| l as usize).unwrap_or(1_000),
        }))
        .await
    }
}

/// Tools of the policy's agent and owner.
#[tool_router(router = budget_tools)]
impl EscrowTools {
    /// The policy's budget: vault balance, locked by open escrows, free
    /// balance, spent and remaining in the rolling 24 h and 30 day windows,
    /// the largest escrow possible now, the per-escrow cap, the release
    /// tiers (instant / delay / approval bounds), timeouts, paused, expiry.
    /// Amounts as {amount: base units, decimals, uiAmountString: USDC}.
    #[tool(annotations(read_only_hint = true))]
    async fn budget_status(&self, Parameters(_): Parameters<NoArgs>) -> CallToolResult {
        self.run(Command::Policy(PolicyCommand::Show {
            policy: self.setup.policy,
        }))
        .await
    }
}

/// Tools of the policy's agent.
#[tool_router(router = agent_tools)]
impl EscrowTools {
    /// Lock part of the budget for a task, payable to `provider` on proof
    /// before `deadline`. Its tier (instant, delay, approval) follows from
    /// the amount and the policy. An open escrow with the same provider,
    /// amount and task is returned instead of creating a second one
    /// (`alreadyExisted: true`): calling again is safe. Returns the escrow's
    /// address and id (a string), the events and the policy's balances.
    #[tool]
    async fn escrow_create(&self, Parameters(args): Parameters<CreateArgs>) -> CallToolResult {
        let provider = try_arg!(pubkey("provider", &args.provider));
        let task_hash = try_arg!(hash_of(
            ("task", &args.task),
            ("task_hash", &args.task_hash)
        ));
        let deadline = try_arg!(parse_duration(&args.deadline).map_err(|e| bad("deadline", e)));
        let depends_on = try_arg!(opt_pubkey("depends_on", &args.depends_on));
        let verifier = try_arg!(opt_pubkey("verifier", &args.verifier));
        self.run(Command::Escrow(EscrowCommand::Create {
            policy: self.setup.policy,
            provider,
            amount: args.amount,
            task_file: None,
            task_hash: Some(task_hash),
            deadline,
            escrow_id: None,
            verifier,
            depends_on,
            allow_duplicate: false,
            agent: None,
        }))
        .await
    }

    /// Contest a proven escrow before it is paid: it waits for the policy's
    /// arbiter (never the agent); after the dispute timeout anyone can
    /// refund it.
    #[tool]
    async fn escrow_dispute(&self, Parameters(args): Parameters<EscrowArg>) -> CallToolResult {
        let escrow = try_arg!(self.escrow(&args.escrow));
        self.run(Command::Escrow(EscrowCommand::Dispute {
            escrow,
            authority: None,
        }))
        .await
    }
}

/// Tools of a provider.
#[tool_router(router = provider_tools)]
impl EscrowTools {
    /// Submit the proof of delivery for an escrow that pays this key. An
    /// instant-tier escrow (with its dependency released) is paid at once
    /// (`released: true`); otherwise the result says what it waits for.
    #[tool]
    async fn escrow_submit_proof(&self, Parameters(args): Parameters<ProofArgs>) -> CallToolResult {
        let escrow = try_arg!(self.escrow(&args.escrow));
        let hash = try_arg!(hash_of(
            ("content", &args.content),
            ("proof_hash", &args.proof_hash)
        ));
        self.run(Command::Escrow(EscrowCommand::Proof {
            escrow,
            proof: ProofSource {
                file: None,
                hash: Some(hash),
            },
            provider: None,
            attestation: args.attestation,
            verifier_signer: None,
        }))
        .await
    }
}

/// Tools of the policy's owner.
#[tool_router(router = owner_tools)]
impl EscrowTools {
    /// Approve and pay a proven approval-tier escrow.
    #[tool]
    async fn escrow_approve(&self, Parameters(args): Parameters<EscrowArg>) -> CallToolResult {
        let escrow = try_arg!(self.escrow(&args.escrow));
        self.run(Command::Escrow(EscrowCommand::Approve {
            escrow,
            owner: None,
            offchain: OffchainArgs::default(),
        }))
        .await
    }

    /// Stop a proven delay-tier escrow before its delay ends: it goes to the
    /// arbiter.
    #[tool]
    async fn escrow_veto(&self, Parameters(args): Parameters<EscrowArg>) -> CallToolResult {
        let escrow = try_arg!(self.escrow(&args.escrow));
        self.run(Command::Escrow(EscrowCommand::Veto {
            escrow,
            owner: None,
            offchain: OffchainArgs::default(),
        }))
        .await
    }

    /// Settle a disputed escrow: the provider's share is paid, the rest is
    /// free again in the policy vault.
    #[tool]
    async fn escrow_resolve(&self, Parameters(args): Parameters<ResolveArgs>) -> CallToolResult {
        let escrow = try_arg!(self.escrow(&args.escrow));
        let share =
            try_arg!(parse_bps_percent(&args.provider_share).map_err(|e| bad("provider_share", e)));
        self.run(Command::Escrow(EscrowCommand::Resolve {
            escrow,
            provider_share: share,
            arbiter: None,
        }))
        .await
    }

    /// Pause the policy: no escrow can be created until the owner resumes it
    /// (with the CLI).
    #[tool]
    async fn policy_pause(&self, Parameters(_): Parameters<NoArgs>) -> CallToolResult {
        self.run(Command::Policy(PolicyCommand::Pause {
            policy: self.setup.policy,
            authority: None,
        }))
        .await
    }
}

/// The policy as an MCP resource (the same JSON as `budget_status`).
fn policy_uri(policy: &Pubkey) -> String {
    format!("agent-escrow://policy/{policy}")
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for EscrowTools {
    fn get_info(&self) -> ServerConfig {
        let s = &self.setup;
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new(
            "agent-escrow",
            env!("CARGO_PKG_VERSION"),
        ))
        .with_instructions(format!(
            "USDC escrows on Solana under an owner's policy. This server signs as the {} {} of \
             policy {}; it offers only what that key may do. Amounts are decimal USDC strings \
             (\"25\", \"0.5\"); durations have a unit (\"24h\"); ids and base-unit amounts are \
             strings. Every rule of the policy is checked before anything is sent: a refused \
             call is a tool error naming the argument, the bound and the program error.",
            s.role.name(),
            s.key,
            s.policy
        ))
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, McpError> {
        Ok(ListResourcesResult::with_all_items(vec![Resource::new(
            policy_uri(&self.setup.policy),
            "policy",
        )
        .with_description(
            "The policy this server acts on: limits, tiers, balances and rolling-window spend",
        )
        .with_mime_type("application/json")]))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, McpError> {
        let uri = policy_uri(&self.setup.policy);
        if request.uri != uri {
            return Err(McpError::resource_not_found(
                format!("no resource {}; this server has {uri}", request.uri),
                None,
            ));
        }
        let shown = self
            .run(Command::Policy(PolicyCommand::Show {
                policy: self.setup.policy,
            }))
            .await;
        let text = shown
            .structured_content
            .map(|v| v.to_string())
            .unwrap_or_else(|| json!({ "error": "unavailable" }).to_string());
        Ok(ReadResourceResult::new(vec![ResourceContents::text(text, uri)]).into())
    }
}

/// The global flags of `cli` as an argument vector for [`context_from`].
fn global_argv(cli: &Cli) -> Vec<String> {
    let mut argv = vec!["agent-escrow".to_string()];
    let mut push = |flag: &str, value: Option<String>| {
        if let Some(value) = value {
            argv.push(flag.to_string());
            argv.push(value);
        }
    };
    push("--config", cli.config.clone());
    push("--url", cli.url.clone());
    push("--keypair", cli.keypair.clone());
    push("--fee-payer", cli.fee_payer.clone());
    push("--commitment", cli.commitment.clone());
    push(
        "--program-so",
        cli.program_so.as_ref().map(|p| p.display().to_string()),
    );
    push(
        "--embedded-state",
        cli.embedded_state.as_ref().map(|p| p.display().to_string()),
    );
    push(
        "--with-compute-unit-price",
        cli.with_compute_unit_price.map(|p| p.to_string()),
    );
    argv
}

/// `agent-escrow mcp --policy POLICY [--http ADDR]`: reads the policy, picks
/// the key's role, and serves the tools over stdio until the client closes
/// it, or with `http` over Streamable HTTP at `http://ADDR/mcp` (loopback
/// addresses only: the server signs with the key and has no
/// authentication) until SIGINT or SIGTERM.
pub async fn serve(
    cli: &Cli,
    policy: Pubkey,
    http: Option<std::net::SocketAddr>,
) -> Result<(), CliError> {
    if let Some(addr) = http.filter(|a| !a.ip().is_loopback()) {
        return Err(CliError::Input(format!(
            "--http: {addr} is not a loopback address; the server signs with your key and \
             has no authentication, so it listens on 127.0.0.1 or [::1] only (e.g. --http \
             127.0.0.1:8765)"
        )));
    }
    let argv = global_argv(cli);
    let (key, role) = {
        let ctx = context_from(&argv)?;
        let key = ctx.signer(None, "keypair")?.pubkey();
        let info = crate::commands::policy_info(&ctx, &policy).await?;
        let role = if key == info.policy.owner {
            Role::Owner
        } else if key == info.policy.agent {
            Role::Agent
        } else {
            Role::Provider
        };
        (key, role)
    };
    let tool_router = match role {
        Role::Agent => {
            EscrowTools::common_tools() + EscrowTools::budget_tools() + EscrowTools::agent_tools()
        }
        Role::Provider => EscrowTools::common_tools() + EscrowTools::provider_tools(),
        Role::Owner => {
            EscrowTools::common_tools() + EscrowTools::budget_tools() + EscrowTools::owner_tools()
        }
    };
    log::info!("MCP server for policy {policy}: {} {key}", role.name());
    eprintln!(
        "agent-escrow MCP server: policy {policy}, signing as the {} {key} ({})",
        role.name(),
        http.map(|a| format!("http://{a}/mcp"))
            .unwrap_or_else(|| "stdio".into())
    );
    let server = EscrowTools {
        tool_router,
        setup: Arc::new(Setup {
            argv,
            policy,
            key,
            role,
        }),
    };
    if let Some(addr) = http {
        return serve_http(server, addr).await;
    }
    let service = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| CliError::Output(format!("MCP: cannot start on stdio: {e}")))?;
    service
        .waiting()
        .await
        .map_err(|e| CliError::Output(format!("MCP: {e}")))?;
    Ok(())
}

/// Streamable HTTP at `http://addr/mcp` (rmcp's session-managed service
/// under axum), until SIGINT or SIGTERM. rmcp checks the `Host` header
/// against localhost names (DNS rebinding).
async fn serve_http(server: EscrowTools, addr: std::net::SocketAddr) -> Result<(), CliError> {
    use rmcp::transport::streamable_http_server::{
        session::local::LocalSessionManager, StreamableHttpServerConfig, StreamableHttpService,
    };
    let config = StreamableHttpServerConfig::default();
    let cancel = config.cancellation_token.clone();
    let service: StreamableHttpService<EscrowTools, LocalSessionManager> =
        StreamableHttpService::new(move || Ok(server.clone()), Default::default(), config);
    let router = axum::Router::new().nest_service("/mcp", service);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| CliError::Input(format!("--http: cannot listen on {addr}: {e}")))?;
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .ok();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
            }
            cancel.cancel();
        })
        .await
        .map_err(|e| CliError::Output(format!("MCP over HTTP: {e}")))
}
