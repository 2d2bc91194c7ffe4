#!/usr/bin/env bash
# Installs solana-test-validator (crate agave-validator 4.2.2, the newest that
# builds with rustc 1.95) from crates.io into a cache outside the repo.
# Idempotent: skipped when the installed binary already reports 4.2.2.
# Built at opt-level 1 (CARGO_PROFILE_RELEASE_OPT_LEVEL=1): a test validator
# needs correct, not fastest, code, and opt-level 3 took 41 to 48 min on 2
# cores (48 min 23 s on 2026-12-02), which alone used half of CI's 90 min on a
# fresh machine. ~3.3 GiB of build files stay in the cache so a rebuild after
# a version bump is incremental. Prints the binary path.
set -euo pipefail

VERSION=4.2.2
PREFIX=${AGENT_ESCROW_VALIDATOR_PREFIX:-$HOME/.cache/agent-escrow/validator}
BIN=$PREFIX/bin/solana-test-validator

log() { echo "[install-validator] $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if "$BIN" --version 2>/dev/null | grep -q " $VERSION "; then
  echo "$BIN"
  exit 0
fi

# Build dependencies (Debian): bindgen needs libclang; hidapi/openssl probes need pkg-config.
need=()
for pkg in libclang-dev pkg-config libudev-dev libssl-dev; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing Debian ${need[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi

log "building agave-validator $VERSION (solana-test-validator, opt-level 1) from crates.io; ~30-45 min on 2 cores"
start=$(date +%s)
CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install --locked agave-validator --version "$VERSION" --bin solana-test-validator \
  --root "$PREFIX" --target-dir "$PREFIX/build" >&2
log "built in $(( $(date +%s) - start )) s"
echo "$BIN"
