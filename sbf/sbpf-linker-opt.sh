#!/usr/bin/env bash
# Linker shim for the registry-only route: rustc passes the profile's
# opt-level to the linker as -Os / -Oz, which LLVM 23's sbpf-linker refuses
# ("use O2 with the optsize/minsize attribute"). rustc has already put those
# attributes on every function, so -O2 here keeps the size optimizations.
set -euo pipefail
args=()
for a in "$@"; do
  case "$a" in
    -Os|-Oz) args+=("-O2") ;;
    *) args+=("$a") ;;
  esac
done
exec "$(dirname "${BASH_SOURCE[0]}")/bin/sbpf-linker" "${args[@]}"
