#!/usr/bin/env bash
# The README's second command: every test. Formatting and clippy lints first, then native tests of the pure core, then the Worker
# build with its size budget and a deploy dry run, then the end-to-end tests, which start their own
# `wrangler dev` (workerd, local D1, Durable Objects, email) on free ports and a real Chromium.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step setup
bash scripts/setup.sh

step "format and lints (cargo fmt --check, cargo clippy -D warnings)"
cargo fmt --all --check
cargo clippy --locked --all-targets -- -D warnings

step "native tests (cargo test)"
cargo test --locked --all-targets

step "Worker build"
bash scripts/build.sh

step "bundle size (may not grow past its ceiling)"
node scripts/bundle-size.mjs --check

step "wrangler deploy --dry-run"
dry=$(mktemp -d)
wrangler deploy --dry-run --outdir "$dry" >"$dry.log" 2>&1 || { cat "$dry.log"; exit 1; }
grep -q "DB" "$dry.log" && grep -q "CHALLENGES" "$dry.log" || { cat "$dry.log"; echo "dry run lacks bindings"; exit 1; }
rm -rf "$dry" "$dry.log"

step "end-to-end tests (wrangler dev + Chromium)"
node --test --test-concurrency=1 --test-timeout=300000 "tests/e2e/**/*.test.mjs"
