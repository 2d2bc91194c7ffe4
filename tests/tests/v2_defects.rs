//! Regression tests for the six defects an attacker's review found in v1
//! (issue "Program core v2"), and for the security properties the README
//! states. Each test is the attack, run on the real .so, and asserts that it
//! fails with the exact error and moves nothing, or that the bounded way out
//! works to the second.
//!
//! v1 → v2, per defect:
//! 1. approval bypass: v1 let the agent name any arbiter per escrow; v2 has
//!    no per-escrow arbiter (the policy's, set by the owner, never the agent).
//! 2. permanent lock: v1 had no way out of Disputed, nor of an approval that
//!    never comes; v2 refunds after `dispute_timeout` / `review_timeout`.
//! 3. attestation replay: v1 let a closed escrow id be re-created; v2 never
//!    accepts an id twice.
//! 4. stranded pipeline: v1 let anyone close a released upstream; v2 keeps
//!    it while dependents are open, and resolve respects `depends_on`.
//! 5. dust griefing: v1's per-escrow token vault could be blocked with one
//!    base unit; v2 has no per-escrow token account, and tokens or lamports
//!    sent from outside never block anything.
//! 6. mint swap: v1 accepted a Token-2022 mint with a close authority; v2
//!    refuses it.

use agent_escrow::{
    constants::{DEFAULT_DISPUTE_TIMEOUT, DEFAULT_ESCROW_DURATION, DEFAULT_REVIEW_TIMEOUT},
    error::EscrowError,
    instructions::{PolicyCreateArgs, PolicyUpdateArgs},
    state::{EscrowState, ReleaseTier},
};
use agent_escrow_client::{events::EscrowEvent, instructions, Keypair, Signer};
use agent_escrow_tests::*;
use anchor_lang::prelude::Pubkey;
use anchor_spl::token_2022::spl_token_2022::{self, extension::ExtensionType};

fn exists(h: &Harness, key: &Pubkey) -> bool {
    h.svm()
        .with_svm(|svm| svm.get_account(key).is_some_and(|a| a.lamports > 0))
}

async fn dispute(
    h: &Harness,
    id: u64,
    by: &Keypair,
) -> Result<(), agent_escrow_client::ClientError> {
    h.send(
        instructions::escrow_dispute(&by.pubkey(), &h.policy(), &h.escrow(id)),
        by,
    )
    .await
    .map(|_| ())
}

fn resolve_ix(
    h: &Harness,
    id: u64,
    p: usize,
    by: &Pubkey,
    bps: u16,
) -> anchor_lang::solana_program::instruction::Instruction {
    instructions::escrow_resolve(by, &h.keys(id, p, None), bps)
}

// --- 1. Approval bypass through an agent-chosen arbiter -------------------

/// The v1 attack: an approval-tier escrow (above delay_max) is proven, the
/// agent disputes it and "resolves" 100 % to the provider with a key it
/// holds. In v2 no escrow names an arbiter; only the policy's arbiter (set
/// by the owner) or the owner can resolve. The agent, the provider and a
/// stranger all fail with NotArbiter and nothing moves.
#[tokio::test]
async fn defect1_agent_cannot_resolve_its_own_dispute_to_bypass_approval() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 90 * USDC).await.unwrap();
    assert_eq!(h.escrow_state(0).await.tier, ReleaseTier::Approval as u8);
    h.submit_proof(0, 0).await.unwrap();
    dispute(&h, 0, &h.agent).await.unwrap();
    let before = h.balances().await;
    for signer in [&h.agent, &h.providers[0], &h.attacker] {
        let ix = resolve_ix(&h, 0, 0, &signer.pubkey(), 10_000);
        assert_program_error(h.send(ix, signer).await, EscrowError::NotArbiter);
    }
    assert_eq!(
        h.balances().await,
        before,
        "a refused resolve moved nothing"
    );
    assert_eq!(h.escrow_state(0).await.state, EscrowState::Disputed as u8);
    // The owner (always an arbiter) decides: 0 % to the provider.
    let out = h
        .send(resolve_ix(&h, 0, 0, &h.owner.pubkey(), 0), &h.owner)
        .await
        .unwrap();
    assert!(
        out.events.iter().any(|e| matches!(e,
        EscrowEvent::DisputeResolved(r) if r.provider_amount == 0 && r.refund_amount == 90 * USDC))
    );
    let after = h.balances().await;
    assert_eq!(after["provider_0"], before["provider_0"]);
    assert_eq!(after["vault"], before["vault"]);
    assert_eq!(after["locked"], 0);
}

/// The delay-tier variant: proof + dispute + resolve in one transaction,
/// inside the owner's veto window. Refused as a whole; the escrow stays
/// ProofSubmitted and the owner can still veto.
#[tokio::test]
async fn defect1_delay_tier_cannot_be_paid_inside_the_veto_window() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    let provider = &h.providers[0];
    let before = h.balances().await;
    let ixs = [
        instructions::escrow_submit_proof(&provider.pubkey(), &h.keys(0, 0, None), proof_hash(0)),
        instructions::escrow_dispute(&h.agent.pubkey(), &h.policy(), &h.escrow(0)),
        resolve_ix(&h, 0, 0, &h.agent.pubkey(), 10_000),
    ];
    assert_program_error(
        h.client.send(&ixs, &h.agent, &[provider]).await,
        EscrowError::NotArbiter,
    );
    assert_eq!(h.balances().await, before);
    assert_eq!(h.escrow_state(0).await.state, EscrowState::Funded as u8);
}

/// The owner-set arbiter resolves; the agent can never become it: not at
/// policy_create, not by policy_update, not by rotating the agent key onto it.
#[tokio::test]
async fn defect1_arbiter_is_owner_set_and_never_the_agent() {
    let h = Harness::new().await;
    let arbiter = key(40);
    let bad = PolicyCreateArgs {
        arbiter: Some(h.agent.pubkey()),
        ..default_limits(h.agent.pubkey())
    };
    assert_program_error(h.policy_create(bad).await, EscrowError::InvalidArbiter);
    let good = PolicyCreateArgs {
        arbiter: Some(arbiter.pubkey()),
        ..default_limits(h.agent.pubkey())
    };
    h.policy_create(good).await.unwrap();
    h.deposit(500 * USDC).await.unwrap();
    assert_eq!(h.policy_state().await.arbiter, arbiter.pubkey());
    for update in [
        PolicyUpdateArgs {
            arbiter: Some(h.agent.pubkey()),
            ..Default::default()
        },
        PolicyUpdateArgs {
            agent: Some(arbiter.pubkey()),
            ..Default::default()
        },
    ] {
        let ix = instructions::policy_update(&h.owner.pubkey(), &h.policy(), update);
        assert_program_error(h.send(ix, &h.owner).await, EscrowError::InvalidArbiter);
    }
    // The arbiter rules 62.5 % to the provider.
    h.svm().airdrop(&arbiter.pubkey(), FUNDING).unwrap();
    h.create_escrow(0, 1, 80 * USDC).await.unwrap();
    h.submit_proof(0, 1).await.unwrap();
    dispute(&h, 0, &h.agent).await.unwrap();
    let before = h.balances().await;
    h.send(resolve_ix(&h, 0, 1, &arbiter.pubkey(), 6_250), &arbiter)
        .await
        .unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_1"] - before["provider_1"], 50 * USDC);
    assert_eq!(before["vault"] - after["vault"], 50 * USDC);
    assert_eq!(after["locked"], 0);
}

// --- 2. Permanent lock: every open state has a bounded way out -------------

/// A Disputed escrow whose arbiter never signs: anyone refunds it exactly
/// `dispute_timeout` after the dispute, not a second earlier.
#[tokio::test]
async fn defect2_dispute_without_arbiter_refunds_after_dispute_timeout() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 90 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    dispute(&h, 0, &h.agent).await.unwrap();
    let disputed_at = h.now().await;
    assert_eq!(h.escrow_state(0).await.state_at, disputed_at);
    h.svm().advance_clock(DEFAULT_DISPUTE_TIMEOUT - 1);
    let before = h.balances().await;
    assert_program_error(h.refund(0).await, EscrowError::RefundNotDue);
    assert_eq!(h.balances().await, before);
    h.svm().advance_clock(1);
    let agent_lamports = lamports(&h, &h.agent.pubkey());
    let out = h.refund(0).await.unwrap();
    assert!(out.events.iter().any(|e| matches!(e,
        EscrowEvent::EscrowRefunded(r) if r.from_state == EscrowState::Disputed
            && r.amount == 90 * USDC && r.rent_returned == ESCROW_RENT)));
    let after = h.balances().await;
    assert_eq!(after["locked"], 0);
    assert_eq!(after["vault"], before["vault"], "refunds move no tokens");
    assert_eq!(
        lamports(&h, &h.agent.pubkey()) - agent_lamports,
        ESCROW_RENT
    );
    assert!(!exists(&h, &h.escrow(0)), "closed at settlement");
}

/// An approval-tier escrow whose owner never approves: refundable by anyone
/// `review_timeout` after the proof; before, RefundNotDue.
#[tokio::test]
async fn defect2_approval_that_never_comes_refunds_after_review_timeout() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 2, 90 * USDC).await.unwrap();
    h.submit_proof(0, 2).await.unwrap();
    h.svm().advance_clock(DEFAULT_REVIEW_TIMEOUT - 1);
    assert_program_error(h.refund(0).await, EscrowError::RefundNotDue);
    h.svm().advance_clock(1);
    let out = h.refund(0).await.unwrap();
    assert!(out.events.iter().any(|e| matches!(e,
        EscrowEvent::EscrowRefunded(r) if r.from_state == EscrowState::ProofSubmitted)));
    assert_eq!(h.balances().await["locked"], 0);
}

/// A proven delay-tier escrow is releasable, so it is not refundable: the
/// timeout cannot be used to claw back a payment the tier allows.
#[tokio::test]
async fn defect2_releasable_escrow_is_not_refundable() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    h.svm().advance_clock(DEFAULT_REVIEW_TIMEOUT);
    assert_program_error(h.refund(0).await, EscrowError::RefundNotDue);
    h.release(0, 0).await.unwrap();
}

/// A Funded escrow whose provider is gone: its deadline is at most
/// `max_escrow_duration` (default 30 days) away, then anyone refunds.
#[tokio::test]
async fn defect2_funded_escrow_deadline_is_bounded_by_the_policy() {
    let h = Harness::with_policy().await;
    let args = h
        .escrow_args(
            0,
            h.providers[0].pubkey(),
            10 * USDC,
            DEFAULT_ESCROW_DURATION + 1,
        )
        .await;
    assert_program_error(
        h.create_escrow_with(args).await,
        EscrowError::DeadlineOutOfRange,
    );
    let args = h
        .escrow_args(
            0,
            h.providers[0].pubkey(),
            10 * USDC,
            DEFAULT_ESCROW_DURATION,
        )
        .await;
    h.create_escrow_with(args).await.unwrap();
    h.svm().advance_clock(DEFAULT_ESCROW_DURATION - 1);
    assert_program_error(h.refund(0).await, EscrowError::DeadlineNotReached);
    h.svm().advance_clock(1);
    h.refund(0).await.unwrap();
    assert_eq!(h.balances().await["locked"], 0);
}

// --- 3. Attestation replay: an escrow address is never created twice ------

/// v1: after close, re-creating the same id let the provider replay the old
/// verifier attestation and be paid twice. v2: the id is refused forever
/// (EscrowIdUnavailable), so the attestation can never apply again; on a
/// new id, the old attestation is for another escrow.
#[tokio::test]
async fn defect3_settled_escrow_id_cannot_be_recreated_nor_its_attestation_replayed() {
    let h = Harness::with_policy().await;
    let verifier = key(50);
    let provider = &h.providers[0];
    let mut args = h.escrow_args(0, provider.pubkey(), 20 * USDC, 86_400).await;
    args.verifier = Some(verifier.pubkey());
    h.create_escrow_with(args.clone()).await.unwrap();
    let keys = h.keys(0, 0, None);
    let message = instructions::attestation(&keys, &provider.pubkey(), 20 * USDC, &proof_hash(0));
    let signature: [u8; 64] = verifier.sign_message(&message).as_ref().try_into().unwrap();
    let attest = instructions::ed25519_attestation(&verifier.pubkey(), &signature, &message);
    let proof = instructions::escrow_submit_proof(&provider.pubkey(), &keys, proof_hash(0));
    h.client
        .send(&[attest.clone(), proof.clone()], provider, &[])
        .await
        .unwrap();
    assert!(!exists(&h, &h.escrow(0)), "paid and closed");
    let paid = h.balances().await;
    // The same command again: the id is used, forever.
    assert_program_error(
        h.create_escrow_with(args.clone()).await,
        EscrowError::EscrowIdUnavailable,
    );
    // Replaying attestation + proof on the closed address: no account.
    assert!(h
        .client
        .send(&[attest.clone(), proof], provider, &[])
        .await
        .is_err());
    // Same terms under a fresh id: the old attestation names another escrow.
    let mut fresh = args.clone();
    fresh.escrow_id = 1;
    h.create_escrow_with(fresh).await.unwrap();
    let replay =
        instructions::escrow_submit_proof(&provider.pubkey(), &h.keys(1, 0, None), proof_hash(0));
    assert_program_error(
        h.client.send(&[attest, replay], provider, &[]).await,
        EscrowError::AttestationWrongEscrow,
    );
    let after = h.balances().await;
    assert_eq!(after["provider_0"], paid["provider_0"], "paid once");
}

/// The id window: ids below next - 256 or at/above next + 256 are refused;
/// an id inside the window is accepted once, in any order.
#[tokio::test]
async fn defect3_id_window_accepts_each_id_once_in_any_order() {
    let h = Harness::with_policy().await;
    for id in [5u64, 2, 300] {
        let r = h.create_escrow(id, 0, USDC).await;
        if id == 300 {
            assert_program_error(r, EscrowError::EscrowIdUnavailable);
        } else {
            r.unwrap();
        }
    }
    assert_eq!(h.policy_state().await.next_escrow_id, 6);
    assert_program_error(
        h.create_escrow(2, 0, USDC).await,
        EscrowError::EscrowIdUnavailable,
    );
    h.create_escrow(261, 0, USDC).await.unwrap(); // next + 255
    assert_eq!(h.policy_state().await.next_escrow_id, 262);
    // 5 is now below next - 256 = 6: refused although never used twice.
    assert_program_error(
        h.create_escrow(4, 0, USDC).await,
        EscrowError::EscrowIdUnavailable,
    );
    h.create_escrow(6, 0, USDC).await.unwrap(); // inside the window, unused
    assert_program_error(
        h.create_escrow(261, 0, USDC).await,
        EscrowError::EscrowIdUnavailable,
    );
}

// --- 4. Stranded pipelines ---------------------------------------------

/// v1: anyone could close a Released upstream 24 h later and strand its
/// dependents. v2: an upstream with open dependents stays (terminal) and
/// cannot be closed (HasDependents); its dependent is released normally,
/// then the upstream closes and its rent goes back.
#[tokio::test]
async fn defect4_released_upstream_stays_until_its_dependents_settle() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 10 * USDC).await.unwrap();
    let mut args = h
        .escrow_args(1, h.providers[1].pubkey(), 50 * USDC, 86_400)
        .await;
    args.depends_on = Some(h.escrow(0));
    h.create_escrow_with(args).await.unwrap();
    assert_eq!(h.escrow_state(0).await.dependents, 1);
    let out = h.submit_proof(0, 0).await.unwrap();
    assert!(out.events.iter().any(|e| matches!(e,
        EscrowEvent::EscrowReleased(r) if r.rent_returned == 0)));
    assert_eq!(h.escrow_state(0).await.state, EscrowState::Released as u8);
    let close = instructions::escrow_close(&h.attacker.pubkey(), &h.escrow(0), &h.agent.pubkey());
    h.svm().advance_clock(30 * 86_400);
    assert_program_error(
        h.send(close.clone(), &h.attacker).await,
        EscrowError::HasDependents,
    );
    // The dependent's deadline has passed meanwhile: anyone refunds it,
    // naming the upstream, which loses its last dependent.
    let refund = instructions::escrow_refund(&h.cranker.pubkey(), &h.keys(1, 1, Some(0)));
    h.send(refund, &h.cranker).await.unwrap();
    assert_eq!(h.escrow_state(0).await.dependents, 0);
    let agent_before = lamports(&h, &h.agent.pubkey());
    h.send(close, &h.attacker).await.unwrap();
    assert_eq!(lamports(&h, &h.agent.pubkey()) - agent_before, ESCROW_RENT);
    assert!(!exists(&h, &h.escrow(0)));
}

/// The dependency must be passed to every settlement of a dependent, and
/// escrow_resolve respects it: no share to the provider before the
/// upstream is Released (a 0 % resolution is allowed).
#[tokio::test]
async fn defect4_resolve_respects_depends_on() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    let mut args = h
        .escrow_args(1, h.providers[1].pubkey(), 20 * USDC, 86_400)
        .await;
    args.depends_on = Some(h.escrow(0));
    h.create_escrow_with(args).await.unwrap();
    // Every settlement of a dependent must name its dependency.
    assert_program_error(h.submit_proof(1, 1).await, EscrowError::InvalidDependency);
    let proof = instructions::escrow_submit_proof(
        &h.providers[1].pubkey(),
        &h.keys(1, 1, Some(0)),
        proof_hash(1),
    );
    h.send(proof, &h.providers[1]).await.unwrap();
    dispute(&h, 1, &h.agent).await.unwrap();
    let before = h.balances().await;
    let pay = instructions::escrow_resolve(&h.owner.pubkey(), &h.keys(1, 1, Some(0)), 10_000);
    assert_program_error(
        h.send(pay, &h.owner).await,
        EscrowError::DependencyNotReleased,
    );
    let missing = instructions::escrow_resolve(&h.owner.pubkey(), &h.keys(1, 1, None), 0);
    assert_program_error(
        h.send(missing, &h.owner).await,
        EscrowError::InvalidDependency,
    );
    assert_eq!(h.balances().await, before);
    let zero = instructions::escrow_resolve(&h.owner.pubkey(), &h.keys(1, 1, Some(0)), 0);
    h.send(zero, &h.owner).await.unwrap();
    assert_eq!(h.escrow_state(0).await.dependents, 0);
    assert_eq!(h.balances().await["locked"], 50 * USDC);
}

// --- 5. Dust griefing ---------------------------------------------------

/// v1: one base unit sent into an escrow's token vault made escrow_close
/// fail forever. v2 escrows own no token account; tokens sent straight to
/// the policy vault are free balance the owner can withdraw, and lamports
/// sent to an escrow address (before or after creation) never block it:
/// they go back with the rent.
#[tokio::test]
async fn defect5_dust_never_blocks_and_is_swept() {
    let h = Harness::with_policy().await;
    // Lamports at the escrow address before it exists.
    let dust = 890_880; // the rent-exempt minimum of an empty account
    let fund = anchor_lang::solana_program::system_instruction::transfer(
        &h.attacker.pubkey(),
        &h.escrow(0),
        dust,
    );
    h.send(fund, &h.attacker).await.unwrap();
    let agent_before = lamports(&h, &h.agent.pubkey());
    h.create_escrow(0, 0, 10 * USDC).await.unwrap();
    // One base unit straight into the vault, from outside.
    let attacker_ata = h
        .client
        .create_ata(&h.attacker, &h.attacker.pubkey(), &h.mint)
        .await
        .unwrap();
    h.client
        .mint_to(
            &h.mint_authority,
            &h.mint,
            &h.mint_authority,
            &attacker_ata,
            1,
        )
        .await
        .unwrap();
    let stray = spl_token_2022::instruction::transfer_checked(
        &h.token_program,
        &attacker_ata,
        &h.mint,
        &h.vault(),
        &h.attacker.pubkey(),
        &[],
        1,
        6,
    )
    .unwrap();
    h.send(stray, &h.attacker).await.unwrap();
    // More lamports into the open escrow.
    let more = anchor_lang::solana_program::system_instruction::transfer(
        &h.attacker.pubkey(),
        &h.escrow(0),
        dust,
    );
    h.send(more, &h.attacker).await.unwrap();
    // Settlement closes it; the payer gets rent + both dusts back.
    h.submit_proof(0, 0).await.unwrap();
    assert!(!exists(&h, &h.escrow(0)));
    let agent_after = lamports(&h, &h.agent.pubkey());
    // create: -rent(+dust already there, so only the top-up) - fee; settle: +rent +2 dust.
    assert_eq!(agent_after + 5_000, agent_before + 2 * dust);
    // The stray unit is free balance: the owner withdraws exactly all of it.
    let policy = h.policy_state().await;
    let vault = h.client.token_balance(&h.vault()).await.unwrap();
    assert_eq!(policy.locked, 0);
    assert_eq!(vault, 490 * USDC + 1);
    let all = instructions::policy_withdraw(
        &h.owner.pubkey(),
        &h.policy(),
        &h.mint,
        &h.token_program,
        &h.owner_ata,
        vault,
    );
    h.send(all, &h.owner).await.unwrap();
    assert_eq!(h.client.token_balance(&h.vault()).await.unwrap(), 0);
}

// --- 6. Mint swap -------------------------------------------------------

/// v1 accepted a Token-2022 mint with a close authority: closed at zero
/// supply, it could be re-created at the same address with a permanent
/// delegate that sweeps the vault. v2 refuses the close authority.
#[tokio::test]
async fn defect6_mint_with_close_authority_is_refused() {
    let mut h = Harness::bare().await;
    let authority = h.mint_authority.pubkey();
    let init = spl_token_2022::instruction::initialize_mint_close_authority(
        &spl_token_2022::ID,
        &h.mint,
        Some(&authority),
    )
    .unwrap();
    h.create_token_2022_mint(&[ExtensionType::MintCloseAuthority], vec![init])
        .await
        .unwrap();
    let h = h.fund().await;
    assert_program_error(
        h.policy_create(default_limits(h.agent.pubkey())).await,
        EscrowError::HostileMintExtension,
    );
    assert!(!exists(&h, &h.policy()), "nothing created");
}

// --- Self-dealing bound and "new providers: manual review" ------------------

/// A compromised agent pays a key it controls. Without an allowlist the
/// loss is bounded by the caps: instant escrows to itself stop at the
/// daily cap. With `review_unlisted`, every payment to a provider without
/// an allowlist entry takes the approval tier: nothing leaves without the
/// owner. Once the owner allows the provider, its escrows take the tier of
/// their amount again.
#[tokio::test]
async fn self_dealing_is_bounded_by_caps_and_review_unlisted_stops_it() {
    let h = Harness::new().await;
    let limits = PolicyCreateArgs {
        review_unlisted: true,
        ..default_limits(h.agent.pubkey())
    };
    h.policy_create(limits).await.unwrap();
    h.deposit(500 * USDC).await.unwrap();
    // A 1 USDC payment to an unlisted provider: approval tier.
    h.create_escrow(0, 0, USDC).await.unwrap();
    assert_eq!(h.escrow_state(0).await.tier, ReleaseTier::Approval as u8);
    let before = h.balances().await;
    h.submit_proof(0, 0).await.unwrap();
    assert_eq!(h.balances().await, before, "not paid without the owner");
    assert_program_error(h.release(0, 0).await, EscrowError::NotDelayTier);
    h.approve(0, 0).await.unwrap();
    // The owner lists the provider: back to the amount's tier.
    let allow =
        instructions::provider_allow(&h.owner.pubkey(), &h.policy(), &h.providers[0].pubkey());
    h.send(allow, &h.owner).await.unwrap();
    h.create_escrow(1, 0, USDC).await.unwrap();
    assert_eq!(h.escrow_state(1).await.tier, ReleaseTier::Instant as u8);

    // Without review_unlisted: bounded by the daily cap (300 USDC).
    let update = PolicyUpdateArgs {
        review_unlisted: Some(false),
        ..Default::default()
    };
    h.send(
        instructions::policy_update(&h.owner.pubkey(), &h.policy(), update),
        &h.owner,
    )
    .await
    .unwrap();
    let mut paid = 0;
    let mut id = 2;
    loop {
        match h.create_escrow(id, 2, 25 * USDC).await {
            Ok(_) => {
                h.submit_proof(id, 2).await.unwrap();
                paid += 25 * USDC;
                id += 1;
            }
            Err(e) => {
                assert_program_error::<()>(Err(e), EscrowError::DailyCapExceeded);
                break;
            }
        }
    }
    // 300 cap - 1 (escrow 0) - 1 (escrow 1, still open) = 298: eleven of 25.
    assert_eq!(paid, 275 * USDC);
}

// --- Found by the attacker's pass over v2 ----------------------------------

/// An agent passes a keypair it holds (signing the transaction) as the
/// escrow account, funded or not, itself as the rent payer: the system
/// program would create the escrow at that address (the signature suffices),
/// where it could never close (closing into its own rent payer) and could
/// be re-created under a new id once closed. Refused with
/// InvalidEscrowAddress; nothing is created, locked or charged.
#[tokio::test]
async fn escrow_at_a_signing_keypair_is_refused() {
    let h = Harness::with_policy().await;
    let fake = key(60);
    for funded in [false, true] {
        if funded {
            h.svm().airdrop(&fake.pubkey(), FUNDING).unwrap();
        }
        let args = h
            .escrow_args(0, h.providers[0].pubkey(), 100 * USDC, 86_400)
            .await;
        for payer in [&h.agent, &fake] {
            if !funded && payer.pubkey() == fake.pubkey() {
                continue; // an unfunded payer cannot even pay the fee
            }
            let mut ix = instructions::escrow_create(
                &h.policy(),
                &h.agent.pubkey(),
                &payer.pubkey(),
                args.clone(),
                false,
            );
            ix.accounts[4].pubkey = fake.pubkey();
            ix.accounts[4].is_signer = true;
            let before = h.balances().await;
            let next = h.policy_state().await.next_escrow_id;
            let fake_lamports = lamports(&h, &fake.pubkey());
            assert_program_error(
                h.client.send(&[ix], payer, &[&h.agent, &fake]).await,
                EscrowError::InvalidEscrowAddress,
            );
            assert_eq!(h.balances().await, before);
            assert_eq!(h.policy_state().await.next_escrow_id, next);
            // Two signatures (the agent and the keypair), 5,000 lamports each.
            let fee = if payer.pubkey() == fake.pubkey() {
                10_000
            } else {
                0
            };
            assert_eq!(lamports(&h, &fake.pubkey()) + fee, fake_lamports);
            let owner = h
                .svm()
                .with_svm(|svm| svm.get_account(&fake.pubkey()).map(|a| a.owner));
            assert_ne!(owner, Some(agent_escrow::ID), "never owned by the program");
        }
    }
    // The honest create of the same id still works.
    h.create_escrow(0, 0, 100 * USDC).await.unwrap();
}
