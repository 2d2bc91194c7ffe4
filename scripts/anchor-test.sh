#!/usr/bin/env bash
# Runs `anchor test --skip-build --validator legacy` for real: anchor-cli
# 1.2.2 starts solana-test-validator with target/deploy/agent_escrow.so at
# the program id and a fresh wallet funded at genesis, then runs
# Anchor.toml's `test` script (the TypeScript IDL client test, tests/ts).
#
# Why `--validator legacy`: anchor-cli 1.x starts Surfpool unless told
# otherwise, and Anchor.toml cannot say so (anchor-cli 1.2.2 sets the
# validator kind from the flag or ANCHOR_TEST_VALIDATOR only); Surfpool is
# not installable from crates.io. `--skip-build`: the .so comes from the
# registry-only route (make build-sbf), not platform-tools.
#
# Inside a loopback-only network namespace (the validator binds 0.0.0.0
# whatever its flags say); the kernel kills what is left when it ends.
# Also checks that idl/agent_escrow.ts is what anchor-cli makes from
# idl/agent_escrow.json.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

ANCHOR=$("$REPO/scripts/install-anchor.sh")
VALIDATOR=${AGENT_ESCROW_VALIDATOR:-$("$REPO/scripts/install-validator.sh")}
[ -f target/deploy/agent_escrow.so ] || { echo "target/deploy/agent_escrow.so missing: run make build-sbf" >&2; exit 1; }
[ -x tests/ts/node_modules/.bin/tsc ] || { echo "tests/ts/node_modules missing: run scripts/setup.sh" >&2; exit 1; }

OUT=target/anchor-test
rm -rf "$OUT" .anchor/test-ledger
mkdir -p "$OUT"
"$ANCHOR" idl type idl/agent_escrow.json -o "$OUT/agent_escrow.ts" >/dev/null
if ! cmp -s idl/agent_escrow.ts "$OUT/agent_escrow.ts"; then
  echo "idl/agent_escrow.ts is not what \`anchor idl type idl/agent_escrow.json\` makes: run make idl" >&2
  diff -u idl/agent_escrow.ts "$OUT/agent_escrow.ts" | head -20 >&2
  exit 1
fi

# Where `anchor build` would have put the IDL: anchor-cli reads it to
# stream the program's logs into .anchor/program-logs/.
mkdir -p target/idl
cp idl/agent_escrow.json target/idl/agent_escrow.json

# A throwaway wallet for this run (Anchor.toml's provider.wallet is the
# developer's own key); anchor-cli funds it at genesis (--mint).
(umask 077; tests/ts/node_modules/.bin/node -e '
  const { Keypair } = require(process.argv[1]);
  process.stdout.write(JSON.stringify(Array.from(Keypair.generate().secretKey)));
' "$REPO/tests/ts/node_modules/@solana/web3.js" > "$OUT/wallet.json")

# Root only to make the namespace and bring up its loopback; anchor, the
# validator and node run as the calling user (so .anchor/ stays theirs).
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_root unshare --net --pid --fork --kill-child -- \
  env PATH="$(dirname "$VALIDATOR"):$(dirname "$ANCHOR"):$PATH" HOME="$HOME" \
  sh -c 'ip link set lo up && exec setpriv --reuid="$2" --regid="$3" --init-groups \
    "$0" test --skip-build --validator legacy --provider.wallet "$1"' \
  "$ANCHOR" "$OUT/wallet.json" "$(id -u)" "$(id -g)"
