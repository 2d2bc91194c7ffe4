#!/usr/bin/env bash
# Installs everything `make demo` / `make test` need on a fresh Debian 12
# machine, idempotently: host packages, then the registry-only SBF toolchain.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Host build needs: a C compiler and pkg-config for -sys crates, libudev-dev
# for hidapi (Ledger support via solana-remote-wallet), python3 with venv for
# the LLVM wheels; jq and node for the CLI tests (JSON parsers that read
# numbers as doubles, as the scripts and JavaScript clients of users do).
need=()
for pkg in build-essential pkg-config python3-venv libudev-dev jq nodejs; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if ! command -v python3 >/dev/null; then need+=(python3); fi
if ! command -v npm >/dev/null; then need+=(npm); fi
if [ ${#need[@]} -gt 0 ]; then
  echo "[setup] installing Debian ${need[*]}" >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi
if ! command -v cargo >/dev/null; then
  echo "[setup] error: cargo not found. Install Rust 1.95+ (https://rustup.rs) and re-run." >&2
  exit 1
fi

"$REPO/scripts/sbf-toolchain.sh" >/dev/null

# Node tools for the tests (scripts/npm/package.json, exact versions, lock
# file committed): the MCP inspector, the Anchor TypeScript client and
# TypeScript, and the Node 22 they need, in the cache. The IDL client test
# (tests/ts) resolves its imports through a link to that node_modules.
NPM_DIR="$HOME/.cache/agent-escrow/npm"
if ! cmp -s "$REPO/scripts/npm/package-lock.json" "$NPM_DIR/.installed-lock.json" \
   || [ ! -x "$NPM_DIR/node_modules/.bin/mcp-inspector" ] \
   || [ ! -x "$NPM_DIR/node_modules/.bin/tsc" ]; then
  echo "[setup] installing the MCP inspector into $NPM_DIR" >&2
  mkdir -p "$NPM_DIR"
  cp "$REPO/scripts/npm/package.json" "$REPO/scripts/npm/package-lock.json" "$NPM_DIR/"
  (cd "$NPM_DIR" && npm ci --no-audit --no-fund >&2)
  cp "$REPO/scripts/npm/package-lock.json" "$NPM_DIR/.installed-lock.json"
fi
# (A real directory there is the developer's own npm install: left alone.)
if [ -L "$REPO/tests/ts/node_modules" ] || [ ! -e "$REPO/tests/ts/node_modules" ]; then
  ln -sfn "$NPM_DIR/node_modules" "$REPO/tests/ts/node_modules"
fi
