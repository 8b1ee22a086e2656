#!/usr/bin/env bash
# Builds the Worker (wasm + JS shim) into build/. Skips the work when nothing changed since the
# last build, so `wrangler dev` starts fast. `--force` rebuilds; `--fast` builds with Cargo.toml's
# `fast` profile and no wasm-opt (seconds per rebuild, for local work); `--dev` is an unoptimised
# debug build.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
mode=release force=
for arg in "$@"; do
  case "$arg" in
    --dev) mode=dev ;;
    --fast) mode=fast ;;
    --force) force=1 ;;
    *) echo "usage: build.sh [--fast|--dev] [--force]" >&2; exit 2 ;;
  esac
done
stamp=build/.built-$mode
if [ -z "$force" ] && [ -f "$stamp" ] && [ -f build/index.js ] && [ -d build/assets/pages ] \
   && [ -z "$(find src migrations Cargo.toml Cargo.lock -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  exit 0
fi
[ "$(cat .toolchain/route 2>/dev/null)" = debian ] || bash scripts/setup.sh
wasm_toolchain_env
rm -f build/.built-*
# The stamp takes the time the build started: a source saved during the build makes the next run build again.
started=$(mktemp)
# The Worker builds without the `rust-crypto` feature: signatures are checked through WebCrypto.
case "$mode" in
  # Release builds compile out Debug formatting and panic locations, and make a panic abort at
  # once (a wasm trap; the shim then starts a fresh instance) instead of formatting a message:
  # -Z flags that rustc-web takes with RUSTC_BOOTSTRAP=1, applied to std too as it is built from
  # source. About 45 KiB gzipped in all. Messages that name a received value use
  # webauthn::error::quoted, not {:?}; no code may rely on Debug output (see edge::db::error_text).
  # sha2's compact (rolled) rounds: about 5 KiB gzipped less than the unrolled ones, and the core
  # hashes a few hundred bytes per ceremony (microseconds either way).
  release) RUSTFLAGS="${RUSTFLAGS:-} -Zfmt-debug=none -Zlocation-detail=none -Zunstable-options -Cpanic=immediate-abort --cfg sha2_backend_soft=\"compact\"" \
    worker-build --release --no-default-features ;;
  dev) worker-build --dev --no-default-features ;;
  fast) worker-build --profile fast --no-opt --no-default-features ;;
esac
if [ "$mode" = release ]; then
  # worker-build keeps the wasm name section (wasm-opt --debuginfo): about a sixth of the binary,
  # and it is uploaded with every deploy. Drop it (and the producers and target features sections)
  # from release builds.
  features=(mutable-globals sign-ext nontrapping-float-to-int bulk-memory multivalue reference-types exception-handling)
  # First --gufa (whole-program type flow analysis: constants and unreachable code found across
  # calls through the table) and -Oz again on worker-build's -Oz output, with the functions' side
  # effects computed for the whole program first: about 2 KiB gzipped less. --debuginfo keeps
  # the name section for the named copy below.
  # Exports nothing calls go first, so that the pass below drops their code (scripts/drop-dead-exports.mjs).
  node scripts/drop-dead-exports.mjs build/index_bg.wasm build/index_bg.live.wasm
  wasm-opt build/index_bg.live.wasm "${features[@]/#/--enable-}" --debuginfo --generate-global-effects --gufa -Oz -o build/index_bg.gufa.wasm
  rm build/index_bg.live.wasm
  mv build/index_bg.gufa.wasm build/index_bg.wasm
  # The named copy (same functions, same order) lets profiles and size reports name wasm functions:
  # node bench/hotspots.mjs and node scripts/bundle-size.mjs --by-crate read target/worker-names.wasm.
  mkdir -p target && cp build/index_bg.wasm target/worker-names.wasm
  # Stripped, each function's code is written through Binaryen's optimized stack IR, which it
  # skips while it keeps debug info (about 1.3 KiB gzipped less; the functions and their order
  # stay those of the named copy).
  wasm-opt build/index_bg.wasm "${features[@]/#/--enable-}" --shrink-level=2 --optimize-level=2 --generate-stack-ir --optimize-stack-ir \
    --strip-debug --strip-producers --strip-target-features -o build/index_bg.stripped.wasm
  mv build/index_bg.stripped.wasm build/index_bg.wasm
  # And the JS glue's classes nothing uses (scripts/drop-dead-glue.mjs).
  node scripts/drop-dead-glue.mjs build/index.js
fi
# The pages' static assets, named as build.rs names them (the first 16 hex digits of the SHA-256).
rm -rf build/assets && mkdir -p build/assets/pages
for asset in common.js app.js style.css; do
  hash=$(sha256sum "src/hosted_pages/assets/$asset" | cut -c1-16)
  cp "src/hosted_pages/assets/$asset" "build/assets/pages/${asset%.*}.$hash.${asset##*.}"
done
# The language catalogues (src/i18n): the Worker reads them through its ASSETS binding.
cp -r src/i18n/catalogues build/assets/i18n
printf '%s\n' '/pages/*' '  Cache-Control: public, max-age=31536000, immutable' '  X-Content-Type-Options: nosniff' \
  '/i18n/*' '  Cache-Control: no-cache' '  X-Content-Type-Options: nosniff' >build/assets/_headers
mv "$started" "$stamp"
