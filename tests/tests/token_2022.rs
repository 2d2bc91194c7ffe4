//! Token-2022 mints: accepted without hostile extensions, refused with them
//! (mint close authority included: it lets the mint be closed at zero
//! supply and re-created at the same address with any other extension);
//! accounts that are not mints are refused as such.

use agent_escrow::error::EscrowError;
use agent_escrow_client::{instructions, transport::Transport, Signer};
use agent_escrow_tests::*;
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use anchor_spl::token_2022::spl_token_2022::{
    self,
    extension::{
        confidential_transfer, default_account_state, group_pointer, interest_bearing_mint,
        metadata_pointer, pausable, transfer_fee, transfer_hook, ExtensionType as E,
    },
    instruction as t22,
    state::AccountState,
};

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
        E::InterestBearingConfig => {
            interest_bearing_mint::instruction::initialize(&T22, mint, some, 0)
        }
        E::GroupPointer => group_pointer::instruction::initialize(&T22, mint, some, Some(*mint)),
        other => panic!("no initializer for {other:?}"),
    }
    .unwrap()
}

/// A harness whose mint (key 9) is a Token-2022 mint with `extensions`,
/// initialized in that order (so they appear in that order in the TLV area).
async fn harness_2022(extensions: &[E]) -> Harness {
    let mut h = Harness::bare().await;
    let init = extensions
        .iter()
        .map(|e| init_for(*e, &h.mint, &h.mint_authority.pubkey()))
        .collect();
    h.create_token_2022_mint(extensions, init).await.unwrap();
    h
}

/// `policy_create` must fail with `HostileMintExtension`, naming the
/// refused extension type in the logs, and create nothing.
async fn assert_refused(extensions: &[E], refused: E) {
    let h = harness_2022(extensions).await;
    let owner_lamports = h.svm().get_account(&h.owner.pubkey()).await.unwrap();
    let result = h.policy_create(default_limits(h.agent.pubkey())).await;
    match &result {
        Err(agent_escrow_client::ClientError::Program(f)) => assert!(
            f.details.contains(&format!(
                "mint extension type {} is refused",
                refused as u16
            )),
            "{extensions:?}: {f}"
        ),
        other => panic!("{extensions:?}: {other:?}"),
    }
    assert_program_error(result, EscrowError::HostileMintExtension);
    assert!(
        h.svm().get_account(&h.policy()).await.unwrap().is_none(),
        "{extensions:?}: policy created"
    );
    assert!(
        h.svm().get_account(&h.vault()).await.unwrap().is_none(),
        "{extensions:?}: vault created"
    );
    // Only the fee left the owner: no rent was kept for a policy or a vault.
    let after = h.svm().get_account(&h.owner.pubkey()).await.unwrap();
    assert_eq!(
        owner_lamports.unwrap().lamports - after.unwrap().lamports,
        5_000,
        "{extensions:?}"
    );
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
        E::MintCloseAuthority,
    ] {
        assert_refused(&[extension], extension).await;
    }
}

#[tokio::test]
async fn hostile_extension_behind_benign_ones_is_refused() {
    // The screen walks every TLV entry, not just the first.
    assert_refused(
        &[E::MetadataPointer, E::MintCloseAuthority],
        E::MintCloseAuthority,
    )
    .await;
    assert_refused(
        &[
            E::InterestBearingConfig,
            E::GroupPointer,
            E::PermanentDelegate,
        ],
        E::PermanentDelegate,
    )
    .await;
}

#[tokio::test]
async fn benign_token_2022_mint_runs_the_whole_flow() {
    // Given a Token-2022 mint with benign extensions only (metadata pointer,
    // interest-bearing config at 0%, group pointer).
    let h = harness_2022(&[
        E::MetadataPointer,
        E::InterestBearingConfig,
        E::GroupPointer,
    ])
    .await
    .fund()
    .await;
    h.policy_create(default_limits(h.agent.pubkey()))
        .await
        .unwrap();
    h.deposit(500 * USDC).await.unwrap();
    let agent_lamports = || async {
        h.svm()
            .get_account(&h.agent.pubkey())
            .await
            .unwrap()
            .unwrap()
            .lamports
    };
    // Instant release, delay release, approval, refund, dispute + resolve:
    // every payout through transfer_checked on Token-2022, from the pooled vault.
    h.create_escrow(0, 0, 20 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    h.create_escrow(1, 1, 50 * USDC).await.unwrap();
    h.submit_proof(1, 1).await.unwrap();
    h.svm().advance_clock(3_600);
    h.release(1, 1).await.unwrap();
    h.create_escrow(2, 2, 30 * USDC).await.unwrap();
    h.create_escrow(3, 2, 90 * USDC).await.unwrap();
    h.submit_proof(3, 2).await.unwrap();
    h.approve(3, 2).await.unwrap();
    h.create_escrow(4, 0, 40 * USDC).await.unwrap();
    h.submit_proof(4, 0).await.unwrap();
    h.send(
        instructions::escrow_dispute(&h.agent.pubkey(), &h.policy(), &h.escrow(4)),
        &h.agent,
    )
    .await
    .unwrap();
    h.send(
        instructions::escrow_resolve(&h.owner.pubkey(), &h.keys(4, 0, None), 2_500),
        &h.owner,
    )
    .await
    .unwrap();
    // The refund of escrow 2 moves no tokens: it only unlocks.
    let vault_before_refund = h.balances().await["vault"];
    h.svm().advance_clock(86_400);
    let lamports_before_refund = agent_lamports().await;
    let refund = h.refund(2).await.unwrap();
    assert_eq!(h.balances().await["vault"], vault_before_refund);
    // The cranker paid the fee; the agent (rent payer) got the escrow's rent back.
    let rent = h
        .svm()
        .minimum_balance_for_rent_exemption(152)
        .await
        .unwrap();
    assert_eq!(agent_lamports().await, lamports_before_refund + rent);
    assert!(refund
        .events
        .iter()
        .any(|e| matches!(e, agent_escrow_client::events::EscrowEvent::EscrowRefunded(r) if r.rent_returned == rent && r.amount == 30 * USDC)));
    let b = h.balances().await;
    assert_eq!(
        (b["provider_0"], b["provider_1"], b["provider_2"]),
        (20 * USDC + 10 * USDC, 50 * USDC, 90 * USDC)
    );
    assert_eq!(b["vault"], (500 - 20 - 50 - 90 - 10) * USDC);
    assert_eq!(b["locked"], 0);
    assert_eq!(b["owner"], 9_500 * USDC);
    for id in 0..5 {
        assert!(
            h.client.escrow(&h.escrow(id)).await.unwrap().is_none(),
            "escrow {id} not closed at settlement"
        );
    }
    let vault_owner = h
        .svm()
        .with_svm(|svm| svm.get_account(&h.vault()).unwrap().owner);
    assert_eq!(vault_owner, T22);
}

#[tokio::test]
async fn accounts_that_are_not_mints_are_refused() {
    // A real SPL mint exists (key 9); each candidate is passed as the mint instead.
    let h = Harness::new().await;
    // An account owned by SPL Token with the size of a mint, never initialized.
    let blank = key(40);
    let space = 82;
    let lamports = h
        .svm()
        .minimum_balance_for_rent_exemption(space)
        .await
        .unwrap();
    let ix = anchor_lang::solana_program::system_instruction::create_account(
        &h.owner.pubkey(),
        &blank.pubkey(),
        lamports,
        space as u64,
        &anchor_spl::token::ID,
    );
    h.client.send(&[ix], &h.owner, &[&blank]).await.unwrap();
    let candidates = [
        ("a wallet (system account)", h.attacker.pubkey()),
        (
            "an address with no account",
            Pubkey::new_from_array([98; 32]),
        ),
        ("an SPL token account", h.owner_ata),
        (
            "an uninitialized mint-sized SPL Token account",
            blank.pubkey(),
        ),
        ("the program itself", agent_escrow_client::pda::PROGRAM_ID),
    ];
    for (label, candidate) in candidates {
        let ix = instructions::policy_create(
            &h.owner.pubkey(),
            &candidate,
            &anchor_spl::token::ID,
            default_limits(h.agent.pubkey()),
        );
        let policy = agent_escrow_client::pda::policy_address(
            &h.owner.pubkey(),
            &h.agent.pubkey(),
            &candidate,
        )
        .0;
        let result = h.send(ix, &h.owner).await;
        match &result {
            Err(agent_escrow_client::ClientError::Program(f)) => {
                assert_eq!(f.code, u32::from(EscrowError::InvalidMint), "{label}: {f}")
            }
            other => panic!("{label}: {other:?}"),
        }
        assert!(
            h.svm().get_account(&policy).await.unwrap().is_none(),
            "{label}: policy created"
        );
    }
}

#[tokio::test]
async fn mint_and_token_program_must_agree() {
    // A Token-2022 mint passed with the SPL Token program is refused before
    // anything is created.
    let h = harness_2022(&[]).await;
    let ix = instructions::policy_create(
        &h.owner.pubkey(),
        &h.mint,
        &anchor_spl::token::ID,
        default_limits(h.agent.pubkey()),
    );
    assert_program_error(h.send(ix, &h.owner).await, EscrowError::MintProgramMismatch);
    assert!(h.svm().get_account(&h.policy()).await.unwrap().is_none());
    assert!(h.svm().get_account(&h.vault()).await.unwrap().is_none());
    // And an SPL Token mint with Token-2022, or with a program that is no token program.
    let h = Harness::new().await;
    for program in [
        anchor_spl::token_2022::ID,
        anchor_lang::solana_program::system_program::ID,
    ] {
        let ix = instructions::policy_create(
            &h.owner.pubkey(),
            &h.mint,
            &program,
            default_limits(h.agent.pubkey()),
        );
        assert_program_error(h.send(ix, &h.owner).await, EscrowError::MintProgramMismatch);
        assert!(h.svm().get_account(&h.policy()).await.unwrap().is_none());
    }
}
