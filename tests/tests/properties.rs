//! Property tests on the real .so: random sequences of every instruction by
//! every actor (owner, agent, providers, a cranker and an attacker),
//! interleaved with clock jumps from seconds to weeks. After every step:
//!
//! - conservation: the mint's supply is exactly where it should be: owner +
//!   policy vault + escrow vaults + providers (the attacker holds nothing);
//! - no escrow pays out more than its amount, and only in Released/Resolved;
//! - states move only along DESIGN.md's transitions;
//! - a rejected transaction changes no balance and no escrow;
//! - a paused or expired policy creates nothing;
//! - every accepted escrow_create keeps the model's rolling 24 h / 30 day
//!   net spend within the caps, and every DailyCap/MonthlyCap rejection is
//!   one the model also predicts.
//!
//! Cases: `PROPTEST_CASES` (default 24 in `make test`; the long run is
//! `PROPTEST_CASES=2000 cargo test -p agent-escrow-tests --test program properties`).
//! Failing cases are shrunk and kept under `proptest-regressions/`.

use std::collections::BTreeMap;

use agent_escrow::{error::EscrowError, instructions::PolicyCreateArgs, state::EscrowState};
use agent_escrow_client::{instructions, pda::escrow_vault_address, ClientError, Signer};
use agent_escrow_tests::*;
use anchor_lang::prelude::Pubkey;
use proptest::prelude::*;

const IDS: u64 = 6;

#[derive(Debug, Clone)]
enum Who {
    Owner,
    Agent,
    Attacker,
}

#[derive(Debug, Clone)]
enum Action {
    Deposit(u64),
    Withdraw(u64),
    Create {
        id: u64,
        provider: usize,
        amount: u64,
        deadline_in: i64,
    },
    Proof {
        id: u64,
        wrong_provider: bool,
    },
    Release {
        id: u64,
        to_attacker: bool,
    },
    Approve {
        id: u64,
        by: Who,
    },
    Refund {
        id: u64,
    },
    Veto {
        id: u64,
    },
    Dispute {
        id: u64,
        by: Who,
    },
    Resolve {
        id: u64,
        bps: u16,
        by: Who,
    },
    Cancel {
        id: u64,
    },
    Close {
        id: u64,
    },
    Pause {
        by: Who,
    },
    Resume,
    Warp(i64),
}

fn amount() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(25 * USDC),
        Just(25 * USDC + 1),
        Just(60 * USDC),
        Just(60 * USDC + 1),
        Just(100 * USDC),
        Just(100 * USDC + 1),
        Just(u64::MAX),
        1..=100 * USDC,
    ]
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![Just(Who::Owner), Just(Who::Agent), Just(Who::Attacker)]
}

fn action() -> impl Strategy<Value = Action> {
    let id = 0..IDS;
    prop_oneof![
        1 => (1..=200 * USDC).prop_map(Action::Deposit),
        1 => prop_oneof![Just(u64::MAX), 1..=300 * USDC].prop_map(Action::Withdraw),
        6 => (id.clone(), 0..3usize, amount(), prop_oneof![1 => Just(1i64), 1 => Just(3_600), 2 => Just(86_400), 6 => 86_400..2_000_000i64])
            .prop_map(|(id, provider, amount, deadline_in)| Action::Create { id, provider, amount, deadline_in }),
        6 => (id.clone(), prop::bool::weighted(0.15)).prop_map(|(id, wrong_provider)| Action::Proof { id, wrong_provider }),
        3 => (id.clone(), prop::bool::weighted(0.2)).prop_map(|(id, to_attacker)| Action::Release { id, to_attacker }),
        2 => (id.clone(), prop_oneof![3 => Just(Who::Owner), 1 => who()]).prop_map(|(id, by)| Action::Approve { id, by }),
        2 => id.clone().prop_map(|id| Action::Refund { id }),
        1 => id.clone().prop_map(|id| Action::Veto { id }),
        1 => (id.clone(), prop_oneof![3 => Just(Who::Agent), 1 => who()]).prop_map(|(id, by)| Action::Dispute { id, by }),
        2 => (id.clone(), prop_oneof![Just(0u16), Just(10_000), Just(10_001), 0..=10_000u16], prop_oneof![3 => Just(Who::Owner), 1 => who()])
            .prop_map(|(id, bps, by)| Action::Resolve { id, bps, by }),
        1 => id.clone().prop_map(|id| Action::Cancel { id }),
        1 => id.prop_map(|id| Action::Close { id }),
        1 => prop::bool::weighted(0.3).prop_flat_map(|_| who()).prop_map(|by| Action::Pause { by }),
        1 => Just(Action::Resume),
        4 => prop_oneof![Just(1i64), Just(59), Just(3_599), Just(3_600), Just(86_400), Just(7 * 86_400), 1..100_000i64, 1..2_000_000i64]
            .prop_map(Action::Warp),
    ]
}

/// What the model remembers of one escrow incarnation.
#[derive(Debug, Clone)]
struct Tracked {
    amount: u64,
    provider: usize,
    paid: u64,
}

/// Accepted/rejected counts per action kind (printed with AE_PROP_STATS=1).
static STATS: std::sync::Mutex<BTreeMap<&'static str, (u32, u32)>> =
    std::sync::Mutex::new(BTreeMap::new());

fn kind(action: &Action) -> &'static str {
    match action {
        Action::Deposit(_) => "deposit",
        Action::Withdraw(_) => "withdraw",
        Action::Create { .. } => "create",
        Action::Proof { .. } => "proof",
        Action::Release { .. } => "release",
        Action::Approve { .. } => "approve",
        Action::Refund { .. } => "refund",
        Action::Veto { .. } => "veto",
        Action::Dispute { .. } => "dispute",
        Action::Resolve { .. } => "resolve",
        Action::Cancel { .. } => "cancel",
        Action::Close { .. } => "close",
        Action::Pause { .. } => "pause",
        Action::Resume => "resume",
        Action::Warp(_) => "warp",
    }
}

/// A net spend record: `amount` charged at `at`, minus credits that came
/// back while the charge's hour (day) slot was still live.
#[derive(Debug, Clone)]
struct Charge {
    at: i64,
    amount: u64,
    credited_hour: u64,
    credited_day: u64,
}

struct Model {
    escrows: BTreeMap<u64, Tracked>,
    charges: Vec<Charge>,
    charge_of: BTreeMap<u64, usize>,
}

impl Model {
    /// Net spend of the window of `slots` buckets of `width` seconds ending at `now`.
    fn window(&self, now: i64, width: i64, slots: i64, daily: bool) -> u64 {
        let current = now / width;
        self.charges
            .iter()
            .filter(|c| current - c.at / width < slots && c.at / width <= current)
            .map(|c| {
                c.amount
                    - if daily {
                        c.credited_hour
                    } else {
                        c.credited_day
                    }
            })
            .sum()
    }

    /// A refund/cancel/resolve returned `amount` at `now` for escrow `id`.
    fn credit(&mut self, id: u64, amount: u64, now: i64) {
        if let Some(&index) = self.charge_of.get(&id) {
            let charge = &mut self.charges[index];
            if now / 3_600 - charge.at / 3_600 < 25 {
                charge.credited_hour += amount;
            }
            if now / 86_400 - charge.at / 86_400 < 31 {
                charge.credited_day += amount;
            }
        }
    }
}

fn allowed(before: Option<u8>, after: Option<u8>) -> bool {
    use EscrowState::*;
    let s = |v: Option<u8>| v.and_then(EscrowState::from_u8);
    match (s(before), s(after)) {
        (a, b) if a == b => true,
        (None, Some(Funded)) => true,
        (Some(Funded), Some(ProofSubmitted | Released | Refunded | Cancelled)) => true,
        (Some(ProofSubmitted), Some(Released | Disputed)) => true,
        (Some(Disputed), Some(Resolved)) => true,
        (Some(Released | Refunded | Resolved | Cancelled), None) => true, // closed
        _ => false,
    }
}

async fn snapshot(h: &Harness) -> (BTreeMap<String, u64>, BTreeMap<u64, Option<u8>>) {
    let mut escrows = BTreeMap::new();
    for id in 0..IDS {
        escrows.insert(
            id,
            h.client
                .escrow(&h.escrow(id))
                .await
                .unwrap()
                .map(|e| e.state),
        );
    }
    (h.balances().await, escrows)
}

async fn run_case(actions: Vec<Action>) -> Result<(), TestCaseError> {
    let h = Harness::new().await;
    let args = PolicyCreateArgs {
        expires_at: START + 40 * 86_400,
        ..default_limits(h.agent.pubkey())
    };
    h.policy_create(args).await.unwrap();
    h.deposit(500 * USDC).await.unwrap();
    let attacker_ata = h
        .client
        .create_ata(&h.attacker, &h.attacker.pubkey(), &h.mint)
        .await
        .unwrap();
    let total = 10_000 * USDC;
    let mut model = Model {
        escrows: BTreeMap::new(),
        charges: Vec::new(),
        charge_of: BTreeMap::new(),
    };
    let signer = |who: &Who| match who {
        Who::Owner => &h.owner,
        Who::Agent => &h.agent,
        Who::Attacker => &h.attacker,
    };

    for (step, action) in actions.iter().enumerate() {
        let (balances_before, states_before) = snapshot(&h).await;
        let now = h.now().await;
        let policy = h.policy_state().await;
        // Escrow actions aim at escrows that exist (the generated id picks one).
        let known: Vec<u64> = model.escrows.keys().copied().collect();
        let pick = |raw: u64| {
            if known.is_empty() {
                raw
            } else {
                known[(raw as usize) % known.len()]
            }
        };
        let action = &match action.clone() {
            Action::Proof { id, wrong_provider } => Action::Proof {
                id: pick(id),
                wrong_provider,
            },
            Action::Release { id, to_attacker } => Action::Release {
                id: pick(id),
                to_attacker,
            },
            Action::Approve { id, by } => Action::Approve { id: pick(id), by },
            Action::Refund { id } => Action::Refund { id: pick(id) },
            Action::Veto { id } => Action::Veto { id: pick(id) },
            Action::Dispute { id, by } => Action::Dispute { id: pick(id), by },
            Action::Resolve { id, bps, by } => Action::Resolve {
                id: pick(id),
                bps,
                by,
            },
            Action::Cancel { id } => Action::Cancel { id: pick(id) },
            Action::Close { id } => Action::Close { id: pick(id) },
            other => other,
        };
        let result: Result<agent_escrow_client::transport::TxOutcome, ClientError> = match action {
            Action::Deposit(amount) => h.deposit(*amount).await,
            Action::Withdraw(amount) => {
                let ix = instructions::policy_withdraw(
                    &h.owner.pubkey(),
                    &h.policy(),
                    &h.mint,
                    &h.token_program,
                    &h.owner_ata,
                    *amount,
                );
                h.send(ix, &h.owner).await
            }
            Action::Create {
                id,
                provider,
                amount,
                deadline_in,
            } => {
                let args = h
                    .escrow_args(*id, h.providers[*provider].pubkey(), *amount, *deadline_in)
                    .await;
                let result = h.create_escrow_with(args).await;
                let paused_or_expired = policy.paused != 0 || now >= policy.expires_at;
                if paused_or_expired {
                    prop_assert!(result.is_err(), "step {step}: created while paused/expired");
                }
                let day = model.window(now, 3_600, 25, true);
                let month = model.window(now, 86_400, 31, false);
                match &result {
                    Ok(_) => {
                        prop_assert!(
                            day + amount <= policy.daily_cap,
                            "step {step}: 24h net {day} + {amount} > cap"
                        );
                        prop_assert!(
                            month + amount <= policy.monthly_cap,
                            "step {step}: 30d net {month} + {amount} > cap"
                        );
                        model.charge_of.insert(*id, model.charges.len());
                        model.charges.push(Charge {
                            at: now,
                            amount: *amount,
                            credited_hour: 0,
                            credited_day: 0,
                        });
                        model.escrows.insert(
                            *id,
                            Tracked {
                                amount: *amount,
                                provider: *provider,
                                paid: 0,
                            },
                        );
                    }
                    Err(ClientError::Program(f))
                        if f.code == u32::from(EscrowError::DailyCapExceeded) =>
                    {
                        prop_assert!(
                            day + amount > policy.daily_cap,
                            "step {step}: wrongly refused by daily cap ({day} + {amount})"
                        );
                    }
                    Err(ClientError::Program(f))
                        if f.code == u32::from(EscrowError::MonthlyCapExceeded) =>
                    {
                        prop_assert!(
                            month + amount > policy.monthly_cap,
                            "step {step}: wrongly refused by monthly cap"
                        );
                    }
                    Err(_) => {}
                }
                result
            }
            Action::Proof { id, wrong_provider } => {
                let provider = model.escrows.get(id).map(|t| t.provider).unwrap_or(0);
                h.submit_proof(
                    *id,
                    if *wrong_provider {
                        (provider + 1) % 3
                    } else {
                        provider
                    },
                )
                .await
            }
            Action::Release { id, to_attacker } => {
                let provider = model.escrows.get(id).map(|t| t.provider).unwrap_or(0);
                let mut keys = h.escrow_accounts(*id, &h.providers[provider].pubkey());
                if *to_attacker {
                    keys.provider_token = attacker_ata;
                }
                h.send(
                    instructions::escrow_release(&h.cranker.pubkey(), &keys),
                    &h.cranker,
                )
                .await
            }
            Action::Approve { id, by } => {
                let provider = model.escrows.get(id).map(|t| t.provider).unwrap_or(0);
                let keys = h.escrow_accounts(*id, &h.providers[provider].pubkey());
                h.send(
                    instructions::escrow_approve(&signer(by).pubkey(), &keys),
                    signer(by),
                )
                .await
            }
            Action::Refund { id } => h.refund(*id).await,
            Action::Veto { id } => {
                h.send(
                    instructions::escrow_veto(&h.owner.pubkey(), &h.policy(), &h.escrow(*id)),
                    &h.owner,
                )
                .await
            }
            Action::Dispute { id, by } => {
                h.send(
                    instructions::escrow_dispute(&signer(by).pubkey(), &h.policy(), &h.escrow(*id)),
                    signer(by),
                )
                .await
            }
            Action::Resolve { id, bps, by } => {
                let provider = model.escrows.get(id).map(|t| t.provider).unwrap_or(0);
                let keys = h.escrow_accounts(*id, &h.providers[provider].pubkey());
                h.send(
                    instructions::escrow_resolve(&signer(by).pubkey(), &keys, *bps),
                    signer(by),
                )
                .await
            }
            Action::Cancel { id } => {
                let provider = model.escrows.get(id).map(|t| t.provider).unwrap_or(0);
                let p = &h.providers[provider];
                let ix = instructions::escrow_cancel(
                    &h.agent.pubkey(),
                    &p.pubkey(),
                    &h.policy(),
                    &h.escrow(*id),
                    &h.mint,
                    &h.token_program,
                );
                h.client.send(&[ix], &h.agent, &[p]).await
            }
            Action::Close { id } => {
                h.send(
                    instructions::escrow_close(
                        &h.cranker.pubkey(),
                        &h.escrow(*id),
                        &h.agent.pubkey(),
                        &h.token_program,
                    ),
                    &h.cranker,
                )
                .await
            }
            Action::Pause { by } => {
                h.send(
                    instructions::policy_pause(&signer(by).pubkey(), &h.policy()),
                    signer(by),
                )
                .await
            }
            Action::Resume => {
                h.send(
                    instructions::policy_resume(&h.owner.pubkey(), &h.policy()),
                    &h.owner,
                )
                .await
            }
            Action::Warp(seconds) => {
                h.svm().advance_clock(*seconds);
                Ok(agent_escrow_client::transport::TxOutcome {
                    signature: Default::default(),
                    compute_units: 0,
                    logs: vec![],
                    events: vec![],
                })
            }
        };
        let (balances_after, states_after) = snapshot(&h).await;
        {
            let mut stats = STATS.lock().unwrap();
            let entry = stats.entry(kind(action)).or_default();
            if result.is_ok() {
                entry.0 += 1
            } else {
                entry.1 += 1
            }
        }

        // A rejected transaction changes nothing.
        if result.is_err() {
            prop_assert_eq!(
                &balances_before,
                &balances_after,
                "step {}: {:?} failed but moved tokens",
                step,
                action
            );
            prop_assert_eq!(
                &states_before,
                &states_after,
                "step {}: {:?} failed but changed an escrow",
                step,
                action
            );
        }
        // States move only along the allowed transitions.
        for id in 0..IDS {
            let (b, a) = (states_before[&id], states_after[&id]);
            prop_assert!(
                allowed(b, a),
                "step {step}: escrow {id} moved {b:?} -> {a:?} on {action:?}"
            );
        }
        // Events: payouts per escrow never exceed its amount; credits feed the model.
        if let Ok(outcome) = &result {
            for event in &outcome.events {
                use agent_escrow_client::events::EscrowEvent as E;
                let id_of = |escrow: &Pubkey| (0..IDS).find(|i| h.escrow(*i) == *escrow);
                match event {
                    E::EscrowReleased(e) => {
                        let t = model.escrows.get_mut(&id_of(&e.escrow).unwrap()).unwrap();
                        t.paid += e.amount;
                        prop_assert!(
                            t.paid <= t.amount,
                            "step {step}: escrow paid {} of {}",
                            t.paid,
                            t.amount
                        );
                    }
                    E::DisputeResolved(e) => {
                        let id = id_of(&e.escrow).unwrap();
                        let t = model.escrows.get_mut(&id).unwrap();
                        t.paid += e.provider_amount;
                        prop_assert!(t.paid <= t.amount);
                        prop_assert_eq!(e.provider_amount + e.refund_amount, t.amount);
                        model.credit(id, e.refund_amount, now);
                    }
                    E::EscrowRefunded(e) => {
                        let id = id_of(&e.escrow).unwrap();
                        model.credit(id, e.amount, now);
                    }
                    E::EscrowCancelled(e) => {
                        let id = id_of(&e.escrow).unwrap();
                        model.credit(id, e.amount, now);
                    }
                    E::EscrowClosed(e) => {
                        let id = id_of(&e.escrow).unwrap();
                        model.escrows.remove(&id);
                        model.charge_of.remove(&id);
                    }
                    _ => {}
                }
            }
        }
        // Conservation: every base unit is in exactly one known account.
        let mut escrow_vaults = 0u64;
        for id in 0..IDS {
            escrow_vaults += h
                .client
                .token_balance(&escrow_vault_address(&h.escrow(id)).0)
                .await
                .unwrap();
        }
        let providers: u64 = (0..3)
            .map(|i| balances_after[&format!("provider_{i}")])
            .sum();
        let attacker = h.client.token_balance(&attacker_ata).await.unwrap();
        prop_assert_eq!(attacker, 0, "step {}: attacker received tokens", step);
        prop_assert_eq!(
            balances_after["owner"] + balances_after["vault"] + escrow_vaults + providers,
            total,
            "step {}: conservation broken",
            step
        );
        // An open escrow's vault holds exactly its amount; a settled one holds 0.
        for id in 0..IDS {
            if let Some(e) = h.client.escrow(&h.escrow(id)).await.unwrap() {
                let vault = h.client.token_balance(&e.vault).await.unwrap();
                let open = matches!(
                    EscrowState::from_u8(e.state),
                    Some(EscrowState::Funded | EscrowState::ProofSubmitted | EscrowState::Disputed)
                );
                prop_assert_eq!(
                    vault,
                    if open { e.amount } else { 0 },
                    "step {}: escrow {} vault",
                    step,
                    id
                );
            }
        }
    }
    if std::env::var_os("AE_PROP_STATS").is_some() {
        eprintln!("accepted/rejected so far: {:?}", STATS.lock().unwrap());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(24),
        max_shrink_iters: 200,
        .. ProptestConfig::default()
    })]

    #[test]
    fn random_sequences_keep_every_invariant(actions in proptest::collection::vec(action(), 5..40)) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(run_case(actions))?;
    }
}
