//! The owner's consent as a clear-text off-chain message (what a Ledger
//! shows in full) instead of a transaction signature: `escrow_approve_offchain`
//! and `escrow_veto_offchain` on the real .so. Every field a submitter or a
//! signer chooses is tampered with, one at a time, and each is refused with
//! its own error while every balance stays as it was.

use agent_escrow::{
    constants::USDC_MINTS,
    error::EscrowError,
    offchain::{OwnerAction, OwnerMessage, HEADER_LEN, LEDGER_MAX_ENVELOPE_LEN, MAX_EXPIRES_AT},
    state::{EscrowState, ReleaseTier},
};
use agent_escrow_client::{
    events::EscrowEvent,
    instructions::{self, EscrowAccounts},
    offchain::{owner_message, SignableMessage},
    transport::TxOutcome,
    ClientError, Keypair, Signer,
};
use agent_escrow_tests::*;
use anchor_lang::{
    error::ErrorCode as AnchorError, prelude::Pubkey, solana_program::instruction::Instruction,
};
use solana_ed25519_program::{offsets_to_ed25519_instruction, Ed25519SignatureOffsets};

/// Approval tier (> delay_max 60 USDC).
const APPROVAL_AMOUNT: u64 = 90 * USDC;
/// Delay tier (25 < amount <= 60 USDC).
const DELAY_AMOUNT: u64 = 40 * USDC;
/// A message's lifetime in these tests, seconds.
const LIFETIME: i64 = 3_600;

/// Escrows #0 and #1: 90 USDC to provider 1 (approval tier), proven;
/// #2: 40 USDC to provider 1 (delay tier), proven. #0 and #1 differ only
/// in their address, so a message for one is the "other escrow" tamper.
async fn case() -> Harness {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 1, APPROVAL_AMOUNT).await.unwrap();
    h.create_escrow(1, 1, APPROVAL_AMOUNT).await.unwrap();
    h.create_escrow(2, 1, DELAY_AMOUNT).await.unwrap();
    for id in 0..3 {
        h.submit_proof(id, 1).await.unwrap();
    }
    h
}

/// The message the program expects for `action` on escrow `id`.
async fn message(h: &Harness, action: OwnerAction, id: u64, expires_at: i64) -> OwnerMessage {
    let policy = h.policy_state().await;
    let escrow = h.escrow_state(id).await;
    owner_message(
        action,
        (&h.policy(), &policy),
        (&h.escrow(id), &escrow),
        expires_at,
    )
}

/// The ed25519 instruction for `signer`'s signature over `envelope`.
fn signed(signer: &Keypair, envelope: &[u8]) -> Instruction {
    let signature: [u8; 64] = signer.sign_message(envelope).into();
    instructions::ed25519_signature(&signer.pubkey(), &signature, envelope)
}

/// The envelope of `message` signed for this program by the policy owner.
fn envelope(h: &Harness, message: &OwnerMessage) -> Vec<u8> {
    message
        .envelope(&agent_escrow::ID, &h.owner.pubkey())
        .expect("expiry in range")
}

fn approve_ix(h: &Harness, submitter: &Pubkey, id: u64, expires_at: i64) -> Instruction {
    instructions::escrow_approve_offchain(submitter, &h.keys(id, 1, None), expires_at)
}

fn veto_ix(h: &Harness, submitter: &Pubkey, id: u64, expires_at: i64) -> Instruction {
    instructions::escrow_veto_offchain(submitter, &h.policy(), &h.escrow(id), expires_at)
}

/// Sends `ixs` paid and signed by the attacker (a stranger to the policy:
/// anyone may submit an owner's message).
async fn send(h: &Harness, ixs: &[Instruction]) -> Result<TxOutcome, ClientError> {
    h.client.send(ixs, &h.attacker, &[]).await
}

/// `ixs` must fail with `expected`, leave every balance as it was and
/// escrows #0..#2 ProofSubmitted.
async fn refused(h: &Harness, ixs: &[Instruction], expected: EscrowError) {
    let before = h.balances().await;
    assert_program_error(send(h, ixs).await, expected);
    assert_eq!(h.balances().await, before, "{expected:?} moved funds");
    for id in 0..3 {
        assert_eq!(
            h.escrow_state(id).await.state,
            EscrowState::ProofSubmitted as u8,
            "{expected:?} changed escrow {id}"
        );
    }
}

#[tokio::test]
async fn owner_message_releases_an_approval_escrow_submitted_by_anyone() {
    let h = case().await;
    let expires_at = h.now().await + LIFETIME;
    let m = message(&h, OwnerAction::ApproveRelease, 0, expires_at).await;
    let ixs = [
        signed(&h.owner, &envelope(&h, &m)),
        approve_ix(&h, &h.attacker.pubkey(), 0, expires_at),
    ];
    let size = transaction_size(&ixs, &h.attacker.pubkey());
    println!("ed25519 + escrow_approve_offchain transaction: {size} bytes");
    assert!(size <= 1_232, "transaction is {size} bytes");
    let before = h.balances().await;
    let rent_payer_before = lamports(&h, &h.agent.pubkey());
    let out = send(&h, &ixs).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["provider_1"], before["provider_1"] + APPROVAL_AMOUNT);
    assert_eq!(after["vault"], before["vault"] - APPROVAL_AMOUNT);
    assert_eq!(after["locked"], before["locked"] - APPROVAL_AMOUNT);
    assert_eq!(after["owner"], before["owner"]);
    assert_eq!(
        lamports(&h, &h.agent.pubkey()),
        rent_payer_before + ESCROW_RENT
    );
    assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
    match out.events.as_slice() {
        [EscrowEvent::OwnerMessageAccepted(a), EscrowEvent::EscrowReleased(r)] => {
            assert_eq!(
                (
                    a.policy,
                    a.escrow,
                    a.owner,
                    a.action,
                    a.expires_at,
                    a.submitted_by
                ),
                (
                    h.policy(),
                    h.escrow(0),
                    h.owner.pubkey(),
                    OwnerAction::ApproveRelease,
                    expires_at,
                    h.attacker.pubkey()
                )
            );
            assert_eq!(
                (
                    r.escrow,
                    r.provider,
                    r.amount,
                    r.tier,
                    r.released_by,
                    r.state
                ),
                (
                    h.escrow(0),
                    h.providers[1].pubkey(),
                    APPROVAL_AMOUNT,
                    ReleaseTier::Approval,
                    h.owner.pubkey(),
                    EscrowState::Released
                )
            );
        }
        other => panic!("unexpected events {other:?}"),
    }
    // The same message again: the escrow is gone (closed at settlement) and
    // its id can never be claimed again, so the message acts once.
    assert_code(
        send(&h, &ixs).await,
        AnchorError::AccountOwnedByWrongProgram.into(),
    );
    assert_eq!(h.balances().await, after);
}

#[tokio::test]
async fn owner_message_vetoes_a_delay_escrow() {
    let h = case().await;
    let expires_at = h.now().await + LIFETIME;
    let m = message(&h, OwnerAction::VetoRelease, 2, expires_at).await;
    let ixs = [
        signed(&h.owner, &envelope(&h, &m)),
        veto_ix(&h, &h.attacker.pubkey(), 2, expires_at),
    ];
    let before = h.balances().await;
    let out = send(&h, &ixs).await.unwrap();
    assert_eq!(h.balances().await, before, "a veto moves no funds");
    assert_eq!(h.escrow_state(2).await.state, EscrowState::Disputed as u8);
    match out.events.as_slice() {
        [EscrowEvent::OwnerMessageAccepted(a), EscrowEvent::EscrowDisputed(d)] => {
            assert_eq!(
                (a.action, a.owner),
                (OwnerAction::VetoRelease, h.owner.pubkey())
            );
            assert_eq!(
                (d.escrow, d.by, d.veto, d.amount, d.state),
                (
                    h.escrow(2),
                    h.owner.pubkey(),
                    true,
                    DELAY_AMOUNT,
                    EscrowState::Disputed
                )
            );
        }
        other => panic!("unexpected events {other:?}"),
    }
    // The veto message cannot be used twice, and nothing can release the
    // escrow now, not even the delay passing.
    assert_program_error(send(&h, &ixs).await, EscrowError::InvalidEscrowState);
    h.svm().advance_clock(2 * 3_600);
    assert_program_error(h.release(2, 1).await, EscrowError::InvalidEscrowState);
}

#[tokio::test]
async fn each_tampered_field_has_its_own_error() {
    let h = case().await;
    let expires_at = h.now().await + LIFETIME;
    let good = message(&h, OwnerAction::ApproveRelease, 0, expires_at).await;
    let submit = approve_ix(&h, &h.attacker.pubkey(), 0, expires_at);
    let tampered = |edit: &dyn Fn(&mut OwnerMessage)| {
        let mut m = good;
        edit(&mut m);
        signed(&h.owner, &envelope(&h, &m))
    };
    let cases: [(&str, Instruction, EscrowError); 8] = [
        (
            "amount",
            tampered(&|m| m.amount = APPROVAL_AMOUNT - 1),
            EscrowError::OwnerMessageAmountMismatch,
        ),
        (
            "mint",
            tampered(&|m| m.mint = USDC_MINTS[0]),
            EscrowError::OwnerMessageAmountMismatch,
        ),
        (
            "decimals",
            tampered(&|m| m.decimals = 2),
            EscrowError::OwnerMessageAmountMismatch,
        ),
        (
            "provider",
            tampered(&|m| m.provider = h.providers[2].pubkey()),
            EscrowError::OwnerMessageProviderMismatch,
        ),
        (
            "policy",
            tampered(&|m| m.policy = h.attacker.pubkey()),
            EscrowError::OwnerMessagePolicyMismatch,
        ),
        (
            "expiry signed",
            tampered(&|m| m.expires_at = expires_at + 1),
            EscrowError::OwnerMessageExpiryMismatch,
        ),
        (
            "action",
            tampered(&|m| m.action = OwnerAction::VetoRelease),
            EscrowError::OwnerMessageWrongAction,
        ),
        (
            "proof time",
            tampered(&|m| m.proof_at -= 1),
            EscrowError::OwnerMessageProofMismatch,
        ),
    ];
    for (what, ed25519, expected) in cases {
        println!("tamper: {what}");
        refused(&h, &[ed25519, submit.clone()], expected).await;
    }
    // The owner's genuine message for escrow #1 (same amount, provider and
    // policy) used on escrow #0.
    let other = message(&h, OwnerAction::ApproveRelease, 1, expires_at).await;
    refused(
        &h,
        &[signed(&h.owner, &envelope(&h, &other)), submit.clone()],
        EscrowError::OwnerMessageEscrowMismatch,
    )
    .await;
    // The submitter stretches the expiry the owner signed.
    refused(
        &h,
        &[
            signed(&h.owner, &envelope(&h, &good)),
            approve_ix(&h, &h.attacker.pubkey(), 0, expires_at + LIFETIME),
        ],
        EscrowError::OwnerMessageExpiryMismatch,
    )
    .await;
    // Another application domain (a message the owner signed for another program).
    let foreign = good
        .envelope(&anchor_spl::token::ID, &h.owner.pubkey())
        .unwrap();
    refused(
        &h,
        &[signed(&h.owner, &foreign), submit.clone()],
        EscrowError::OwnerMessageWrongDomain,
    )
    .await;
    // The untampered message still works after all of that.
    send(&h, &[signed(&h.owner, &envelope(&h, &good)), submit])
        .await
        .unwrap();
}

#[tokio::test]
async fn only_the_owner_signature_counts() {
    let h = case().await;
    let expires_at = h.now().await + LIFETIME;
    let good = message(&h, OwnerAction::ApproveRelease, 0, expires_at).await;
    let submit = approve_ix(&h, &h.attacker.pubkey(), 0, expires_at);
    // The agent, a provider, a stranger sign the owner's envelope; the
    // agent signs an envelope naming itself as the signer.
    for signer in [&h.agent, &h.providers[1], &h.attacker] {
        refused(
            &h,
            &[signed(signer, &envelope(&h, &good)), submit.clone()],
            EscrowError::OwnerMessageWrongSigner,
        )
        .await;
    }
    let self_named = good.envelope(&agent_escrow::ID, &h.agent.pubkey()).unwrap();
    refused(
        &h,
        &[signed(&h.agent, &self_named), submit.clone()],
        EscrowError::OwnerMessageWrongSigner,
    )
    .await;
    // The owner signed, but the envelope lists another signer.
    refused(
        &h,
        &[signed(&h.owner, &self_named), submit.clone()],
        EscrowError::OwnerMessageWrongSigner,
    )
    .await;
    // No signature at all; the on-chain `escrow_approve` needs the owner as signer.
    refused(
        &h,
        std::slice::from_ref(&submit),
        EscrowError::OwnerMessageMissing,
    )
    .await;
    let keys = h.keys(0, 1, None);
    let mut plain = instructions::escrow_approve(&h.owner.pubkey(), &keys);
    plain.accounts[0].is_signer = false;
    let before = h.balances().await;
    assert_code(
        send(&h, &[plain]).await,
        AnchorError::AccountNotSigner.into(),
    );
    assert_eq!(h.balances().await, before);
}

#[tokio::test]
async fn expired_messages_are_refused() {
    let h = case().await;
    let now = h.now().await;
    let m = message(&h, OwnerAction::ApproveRelease, 0, now + 60).await;
    let ixs = [
        signed(&h.owner, &envelope(&h, &m)),
        approve_ix(&h, &h.attacker.pubkey(), 0, now + 60),
    ];
    h.svm().advance_clock(60);
    refused(&h, &ixs, EscrowError::OwnerMessageExpired).await;
    // Expiring exactly now, and long ago.
    for at in [h.now().await, 0] {
        let m = message(&h, OwnerAction::ApproveRelease, 0, at).await;
        refused(
            &h,
            &[
                signed(&h.owner, &envelope(&h, &m)),
                approve_ix(&h, &h.attacker.pubkey(), 0, at),
            ],
            EscrowError::OwnerMessageExpired,
        )
        .await;
    }
    // An expiry the text cannot show (after 9999-12-31) is malformed.
    refused(
        &h,
        &[approve_ix(&h, &h.attacker.pubkey(), 0, MAX_EXPIRES_AT + 1)],
        EscrowError::OwnerMessageMalformed,
    )
    .await;
}

#[tokio::test]
async fn malformed_envelopes_and_offsets_are_refused() {
    let h = case().await;
    let expires_at = h.now().await + LIFETIME;
    let good = envelope(
        &h,
        &message(&h, OwnerAction::ApproveRelease, 0, expires_at).await,
    );
    let submit = approve_ix(&h, &h.attacker.pubkey(), 0, expires_at);
    let edited = |edit: &dyn Fn(&mut Vec<u8>)| {
        let mut e = good.clone();
        edit(&mut e);
        signed(&h.owner, &e)
    };
    let text_len = good.len() - HEADER_LEN;
    let cases: Vec<(&str, Instruction)> = vec![
        ("signing domain", edited(&|e| e[1] = b'S')),
        ("header version 1", edited(&|e| e[16] = 1)),
        (
            "format 1 (UTF-8: blind-signed on a Ledger)",
            edited(&|e| e[49] = 1),
        ),
        (
            "length field",
            edited(&|e| e[83..85].copy_from_slice(&(text_len as u16 - 1).to_le_bytes())),
        ),
        (
            "a line feed in the text",
            edited(&|e| e[HEADER_LEN + 13] = b'\n'),
        ),
        ("a trailing byte", edited(&|e| e.push(b' '))),
        ("cut short", edited(&|e| e.truncate(HEADER_LEN - 1))),
    ];
    for (what, ed25519) in cases {
        println!("malformed: {what}");
        refused(
            &h,
            &[ed25519, submit.clone()],
            EscrowError::OwnerMessageMalformed,
        )
        .await;
    }
    // Offsets into another instruction. Instruction 1 is a valid ed25519
    // check by the attacker carrying, after its own data, the owner's real
    // key, signature and envelope; instruction 0 verifies those bytes
    // through index 1. The precompile accepts it; the program must not.
    let signature: [u8; 64] = h.owner.sign_message(&good).into();
    let mut carrier = signed(&h.attacker, b"unrelated");
    let base = carrier.data.len() as u16;
    carrier.data.extend_from_slice(h.owner.pubkey().as_ref());
    carrier.data.extend_from_slice(&signature);
    carrier.data.extend_from_slice(&good);
    let pointer = offsets_to_ed25519_instruction(&[Ed25519SignatureOffsets {
        signature_offset: base + 32,
        signature_instruction_index: 1,
        public_key_offset: base,
        public_key_instruction_index: 1,
        message_data_offset: base + 96,
        message_data_size: good.len() as u16,
        message_instruction_index: 1,
    }]);
    refused(
        &h,
        &[pointer, carrier, submit.clone()],
        EscrowError::OwnerMessageMalformed,
    )
    .await;
    // The genuine message is accepted among them (the closest-miss search
    // goes on past bad candidates).
    send(
        &h,
        &[
            signed(&h.attacker, b"unrelated"),
            signed(&h.owner, &good),
            submit,
        ],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_message_for_the_wrong_tier_or_state_does_nothing() {
    let h = case().await;
    let expires_at = h.now().await + LIFETIME;
    // The owner signed "approve" for the delay-tier escrow #2, and "veto"
    // for the approval-tier escrow #0: the tiers still rule.
    let approve_delay = message(&h, OwnerAction::ApproveRelease, 2, expires_at).await;
    refused(
        &h,
        &[
            signed(&h.owner, &envelope(&h, &approve_delay)),
            instructions::escrow_approve_offchain(
                &h.attacker.pubkey(),
                &h.keys(2, 1, None),
                expires_at,
            ),
        ],
        EscrowError::NotApprovalTier,
    )
    .await;
    let veto_approval = message(&h, OwnerAction::VetoRelease, 0, expires_at).await;
    refused(
        &h,
        &[
            signed(&h.owner, &envelope(&h, &veto_approval)),
            veto_ix(&h, &h.attacker.pubkey(), 0, expires_at),
        ],
        EscrowError::NotDelayTier,
    )
    .await;
    // An approve message used with the veto instruction names another action.
    let approve = message(&h, OwnerAction::ApproveRelease, 2, expires_at).await;
    refused(
        &h,
        &[
            signed(&h.owner, &envelope(&h, &approve)),
            veto_ix(&h, &h.attacker.pubkey(), 2, expires_at),
        ],
        EscrowError::OwnerMessageWrongAction,
    )
    .await;
    // Signed in advance, before the proof (two days later, so the rolling
    // 24 h cap has room for another escrow): refused while the escrow is
    // Funded, and still refused once a proof lands, since the message
    // cannot name that proof's time.
    h.svm().advance_clock(2 * 86_400);
    let expires_at = h.now().await + LIFETIME;
    h.create_escrow(3, 1, APPROVAL_AMOUNT).await.unwrap();
    let early = message(&h, OwnerAction::ApproveRelease, 3, expires_at).await;
    let ixs = [
        signed(&h.owner, &envelope(&h, &early)),
        approve_ix(&h, &h.attacker.pubkey(), 3, expires_at),
    ];
    let before = h.balances().await;
    assert_program_error(send(&h, &ixs).await, EscrowError::InvalidEscrowState);
    h.svm().advance_clock(60);
    h.submit_proof(3, 1).await.unwrap();
    assert_program_error(send(&h, &ixs).await, EscrowError::OwnerMessageProofMismatch);
    assert_eq!(h.balances().await, before);
    assert_eq!(
        h.escrow_state(3).await.state,
        EscrowState::ProofSubmitted as u8
    );
    // Signed after the proof, it works.
    let late = message(&h, OwnerAction::ApproveRelease, 3, expires_at).await;
    send(
        &h,
        &[
            signed(&h.owner, &envelope(&h, &late)),
            approve_ix(&h, &h.attacker.pubkey(), 3, expires_at),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        h.balances().await["provider_1"],
        before["provider_1"] + APPROVAL_AMOUNT
    );
}

#[tokio::test]
async fn substituted_accounts_are_refused_on_the_offchain_path() {
    let h = case().await;
    let expires_at = h.now().await + LIFETIME;
    let m = message(&h, OwnerAction::ApproveRelease, 0, expires_at).await;
    let ed25519 = signed(&h.owner, &envelope(&h, &m));
    let keys = h.keys(0, 1, None);
    // The attacker's own token account as the provider's, the attacker as
    // the rent payer, another vault (provider 0's token account).
    let attacker_ata = h
        .client
        .create_ata(&h.attacker, &h.attacker.pubkey(), &h.mint)
        .await
        .unwrap();
    let cases = [
        (
            EscrowAccounts {
                provider_token: attacker_ata,
                ..keys
            },
            EscrowError::InvalidProviderTokenAccount,
        ),
        (
            EscrowAccounts {
                rent_payer: h.attacker.pubkey(),
                ..keys
            },
            EscrowError::RentPayerMismatch,
        ),
    ];
    for (bad, expected) in cases {
        let ix = instructions::escrow_approve_offchain(&h.attacker.pubkey(), &bad, expires_at);
        refused(&h, &[ed25519.clone(), ix], expected).await;
    }
    let mut ix = approve_ix(&h, &h.attacker.pubkey(), 0, expires_at);
    ix.accounts[2].pubkey = h.ata(&h.providers[0].pubkey());
    refused(&h, &[ed25519.clone(), ix], EscrowError::VaultMismatch).await;
    // Another instructions "sysvar".
    let mut ix = approve_ix(&h, &h.attacker.pubkey(), 0, expires_at);
    ix.accounts[8].pubkey = h.attacker.pubkey();
    let before = h.balances().await;
    assert_code(
        send(&h, &[ed25519.clone(), ix]).await,
        AnchorError::ConstraintAddress.into(),
    );
    assert_eq!(h.balances().await, before);
    // The right accounts still work.
    send(
        &h,
        &[ed25519, approve_ix(&h, &h.attacker.pubkey(), 0, expires_at)],
    )
    .await
    .unwrap();
}

/// An ed25519 instruction with several signatures, each `(key, signature,
/// message)` laid out after the offsets; `index` is the instruction's own
/// index written explicitly (instead of u16::MAX) when given.
fn multi_signed(entries: &[(Pubkey, [u8; 64], Vec<u8>)], index: Option<u16>) -> Instruction {
    let own = index.unwrap_or(u16::MAX);
    let header = 2 + 14 * entries.len();
    let mut data = vec![entries.len() as u8, 0];
    let mut body = Vec::new();
    for (key, signature, message) in entries {
        let base = (header + body.len()) as u16;
        for field in [
            base + 32,
            own,
            base,
            own,
            base + 96,
            message.len() as u16,
            own,
        ] {
            data.extend_from_slice(&field.to_le_bytes());
        }
        body.extend_from_slice(key.as_ref());
        body.extend_from_slice(signature);
        body.extend_from_slice(message);
    }
    data.extend_from_slice(&body);
    Instruction {
        program_id: agent_escrow::ed25519::ED25519_PROGRAM_ID,
        accounts: vec![],
        data,
    }
}

#[tokio::test]
async fn the_owner_signature_may_be_anywhere_in_the_ed25519_instruction() {
    let h = case().await;
    let expires_at = h.now().await + LIFETIME;
    let good = envelope(
        &h,
        &message(&h, OwnerAction::ApproveRelease, 0, expires_at).await,
    );
    let noise = b"unrelated".to_vec();
    let entry =
        |k: &Keypair, m: &Vec<u8>| (k.pubkey(), <[u8; 64]>::from(k.sign_message(m)), m.clone());
    // A stranger's signature first, the owner's second, in one instruction.
    let two = multi_signed(&[entry(&h.attacker, &noise), entry(&h.owner, &good)], None);
    // Only wrong ones: the closest miss is reported.
    let wrong = multi_signed(&[entry(&h.attacker, &noise), entry(&h.agent, &good)], None);
    refused(
        &h,
        &[wrong, approve_ix(&h, &h.attacker.pubkey(), 0, expires_at)],
        EscrowError::OwnerMessageWrongSigner,
    )
    .await;
    send(
        &h,
        &[two, approve_ix(&h, &h.attacker.pubkey(), 0, expires_at)],
    )
    .await
    .unwrap();
    // The instruction's own index written explicitly (0) is "this
    // instruction" as u16::MAX is; index 1 (the escrow instruction) is not.
    let m = message(&h, OwnerAction::ApproveRelease, 1, expires_at).await;
    let e1 = envelope(&h, &m);
    let wrong_index = multi_signed(&[entry(&h.owner, &e1)], Some(1));
    let before = h.balances().await;
    assert!(send(
        &h,
        &[
            wrong_index,
            approve_ix(&h, &h.attacker.pubkey(), 1, expires_at)
        ]
    )
    .await
    .is_err());
    assert_eq!(h.balances().await, before);
    let explicit = multi_signed(&[entry(&h.owner, &e1)], Some(0));
    send(
        &h,
        &[
            explicit,
            approve_ix(&h, &h.attacker.pubkey(), 1, expires_at),
        ],
    )
    .await
    .unwrap();
}

/// The Ledger Solana app's checks on an off-chain message (LedgerHQ/app-solana
/// `handle_sign_offchain_message.c` and `libsol/parser.c`
/// `parse_offchain_message_header`), restated: `Ok(true)` when the app signs
/// it showing the text itself, `Ok(false)` when it would show only a hash
/// (blind signing), `Err` when it refuses it.
fn ledger_app_verdict(envelope: &[u8], device_key: &Pubkey) -> Result<bool, &'static str> {
    const MAX_OFFCHAIN_MESSAGE_LENGTH: usize = 1_212;
    if envelope.len() > MAX_OFFCHAIN_MESSAGE_LENGTH {
        return Err("ApduReplySolanaInvalidMessageSize");
    }
    let header = "ApduReplySolanaInvalidMessageHeader";
    if envelope.get(..16) != Some(b"\xffsolana offchain".as_slice()) {
        return Err(header);
    }
    let version = *envelope.get(16).ok_or(header)?;
    let (format, mut at) = if version == 0 {
        (*envelope.get(49).ok_or(header)?, 50)
    } else {
        (0, 17)
    };
    let signers = usize::from(*envelope.get(at).ok_or(header)?);
    at += 1;
    let keys = envelope.get(at..at + 32 * signers).ok_or(header)?;
    at += 32 * signers;
    let length = u16::from_le_bytes(envelope.get(at..at + 2).ok_or(header)?.try_into().unwrap());
    let text = &envelope[at + 2..];
    if version > 1 || length == 0 || usize::from(length) != text.len() || signers == 0 {
        return Err(header);
    }
    if version == 0 && format > 1 {
        return Err(header);
    }
    if !keys.chunks(32).any(|k| k == device_key.as_ref()) {
        return Err(header);
    }
    // Older releases: 0x20..=0x7e only; newer ones also let 0x0a through.
    let ascii = text.iter().all(|b| (0x20..=0x7e).contains(b));
    let utf8 = ascii || std::str::from_utf8(text).is_ok();
    if !utf8 || (version == 0 && !ascii && format == 0) {
        return Err("ApduReplySolanaInvalidMessageFormat");
    }
    Ok(ascii)
}

#[tokio::test]
async fn envelopes_pass_the_ledger_app_rules_in_clear_text() {
    let h = case().await;
    let expires_at = h.now().await + LIFETIME;
    let m = message(&h, OwnerAction::ApproveRelease, 0, expires_at).await;
    let signable = SignableMessage::new(m, h.owner.pubkey()).unwrap();
    assert_eq!(
        ledger_app_verdict(&signable.envelope, &h.owner.pubkey()),
        Ok(true)
    );
    assert!(solana_offchain_message::is_printable_ascii(
        signable.text.as_bytes()
    ));
    // The exact text the device shows.
    assert_eq!(
        signable.text,
        format!(
            "agent-escrow: approve release | amount: 90.000000 of mint {} | to: {} | escrow: {} | policy: {} | proof submitted: {} | expires: {}",
            h.mint,
            h.providers[1].pubkey(),
            h.escrow(0),
            h.policy(),
            agent_escrow_client::preflight::utc(h.escrow_state(0).await.state_at),
            agent_escrow_client::preflight::utc(expires_at)
        )
    );
    assert_eq!(&signable.envelope[..16], b"\xffsolana offchain");
    assert_eq!(signable.envelope[16], 0, "header version");
    assert_eq!(
        &signable.envelope[17..49],
        agent_escrow::ID.as_ref(),
        "application domain"
    );
    assert_eq!(
        (signable.envelope[49], signable.envelope[50]),
        (0, 1),
        "format, signer count"
    );
    assert_eq!(&signable.envelope[51..83], h.owner.pubkey().as_ref());
    assert_eq!(
        usize::from(u16::from_le_bytes([
            signable.envelope[83],
            signable.envelope[84]
        ])),
        signable.text.len()
    );
    // The device refuses a message its key is not listed in.
    assert!(ledger_app_verdict(&signable.envelope, &h.agent.pubkey()).is_err());
    // The largest message any escrow can produce still fits the app and a
    // transaction: u64::MAX base units, an unnamed mint, 44-character keys,
    // the last second of year 9999.
    let long_key = Pubkey::new_from_array([0xff; 32]);
    assert_eq!(long_key.to_string().len(), 44);
    let largest = OwnerMessage {
        action: OwnerAction::ApproveRelease,
        amount: u64::MAX,
        decimals: 6,
        mint: long_key,
        provider: long_key,
        escrow: long_key,
        policy: long_key,
        proof_at: MAX_EXPIRES_AT,
        expires_at: MAX_EXPIRES_AT,
    };
    let envelope = largest.envelope(&agent_escrow::ID, &long_key).unwrap();
    assert_eq!(ledger_app_verdict(&envelope, &long_key), Ok(true));
    assert!(envelope.len() <= LEDGER_MAX_ENVELOPE_LEN);
    println!("largest owner envelope: {} bytes", envelope.len());
    let signature = [7u8; 64];
    let keys = EscrowAccounts {
        depends_on: Some(long_key),
        ..h.keys(0, 1, None)
    };
    let ixs = [
        instructions::ed25519_signature(&long_key, &signature, &envelope),
        instructions::escrow_approve_offchain(&h.attacker.pubkey(), &keys, MAX_EXPIRES_AT),
    ];
    let size = transaction_size(&ixs, &h.attacker.pubkey());
    println!(
        "largest ed25519 + escrow_approve_offchain transaction (with depends_on): {size} bytes"
    );
    assert!(size <= 1_232, "transaction is {size} bytes");
    // A text with a line feed is refused by the proposal's format 0 (and by
    // older app releases): the program refuses it too (see the malformed test).
    let mut lf = signable.envelope.clone();
    lf[HEADER_LEN + 13] = b'\n';
    assert_eq!(
        ledger_app_verdict(&lf, &h.owner.pubkey()),
        Err("ApduReplySolanaInvalidMessageFormat")
    );
}

#[tokio::test]
async fn usdc_mints_are_named_usdc() {
    // A harness whose mint sits at mainnet USDC's address (its account
    // copied there), so the text on the .so says "USDC".
    let mut h = Harness::bare().await;
    h.client
        .create_mint(&h.mint_authority, &key(9), &h.mint_authority.pubkey(), 6)
        .await
        .unwrap();
    let usdc = USDC_MINTS[0];
    h.svm().with_svm(|svm| {
        let account = svm.get_account(&key(9).pubkey()).unwrap();
        svm.set_account(usdc, account).unwrap();
    });
    h.mint = usdc;
    let h = h.fund().await;
    h.policy_create(default_limits(h.agent.pubkey()))
        .await
        .unwrap();
    h.deposit(500 * USDC).await.unwrap();
    h.create_escrow(0, 1, APPROVAL_AMOUNT).await.unwrap();
    h.submit_proof(0, 1).await.unwrap();
    let expires_at = h.now().await + LIFETIME;
    let m = message(&h, OwnerAction::ApproveRelease, 0, expires_at).await;
    let text = SignableMessage::new(m, h.owner.pubkey()).unwrap().text;
    assert!(
        text.starts_with("agent-escrow: approve release | amount: 90.000000 USDC | to: "),
        "{text}"
    );
    let before = h.balances().await;
    send(
        &h,
        &[
            signed(&h.owner, &envelope(&h, &m)),
            approve_ix(&h, &h.attacker.pubkey(), 0, expires_at),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        h.balances().await["provider_1"],
        before["provider_1"] + APPROVAL_AMOUNT
    );
}
