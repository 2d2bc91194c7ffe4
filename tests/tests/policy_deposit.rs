use agent_escrow::error::EscrowError;
use agent_escrow_client::{events::EscrowEvent, instructions, Signer};
use agent_escrow_tests::*;
use anchor_lang::error::ErrorCode as AnchorError;
use anchor_spl::token::spl_token;

#[tokio::test]
async fn deposit_moves_tokens_and_emits() {
    let h = Harness::new().await;
    h.policy_create(default_limits(h.agent.pubkey()))
        .await
        .unwrap();
    let before = h.balances().await;
    let out = h.deposit(500 * USDC).await.unwrap();
    let after = h.balances().await;
    assert_eq!(after["owner"], before["owner"] - 500 * USDC);
    assert_eq!(after["vault"], 500 * USDC);
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
    // A second deposit reports the running balance.
    let out = h.deposit(1).await.unwrap();
    match out.events.as_slice() {
        [EscrowEvent::Deposited(e)] => assert_eq!(e.vault_balance, 500 * USDC + 1),
        other => panic!("unexpected events {other:?}"),
    }
}

#[tokio::test]
async fn zero_deposit_rejected() {
    let h = Harness::new().await;
    h.policy_create(default_limits(h.agent.pubkey()))
        .await
        .unwrap();
    let before = h.balances().await;
    assert_program_error(h.deposit(0).await, EscrowError::ZeroAmount);
    assert_eq!(h.balances().await, before);
}

#[tokio::test]
async fn deposit_into_substituted_vault_rejected() {
    // Given a policy and an attacker-owned token account in the same mint.
    let h = Harness::new().await;
    h.policy_create(default_limits(h.agent.pubkey()))
        .await
        .unwrap();
    let attacker_ata = h
        .client
        .create_ata(&h.attacker, &h.attacker.pubkey(), &h.mint)
        .await
        .unwrap();
    // When the deposit names the attacker's account as the vault.
    let mut ix = instructions::policy_deposit(
        &h.policy(),
        &h.mint,
        &spl_token::ID,
        &h.owner.pubkey(),
        &h.owner_ata,
        USDC,
    );
    ix.accounts[2].pubkey = attacker_ata;
    let before = h.balances().await;
    let result = h.client.send(&[ix], &h.owner, &[]).await;
    // Then has_one = vault rejects it and nothing moves.
    assert_code(result, AnchorError::ConstraintHasOne.into());
    assert_eq!(h.balances().await, before);
    assert_eq!(h.client.token_balance(&attacker_ata).await.unwrap(), 0);
}
