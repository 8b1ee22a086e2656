#!/usr/bin/env bash
# Deploys the Worker with `wrangler deploy` (which builds it first, see wrangler.toml [build]),
# after the same setup as the other scripts. Extra arguments go to wrangler (e.g. --dry-run).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
bash scripts/setup.sh
exec wrangler deploy "$@"
