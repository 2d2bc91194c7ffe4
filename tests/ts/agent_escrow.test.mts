// The interface most Anchor integrators use: @anchor-lang/core's `Program`
// built from the committed IDL (idl/agent_escrow.json) and its generated
// type (idl/agent_escrow.ts), against the real .so on solana-test-validator.
//
// Run by `anchor test --skip-build --validator legacy` (Anchor.toml's
// `test` script; scripts/anchor-test.sh runs it in a loopback-only network
// namespace), which sets ANCHOR_PROVIDER_URL and ANCHOR_WALLET to the
// validator it started with the program deployed and the wallet funded.
//
// Flow: create a mint, a policy (its PDA and vault resolved by the client
// from the IDL's seeds), deposit, create an escrow, submit its proof
// (instant tier: paid and closed at once), read the accounts, decode the
// events from the transaction logs, and check an error code, with exact
// balances (USDC base units) before and after.

import { test } from "node:test";
import assert from "node:assert/strict";
import anchor from "@anchor-lang/core";
import type { Program as ProgramT } from "@anchor-lang/core";
import {
  Ed25519Program,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  SystemProgram,
  Transaction,
  sendAndConfirmRawTransaction,
  sendAndConfirmTransaction,
} from "@solana/web3.js";
import {
  TOKEN_PROGRAM_ID,
  createMint,
  getAccount,
  getOrCreateAssociatedTokenAccount,
  mintTo,
} from "@solana/spl-token";
import idl from "../../idl/agent_escrow.json" with { type: "json" };
import type { AgentEscrow } from "../../idl/agent_escrow.ts";

const { AnchorProvider, AnchorError, BN, EventParser, Program } = anchor;

/** Every send waits for `confirmed`, and every read is at `confirmed`. */
const confirmed = { commitment: "confirmed" as const };

/** 1 USDC in base units (6 decimals). */
const USDC = 1_000_000n;

const provider = AnchorProvider.env();
anchor.setProvider(provider);
const program = new Program<AgentEscrow>(idl as AgentEscrow, provider) as ProgramT<AgentEscrow>;
const connection = provider.connection;
const owner = provider.wallet.payer!;

/** A seed constant from the IDL (`[112, 111, ...]` as a string). */
function seed(name: string): Buffer {
  const c = idl.constants.find((k) => k.name === name);
  assert.ok(c, `IDL constant ${name}`);
  return Buffer.from(JSON.parse(c.value) as number[]);
}

/** The escrow PDA `["escrow", policy, id (u64 LE)]` and its bump (not in the IDL: see the README). */
function escrowAddress(policy: PublicKey, id: bigint): [PublicKey, number] {
  const le = Buffer.alloc(8);
  le.writeBigUInt64LE(id);
  return PublicKey.findProgramAddressSync([seed("ESCROW_SEED"), policy.toBuffer(), le], program.programId);
}

/** `escrow_create` by `agent` (also the rent payer), not yet sent. */
function escrowCreate(
  policy: PublicKey,
  vault: PublicKey,
  agent: Keypair,
  provider: PublicKey,
  id: bigint,
  amount: bigint,
  taskByte: number,
  deadline: number,
) {
  const [escrow, bump] = escrowAddress(policy, id);
  return program.methods
    .escrowCreate({
      escrowId: new BN(id.toString()),
      bump,
      provider,
      amount: new BN(amount.toString()),
      taskHash: Array(32).fill(taskByte),
      deadline: new BN(deadline),
      verifier: null,
      dependsOn: null,
    })
    .accountsPartial({
      agent: agent.publicKey,
      payer: agent.publicKey,
      policy,
      vault,
      escrow,
      allowEntry: null,
      dependsOn: null,
    })
    .signers([agent]);
}

/** `escrow_submit_proof` by `provider` (proof hash: 32 × `proofByte`), sent and confirmed. */
function submitProof(
  policy: PublicKey,
  vault: PublicKey,
  escrow: PublicKey,
  mint: PublicKey,
  provider: Keypair,
  providerToken: PublicKey,
  rentPayer: PublicKey,
  proofByte: number,
): Promise<string> {
  return program.methods
    .escrowSubmitProof(Array(32).fill(proofByte))
    .accountsPartial({
      provider: provider.publicKey,
      policy,
      vault,
      escrow,
      providerToken,
      rentPayer,
      mint,
      tokenProgram: TOKEN_PROGRAM_ID,
      dependsOn: null,
    })
    .signers([provider])
    .rpc(confirmed);
}

async function fund(to: PublicKey, sol: number): Promise<void> {
  const tx = new Transaction().add(
    SystemProgram.transfer({ fromPubkey: owner.publicKey, toPubkey: to, lamports: sol * LAMPORTS_PER_SOL }),
  );
  await sendAndConfirmTransaction(connection, tx, [owner], { commitment: "confirmed" });
}

async function tokens(address: PublicKey): Promise<bigint> {
  return (await getAccount(connection, address, "confirmed")).amount;
}

/** Events of this program in a confirmed transaction, decoded with the IDL. */
async function events(signature: string): Promise<{ name: string; data: any }[]> {
  const tx = await connection.getTransaction(signature, {
    commitment: "confirmed",
    maxSupportedTransactionVersion: 0,
  });
  assert.ok(tx?.meta?.logMessages, `logs of ${signature}`);
  const parser = new EventParser(program.programId, program.coder);
  return [...parser.parseLogs(tx.meta.logMessages)];
}

/**
 * A fresh agent and provider, a 6-decimal mint with 1,000 tokens for the
 * owner, the provider's ATA, and a policy (per escrow 100, 24 h 300, 30 d
 * 1,000, instant to 25, delay to 60 with 1 h, approval above) with 500
 * deposited. `policy` and `vault` are resolved by the client from the
 * IDL's PDA seeds; the deposit's `vault` and `mint` through `relations`.
 */
async function fundedPolicy() {
  const agent = Keypair.generate();
  const payee = Keypair.generate();
  await fund(agent.publicKey, 1);

  const mint = await createMint(connection, owner, owner.publicKey, null, 6, undefined, confirmed);
  const ownerAta = await getOrCreateAssociatedTokenAccount(connection, owner, mint, owner.publicKey, false, "confirmed", confirmed);
  const payeeAta = await getOrCreateAssociatedTokenAccount(connection, owner, mint, payee.publicKey, false, "confirmed", confirmed);
  await mintTo(connection, owner, mint, ownerAta.address, owner, 1_000n * USDC, [], confirmed);

  const limits = {
    agent: agent.publicKey,
    perEscrowMax: new BN((100n * USDC).toString()),
    dailyCap: new BN((300n * USDC).toString()),
    monthlyCap: new BN((1_000n * USDC).toString()),
    instantMax: new BN((25n * USDC).toString()),
    delayMax: new BN((60n * USDC).toString()),
    delaySeconds: new BN(3_600),
    expiresAt: new BN(0),
    requireAllowlist: false,
    reviewUnlisted: false,
    arbiter: null,
    disputeTimeout: null,
    reviewTimeout: null,
    maxEscrowDuration: null,
  };
  const createSig = await program.methods
    .policyCreate(limits)
    .accounts({ owner: owner.publicKey, mint, tokenProgram: TOKEN_PROGRAM_ID })
    .rpc({ commitment: "confirmed" });
  const [policy] = PublicKey.findProgramAddressSync(
    [seed("POLICY_SEED"), owner.publicKey.toBuffer(), agent.publicKey.toBuffer(), mint.toBuffer()],
    program.programId,
  );
  const [vault] = PublicKey.findProgramAddressSync([seed("POLICY_VAULT_SEED"), policy.toBuffer()], program.programId);
  const depositSig = await program.methods
    .policyDeposit(new BN((500n * USDC).toString()))
    .accounts({ depositor: owner.publicKey, policy, source: ownerAta.address, tokenProgram: TOKEN_PROGRAM_ID })
    .rpc({ commitment: "confirmed" });
  return { agent, payee, mint, ownerAta, payeeAta, policy, vault, createSig, depositSig };
}

/**
 * The off-chain message v0 envelope an owner signs for
 * `escrow_approve_offchain` / `escrow_veto_offchain`, byte for byte as the
 * program rebuilds it (programs/agent_escrow/src/offchain.rs; README "Owner
 * approvals as clear-text messages"): an 85-byte header (signing domain,
 * version 0, this program as application domain, format 0, one signer =
 * the owner, u16 LE text length), then one line of printable ASCII. The
 * IDL cannot describe it: it is the message of the ed25519 instruction
 * before the program's.
 */
function ownerMessageEnvelope(m: {
  action: "approve release" | "veto release";
  amount: bigint;
  decimals: number;
  mint: PublicKey;
  provider: PublicKey;
  escrow: PublicKey;
  policy: PublicKey;
  proofAt: number;
  expiresAt: number;
}): Buffer {
  const USDC_MINTS = ["EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU"];
  const digits = m.amount.toString().padStart(m.decimals + 1, "0");
  const amount = m.decimals === 0 ? digits : `${digits.slice(0, -m.decimals)}.${digits.slice(-m.decimals)}`;
  const unit = USDC_MINTS.includes(m.mint.toBase58()) ? "USDC" : `of mint ${m.mint.toBase58()}`;
  const time = (unix: number) => new Date(unix * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const text = Buffer.from(
    [
      `agent-escrow: ${m.action}`,
      `amount: ${amount} ${unit}`,
      `to: ${m.provider.toBase58()}`,
      `escrow: ${m.escrow.toBase58()}`,
      `policy: ${m.policy.toBase58()}`,
      `proof submitted: ${time(m.proofAt)}`,
      `expires: ${time(m.expiresAt)}`,
    ].join(" | "),
    "ascii",
  );
  const length = Buffer.alloc(2);
  length.writeUInt16LE(text.length);
  return Buffer.concat([
    Buffer.from("\xffsolana offchain", "latin1"),
    Buffer.from([0]),
    program.programId.toBuffer(),
    Buffer.from([0, 1]),
    owner.publicKey.toBuffer(),
    length,
    text,
  ]);
}

test("policy, deposit, escrow, proof, events and an error through the IDL", async () => {
  assert.equal(program.programId.toBase58(), idl.address);
  const { agent, payee, mint, ownerAta, payeeAta, policy, vault, createSig, depositSig } = await fundedPolicy();
  const created = await events(createSig);
  assert.deepEqual(created.map((e) => e.name), ["policyCreated"]);
  assert.ok(created[0].data.policy.equals(policy));

  // policy_create resolved `policy` and `vault` from the IDL's PDA seeds,
  // policy_deposit `vault` and `mint` through the policy's fields (`relations`).
  assert.equal(await tokens(vault), 500n * USDC);
  assert.equal(await tokens(ownerAta.address), 500n * USDC);
  const deposited = await events(depositSig);
  assert.deepEqual(deposited.map((e) => e.name), ["deposited"]);
  assert.equal(deposited[0].data.amount.toString(), (500n * USDC).toString());

  // The zero-copy Policy account, decoded from the IDL's bytemuck layout.
  let p = await program.account.policy.fetch(policy, "confirmed");
  assert.ok(p.owner.equals(owner.publicKey));
  assert.ok(p.agent.equals(agent.publicKey));
  assert.ok(p.vault.equals(vault));
  assert.equal(p.perEscrowMax.toString(), (100n * USDC).toString());
  assert.equal(p.totalDeposited.toString(), (500n * USDC).toString());
  assert.equal(p.version, 2);

  // escrow_create by the agent (10 USDC: instant tier).
  const id = BigInt(p.nextEscrowId.toString());
  const [escrow] = escrowAddress(policy, id);
  const deadline = Math.floor(Date.now() / 1000) + 86_400;
  const escrowSig = await escrowCreate(policy, vault, agent, payee.publicKey, id, 10n * USDC, 7, deadline).rpc(
    confirmed,
  );
  const e = await program.account.escrow.fetch(escrow, "confirmed");
  assert.ok(e.policy.equals(policy));
  assert.ok(e.provider.equals(payee.publicKey));
  assert.ok(e.rentPayer.equals(agent.publicKey));
  assert.equal(e.amount.toString(), (10n * USDC).toString());
  assert.equal(e.state, 0); // Funded
  const escrowCreated = await events(escrowSig);
  assert.deepEqual(escrowCreated.map((x) => x.name), ["escrowCreated"]);
  assert.equal(escrowCreated[0].data.escrowId.toString(), id.toString());
  assert.deepEqual(Object.keys(escrowCreated[0].data.tier), ["instant"]);
  assert.deepEqual(Object.keys(escrowCreated[0].data.state), ["funded"]);
  assert.equal(escrowCreated[0].data.locked.toString(), (10n * USDC).toString());

  // escrow_submit_proof by the provider: instant tier, paid and closed at once.
  const agentLamports = await connection.getBalance(agent.publicKey, "confirmed");
  const escrowRent = await connection.getBalance(escrow, "confirmed");
  const proofSig = await submitProof(policy, vault, escrow, mint, payee, payeeAta.address, agent.publicKey, 9);
  assert.equal(await tokens(payeeAta.address), 10n * USDC);
  assert.equal(await tokens(vault), 490n * USDC);
  assert.equal(await connection.getAccountInfo(escrow, "confirmed"), null);
  assert.equal(await connection.getBalance(agent.publicKey, "confirmed"), agentLamports + escrowRent);
  const proofEvents = await events(proofSig);
  assert.deepEqual(proofEvents.map((x) => x.name), ["proofSubmitted", "escrowReleased"]);
  assert.deepEqual(proofEvents[0].data.proofHash, Array(32).fill(9));
  const released = proofEvents[1].data;
  assert.ok(released.escrow.equals(escrow));
  assert.ok(released.provider.equals(payee.publicKey));
  assert.ok(released.releasedBy.equals(payee.publicKey));
  assert.equal(released.amount.toString(), (10n * USDC).toString());
  assert.equal(released.rentReturned.toString(), escrowRent.toString());
  assert.equal(released.locked.toString(), "0");
  assert.deepEqual(Object.keys(released.state), ["released"]);

  // An error code: 100 USDC + 1 base unit is over per_escrow_max. The
  // client throws AnchorError with the IDL's name, number and message, and
  // nothing moves.
  p = await program.account.policy.fetch(policy, "confirmed");
  const over = BigInt(p.nextEscrowId.toString());
  const vaultBefore = await tokens(vault);
  const lockedBefore = p.locked.toString();
  await assert.rejects(
    escrowCreate(policy, vault, agent, payee.publicKey, over, 100n * USDC + 1n, 1, deadline).rpc(confirmed),
    (err: unknown) => {
      assert.ok(err instanceof AnchorError, String(err));
      const fromIdl = idl.errors.find((x) => x.name === "PerEscrowCapExceeded");
      assert.ok(fromIdl);
      assert.equal(err.error.errorCode.code, "PerEscrowCapExceeded");
      assert.equal(err.error.errorCode.number, fromIdl.code);
      assert.equal(err.error.errorMessage, fromIdl.msg);
      assert.ok(err.program.equals(program.programId));
      return true;
    },
  );
  assert.equal(await tokens(vault), vaultBefore);
  p = await program.account.policy.fetch(policy, "confirmed");
  assert.equal(p.locked.toString(), lockedBefore);
  assert.equal(await connection.getAccountInfo(escrowAddress(policy, over)[0], "confirmed"), null);
});

test("an owner approves a release with a signed off-chain message; the agent submits it", async () => {
  const { agent, payee, mint, payeeAta, policy, vault } = await fundedPolicy();
  // 75 is above delay_max (60): approval tier.
  let p = await program.account.policy.fetch(policy, "confirmed");
  const id = BigInt(p.nextEscrowId.toString());
  const [escrow] = escrowAddress(policy, id);
  const deadline = Math.floor(Date.now() / 1000) + 86_400;
  await escrowCreate(policy, vault, agent, payee.publicKey, id, 75n * USDC, 3, deadline).rpc(confirmed);
  await submitProof(policy, vault, escrow, mint, payee, payeeAta.address, agent.publicKey, 4);
  const e = await program.account.escrow.fetch(escrow, "confirmed");
  assert.equal(e.state, 1); // ProofSubmitted: waits for the owner

  // The owner signs only the message (what a Ledger shows as text); the
  // agent builds, pays for and sends the transaction.
  const expiresAt = Math.floor(Date.now() / 1000) + 3_600;
  const message = {
    action: "approve release" as const,
    amount: 75n * USDC,
    decimals: 6,
    mint,
    provider: payee.publicKey,
    escrow,
    policy,
    proofAt: e.stateAt.toNumber(),
    expiresAt,
  };
  const approve = async (signed: Buffer, passedExpiry: number) => {
    const tx = await program.methods
      .escrowApproveOffchain(new BN(passedExpiry))
      .accountsPartial({
        submitter: agent.publicKey,
        policy,
        vault,
        escrow,
        providerToken: payeeAta.address,
        rentPayer: agent.publicKey,
        mint,
        tokenProgram: TOKEN_PROGRAM_ID,
        dependsOn: null,
      })
      .preInstructions([Ed25519Program.createInstructionWithPrivateKey({ privateKey: owner.secretKey, message: signed })])
      .transaction();
    tx.feePayer = agent.publicKey;
    tx.recentBlockhash = (await connection.getLatestBlockhash("confirmed")).blockhash;
    tx.sign(agent);
    assert.equal(tx.signatures.length, 1); // the owner did not sign the transaction
    return sendAndConfirmRawTransaction(connection, tx.serialize(), confirmed);
  };

  // A message signed for another expiry than the one passed: the program
  // rebuilds the text from the accounts and the argument, and refuses.
  const vaultBefore = await tokens(vault);
  await assert.rejects(approve(ownerMessageEnvelope({ ...message, expiresAt: expiresAt + 60 }), expiresAt), (err: unknown) => {
    const logs = (err as { logs?: string[] }).logs ?? [];
    const parsed = AnchorError.parse(logs);
    assert.ok(parsed, String(err));
    const fromIdl = idl.errors.find((x) => x.name === "OwnerMessageExpiryMismatch");
    assert.ok(fromIdl);
    assert.equal(parsed.error.errorCode.code, fromIdl.name);
    assert.equal(parsed.error.errorCode.number, fromIdl.code);
    return true;
  });
  assert.equal(await tokens(vault), vaultBefore);
  assert.equal(await tokens(payeeAta.address), 0n);

  const sig = await approve(ownerMessageEnvelope(message), expiresAt);
  assert.equal(await tokens(payeeAta.address), 75n * USDC);
  assert.equal(await tokens(vault), vaultBefore - 75n * USDC);
  assert.equal(await connection.getAccountInfo(escrow, "confirmed"), null);
  const approved = await events(sig);
  assert.deepEqual(approved.map((x) => x.name), ["ownerMessageAccepted", "escrowReleased"]);
  assert.ok(approved[0].data.owner.equals(owner.publicKey));
  assert.ok(approved[0].data.submittedBy.equals(agent.publicKey));
  assert.deepEqual(Object.keys(approved[0].data.action), ["approveRelease"]);
  assert.equal(approved[0].data.expiresAt.toString(), expiresAt.toString());
  assert.equal(approved[1].data.amount.toString(), (75n * USDC).toString());
  p = await program.account.policy.fetch(policy, "confirmed");
  assert.equal(p.locked.toString(), "0");
});
