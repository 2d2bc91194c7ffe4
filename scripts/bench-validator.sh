#!/usr/bin/env bash
# Throughput of the client's batch path against a real solana-test-validator
# (tests/src/bin/throughput.rs): escrows created + settled per second,
# p50/p99 latency, exact counts, injected retries, and the SOL-transfer
# ceiling of the same path. Runs inside a loopback-only network namespace,
# like scripts/validator-tests.sh:
#   --net: only `lo` exists, so the validator's 0.0.0.0 binds reach nothing;
#   --pid --fork --kill-child: when this run ends, the kernel kills every
#   process left in the namespace (the bench also stops the validator by PID).
# Sizes: ESCROWS, POLICIES, TRANSFERS, PAYERS, IN_FLIGHT, RETRY_EVERY (see the
# binary's docs), or arguments passed through: scripts/bench-validator.sh --escrows 2000
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

export AGENT_ESCROW_VALIDATOR=${AGENT_ESCROW_VALIDATOR:-$("$REPO/scripts/install-validator.sh")}
# Build outside the namespace (it has no network); run inside it.
cargo build --locked -p agent-escrow-tests --features validator --bin throughput
BENCH_BIN="$REPO/target/debug/throughput"
[ -x "$BENCH_BIN" ] || { echo "throughput binary not built" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_root unshare --net --pid --fork --kill-child -- env PATH="$PATH" HOME="$HOME" \
  AGENT_ESCROW_VALIDATOR="$AGENT_ESCROW_VALIDATOR" \
  ESCROWS="${ESCROWS:-}" POLICIES="${POLICIES:-}" TRANSFERS="${TRANSFERS:-}" PAYERS="${PAYERS:-}" \
  IN_FLIGHT="${IN_FLIGHT:-}" RETRY_EVERY="${RETRY_EVERY:-}" \
  sh -c 'ip link set lo up && exec "$0" "$@"' "$BENCH_BIN" "$@"
