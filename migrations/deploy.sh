#!/usr/bin/env bash
# Deploys target/deploy/agent_escrow.so with the Solana CLI (upgradeable
# loader) at the program id in keys/agent_escrow-keypair.json.
#
#   migrations/deploy.sh [CLUSTER]     # CLUSTER: localhost (default) or devnet
#
# Needs the `solana` CLI and a funded wallet (~/.config/solana/id.json; on
# devnet ~4 SOL for a 533 KB program: `solana airdrop 2` twice). The program
# id is a development key committed to this repository: for a deployment of
# your own, generate one (`solana-keygen new -o keys/agent_escrow-keypair.json`)
# and update declare_id! and Anchor.toml (`anchor keys sync`).
set -euo pipefail
cd "$(dirname "$0")/.."
CLUSTER=${1:-localhost}
[ -f target/deploy/agent_escrow.so ] || make build-sbf
solana program deploy -u "$CLUSTER" \
  --program-id keys/agent_escrow-keypair.json \
  target/deploy/agent_escrow.so
solana program show -u "$CLUSTER" "$(solana-keygen pubkey keys/agent_escrow-keypair.json)"
