//! Verified proofs: the verifier's ed25519 attestation, found through the
//! instructions sysvar, binding program, escrow, provider, mint, amount and
//! proof hash. In v2 an escrow closes when it settles and its id can never
//! be claimed again, so an attestation made for a settled escrow can never
//! apply to anything.

use agent_escrow::{error::EscrowError, state::EscrowState};
use agent_escrow_client::{
    events::EscrowEvent,
    instructions::{self, EscrowAccounts},
    transport::{Transport, TxOutcome},
    ClientError, Keypair, Signer,
};
use agent_escrow_tests::*;
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use solana_ed25519_program::{offsets_to_ed25519_instruction, Ed25519SignatureOffsets};

const AMOUNT: u64 = 20 * USDC;
/// An escrow naming a verifier: the fixed part and the verifier key.
const VERIFIED_ESCROW_LEN: usize = 152 + 32;

struct Case {
    h: Harness,
    verifier: Keypair,
    keys: EscrowAccounts,
}

/// An instant-tier escrow (#0, 20 USDC, provider 0) that names a verifier.
async fn case() -> Case {
    let h = Harness::with_policy().await;
    let verifier = key(50);
    let mut args = h
        .escrow_args(0, h.providers[0].pubkey(), AMOUNT, 86_400)
        .await;
    args.verifier = Some(verifier.pubkey());
    h.create_escrow_with(args).await.unwrap();
    let keys = h.keys(0, 0, None);
    Case { h, verifier, keys }
}

fn signed(signer: &Keypair, message: &[u8]) -> Instruction {
    let signature: [u8; 64] = signer.sign_message(message).as_ref().try_into().unwrap();
    instructions::ed25519_attestation(&signer.pubkey(), &signature, message)
}

async fn lamports(h: &Harness, key: &Pubkey) -> u64 {
    h.svm()
        .get_account(key)
        .await
        .unwrap()
        .map_or(0, |a| a.lamports)
}

/// Asserts that `outcome` paid escrow `id` (of `space` bytes) in full to
/// provider `p` (ProofSubmitted then EscrowReleased) and closed it in the
/// same transaction, returning its rent to the rent payer.
async fn assert_released_and_closed(
    h: &Harness,
    outcome: &TxOutcome,
    id: u64,
    p: usize,
    amount: u64,
    space: usize,
) {
    let names: Vec<&str> = outcome.events.iter().map(|e| e.name()).collect();
    assert_eq!(names, ["ProofSubmitted", "EscrowReleased"], "escrow {id}");
    let rent = h
        .svm()
        .minimum_balance_for_rent_exemption(space)
        .await
        .unwrap();
    match &outcome.events[1] {
        EscrowEvent::EscrowReleased(e) => {
            assert_eq!(e.escrow, h.escrow(id));
            assert_eq!(e.provider, h.providers[p].pubkey());
            assert_eq!(e.amount, amount);
            assert_eq!(e.state, EscrowState::Released);
            assert_eq!(e.rent_returned, rent);
            assert_eq!(e.locked, 0);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        h.client.escrow(&h.escrow(id)).await.unwrap().is_none(),
        "escrow {id} still exists after its release"
    );
}

impl Case {
    fn message(&self) -> [u8; 192] {
        instructions::attestation(
            &self.keys,
            &self.h.providers[0].pubkey(),
            AMOUNT,
            &proof_hash(0),
        )
    }

    fn submit(&self) -> Instruction {
        instructions::escrow_submit_proof(&self.h.providers[0].pubkey(), &self.keys, proof_hash(0))
    }

    async fn send(&self, ixs: &[Instruction]) -> Result<TxOutcome, ClientError> {
        self.h.client.send(ixs, &self.h.providers[0], &[]).await
    }

    /// Sends `ixs`, which must fail with `expected` and leave the escrow
    /// Funded and every balance as it was.
    async fn refused(&self, ixs: &[Instruction], expected: EscrowError) {
        let before = self.h.balances().await;
        assert_program_error(self.send(ixs).await, expected);
        assert_eq!(self.h.balances().await, before);
        assert_eq!(
            self.h.escrow_state(0).await.state,
            EscrowState::Funded as u8
        );
    }
}

#[tokio::test]
async fn valid_attestation_releases_and_fits_a_transaction() {
    let c = case().await;
    let before = c.h.balances().await;
    let rent_payer_before = lamports(&c.h, &c.h.agent.pubkey()).await;
    let ixs = [signed(&c.verifier, &c.message()), c.submit()];
    // Transaction size limit: 1,232 bytes (packet data size, agave `PACKET_DATA_SIZE`).
    let message =
        solana_transaction::Transaction::new_with_payer(&ixs, Some(&c.h.providers[0].pubkey()))
            .message;
    let size =
        1 + 64 * usize::from(message.header.num_required_signatures) + message.serialize().len();
    assert!(size <= 1_232, "transaction is {size} bytes");
    println!("ed25519 + escrow_submit_proof transaction: {size} bytes");
    let outcome = c.send(&ixs).await.unwrap();
    assert_released_and_closed(&c.h, &outcome, 0, 0, AMOUNT, VERIFIED_ESCROW_LEN).await;
    let after = c.h.balances().await;
    assert_eq!(after["provider_0"], before["provider_0"] + AMOUNT);
    assert_eq!(after["vault"], before["vault"] - AMOUNT);
    assert_eq!((before["locked"], after["locked"]), (AMOUNT, 0));
    let rent =
        c.h.svm()
            .minimum_balance_for_rent_exemption(VERIFIED_ESCROW_LEN)
            .await
            .unwrap();
    assert_eq!(
        lamports(&c.h, &c.h.agent.pubkey()).await,
        rent_payer_before + rent
    );
}

#[tokio::test]
async fn attestation_found_at_any_index() {
    let c = case().await;
    let outcome = c
        .send(&[c.submit(), signed(&c.verifier, &c.message())])
        .await
        .unwrap();
    assert_released_and_closed(&c.h, &outcome, 0, 0, AMOUNT, VERIFIED_ESCROW_LEN).await;
}

#[tokio::test]
async fn missing_attestation_rejected() {
    let c = case().await;
    c.refused(&[c.submit()], EscrowError::AttestationMissing)
        .await;
}

#[tokio::test]
async fn wrong_signer_rejected() {
    let c = case().await;
    let ixs = [signed(&c.h.attacker, &c.message()), c.submit()];
    c.refused(&ixs, EscrowError::AttestationWrongSigner).await;
}

#[tokio::test]
async fn attestation_for_another_program_rejected() {
    let c = case().await;
    let message = agent_escrow::attestation::attestation_message(
        &Pubkey::new_from_array([7; 32]),
        &c.keys.escrow,
        &c.h.providers[0].pubkey(),
        &c.h.mint,
        AMOUNT,
        &proof_hash(0),
    );
    c.refused(
        &[signed(&c.verifier, &message), c.submit()],
        EscrowError::AttestationWrongProgram,
    )
    .await;
}

#[tokio::test]
async fn attestation_replayed_from_another_escrow_rejected() {
    // The verifier attested escrow #1's proof; it is replayed onto escrow #0.
    let c = case().await;
    let other = EscrowAccounts {
        escrow: c.h.escrow(1),
        ..c.keys
    };
    let message =
        instructions::attestation(&other, &c.h.providers[0].pubkey(), AMOUNT, &proof_hash(0));
    c.refused(
        &[signed(&c.verifier, &message), c.submit()],
        EscrowError::AttestationWrongEscrow,
    )
    .await;
}

#[tokio::test]
async fn altered_fields_rejected() {
    let c = case().await;
    let provider = c.h.providers[0].pubkey();
    let altered = [
        instructions::attestation(&c.keys, &c.h.providers[1].pubkey(), AMOUNT, &proof_hash(0)),
        instructions::attestation(&c.keys, &provider, AMOUNT + 1, &proof_hash(0)),
        instructions::attestation(&c.keys, &provider, AMOUNT, &proof_hash(9)),
        instructions::attestation(
            &EscrowAccounts {
                mint: Pubkey::new_from_array([3; 32]),
                ..c.keys
            },
            &provider,
            AMOUNT,
            &proof_hash(0),
        ),
    ];
    for message in altered {
        c.refused(
            &[signed(&c.verifier, &message), c.submit()],
            EscrowError::AttestationFieldMismatch,
        )
        .await;
    }
    // And the attested proof must be the one submitted.
    let ix = instructions::escrow_submit_proof(&provider, &c.keys, proof_hash(8));
    c.refused(
        &[signed(&c.verifier, &c.message()), ix],
        EscrowError::AttestationFieldMismatch,
    )
    .await;
}

#[tokio::test]
async fn offsets_into_another_instruction_rejected() {
    // Instruction 1 is a valid ed25519 check by the attacker, carrying (after
    // its own data) the verifier's real key, signature and message.
    // Instruction 0 verifies those bytes through instruction index 1: the
    // precompile accepts it, the program must not.
    let c = case().await;
    let message = c.message();
    let verifier_sig: [u8; 64] = c
        .verifier
        .sign_message(&message)
        .as_ref()
        .try_into()
        .unwrap();
    let mut carrier = signed(&c.h.attacker, b"unrelated");
    let base = carrier.data.len() as u16;
    carrier.data.extend_from_slice(c.verifier.pubkey().as_ref());
    carrier.data.extend_from_slice(&verifier_sig);
    carrier.data.extend_from_slice(&message);
    let pointer = offsets_to_ed25519_instruction(&[Ed25519SignatureOffsets {
        signature_offset: base + 32,
        signature_instruction_index: 1,
        public_key_offset: base,
        public_key_instruction_index: 1,
        message_data_offset: base + 96,
        message_data_size: 192,
        message_instruction_index: 1,
    }]);
    c.refused(
        &[pointer, carrier, c.submit()],
        EscrowError::AttestationMalformed,
    )
    .await;
}

#[tokio::test]
async fn one_valid_among_several_ed25519_instructions_suffices() {
    let c = case().await;
    let ixs = [
        signed(&c.h.attacker, &c.message()),
        c.submit(),
        signed(&c.verifier, &c.message()),
    ];
    let outcome = c.send(&ixs).await.unwrap();
    assert_released_and_closed(&c.h, &outcome, 0, 0, AMOUNT, VERIFIED_ESCROW_LEN).await;
    // Two bad ones report the closest miss (wrong escrow beats wrong signer).
    let c = case().await;
    let other = EscrowAccounts {
        escrow: c.h.escrow(1),
        ..c.keys
    };
    let replay =
        instructions::attestation(&other, &c.h.providers[0].pubkey(), AMOUNT, &proof_hash(0));
    let ixs = [
        signed(&c.h.attacker, &c.message()),
        signed(&c.verifier, &replay),
        c.submit(),
    ];
    c.refused(&ixs, EscrowError::AttestationWrongEscrow).await;
}

#[tokio::test]
async fn escrow_without_verifier_ignores_attestations() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, AMOUNT).await.unwrap();
    // An attestation from some key rides along; the escrow names no verifier.
    let keys = h.keys(0, 0, None);
    let message =
        instructions::attestation(&keys, &h.providers[0].pubkey(), AMOUNT, &proof_hash(0));
    let ixs = [
        signed(&h.attacker, &message),
        instructions::escrow_submit_proof(&h.providers[0].pubkey(), &keys, proof_hash(0)),
    ];
    let outcome = h.client.send(&ixs, &h.providers[0], &[]).await.unwrap();
    assert_released_and_closed(&h, &outcome, 0, 0, AMOUNT, 152).await;
    assert_eq!(h.balances().await["provider_0"], AMOUNT);
}

#[tokio::test]
async fn forged_signature_fails_in_the_precompile() {
    // The runtime's ed25519 precompile rejects the transaction before the
    // program runs: the harness really verifies signatures.
    let c = case().await;
    let mut forged = signed(&c.verifier, &c.message());
    let sig_at = solana_ed25519_program::DATA_START + 32;
    forged.data[sig_at] ^= 1;
    let before = c.h.balances().await;
    match c.send(&[forged, c.submit()]).await {
        Err(ClientError::Program(f)) => {
            assert_eq!(f.instruction_index, 0, "{f}")
        }
        Err(ClientError::Transaction { .. }) => {}
        other => panic!("forged signature accepted: {other:?}"),
    }
    assert_eq!(c.h.balances().await, before);
    assert_eq!(c.h.escrow_state(0).await.state, EscrowState::Funded as u8);
}

#[tokio::test]
async fn attestation_of_a_settled_escrow_can_never_be_used_again() {
    // Escrow #0 is released with a valid attestation and closed.
    let c = case().await;
    let attestation = signed(&c.verifier, &c.message());
    let outcome = c.send(&[attestation.clone(), c.submit()]).await.unwrap();
    assert_released_and_closed(&c.h, &outcome, 0, 0, AMOUNT, VERIFIED_ESCROW_LEN).await;
    let h = &c.h;
    let paid = h.balances().await;
    assert_eq!(paid["provider_0"], AMOUNT);

    // Replaying the same attestation + proof: the escrow is gone (its
    // address is owned by the system program again), nothing moves.
    let replay = c.send(&[attestation.clone(), c.submit()]).await;
    assert_code(replay, 3007); // Anchor AccountOwnedByWrongProgram
    assert_eq!(h.balances().await, paid);

    // The agent cannot re-create escrow #0 (same provider, amount and
    // verifier) to make the old attestation valid again: the id is spent.
    let recreate = || async {
        let mut args = h
            .escrow_args(0, h.providers[0].pubkey(), AMOUNT, 86_400)
            .await;
        args.verifier = Some(c.verifier.pubkey());
        let balances = h.balances().await;
        let before = h.policy_state().await;
        let result = h.create_escrow_with(args).await;
        assert_program_error(result, EscrowError::EscrowIdUnavailable);
        let after = h.policy_state().await;
        assert_eq!(after.escrows_created, before.escrows_created);
        assert_eq!(after.locked, before.locked);
        assert_eq!(after.next_escrow_id, before.next_escrow_id);
        assert!(h.client.escrow(&h.escrow(0)).await.unwrap().is_none());
        assert_code(c.send(&[attestation.clone(), c.submit()]).await, 3007);
        assert_eq!(h.balances().await, balances);
    };
    recreate().await;
    assert_eq!(h.policy_state().await.next_escrow_id, 1);

    // Still impossible after the id window has moved on: id 255 makes
    // next_escrow_id 256 (id 0 is at the window's lower edge, still marked
    // used), id 511 makes it 512 (id 0 is below the window).
    for (id, next) in [(255u64, 256u64), (511, 512)] {
        h.create_escrow(id, 1, USDC).await.unwrap();
        assert_eq!(h.policy_state().await.next_escrow_id, next);
        recreate().await;
    }
    // The ids between stay usable once (e.g. 300), never twice.
    h.create_escrow(300, 1, USDC).await.unwrap();
    assert_program_error(
        h.create_escrow(300, 1, USDC).await,
        EscrowError::EscrowIdUnavailable,
    );
}
