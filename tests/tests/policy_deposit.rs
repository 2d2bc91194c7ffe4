use agent_escrow::error::EscrowError;
use agent_escrow_client::{events::EscrowEvent, instructions, Signer};
use agent_escrow_tests::*;
use anchor_lang::{error::ErrorCode as AnchorError, prelude::Pubkey};

async fn with_empty_policy() -> Harness {
    let h = Harness::new().await;
    h.policy_create(default_limits(h.agent.pubkey()))
        .await
        .unwrap();
    h
}

fn withdraw(h: &Harness, amount: u64) -> anchor_lang::solana_program::instruction::Instruction {
    instructions::policy_withdraw(
        &h.owner.pubkey(),
        &h.policy(),
        &h.mint,
        &h.token_program,
        &h.owner_ata,
        amount,
    )
}

/// A funded ATA of `owner` holding `amount` (minted).
async fn funded_ata(h: &Harness, owner: &Pubkey, amount: u64) -> Pubkey {
    let ata = h.client.create_ata(&h.owner, owner, &h.mint).await.unwrap();
    h.client
        .mint_to(&h.mint_authority, &h.mint, &h.mint_authority, &ata, amount)
        .await
        .unwrap();
    ata
}

#[tokio::test]
async fn deposit_moves_tokens_and_emits() {
    let h = with_empty_policy().await;
    let before = h.balances().await;
    let out = h.deposit(500 * USDC).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["owner"], before["owner"] - 500 * USDC);
    assert_eq!(after["vault"], 500 * USDC);
    assert_eq!(after["locked"], 0);
    assert_eq!(h.policy_state().await.total_deposited, 500 * USDC);
    match out.events.as_slice() {
        [EscrowEvent::Deposited(e)] => {
            assert_eq!(
                (e.policy, e.depositor, e.amount, e.vault_balance),
                (h.policy(), h.owner.pubkey(), 500 * USDC, 500 * USDC)
            )
        }
        other => panic!("unexpected events {other:?}"),
    }
    // A second deposit reports the running balance (locked amounts included).
    h.create_escrow(0, 0, 100 * USDC).await.unwrap();
    let out = h.deposit(1).await.unwrap();
    match out.events.as_slice() {
        [EscrowEvent::Deposited(e)] => assert_eq!(e.vault_balance, 500 * USDC + 1),
        other => panic!("unexpected events {other:?}"),
    }
    let end = h.balances().await;
    assert_eq!((end["vault"], end["locked"]), (500 * USDC + 1, 100 * USDC));
    assert_eq!(h.policy_state().await.total_deposited, 500 * USDC + 1);
}

#[tokio::test]
async fn anyone_can_deposit() {
    let h = with_empty_policy().await;
    let source = funded_ata(&h, &h.cranker.pubkey(), 7 * USDC).await;
    let ix = instructions::policy_deposit(
        &h.policy(),
        &h.mint,
        &h.token_program,
        &h.cranker.pubkey(),
        &source,
        7 * USDC,
    );
    let out = h.send(ix, &h.cranker).await.unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::Deposited(e)] if e.depositor == h.cranker.pubkey() && e.amount == 7 * USDC && e.vault_balance == 7 * USDC
    ));
    assert_eq!(h.client.token_balance(&source).await.unwrap(), 0);
    assert_eq!(h.balances().await["vault"], 7 * USDC);
    // Spending someone else's tokens fails in the token program (owner mismatch: error 4).
    let ix = instructions::policy_deposit(
        &h.policy(),
        &h.mint,
        &h.token_program,
        &h.attacker.pubkey(),
        &h.owner_ata,
        USDC,
    );
    let before = h.balances().await;
    assert_code(h.send(ix, &h.attacker).await, 4);
    assert_eq!(h.balances().await, before);
}

#[tokio::test]
async fn zero_deposit_rejected() {
    let h = with_empty_policy().await;
    let before = h.balances().await;
    assert_program_error(h.deposit(0).await, EscrowError::ZeroAmount);
    assert_eq!(h.balances().await, before);
    assert_eq!(h.policy_state().await.total_deposited, 0);
}

#[tokio::test]
async fn deposit_into_substituted_vault_rejected() {
    // Given a policy and an attacker-owned token account in the same mint.
    let h = with_empty_policy().await;
    let attacker_ata = h
        .client
        .create_ata(&h.attacker, &h.attacker.pubkey(), &h.mint)
        .await
        .unwrap();
    // When the deposit names the attacker's account as the vault.
    let mut ix = instructions::policy_deposit(
        &h.policy(),
        &h.mint,
        &h.token_program,
        &h.owner.pubkey(),
        &h.owner_ata,
        USDC,
    );
    ix.accounts[2].pubkey = attacker_ata;
    let before = h.balances().await;
    let result = h.client.send(&[ix], &h.owner, &[]).await;
    // Then has_one = vault rejects it and nothing moves.
    assert_program_error(result, EscrowError::VaultMismatch);
    assert_eq!(h.balances().await, before);
    assert_eq!(h.client.token_balance(&attacker_ata).await.unwrap(), 0);
}

#[tokio::test]
async fn tokens_sent_directly_to_the_vault_are_free_balance() {
    // Given 100 deposited, 60 locked by an escrow, and 25 USDC transferred
    // straight to the vault (no deposit instruction).
    let h = with_empty_policy().await;
    h.deposit(100 * USDC).await.unwrap();
    h.create_escrow(0, 0, 60 * USDC).await.unwrap();
    h.client
        .mint_to(
            &h.mint_authority,
            &h.mint,
            &h.mint_authority,
            &h.vault(),
            25 * USDC,
        )
        .await
        .unwrap();
    let before = h.balances().await;
    assert_eq!((before["vault"], before["locked"]), (125 * USDC, 60 * USDC));
    assert_eq!(h.policy_state().await.total_deposited, 100 * USDC);
    // The free balance is vault - locked = 65: an escrow can lock it...
    let out = h.create_escrow(1, 1, 5 * USDC).await.unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::EscrowCreated(e)] if (e.free_balance, e.locked) == (60 * USDC, 65 * USDC)
    ));
    // ...and the owner can withdraw exactly the rest.
    assert_program_error(
        h.send(withdraw(&h, 60 * USDC + 1), &h.owner).await,
        EscrowError::InsufficientVaultBalance,
    );
    let out = h.send(withdraw(&h, 60 * USDC), &h.owner).await.unwrap();
    assert!(matches!(
        out.events.as_slice(),
        [EscrowEvent::Withdrawn(e)] if (e.amount, e.vault_balance, e.free_balance) == (60 * USDC, 65 * USDC, 0)
    ));
    let after = h.balances().await;
    assert_eq!(after["owner"], before["owner"] + 60 * USDC);
    assert_eq!((after["vault"], after["locked"]), (65 * USDC, 65 * USDC));
    // Both escrows still pay in full (5: instant, on proof; 60: delay tier).
    h.submit_proof(1, 1).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    h.svm().advance_clock(3_600);
    h.release(0, 0).await.unwrap();
    let end = h.balances().await;
    assert_eq!(end["provider_0"], before["provider_0"] + 60 * USDC);
    assert_eq!(end["provider_1"], before["provider_1"] + 5 * USDC);
    assert_eq!((end["vault"], end["locked"]), (0, 0));
}

#[tokio::test]
async fn only_the_policy_mint_is_accepted() {
    let h = with_empty_policy().await;
    // A token account named as the mint is refused by has_one = mint.
    let mut ix = instructions::policy_deposit(
        &h.policy(),
        &h.mint,
        &h.token_program,
        &h.owner.pubkey(),
        &h.owner_ata,
        USDC,
    );
    ix.accounts[4].pubkey = h.owner_ata;
    let before = h.balances().await;
    assert_code(
        h.send(ix, &h.owner).await,
        AnchorError::ConstraintHasOne.into(),
    );
    assert_eq!(h.balances().await, before);
}
