//! The client's error mapping on real logs of the .so: Anchor constraint
//! failures name the account and both keys, the system and token
//! programs' custom errors read in plain words with stable names,
//! `InvalidEscrowState` is worded from the escrow's state read back, and an
//! endpoint that cannot be reached is `ConnectionFailed`.

use agent_escrow::state::EscrowState;
use agent_escrow_client::{
    instructions, preflight::EscrowInstruction, rpc::RpcTransport, transport::Transport,
    ClientError, ProgramFailure, Signer,
};
use agent_escrow_tests::*;

#[track_caller]
fn failure<T: std::fmt::Debug>(result: Result<T, ClientError>) -> ProgramFailure {
    match result {
        Err(ClientError::Program(f)) => f,
        other => panic!("expected a program failure, got {other:?}"),
    }
}

#[tokio::test]
async fn has_one_names_the_account_and_both_keys() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 90 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    // The agent signs escrow_approve in the owner's place.
    let ix = instructions::escrow_approve(&h.agent.pubkey(), &h.keys(0, 0, None));
    let err = h.send(ix.clone(), &h.agent).await.unwrap_err();
    // The client's send names the failing instruction from the
    // transaction's own instructions.
    let sent = failure::<()>(Err(err));
    assert_eq!(sent.context.instruction.as_deref(), Some("EscrowApprove"));
    // The program logs no instruction name: from the logs alone the words
    // name the account and the keys only.
    let bare = failure::<()>(Err(ClientError::from_transaction(
        solana_transaction_error::TransactionError::InstructionError(
            0,
            solana_instruction_error::InstructionError::Custom(sent.code),
        ),
        sent.logs.clone(),
    )));
    assert_eq!(bare.context.instruction, None);
    let (owner, agent) = (h.owner.pubkey().to_string(), h.agent.pubkey().to_string());
    assert_eq!(
        bare.message,
        format!("the policy records {owner}, but {agent} was passed")
    );
    let err = h.send(ix.clone(), &h.agent).await.unwrap_err();
    let err = err.with_instructions(&[ix]);
    let doc = err.document();
    let f = failure::<()>(Err(err));
    assert_eq!((f.code, f.name.as_str()), (2001, "ConstraintHasOne"));
    assert_eq!(f.context.account.as_deref(), Some("policy"));
    assert_eq!(f.context.instruction.as_deref(), Some("EscrowApprove"));
    assert_eq!(f.context.program, Some(agent_escrow::ID));
    assert_eq!(f.context.compared, Some((owner.clone(), agent.clone())));
    assert_eq!(
        f.message,
        format!("escrow_approve must be signed by the policy's owner {owner}, but {agent} was passed as the owner: sign with the owner's key")
    );
    assert_eq!(doc.error, "ConstraintHasOne");
    assert_eq!(doc.code, Some(2001));
    assert_eq!(doc.account.as_deref(), Some("policy"));
    assert_eq!(doc.program.as_deref(), Some("agent_escrow"));
    // The Display form keeps its shape: "Name (error N): message".
    assert!(f
        .to_string()
        .starts_with("ConstraintHasOne (error 2001): escrow_approve must be signed"));
}

#[tokio::test]
async fn escrow_of_another_policy_names_both_policies() {
    // check_escrow_accounts raises ConstraintHasOne on "escrow" itself.
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 50 * USDC).await.unwrap();
    h.submit_proof(0, 0).await.unwrap();
    let other = key(30).pubkey();
    let mut limits = default_limits(other);
    limits.per_escrow_max = 10 * USDC;
    let ix = instructions::policy_create(&h.owner.pubkey(), &h.mint, &h.token_program, limits);
    h.send(ix, &h.owner).await.unwrap();
    let other_policy =
        agent_escrow_client::pda::policy_address(&h.owner.pubkey(), &other, &h.mint).0;
    let mut keys = h.keys(0, 0, None);
    keys.policy = other_policy;
    let ix = instructions::escrow_release(&h.cranker.pubkey(), &keys);
    let f = failure(h.send(ix.clone(), &h.cranker).await).with_instructions(&[ix]);
    assert_eq!((f.code, f.name.as_str()), (2001, "ConstraintHasOne"));
    assert_eq!(f.context.account.as_deref(), Some("escrow"));
    assert_eq!(
        f.message,
        format!(
            "the escrow belongs to policy {}, but policy {other_policy} was passed",
            h.policy()
        )
    );
}

#[tokio::test]
async fn seeds_constraint_names_the_account_and_the_expected_address() {
    let h = Harness::new().await;
    let mut ix = instructions::policy_create(
        &h.owner.pubkey(),
        &h.mint,
        &h.token_program,
        default_limits(h.agent.pubkey()),
    );
    let wrong = key(40).pubkey();
    ix.accounts[1].pubkey = wrong;
    let f = failure(h.send(ix.clone(), &h.owner).await).with_instructions(&[ix]);
    assert_eq!((f.code, f.name.as_str()), (2006, "ConstraintSeeds"));
    assert_eq!(f.context.account.as_deref(), Some("policy"));
    let expected = h.policy().to_string();
    assert_eq!(
        f.context.compared,
        Some((wrong.to_string(), expected.clone()))
    );
    assert!(f.message.contains(&expected), "{}", f.message);
}

#[tokio::test]
async fn creating_the_same_policy_twice_is_account_already_in_use() {
    let h = Harness::new().await;
    h.policy_create(default_limits(h.agent.pubkey()))
        .await
        .unwrap();
    let ix = instructions::policy_create(
        &h.owner.pubkey(),
        &h.mint,
        &h.token_program,
        default_limits(h.agent.pubkey()),
    );
    let err = h
        .send(ix.clone(), &h.owner)
        .await
        .unwrap_err()
        .with_instructions(&[ix]);
    let doc = err.document();
    let f = failure::<()>(Err(err));
    assert_eq!((f.code, f.name.as_str()), (0, "AccountAlreadyInUse"));
    assert_eq!(
        f.context.program,
        Some(anchor_lang::solana_program::system_program::ID)
    );
    assert_eq!(f.context.instruction.as_deref(), Some("PolicyCreate"));
    // The vault is created first: the system program names it.
    let vault = h.vault().to_string();
    assert!(
        f.message.starts_with(&format!("account {vault} already exists: the policy for this owner, agent and mint already exists")),
        "{}",
        f.message
    );
    assert_eq!(doc.error, "AccountAlreadyInUse");
    assert_eq!(doc.code, Some(0));
    assert_eq!(doc.program.as_deref(), Some("system"));
    assert!(!f.details.is_empty(), "{f:?}");
}

#[tokio::test]
async fn token_errors_read_in_plain_words() {
    let h = Harness::with_policy().await;
    // A deposit above the source's balance: InsufficientFunds (1).
    let balance = h.client.token_balance(&h.owner_ata).await.unwrap();
    let deposit = instructions::policy_deposit(
        &h.policy(),
        &h.mint,
        &h.token_program,
        &h.owner.pubkey(),
        &h.owner_ata,
        balance + 1,
    );
    let f = failure(h.send(deposit.clone(), &h.owner).await).with_instructions(&[deposit]);
    assert_eq!((f.code, f.name.as_str()), (1, "InsufficientFunds"));
    assert_eq!(f.context.program, Some(h.token_program));
    assert_eq!(
        f.message,
        "the source token account holds less than the deposit; deposit at most its balance, or fund it first"
    );
    assert_eq!(f.details, vec!["Error: insufficient funds".to_string()]);
    assert_eq!(
        ClientError::Program(f).document().program.as_deref(),
        Some("spl_token")
    );
    // A depositor that does not own the source: OwnerMismatch (4).
    let ix = instructions::policy_deposit(
        &h.policy(),
        &h.mint,
        &h.token_program,
        &h.attacker.pubkey(),
        &h.owner_ata,
        USDC,
    );
    let f = failure(h.send(ix.clone(), &h.attacker).await).with_instructions(&[ix]);
    assert_eq!((f.code, f.name.as_str()), (4, "OwnerMismatch"));
    assert!(
        f.message.contains("does not own the source"),
        "{}",
        f.message
    );
}

#[tokio::test]
async fn program_errors_keep_their_message_and_details() {
    let h = Harness::with_policy().await;
    let args = h
        .escrow_args(0, h.providers[0].pubkey(), 150 * USDC, 86_400)
        .await;
    let ix = instructions::escrow_create(
        &h.policy(),
        &h.agent.pubkey(),
        &h.agent.pubkey(),
        args,
        false,
    );
    let err = h.send(ix.clone(), &h.agent).await.unwrap_err();
    let unnamed = failure::<()>(Err(err));
    // Naming the instruction changes nothing of this program's own error.
    let f = unnamed.clone().with_instructions(&[ix]);
    assert_eq!(
        (&f.name, &f.message, &f.details),
        (&unnamed.name, &unnamed.message, &unnamed.details)
    );
    let doc = ClientError::Program(f.clone()).document();
    assert_eq!(
        f.message,
        "Escrow amount exceeds the policy's per_escrow_max"
    );
    assert_eq!(
        f.details,
        vec!["amount 150000000 > per_escrow_max 100000000".to_string()]
    );
    assert_eq!(f.context.instruction.as_deref(), Some("EscrowCreate"));
    let json = serde_json::to_value(&doc).unwrap();
    assert_eq!(json["error"], "PerEscrowCapExceeded");
    assert_eq!(json["code"], 6007);
    assert_eq!(json["program"], "agent_escrow");
    assert_eq!(json["preflight"], false);
    assert_eq!(
        json["details"][0],
        "amount 150000000 > per_escrow_max 100000000"
    );
}

#[tokio::test]
async fn invalid_escrow_state_is_worded_from_the_state_read_back() {
    let h = Harness::with_policy().await;
    h.create_escrow(0, 0, 90 * USDC).await.unwrap();
    let err = h.approve(0, 0).await.unwrap_err();
    assert_eq!(err.program_code(), Some(6013));
    let escrow = h.escrow_state(0).await;
    assert_eq!(
        EscrowState::from_u8(escrow.state),
        Some(EscrowState::Funded)
    );
    let err = err.with_escrow_state(EscrowInstruction::Approve, &h.escrow(0), Some(&escrow));
    let f = failure::<()>(Err(err));
    assert_eq!(f.name, "InvalidEscrowState");
    assert_eq!(
        f.message,
        format!(
            "escrow {e} is Funded (waiting for the provider's proof); approve needs ProofSubmitted (proof submitted, approval tier); the provider submits a proof first (`agent-escrow escrow proof {e}`)",
            e = h.escrow(0)
        )
    );

    // A settled escrow is closed: submitting to it again names that.
    h.create_escrow(1, 1, 10 * USDC).await.unwrap();
    h.submit_proof(1, 1).await.unwrap();
    assert!(h.client.escrow(&h.escrow(1)).await.unwrap().is_none());
    let err = h.submit_proof(1, 1).await.unwrap_err();
    let code = err.program_code();
    let f = failure::<()>(Err(err.with_escrow_state(
        EscrowInstruction::SubmitProof,
        &h.escrow(1),
        None,
    )));
    assert_eq!(code, Some(3007), "{f:?}");
    assert_eq!(f.context.account.as_deref(), Some("escrow"));
    assert!(f.message.contains("no longer exists"), "{}", f.message);
}

#[tokio::test]
async fn runtime_errors_have_stable_names() {
    let h = Harness::with_policy().await;
    // The escrow account of id 1 passed for id 0: the PDA signature does not
    // match, so the runtime refuses the privilege escalation.
    let args = h.escrow_args(0, h.providers[0].pubkey(), USDC, 600).await;
    let mut ix = instructions::escrow_create(
        &h.policy(),
        &h.agent.pubkey(),
        &h.agent.pubkey(),
        args,
        false,
    );
    ix.accounts[4].pubkey = h.escrow(1);
    let err = h.send(ix, &h.agent).await.unwrap_err();
    assert_eq!(err.error_name(), "PrivilegeEscalation");
    let doc = err.document();
    assert_eq!(doc.code, None);
    assert!(doc.message.starts_with("instruction 0 failed"), "{doc:?}");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_connection_failed() {
    let transport = RpcTransport::new(
        "http://127.0.0.1:9".to_string(),
        solana_commitment_config::CommitmentConfig::confirmed(),
    );
    let err = transport.latest_blockhash().await.unwrap_err();
    match &err {
        ClientError::Unreachable { url, reason } => {
            assert_eq!(url, "http://127.0.0.1:9");
            assert!(!reason.is_empty());
            assert!(
                err.to_string()
                    .starts_with("cannot reach http://127.0.0.1:9: "),
                "{err}"
            );
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
    let doc = err.document();
    assert_eq!(doc.error, "ConnectionFailed");
    assert_eq!(doc.code, None);
}

#[tokio::test]
async fn refusals_convert_to_client_errors() {
    let h = Harness::with_policy().await;
    let policy = h.policy_state().await;
    let view = agent_escrow_client::preflight::PolicyView {
        address: h.policy(),
        policy: &policy,
    };
    let refusal =
        agent_escrow_client::preflight::policy_withdraw(&view, &h.owner.pubkey(), 500 * USDC, 0)
            .unwrap_err();
    let err = ClientError::from(refusal);
    assert_eq!(err.code(), Some(6006));
    assert_eq!(err.program_code(), None);
    let doc = err.document();
    assert_eq!(doc.error, "ZeroAmount");
    assert_eq!(doc.field.as_deref(), Some("AMOUNT"));
    assert!(doc.preflight);
}
