//! `agent-escrow demo`: the seed M2M scenario on the embedded SVM.
//!
//! An owner funds a policy for an agent (per escrow <= 100 USDC, 300 USDC per
//! 24 h; instant release up to 25 USDC, release after a one-hour owner veto
//! window up to 60 USDC, owner approval above); the agent pays a research ->
//! writing -> review pipeline (50, 75, 25 USDC), one task misses its
//! deadline and is refunded, and a 150 USDC escrow is refused by the
//! per-escrow cap. Writing depends on research and review on writing
//! (`depends_on`). Escrows hold no tokens: each locks part of the policy
//! vault (free + locked = vault), and each escrow account is closed when it
//! settles, its rent going back to the agent that paid it (an upstream
//! escrow stays until its dependents settle, then `escrow_close`). Every
//! transaction runs the real program binary.

use std::collections::BTreeMap;

use agent_escrow::instructions::{EscrowCreateArgs, PolicyCreateArgs};
use agent_escrow_client::{
    amount::{format_usdc, USDC_DECIMALS},
    anchor_lang::prelude::Pubkey,
    embedded::EmbeddedSvm,
    events::{EscrowEvent, EventRecord},
    instructions,
    pda::{associated_token_address, escrow_address, policy_address, PROGRAM_ID},
    sha256,
    transport::{Transport, TxOutcome},
    ClientError, EscrowClient, Keypair, Signer,
};
use anchor_spl::token::spl_token;
use serde::Serialize;

use crate::{args::OutputFormat, CliError};

const USDC: u64 = 1_000_000;
const HOUR: i64 = 3_600;

/// One transaction of the scenario, with the policy's funds after it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Step {
    instruction: &'static str,
    description: String,
    signature: String,
    #[serde(serialize_with = "crate::output::ser_u64")]
    compute_units: u64,
    /// Policy vault balance not locked by open escrows, base units.
    #[serde(serialize_with = "crate::output::ser_u64")]
    free_balance: u64,
    /// Base units locked by the policy's open escrows.
    #[serde(serialize_with = "crate::output::ser_u64")]
    locked: u64,
}

/// An event with the instruction that emitted it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct EventEntry {
    instruction: &'static str,
    /// The event as every command prints it (`output::event_json`).
    #[serde(flatten)]
    json: serde_json::Map<String, serde_json::Value>,
    /// The same, for the display output.
    #[serde(skip)]
    event: EventRecord,
}

/// An instruction the program refused, as the scenario expects.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Rejection {
    instruction: &'static str,
    description: String,
    error_code: u32,
    error_name: String,
    message: String,
    details: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Balance {
    party: &'static str,
    token_account: String,
    usdc: String,
    #[serde(serialize_with = "crate::output::ser_u64")]
    base_units: u64,
}

/// The policy vault split into free and locked, base units.
#[derive(Debug, Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Funds {
    #[serde(serialize_with = "crate::output::ser_u64")]
    vault: u64,
    #[serde(serialize_with = "crate::output::ser_u64")]
    free: u64,
    #[serde(serialize_with = "crate::output::ser_u64")]
    locked: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ComputeUnits {
    instruction: &'static str,
    #[serde(serialize_with = "crate::output::ser_u64")]
    compute_units: u64,
}

/// One escrow's rent: paid by the agent at creation, returned when the
/// account closed (at settlement, or by `escrow_close` for an upstream).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Rent {
    escrow: String,
    #[serde(serialize_with = "crate::output::ser_u64")]
    escrow_id: u64,
    task: &'static str,
    #[serde(serialize_with = "crate::output::ser_u64")]
    paid_lamports: u64,
    #[serde(serialize_with = "crate::output::ser_u64")]
    returned_lamports: u64,
    returned_by: Option<&'static str>,
}

/// The whole run, as printed with `--output json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    cluster: String,
    program_id: String,
    mint: String,
    policy: String,
    parties: BTreeMap<&'static str, String>,
    steps: Vec<Step>,
    events: Vec<EventEntry>,
    rejected: Vec<Rejection>,
    balances: Vec<Balance>,
    /// The policy vault at the end: free + locked.
    funds: Funds,
    /// Escrow rent, paid and returned (lamports).
    rent: Vec<Rent>,
    compute_units: Vec<ComputeUnits>,
}

struct Demo {
    client: EscrowClient<EmbeddedSvm>,
    format: OutputFormat,
    owner: Keypair,
    agent: Keypair,
    keeper: Keypair,
    providers: Vec<(&'static str, Keypair)>,
    mint: Keypair,
    report: Report,
}

pub async fn run(svm: EmbeddedSvm, format: OutputFormat) -> Result<(), CliError> {
    let mut demo = Demo::new(svm, format)?;
    demo.play().await?;
    if format != OutputFormat::Display {
        let text = match format {
            OutputFormat::Json => serde_json::to_string_pretty(&demo.report),
            _ => serde_json::to_string(&demo.report),
        }
        .map_err(|e| CliError::Output(e.to_string()))?;
        crate::outln!("{text}");
        Ok(())
    } else {
        demo.print_summary();
        Ok(())
    }
}

impl Demo {
    fn new(svm: EmbeddedSvm, format: OutputFormat) -> Result<Self, CliError> {
        let (owner, agent, mint) = (Keypair::new(), Keypair::new(), Keypair::new());
        let providers = vec![
            ("researcher", Keypair::new()),
            ("writer", Keypair::new()),
            ("reviewer", Keypair::new()),
            ("translator", Keypair::new()),
        ];
        let keeper = Keypair::new();
        let policy = policy_address(&owner.pubkey(), &agent.pubkey(), &mint.pubkey()).0;
        let mut parties = BTreeMap::new();
        parties.insert("owner", owner.pubkey().to_string());
        parties.insert("agent", agent.pubkey().to_string());
        parties.insert("keeper", keeper.pubkey().to_string());
        for (name, key) in &providers {
            parties.insert(*name, key.pubkey().to_string());
        }
        for key in [&owner, &agent, &keeper]
            .into_iter()
            .chain(providers.iter().map(|(_, k)| k))
        {
            svm.airdrop(&key.pubkey(), 10_000_000_000)?;
        }
        Ok(Self {
            report: Report {
                cluster: svm.describe(),
                program_id: PROGRAM_ID.to_string(),
                mint: mint.pubkey().to_string(),
                policy: policy.to_string(),
                parties,
                steps: Vec::new(),
                events: Vec::new(),
                rejected: Vec::new(),
                balances: Vec::new(),
                funds: Funds::default(),
                rent: Vec::new(),
                compute_units: Vec::new(),
            },
            client: EscrowClient::new(svm),
            format,
            owner,
            agent,
            keeper,
            providers,
            mint,
        })
    }

    fn say(&self, text: impl AsRef<str>) {
        if self.format == OutputFormat::Display {
            crate::outln!("{}", text.as_ref());
        }
    }

    fn policy(&self) -> Pubkey {
        policy_address(
            &self.owner.pubkey(),
            &self.agent.pubkey(),
            &self.mint.pubkey(),
        )
        .0
    }

    fn provider(&self, index: usize) -> &Keypair {
        &self.providers[index].1
    }

    /// The policy vault: balance, free and locked.
    async fn funds(&self) -> Result<Funds, CliError> {
        let policy = self.client.policy(&self.policy()).await?;
        let vault = self.client.token_balance(&policy.vault).await?;
        Ok(Funds {
            vault,
            free: vault.saturating_sub(policy.locked),
            locked: policy.locked,
        })
    }

    /// Records a confirmed transaction: step, events, compute units, and
    /// the rent returned by a settlement or a close.
    async fn record(
        &mut self,
        instruction: &'static str,
        description: String,
        out: TxOutcome,
    ) -> Result<(), CliError> {
        let funds = self.funds().await?;
        self.say(format!(
            "  {:<22} {:>6} CU  {}  [free {}, locked {}]",
            instruction,
            out.compute_units,
            description,
            format_usdc(funds.free),
            format_usdc(funds.locked)
        ));
        for event in &out.events {
            let record = event.record();
            let returned = match event {
                EscrowEvent::EscrowClosed(e) => Some(e.lamports),
                _ => record
                    .fields
                    .get("rentReturned")
                    .and_then(|r| r.parse().ok()),
            };
            if let (Some(lamports), Some(escrow)) = (returned.filter(|l| *l > 0), &record.escrow) {
                if let Some(rent) = self.report.rent.iter_mut().find(|r| r.escrow == *escrow) {
                    rent.returned_lamports += lamports;
                    rent.returned_by = Some(instruction);
                }
            }
            self.report.events.push(EventEntry {
                instruction,
                json: crate::output::event_json(event, Some(USDC_DECIMALS))
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
                event: record,
            });
        }
        self.report.compute_units.push(ComputeUnits {
            instruction,
            compute_units: out.compute_units,
        });
        self.report.steps.push(Step {
            instruction,
            description,
            signature: out.signature.to_string(),
            compute_units: out.compute_units,
            free_balance: funds.free,
            locked: funds.locked,
        });
        Ok(())
    }

    async fn play(&mut self) -> Result<(), CliError> {
        let owner_pk = self.owner.pubkey();
        let mint_pk = self.mint.pubkey();
        let policy = self.policy();
        self.say(format!(
            "agent-escrow demo on the {} SVM (program {PROGRAM_ID})\n\n\
             Steps (compute units per transaction; the policy vault's free and locked USDC after each)",
            self.report.cluster
        ));

        // Set-up: a 6-decimal test USDC; the owner holds 1,000.
        self.client
            .create_mint(&self.owner, &self.mint, &owner_pk, USDC_DECIMALS)
            .await?;
        let owner_ata = self
            .client
            .create_ata(&self.owner, &owner_pk, &mint_pk)
            .await?;
        self.client
            .mint_to(&self.owner, &mint_pk, &self.owner, &owner_ata, 1_000 * USDC)
            .await?;
        for (_, key) in &self.providers {
            self.client
                .create_ata(&self.owner, &key.pubkey(), &mint_pk)
                .await?;
        }

        let limits = PolicyCreateArgs {
            agent: self.agent.pubkey(),
            per_escrow_max: 100 * USDC,
            daily_cap: 300 * USDC,
            monthly_cap: 1_000 * USDC,
            instant_max: 25 * USDC,
            delay_max: 60 * USDC,
            delay_seconds: HOUR,
            expires_at: 0,
            require_allowlist: false,
            review_unlisted: false,
            arbiter: None,
            dispute_timeout: None,
            review_timeout: None,
            max_escrow_duration: None,
        };
        let ix = instructions::policy_create(&owner_pk, &mint_pk, &spl_token::ID, limits);
        let out = self.client.send(&[ix], &self.owner, &[]).await?;
        self.record(
            "policy_create",
            "owner: per escrow <= 100, 300 per 24 h; instant <= 25, 1 h veto window <= 60, approval above; arbiter: the owner".into(),
            out,
        )
        .await?;

        let ix = instructions::policy_deposit(
            &policy,
            &mint_pk,
            &spl_token::ID,
            &owner_pk,
            &owner_ata,
            500 * USDC,
        );
        let out = self.client.send(&[ix], &self.owner, &[]).await?;
        self.record(
            "policy_deposit",
            "owner deposits 500 USDC into the policy vault".into(),
            out,
        )
        .await?;

        // The agent commits the whole pipeline: writing depends on research,
        // review on writing. Each escrow locks part of the vault.
        let research = self
            .create_escrow(
                "research",
                0,
                50 * USDC,
                "research: survey agent payment protocols",
                24 * HOUR,
                None,
            )
            .await?;
        let writing = self
            .create_escrow(
                "writing",
                1,
                75 * USDC,
                "writing: article from the research report",
                24 * HOUR,
                Some(research),
            )
            .await?;
        let review = self
            .create_escrow(
                "review",
                2,
                25 * USDC,
                "review: fact-check the article",
                24 * HOUR,
                Some(writing),
            )
            .await?;

        // Research (50 USDC, delay tier): paid by a keeper after the veto window.
        self.submit_proof(&research, 0, "research report v1")
            .await?;
        self.client.transport().advance_clock(HOUR);
        self.say("  (clock +1 h: the owner's veto window for the research payment has passed)");
        let keys = self.client.escrow_accounts(&research).await?;
        let out = self
            .client
            .send(
                &[instructions::escrow_release(&self.keeper.pubkey(), &keys)],
                &self.keeper,
                &[],
            )
            .await?;
        self.record(
            "escrow_release",
            "keeper releases 50 USDC to the researcher (account kept: writing depends on it)"
                .into(),
            out,
        )
        .await?;

        // Writing (75 USDC, approval tier): the owner approves.
        self.submit_proof(&writing, 1, "article draft v3").await?;
        let keys = self.client.escrow_accounts(&writing).await?;
        let out = self
            .client
            .send(
                &[instructions::escrow_approve(&owner_pk, &keys)],
                &self.owner,
                &[],
            )
            .await?;
        self.record(
            "escrow_approve",
            "owner approves 75 USDC to the writer (account kept: review depends on it)".into(),
            out,
        )
        .await?;
        self.close(&research, "research (its dependent, writing, has settled)")
            .await?;

        // Review (25 USDC, instant tier): paid inside escrow_submit_proof.
        self.submit_proof(&review, 2, "review notes").await?;
        self.close(&writing, "writing (its dependent, review, has settled)")
            .await?;

        // Translation (40 USDC): never delivered; refunded after its deadline.
        let translation = self
            .create_escrow(
                "translation",
                3,
                40 * USDC,
                "translation: article to French",
                2 * HOUR,
                None,
            )
            .await?;
        self.client.transport().advance_clock(2 * HOUR);
        self.say("  (clock +2 h: the translation deadline has passed without a proof)");
        let keys = self.client.escrow_accounts(&translation).await?;
        let ix = instructions::escrow_refund(&self.keeper.pubkey(), &keys);
        let out = self.client.send(&[ix], &self.keeper, &[]).await?;
        self.record(
            "escrow_refund",
            "keeper refunds 40 USDC: free again in the policy vault, rent back to the agent".into(),
            out,
        )
        .await?;

        // Over the per-escrow cap: refused, nothing created.
        match self
            .create_escrow(
                "oversized research",
                0,
                150 * USDC,
                "research: a second, larger survey",
                24 * HOUR,
                None,
            )
            .await
        {
            Err(CliError::Client(ClientError::Program(failure))) => {
                self.say(format!(
                    "  {:<22} {:>6}     rejected: {failure}",
                    "escrow_create", "-"
                ));
                self.report.rejected.push(Rejection {
                    instruction: "escrow_create",
                    description: "agent tries to lock 150 USDC for the researcher".into(),
                    error_code: failure.code,
                    error_name: failure.name,
                    message: failure.message,
                    details: failure.details,
                });
            }
            Err(other) => return Err(other),
            Ok(_) => {
                return Err(CliError::Output(
                    "the 150 USDC escrow was accepted; the per-escrow cap failed".into(),
                ))
            }
        }

        // Final balances.
        let funds = self.funds().await?;
        let vault = self.client.policy(&policy).await?.vault;
        let mut accounts = vec![("owner", owner_ata), ("policy vault", vault)];
        for (name, key) in &self.providers {
            accounts.push((
                *name,
                associated_token_address(&key.pubkey(), &mint_pk, &spl_token::ID),
            ));
        }
        for (party, account) in accounts {
            let base_units = self.client.token_balance(&account).await?;
            self.report.balances.push(Balance {
                party,
                token_account: account.to_string(),
                usdc: format_usdc(base_units),
                base_units,
            });
        }
        self.report.funds = funds;
        Ok(())
    }

    /// The agent locks `amount` for `provider` under the policy's next
    /// escrow id; the agent pays the escrow account's rent.
    async fn create_escrow(
        &mut self,
        task_name: &'static str,
        provider: usize,
        amount: u64,
        task: &str,
        deadline_in: i64,
        depends_on: Option<Pubkey>,
    ) -> Result<Pubkey, CliError> {
        let policy = self.policy();
        let now = self.client.transport().unix_timestamp().await?;
        let id = self.client.next_escrow_id(&policy).await?;
        let address = escrow_address(&policy, id).0;
        let args = EscrowCreateArgs {
            escrow_id: id,
            bump: 0,
            provider: self.provider(provider).pubkey(),
            amount,
            task_hash: sha256(task.as_bytes()),
            deadline: now + deadline_in,
            verifier: None,
            depends_on,
        };
        match self
            .client
            .escrow_create(&self.agent, &self.agent, &policy, args)
            .await?
        {
            agent_escrow_client::CreateOutcome::Created(out) => {
                let paid_lamports = self
                    .client
                    .transport()
                    .get_account(&address)
                    .await?
                    .map(|a| a.lamports)
                    .unwrap_or(0);
                self.report.rent.push(Rent {
                    escrow: address.to_string(),
                    escrow_id: id,
                    task: task_name,
                    paid_lamports,
                    returned_lamports: 0,
                    returned_by: None,
                });
                let after = match depends_on.and_then(|d| self.label(&d.to_string())) {
                    Some(upstream) => format!(", after {upstream}"),
                    None => String::new(),
                };
                let description = format!(
                    "agent locks {} USDC for the {} (escrow #{id}, {task_name}{after})",
                    format_usdc(amount),
                    self.providers[provider].0
                );
                self.record("escrow_create", description, out).await?;
            }
            agent_escrow_client::CreateOutcome::AlreadyExists(_) => {}
        }
        Ok(address)
    }

    /// The provider hashes its deliverable and submits the proof.
    async fn submit_proof(
        &mut self,
        escrow: &Pubkey,
        provider: usize,
        deliverable: &str,
    ) -> Result<[u8; 32], CliError> {
        let proof = sha256(deliverable.as_bytes());
        let keys = self.client.escrow_accounts(escrow).await?;
        let key = self.provider(provider);
        let ix = instructions::escrow_submit_proof(&key.pubkey(), &keys, proof);
        let out = self.client.send(&[ix], key, &[]).await?;
        let paid = out
            .events
            .iter()
            .any(|e| matches!(e, EscrowEvent::EscrowReleased(_)));
        let description = format!(
            "{} submits sha256(\"{deliverable}\"){}",
            self.providers[provider].0,
            if paid {
                " and is paid at once (instant tier); escrow closed, rent back to the agent"
            } else {
                ""
            }
        );
        self.record("escrow_submit_proof", description, out).await?;
        Ok(proof)
    }

    /// A keeper closes a settled upstream escrow once its dependents have
    /// settled; the rent goes back to the agent.
    async fn close(&mut self, escrow: &Pubkey, what: &str) -> Result<(), CliError> {
        let keys = self.client.escrow_accounts(escrow).await?;
        let ix = instructions::escrow_close(&self.keeper.pubkey(), escrow, &keys.rent_payer);
        let out = self.client.send(&[ix], &self.keeper, &[]).await?;
        self.record(
            "escrow_close",
            format!("keeper closes {what}: rent back to the agent"),
            out,
        )
        .await
    }

    /// "#id (task)" for an escrow of the scenario.
    fn label(&self, escrow: &str) -> Option<String> {
        self.report
            .rent
            .iter()
            .find(|r| r.escrow == escrow)
            .map(|r| format!("#{} {}", r.escrow_id, r.task))
    }

    fn print_summary(&self) {
        let names: BTreeMap<String, &str> = self
            .report
            .parties
            .iter()
            .map(|(name, key)| (key.clone(), *name))
            .chain([(self.report.policy.clone(), "policy")])
            .collect();
        let show = |value: &str| {
            names
                .get(value)
                .map(|n| n.to_string())
                .unwrap_or_else(|| value.to_string())
        };
        crate::outln!("\nAudit trail (events decoded from the transaction logs)");
        for entry in &self.report.events {
            let e = &entry.event;
            let mut line = format!("  {:<16}", e.name);
            if let Some(amount) = e.amount {
                line.push_str(&format!(" {:>6} USDC", format_usdc(amount)));
            } else {
                line.push_str(&" ".repeat(12));
            }
            if let Some(escrow) = &e.escrow {
                line.push_str(&format!(
                    "  escrow {}",
                    self.label(escrow).unwrap_or_else(|| escrow.clone())
                ));
            }
            for (key, value) in &e.fields {
                let shown = if agent_escrow_client::events::AMOUNT_FIELDS.contains(&key.as_str()) {
                    value
                        .parse::<u64>()
                        .map(format_usdc)
                        .unwrap_or_else(|_| value.clone())
                } else if SKIPPED_FIELDS.contains(&key.as_str()) {
                    continue;
                } else {
                    show(value)
                };
                line.push_str(&format!("  {key}={shown}"));
            }
            crate::outln!("{line}");
        }
        crate::outln!("\nRejected, as the policy requires");
        for r in &self.report.rejected {
            crate::outln!(
                "  {}: {} (error {}): {}",
                r.instruction,
                r.error_name,
                r.error_code,
                r.message
            );
            for d in &r.details {
                crate::outln!("      program log: {d}");
            }
        }
        crate::outln!("\nFinal balances (USDC)");
        for b in &self.report.balances {
            crate::outln!("  {:<13} {:>10}  {}", b.party, b.usdc, b.token_account);
        }
        let f = &self.report.funds;
        crate::outln!(
            "  policy vault = free {} + locked {}{}",
            format_usdc(f.free),
            format_usdc(f.locked),
            if f.locked == 0 {
                " (no escrow is open)"
            } else {
                ""
            }
        );
        crate::outln!(
            "\nEscrow rent (lamports): paid by the agent, returned when each account closed"
        );
        let (mut paid, mut returned) = (0u64, 0u64);
        for r in &self.report.rent {
            paid += r.paid_lamports;
            returned += r.returned_lamports;
            crate::outln!(
                "  #{} {:<12} paid {:>9}  returned {:>9}  by {}",
                r.escrow_id,
                r.task,
                r.paid_lamports,
                r.returned_lamports,
                r.returned_by.unwrap_or("-")
            );
        }
        crate::outln!("  total        paid {paid:>9}  returned {returned:>9}");
        crate::outln!("\nCompute units per instruction (measured on the SBPF .so)");
        let mut seen: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for c in &self.report.compute_units {
            seen.entry(c.instruction).or_default().push(c.compute_units);
        }
        for (name, cus) in seen {
            let list: Vec<String> = cus.iter().map(|c| c.to_string()).collect();
            crate::outln!("  {:<22} {}", name, list.join(", "));
        }
    }
}

/// Event fields left out of the display output (in the JSON output).
const SKIPPED_FIELDS: &[&str] = &[
    "proofHash",
    "taskHash",
    "deadline",
    "escrowId",
    "mint",
    "expiresAt",
    "disputeTimeout",
    "reviewTimeout",
    "maxEscrowDuration",
];
