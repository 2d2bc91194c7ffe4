#!/usr/bin/env bash
# Runs the JSON-RPC suite (tests/tests/validator.rs) against a real
# solana-test-validator, inside a loopback-only network namespace:
#   --net: only `lo` exists, so the validator's 0.0.0.0 binds reach nothing;
#   --pid --fork --kill-child: when this run ends, the kernel kills every
#   process left in the namespace (the tests also stop the validator by PID).
# Installs the validator first if missing (scripts/install-validator.sh).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

export AGENT_ESCROW_VALIDATOR=${AGENT_ESCROW_VALIDATOR:-$("$REPO/scripts/install-validator.sh")}
# Build outside the namespace (it has no network); run inside it.
cargo build --locked -p agent-escrow-cli
TEST_BIN=$(cargo test --locked -p agent-escrow-tests --features validator --test validator --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import sys, json
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == "validator" and m.get("executable"):
        print(m["executable"])')
[ -x "$TEST_BIN" ] || { echo "validator test binary not built" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_root unshare --net --pid --fork --kill-child -- env PATH="$PATH" HOME="$HOME" \
  AGENT_ESCROW_VALIDATOR="$AGENT_ESCROW_VALIDATOR" AGENT_ESCROW_BIN="$REPO/target/debug/agent-escrow" \
  sh -c 'ip link set lo up && exec "$0" --nocapture --test-threads=1' "$TEST_BIN"
