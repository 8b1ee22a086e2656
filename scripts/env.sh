# Sourced by the other scripts: paths and settings shared by build, dev, test and bench.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ROOT
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# wrangler must never phone home: the machines reach package registries only.
export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false
export WRANGLER_LOG_SANITIZE=true
# worker-build would download wasm-bindgen, wasm-opt and esbuild: hand it local ones.
export WASM_BINDGEN_BIN="$HOME/.cargo/bin/wasm-bindgen"
export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
export ESBUILD_BIN="$ROOT/node_modules/.bin/esbuild"

# The wasm32 build: Debian's rustc-web with std built from source (see scripts/setup.sh).
wasm_toolchain_env() {
  export PATH="$ROOT/.toolchain/bin:$PATH"
  export RUSTC_BOOTSTRAP=1
  export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
  export CARGO_TARGET_DIR="$ROOT/target/wasm"
}
