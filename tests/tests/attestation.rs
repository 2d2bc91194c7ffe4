//! Verified proofs: the verifier's ed25519 attestation, found through the
//! instructions sysvar, binding program, escrow, provider, mint, amount and
//! proof hash.

use agent_escrow::{error::EscrowError, state::EscrowState};
use agent_escrow_client::{
    instructions::{self, EscrowAccounts},
    Keypair, Signer,
};
use agent_escrow_tests::*;
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use solana_ed25519_program::{offsets_to_ed25519_instruction, Ed25519SignatureOffsets};

const AMOUNT: u64 = 20 * USDC;

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

    async fn send(
        &self,
        ixs: &[Instruction],
    ) -> Result<agent_escrow_client::transport::TxOutcome, agent_escrow_client::ClientError> {
        self.h.client.send(ixs, &self.h.providers[0], &[]).await
    }
}

#[tokio::test]
async fn valid_attestation_releases_and_fits_a_transaction() {
    let c = case().await;
    let before = c.h.balances().await;
    let ixs = [signed(&c.verifier, &c.message()), c.submit()];
    // Transaction size limit: 1,232 bytes (packet data size, agave `PACKET_DATA_SIZE`).
    let message =
        solana_transaction::Transaction::new_with_payer(&ixs, Some(&c.h.providers[0].pubkey()))
            .message;
    let size =
        1 + 64 * usize::from(message.header.num_required_signatures) + message.serialize().len();
    assert!(size <= 1_232, "transaction is {size} bytes");
    println!("ed25519 + escrow_submit_proof transaction: {size} bytes");
    c.send(&ixs).await.unwrap();
    assert_eq!(
        c.h.balances().await["provider_0"],
        before["provider_0"] + AMOUNT
    );
    assert_eq!(c.h.escrow_state(0).await.state, EscrowState::Released as u8);
}

#[tokio::test]
async fn attestation_found_at_any_index() {
    let c = case().await;
    c.send(&[c.submit(), signed(&c.verifier, &c.message())])
        .await
        .unwrap();
    assert_eq!(c.h.escrow_state(0).await.state, EscrowState::Released as u8);
}

#[tokio::test]
async fn missing_attestation_rejected() {
    let c = case().await;
    let before = c.h.balances().await;
    assert_program_error(c.send(&[c.submit()]).await, EscrowError::AttestationMissing);
    assert_eq!(c.h.balances().await, before);
    assert_eq!(c.h.escrow_state(0).await.state, EscrowState::Funded as u8);
}

#[tokio::test]
async fn wrong_signer_rejected() {
    let c = case().await;
    let ixs = [signed(&c.h.attacker, &c.message()), c.submit()];
    assert_program_error(c.send(&ixs).await, EscrowError::AttestationWrongSigner);
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
    assert_program_error(
        c.send(&[signed(&c.verifier, &message), c.submit()]).await,
        EscrowError::AttestationWrongProgram,
    );
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
    assert_program_error(
        c.send(&[signed(&c.verifier, &message), c.submit()]).await,
        EscrowError::AttestationWrongEscrow,
    );
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
        assert_program_error(
            c.send(&[signed(&c.verifier, &message), c.submit()]).await,
            EscrowError::AttestationFieldMismatch,
        );
    }
    // And the attested proof must be the one submitted.
    let ix = instructions::escrow_submit_proof(&provider, &c.keys, proof_hash(8));
    assert_program_error(
        c.send(&[signed(&c.verifier, &c.message()), ix]).await,
        EscrowError::AttestationFieldMismatch,
    );
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
    let before = c.h.balances().await;
    assert_program_error(
        c.send(&[pointer, carrier, c.submit()]).await,
        EscrowError::AttestationMalformed,
    );
    assert_eq!(c.h.balances().await, before);
}

#[tokio::test]
async fn one_valid_among_several_ed25519_instructions_suffices() {
    let c = case().await;
    let ixs = [
        signed(&c.h.attacker, &c.message()),
        c.submit(),
        signed(&c.verifier, &c.message()),
    ];
    c.send(&ixs).await.unwrap();
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
    assert_program_error(c.send(&ixs).await, EscrowError::AttestationWrongEscrow);
}

#[tokio::test]
async fn escrow_without_verifier_ignores_attestations() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, AMOUNT).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    assert_eq!(h.escrow_state(0).await.state, EscrowState::Released as u8);
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
        Err(agent_escrow_client::ClientError::Program(f)) => {
            assert_eq!(f.instruction_index, 0, "{f}")
        }
        Err(agent_escrow_client::ClientError::Transaction { .. }) => {}
        other => panic!("forged signature accepted: {other:?}"),
    }
    assert_eq!(c.h.balances().await, before);
    assert_eq!(c.h.escrow_state(0).await.state, EscrowState::Funded as u8);
}
