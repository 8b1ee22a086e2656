#!/usr/bin/env bash
# The benchmark (issue 5; issue 3's verification timing): `bash bench/run.sh`.
# Builds the Worker, snapshots the build, then bench/bench.mjs runs it under its own `wrangler dev`
# (fresh state, generated secrets, inspector) and drives full ceremonies with a software
# authenticator; then the SimpleWebAuthn peer the same way; then the verification benchmark
# (native, wasm in workerd, WebCrypto in workerd); last, the first request in bare workerd (no
# wrangler, no debugger: bench/bare_workerd.mjs); and what one platform operation costs workerd
# (bench/op_costs.mjs). Prints tables; results.json in the work dir.
# Settings: see bench/bench.mjs (BENCH_COUNT, BENCH_CONCURRENCY, BENCH_WARMUP, BENCH_COLD_REPS,
# BENCH_ONLY, BENCH_COLD_PROFILER), BENCH_BUILD=<build dir> to run that build, BENCH_BARE_RESTARTS (8), BENCH_JSON=<path> to keep the JSON results, BENCH_KEEP=1 to keep the work dir.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
cd "$ROOT"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/authaz-bench-XXXXXX")
cleanup() { if [ -z "${BENCH_KEEP:-}" ]; then rm -rf "$WORK"; else echo "work dir kept: $WORK" >&2; fi; }
trap cleanup EXIT
say() { printf '[bench] %s\n' "$*" >&2; }
say "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

bash scripts/setup.sh >&2

# --- the Worker, as deployed: build once and run a snapshot (a rebuild meanwhile changes nothing)
# BENCH_BUILD=<dir>: run that build instead (an A/B of two builds, made by scripts/build.sh).
[ -n "${BENCH_BUILD:-}" ] || bash scripts/build.sh >&2
mkdir -p "$WORK/ours"
cp -r "${BENCH_BUILD:-build}" "$WORK/ours/build"
node scripts/bundle-size.mjs >"$WORK/bundle-size.txt"
node --input-type=module -e '
  import { writeConfig } from "./bench/dev_server.mjs";
  const [work, root] = process.argv.slice(1);
  writeConfig(`${root}/wrangler.toml`, `${work}/ours/wrangler.toml`, { main: `${work}/ours/build/index.js`, migrationsDir: `${root}/migrations` });
' "$WORK" "$ROOT"

only=",${BENCH_ONLY:-verify},"
if [[ "$only" == *,verify,* ]]; then
# --- the verification benchmark crate (bench/verify), with the product's release profile
# Cargo.toml's [profile.release] keys become CARGO_PROFILE_RELEASE_* so both build alike.
while IFS='=' read -r key value; do
  key=$(echo "$key" | tr -d ' ' | tr 'a-z-' 'A-Z_'); value=$(echo "$value" | tr -d ' "')
  [ -n "$key" ] && export "CARGO_PROFILE_RELEASE_$key=$value"
done < <(awk '/^\[profile\.release\]/{f=1;next} /^\[/{f=0} f && /=/' Cargo.toml)
cp Cargo.lock bench/verify/Cargo.lock
say "building bench/verify natively"
(cd bench/verify && CARGO_TARGET_DIR="$ROOT/target/bench-native" cargo build --release --bin bench-verify >&2)
say "building bench/verify for wasm32"
(cd bench/verify && wasm_toolchain_env && CARGO_TARGET_DIR="$ROOT/target/bench-wasm" \
  cargo build --release --lib --target wasm32-unknown-unknown >&2)
mkdir -p "$WORK/verify/worker"
cp "$ROOT/target/bench-native/release/bench-verify" "$WORK/verify/bench-verify"
raw="$ROOT/target/bench-wasm/wasm32-unknown-unknown/release/authaz_bench_verify.wasm"
pkg="$ROOT/target/bench-wasm/pkg"
if [ ! -f "$pkg/authaz_bench_verify_bg.wasm" ] || [ "$raw" -nt "$pkg/authaz_bench_verify_bg.wasm" ]; then
  say "wasm-bindgen + wasm-opt (as worker-build runs them)"
  rm -rf "$pkg"
  wasm-bindgen --target web --no-typescript --out-dir "$pkg" "$raw"
  wasm-opt "$pkg/authaz_bench_verify_bg.wasm" -o "$pkg/opt.wasm" -O --debuginfo \
    --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int --enable-bulk-memory \
    --enable-multivalue --enable-reference-types --enable-exception-handling
  mv "$pkg/opt.wasm" "$pkg/authaz_bench_verify_bg.wasm"
fi
cp -r "$pkg" "$WORK/verify/worker/pkg"
cp bench/verify/worker.js "$WORK/verify/worker/worker.js"
printf 'name = "authaz-bench-verify"\nmain = "worker.js"\ncompatibility_date = "2025-11-01"\n' >"$WORK/verify/worker/wrangler.toml"
fi

say "load average before measuring: $(cut -d' ' -f1-3 /proc/loadavg)"
node bench/bench.mjs "$WORK"

if [[ "$only" == *,ours,* || "${BENCH_ONLY:-}" == "" ]]; then
  say "the first request in bare workerd (no wrangler, no debugger)"
  printf '\nFirst request in bare workerd (bench/bare_workerd.mjs), the measured build:\n'
  node bench/bare_workerd.mjs "$WORK/ours/build" "${BENCH_BARE_RESTARTS:-8}"
  say "what one platform operation costs the runtime process (bench/op_costs.mjs)"
  printf '\nWhat one platform operation costs workerd under wrangler dev (bench/op_costs.mjs):\n'
  node bench/op_costs.mjs
fi
