//! `agent-escrow demo`: the seed M2M scenario on the embedded SVM.
//!
//! An owner funds a policy for an agent (per escrow <= 100 USDC, 300 USDC per
//! 24 h; instant release up to 25 USDC, release after a one-hour owner veto
//! window up to 60 USDC, owner approval above); the agent pays a research ->
//! writing -> review pipeline (50, 75, 25 USDC), one task misses its
//! deadline and is refunded, and a 150 USDC escrow is refused by the
//! per-escrow cap. Writing depends on research and review on writing
//! (`depends_on`). Every transaction runs the real program binary.

use std::collections::BTreeMap;

use agent_escrow::instructions::{EscrowCreateArgs, PolicyCreateArgs};
use agent_escrow_client::{
    amount::{format_usdc, USDC_DECIMALS},
    embedded::EmbeddedSvm,
    events::{EscrowEvent, EventRecord},
    instructions::{self, EscrowAccounts},
    pda::{
        associated_token_address, escrow_address, policy_address, policy_vault_address, PROGRAM_ID,
    },
    sha256,
    transport::{Transport, TxOutcome},
    ClientError, EscrowClient, Keypair, Signer,
};
use anchor_spl::token::spl_token;
use serde::Serialize;

use crate::{args::OutputFormat, CliError};

const USDC: u64 = 1_000_000;
const HOUR: i64 = 3_600;

/// One transaction of the scenario.
#[derive(Debug, Serialize)]
struct Step {
    instruction: &'static str,
    description: String,
    signature: String,
    compute_units: u64,
}

/// An event with the instruction that emitted it.
#[derive(Debug, Serialize)]
struct EventEntry {
    instruction: &'static str,
    #[serde(flatten)]
    event: EventRecord,
}

/// An instruction the program refused, as the scenario expects.
#[derive(Debug, Serialize)]
struct Rejection {
    instruction: &'static str,
    description: String,
    error_code: u32,
    error_name: String,
    message: String,
    details: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Balance {
    party: &'static str,
    token_account: String,
    usdc: String,
    base_units: u64,
}

#[derive(Debug, Serialize)]
struct ComputeUnits {
    instruction: &'static str,
    compute_units: u64,
}

/// The whole run, as printed with `--output json`.
#[derive(Debug, Serialize)]
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
        println!("{text}");
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
            println!("{}", text.as_ref());
        }
    }

    fn policy(&self) -> agent_escrow_client::anchor_lang::prelude::Pubkey {
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

    /// Records a confirmed transaction: step, events, compute units.
    fn record(&mut self, instruction: &'static str, description: String, out: TxOutcome) {
        self.say(format!(
            "  {:<22} {:>6} CU  {}",
            instruction, out.compute_units, description
        ));
        for event in &out.events {
            self.report.events.push(EventEntry {
                instruction,
                event: event.record(),
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
        });
    }

    async fn play(&mut self) -> Result<(), CliError> {
        let owner_pk = self.owner.pubkey();
        let mint_pk = self.mint.pubkey();
        let policy = self.policy();
        self.say(format!(
            "agent-escrow demo on the {} SVM (program {PROGRAM_ID})\n\nSteps (compute units per transaction)",
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
        };
        let ix = instructions::policy_create(&owner_pk, &mint_pk, &spl_token::ID, limits);
        let out = self.client.send(&[ix], &self.owner, &[]).await?;
        self.record(
            "policy_create",
            "owner: per escrow <= 100, 300 per 24 h; instant <= 25, 1 h veto window <= 60, approval above".into(),
            out,
        );

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
        );

        // Research (50 USDC, delay tier): paid by a keeper after the veto window.
        self.create_escrow(
            1,
            0,
            50 * USDC,
            "research: survey agent payment protocols",
            24 * HOUR,
        )
        .await?;
        let research_proof = self.submit_proof(1, 0, "research report v1").await?;
        self.client.transport().advance_clock(HOUR);
        self.say("  (clock +1 h: the owner's veto window for the research payment has passed)");
        let keys = self.escrow_keys(1, 0);
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
            "keeper releases 50 USDC to the researcher".into(),
            out,
        );

        // Writing (75 USDC, approval tier): the owner approves.
        let writing_task = format!(
            "writing: article from research {}",
            agent_escrow_client::events::hex(&research_proof)
        );
        self.create_escrow(2, 1, 75 * USDC, &writing_task, 24 * HOUR)
            .await?;
        self.submit_proof(2, 1, "article draft v3").await?;
        let keys = self.escrow_keys(2, 1);
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
            "owner approves 75 USDC to the writer".into(),
            out,
        );

        // Review (25 USDC, instant tier): paid inside escrow_submit_proof.
        self.create_escrow(3, 2, 25 * USDC, "review: fact-check the article", 24 * HOUR)
            .await?;
        self.submit_proof(3, 2, "review notes").await?;

        // Translation (40 USDC): never delivered; refunded after its deadline.
        self.create_escrow(4, 3, 40 * USDC, "translation: article to French", 2 * HOUR)
            .await?;
        self.client.transport().advance_clock(2 * HOUR);
        self.say("  (clock +2 h: the translation deadline has passed without a proof)");
        let escrow = escrow_address(&policy, 4).0;
        let ix = instructions::escrow_refund(
            &self.keeper.pubkey(),
            &policy,
            &escrow,
            &mint_pk,
            &spl_token::ID,
        );
        let out = self.client.send(&[ix], &self.keeper, &[]).await?;
        self.record(
            "escrow_refund",
            "keeper refunds 40 USDC to the policy vault".into(),
            out,
        );

        // Over the per-escrow cap: refused, nothing created.
        match self
            .create_escrow(
                5,
                0,
                150 * USDC,
                "research: a second, larger survey",
                24 * HOUR,
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
        let vault = policy_vault_address(&policy).0;
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
        Ok(())
    }

    async fn create_escrow(
        &mut self,
        id: u64,
        provider: usize,
        amount: u64,
        task: &str,
        deadline_in: i64,
    ) -> Result<[u8; 32], CliError> {
        let now = self.client.transport().unix_timestamp().await?;
        let task_hash = sha256(task.as_bytes());
        let args = EscrowCreateArgs {
            escrow_id: id,
            provider: self.provider(provider).pubkey(),
            amount,
            task_hash,
            deadline: now + deadline_in,
            verifier: None,
            arbiter: None,
            depends_on: depends_on(id).map(|upstream| escrow_address(&self.policy(), upstream).0),
        };
        let policy = self.policy();
        match self
            .client
            .escrow_create(&self.agent, &self.agent, &policy, args)
            .await?
        {
            agent_escrow_client::CreateOutcome::Created(out) => {
                let description = format!(
                    "agent locks {} USDC for the {} (escrow #{id}, \"{task}\")",
                    format_usdc(amount),
                    self.providers[provider].0
                );
                self.record("escrow_create", description, out);
            }
            agent_escrow_client::CreateOutcome::AlreadyExists(_) => {}
        }
        Ok(task_hash)
    }

    /// The provider hashes its deliverable and submits the proof.
    async fn submit_proof(
        &mut self,
        id: u64,
        provider: usize,
        deliverable: &str,
    ) -> Result<[u8; 32], CliError> {
        let proof = sha256(deliverable.as_bytes());
        let keys = self.escrow_keys(id, provider);
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
                " and is paid at once (instant tier)"
            } else {
                ""
            }
        );
        self.record("escrow_submit_proof", description, out);
        Ok(proof)
    }

    fn escrow_keys(&self, id: u64, provider: usize) -> EscrowAccounts {
        let policy = self.policy();
        EscrowAccounts {
            policy,
            escrow: escrow_address(&policy, id).0,
            mint: self.mint.pubkey(),
            token_program: spl_token::ID,
            provider_token: associated_token_address(
                &self.provider(provider).pubkey(),
                &self.mint.pubkey(),
                &spl_token::ID,
            ),
            depends_on: depends_on(id).map(|upstream| escrow_address(&policy, upstream).0),
        }
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
        println!("\nAudit trail (events decoded from the transaction logs)");
        for entry in &self.report.events {
            let e = &entry.event;
            let mut line = format!("  {:<16}", e.name);
            if let Some(amount) = e.amount {
                line.push_str(&format!(" {:>6} USDC", format_usdc(amount)));
            } else {
                line.push_str(&" ".repeat(12));
            }
            if let Some(escrow) = &e.escrow {
                let id =
                    (1..=5).find(|id| escrow_address(&self.policy(), *id).0.to_string() == *escrow);
                line.push_str(&format!(
                    "  escrow #{}",
                    id.map(|i| i.to_string()).unwrap_or_else(|| escrow.clone())
                ));
            }
            for (key, value) in &e.fields {
                let shown = if AMOUNT_FIELDS.contains(&key.as_str()) {
                    value
                        .parse::<u64>()
                        .map(format_usdc)
                        .unwrap_or_else(|_| value.clone())
                } else if key == "proof_hash"
                    || key == "deadline"
                    || key == "escrow_id"
                    || key == "mint"
                {
                    continue;
                } else {
                    show(value)
                };
                line.push_str(&format!("  {key}={shown}"));
            }
            println!("{line}");
        }
        println!("\nRejected, as the policy requires");
        for r in &self.report.rejected {
            println!(
                "  {}: {} (error {}): {}",
                r.instruction, r.error_name, r.error_code, r.message
            );
            for d in &r.details {
                println!("      program log: {d}");
            }
        }
        println!("\nFinal balances (USDC)");
        for b in &self.report.balances {
            println!("  {:<13} {:>10}  {}", b.party, b.usdc, b.token_account);
        }
        println!("\nCompute units per instruction (measured on the SBPF .so)");
        let mut seen: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for c in &self.report.compute_units {
            seen.entry(c.instruction).or_default().push(c.compute_units);
        }
        for (name, cus) in seen {
            let list: Vec<String> = cus.iter().map(|c| c.to_string()).collect();
            println!("  {:<22} {}", name, list.join(", "));
        }
    }
}

/// The pipeline: writing (#2) waits for research (#1), review (#3) for writing.
fn depends_on(escrow_id: u64) -> Option<u64> {
    match escrow_id {
        2 => Some(1),
        3 => Some(2),
        _ => None,
    }
}

/// Event fields holding base units, shown as USDC in the display output.
const AMOUNT_FIELDS: &[&str] = &[
    "vault_balance",
    "spent_24h",
    "spent_30d",
    "per_escrow_max",
    "daily_cap",
    "monthly_cap",
    "instant_max",
    "delay_max",
];
