#!/usr/bin/env bash
# Fuzzes the verification core's parsers (not part of CI): `bash fuzz/run.sh [seconds per target] [target ...]`.
# Installs cargo-fuzz if needed, seeds each corpus from the recorded vectors (spec, py_webauthn,
# attestation recordings), then runs every target (default 60 s each) with AddressSanitizer.
# cargo-fuzz wants nightly flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain take them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
SECONDS_EACH=${1:-60}
shift || true
CARGO_FUZZ_VERSION=0.13.2
export PATH="$HOME/.cargo/bin:$PATH"
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $2}')" != "$CARGO_FUZZ_VERSION" ]; then
  cargo install cargo-fuzz --version "=$CARGO_FUZZ_VERSION" --locked --quiet
fi
export RUSTC_BOOTSTRAP=1
python3 seed_corpus.py corpus
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
for target in "${targets[@]}"; do
  echo "== $target (${SECONDS_EACH} s)"
  cargo fuzz run "$target" "corpus/$target" -- -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -print_final_stats=1 2>&1 \
    | grep -E "^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==|SUMMARY|thread .* panicked)" || true
  [ -z "$(ls artifacts/"$target" 2>/dev/null)" ] || { echo "crash artifacts in fuzz/artifacts/$target"; exit 1; }
done
