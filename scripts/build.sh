#!/usr/bin/env bash
# Builds the Worker (wasm + JS shim) into build/. Skips the work when nothing changed since the
# last build, so `wrangler dev` starts fast. `--force` rebuilds, `--dev` builds without wasm-opt.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
mode=release force=
for arg in "$@"; do
  case "$arg" in
    --dev) mode=dev ;;
    --force) force=1 ;;
    *) echo "usage: build.sh [--dev] [--force]" >&2; exit 2 ;;
  esac
done
stamp=build/.built-$mode
if [ -z "$force" ] && [ -f "$stamp" ] && [ -f build/index.js ] \
   && [ -z "$(find src migrations Cargo.toml Cargo.lock -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  exit 0
fi
[ -f .toolchain/route ] || bash scripts/setup.sh
wasm_toolchain_env
rm -f build/.built-*
worker-build "--$mode"
touch "$stamp"
