#!/usr/bin/env bash
# Builds programs/agent_escrow to target/deploy/agent_escrow.so (SBPF v3)
# with the registry-only toolchain (scripts/sbf-toolchain.sh installs it on
# first use). Incremental: cargo rebuilds only what changed.
#
#   SBF_OFFICIAL=1   use `cargo build-sbf` (Solana platform-tools) instead,
#                    for machines that have it.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
mkdir -p target/deploy
cp keys/agent_escrow-keypair.json target/deploy/agent_escrow-keypair.json

if [ "${SBF_OFFICIAL:-0}" = 1 ]; then
  exec cargo build-sbf --manifest-path programs/agent_escrow/Cargo.toml --sbf-out-dir target/deploy
fi

TC=$("$REPO/scripts/sbf-toolchain.sh")
CONFIG="$TC/cargo-config.toml"
sed "s|@TOOLCHAIN_DIR@|$TC|g" sbf/config.toml.in > "$CONFIG.tmp"
cmp -s sbf/sbpf-linker-opt.sh "$TC/sbpf-linker-opt.sh" 2>/dev/null \
  || install -m 755 sbf/sbpf-linker-opt.sh "$TC/sbpf-linker-opt.sh"
# Rewrite only on change so cargo's fingerprints stay warm.
cmp -s "$CONFIG.tmp" "$CONFIG" 2>/dev/null && rm "$CONFIG.tmp" || mv "$CONFIG.tmp" "$CONFIG"

# RUSTC_BOOTSTRAP: build-std and the json target are unstable features of
# Debian's stable rustc/cargo. __CARGO_TESTS_ONLY_SRC_ROOT: build-std reads
# the patched std copy instead of the (unpatched) sysroot source.
env -u RUSTUP_TOOLCHAIN -u RUSTC -u CARGO \
  RUSTC_BOOTSTRAP=1 __CARGO_TESTS_ONLY_SRC_ROOT="$TC/rust-src/library" \
  CARGO_TARGET_DIR="$REPO/target/sbf" \
  /usr/bin/cargo build --release --config "$CONFIG" -p agent-escrow --lib

cp target/sbf/bpfel-unknown-solana/release/libagent_escrow.so target/deploy/agent_escrow.so
echo "wrote target/deploy/agent_escrow.so ($(stat -c %s target/deploy/agent_escrow.so) bytes)" >&2
