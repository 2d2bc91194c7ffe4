#!/usr/bin/env bash
# Installs the registry-only SBF toolchain (Debian rustc-web + patched std,
# LLVM 23 from PyPI, sbpf-linker from crates.io) into a cache outside the repo.
#
# Idempotent: every step checks a stamp or the installed version and skips
# itself when done, so a warm machine pays nothing. Prints the toolchain dir.
#
#   AGENT_ESCROW_TOOLCHAIN   toolchain dir (default ~/.cache/agent-escrow/sbf-toolchain)
#
# Sources of the versions pinned below: Debian bookworm-security (rustc-web
# 1.96.0+dfsg1-1~deb12u2), PyPI mlc-llvm-static 23.1.1.post0, crates.io
# sbpf-linker 0.2.6. See sbf/README.md for why each piece is needed.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TC=${AGENT_ESCROW_TOOLCHAIN:-$HOME/.cache/agent-escrow/sbf-toolchain}
RUST_VERSION=1.96.0
LLVM_WHEEL_VERSION=23.1.1.post0
SBPF_LINKER_VERSION=0.2.6
# Bump when the patch, target spec or builtins change: forces a re-prepare.
RECIPE_HASH=$(cat "$REPO"/sbf/patch-std.py "$REPO"/sbf/bpfel-unknown-solana.json \
  "$REPO"/sbf/i128_builtins.ll | sha256sum | cut -c1-16)

log() { echo "[sbf-toolchain] $*" >&2; }
mkdir -p "$TC"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. Debian packages: rustc 1.96 (LLVM 22 bitcode, read by LLVM 23) + std source.
DEB_PKGS=(rustc-web cargo-web rust-web-src libstd-rust-web-dev-bpf libzstd-dev)
if ! /usr/bin/rustc --version 2>/dev/null | grep -q "^rustc $RUST_VERSION" \
   || [ ! -d "/usr/src/rustc-$RUST_VERSION/library" ]; then
  log "installing Debian ${DEB_PKGS[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${DEB_PKGS[@]}" >&2
fi
if ! /usr/bin/rustc --version | grep -q "^rustc $RUST_VERSION"; then
  log "error: /usr/bin/rustc is '$(/usr/bin/rustc --version)', expected $RUST_VERSION."
  log "Debian has moved rustc-web on; sbf/patch-std.py targets $RUST_VERSION's std."
  log "Fix: update RUST_VERSION and sbf/patch-std.py for the new std, or use 'anchor build'."
  exit 1
fi

# 2. LLVM 23 with the BPF backend, from PyPI, in a venv.
VENV=$TC/venv
LLVM_PREFIX=$VENV/lib/python3.11/site-packages/mlc_llvm_static/static
if [ ! -x "$LLVM_PREFIX/bin/llvm-config" ]; then
  log "installing LLVM $LLVM_WHEEL_VERSION wheels into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "mlc-llvm-static==$LLVM_WHEEL_VERSION" \
    "mlc-llvm-static-extra-targets==$LLVM_WHEEL_VERSION"
  LLVM_PREFIX=$(echo "$VENV"/lib/python3*/site-packages/mlc_llvm_static/static)
fi
LLVM_PREFIX=$(echo "$VENV"/lib/python3*/site-packages/mlc_llvm_static/static)

# 3. sbpf-linker, statically linked against that LLVM.
if [ ! -x "$TC/bin/sbpf-linker" ] \
   || ! cargo install --list --root "$TC" | grep -q "^sbpf-linker v$SBPF_LINKER_VERSION:"; then
  log "building sbpf-linker $SBPF_LINKER_VERSION (about 2 minutes)"
  LLVM_PREFIX=$LLVM_PREFIX PATH=$LLVM_PREFIX/bin:$PATH \
    cargo install "sbpf-linker@$SBPF_LINKER_VERSION" --locked --no-default-features \
    --features bpf-linker/llvm-23,bpf-linker/llvm-link-static --root "$TC" >&2
fi

# 4. Patched std source + target spec + i128 builtins.
if [ "$(cat "$TC/recipe.stamp" 2>/dev/null)" != "$RECIPE_HASH" ]; then
  log "preparing patched std for target_os = \"solana\""
  rm -rf "$TC/rust-src"
  mkdir -p "$TC/rust-src"
  cp -r "/usr/src/rustc-$RUST_VERSION/library" "$TC/rust-src/library"
  # Cargo's build-std resolves std's deps from this lock file.
  [ -f "/usr/src/rustc-$RUST_VERSION/Cargo.lock" ] && cp "/usr/src/rustc-$RUST_VERSION/Cargo.lock" "$TC/rust-src/"
  python3 "$REPO/sbf/patch-std.py" "$TC/rust-src/library" >&2
  cp "$REPO/sbf/bpfel-unknown-solana.json" "$REPO/sbf/i128_builtins.ll" "$TC/"
  echo "$RECIPE_HASH" > "$TC/recipe.stamp"
fi

echo "$TC"
