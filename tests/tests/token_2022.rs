//! Token-2022 mints: accepted without hostile extensions, refused with them.

use agent_escrow::error::EscrowError;
use agent_escrow_client::{transport::Transport, Signer};
use agent_escrow_tests::*;
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use anchor_spl::token_2022::spl_token_2022::{
    self,
    extension::{
        confidential_transfer, default_account_state, metadata_pointer, pausable, transfer_fee,
        transfer_hook, ExtensionType as E,
    },
    instruction as t22,
    state::AccountState,
};
use solana_instruction_error::InstructionError;

const T22: Pubkey = spl_token_2022::ID;

fn init_for(extension: E, mint: &Pubkey, authority: &Pubkey) -> Instruction {
    let some = Some(*authority);
    match extension {
        E::PermanentDelegate => t22::initialize_permanent_delegate(&T22, mint, authority),
        E::TransferHook => transfer_hook::instruction::initialize(
            &T22,
            mint,
            some,
            Some(Pubkey::new_from_array([11; 32])),
        ),
        E::TransferFeeConfig => transfer_fee::instruction::initialize_transfer_fee_config(
            &T22,
            mint,
            Some(authority),
            Some(authority),
            100,
            USDC,
        ),
        E::DefaultAccountState => {
            default_account_state::instruction::initialize_default_account_state(
                &T22,
                mint,
                &AccountState::Frozen,
            )
        }
        E::Pausable => pausable::instruction::initialize(&T22, mint, authority),
        E::NonTransferable => t22::initialize_non_transferable_mint(&T22, mint),
        E::ConfidentialTransferMint => {
            confidential_transfer::instruction::initialize_mint(&T22, mint, some, true, None)
        }
        E::MintCloseAuthority => t22::initialize_mint_close_authority(&T22, mint, Some(authority)),
        E::MetadataPointer => {
            metadata_pointer::instruction::initialize(&T22, mint, some, Some(*mint))
        }
        other => panic!("no initializer for {other:?}"),
    }
    .unwrap()
}

async fn harness_2022(extensions: &[E]) -> Harness {
    let mut h = Harness::bare().await;
    let init = extensions
        .iter()
        .map(|e| init_for(*e, &h.mint, &h.mint_authority.pubkey()))
        .collect();
    h.create_token_2022_mint(extensions, init).await.unwrap();
    h
}

#[tokio::test]
async fn each_hostile_extension_is_refused_at_policy_create() {
    for extension in [
        E::PermanentDelegate,
        E::TransferHook,
        E::TransferFeeConfig,
        E::DefaultAccountState,
        E::Pausable,
        E::NonTransferable,
        E::ConfidentialTransferMint,
    ] {
        let h = harness_2022(&[extension]).await;
        let result = h.policy_create(default_limits(h.agent.pubkey())).await;
        match &result {
            Err(agent_escrow_client::ClientError::Program(f)) => {
                assert!(
                    f.details
                        .contains(&format!("mint extension {extension:?} is refused")),
                    "{f}"
                )
            }
            other => panic!("{extension:?}: {other:?}"),
        }
        assert_program_error(result, EscrowError::HostileMintExtension);
        assert!(
            h.svm().get_account(&h.policy()).await.unwrap().is_none(),
            "{extension:?}: policy created"
        );
    }
}

#[tokio::test]
async fn benign_token_2022_mint_runs_the_whole_flow() {
    // Given a Token-2022 mint with a close authority and a metadata pointer.
    let h = harness_2022(&[E::MintCloseAuthority, E::MetadataPointer])
        .await
        .fund()
        .await;
    h.policy_create(default_limits(h.agent.pubkey()))
        .await
        .unwrap();
    h.deposit(500 * USDC).await.unwrap();
    // Instant release, delay release, refund: all through transfer_checked on Token-2022.
    h.create_escrow(0, 0, 20 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    h.create_escrow(1, 1, 50 * USDC).await.unwrap();
    h.submit_proof(1, 1).await.unwrap();
    h.svm().advance_clock(3_600);
    h.release(1, 1).await.unwrap();
    h.create_escrow(2, 2, 30 * USDC).await.unwrap();
    h.svm().advance_clock(86_400);
    h.refund(2).await.unwrap();
    let b = h.balances().await;
    assert_eq!(
        (b["provider_0"], b["provider_1"], b["provider_2"]),
        (20 * USDC, 50 * USDC, 0)
    );
    assert_eq!(b["vault"], 430 * USDC);
    let vault_owner = h
        .svm()
        .with_svm(|svm| svm.get_account(&h.vault()).unwrap().owner);
    assert_eq!(vault_owner, T22);
}

#[tokio::test]
async fn mint_and_token_program_must_agree() {
    // A Token-2022 mint passed with the SPL Token program is refused.
    let h = harness_2022(&[]).await;
    let ix = agent_escrow_client::instructions::policy_create(
        &h.owner.pubkey(),
        &h.mint,
        &anchor_spl::token::ID,
        default_limits(h.agent.pubkey()),
    );
    // The vault's InitializeAccount3 (run by Anchor before the mint's
    // token-program constraint) is refused by SPL Token itself; nothing is created.
    match h.send(ix, &h.owner).await {
        Err(agent_escrow_client::ClientError::Transaction { err, .. }) => assert_eq!(
            err,
            solana_transaction::TransactionError::InstructionError(
                0,
                InstructionError::IncorrectProgramId
            )
        ),
        other => panic!("{other:?}"),
    }
    assert!(h.svm().get_account(&h.policy()).await.unwrap().is_none());
}
