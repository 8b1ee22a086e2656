#!/usr/bin/env bash
# The OpenID Connect code flow with cURL (and jq, openssl): what any HTTP client does against the
# provider. Run by tests/e2e/frameworks.test.mjs.
#   ISSUER=http://localhost:8787/oidc/app_... CLIENT_ID=cli_... CLIENT_SECRET=cs_... \
#   REDIRECT_URI=https://app.example/callback bash examples/curl/oidc.sh <command>
# commands:
#   authorize-url            prints VERIFIER=... and URL=... (open the URL, sign in with a passkey)
#   exchange CODE VERIFIER   the token response (access_token, refresh_token, id_token)
#   userinfo ACCESS_TOKEN    the signed-in person's claims
#   refresh REFRESH_TOKEN    new tokens (the old refresh token is used up)
set -euo pipefail
: "${ISSUER:?}" "${CLIENT_ID:?}" "${REDIRECT_URI:?}"
config=$(curl -sf "$ISSUER/.well-known/openid-configuration")
endpoint() { jq -r ".$1" <<<"$config"; }
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
# client_secret_basic (RFC 6749 2.3.1 form-encodes id and secret; ours need no encoding).
auth=(-u "$CLIENT_ID:${CLIENT_SECRET:?}")

case "${1:-}" in
  authorize-url)
    verifier=$(openssl rand 32 | b64url)
    challenge=$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | b64url)
    url=$(jq -rn --arg e "$(endpoint authorization_endpoint)" --arg c "$CLIENT_ID" --arg r "$REDIRECT_URI" --arg ch "$challenge" \
      --arg s "$(openssl rand 16 | b64url)" --arg n "$(openssl rand 16 | b64url)" \
      '$e + "?response_type=code&scope=openid%20email&client_id=" + ($c|@uri) + "&redirect_uri=" + ($r|@uri)
        + "&code_challenge=" + $ch + "&code_challenge_method=S256&state=" + $s + "&nonce=" + $n')
    echo "VERIFIER=$verifier"
    echo "URL=$url"
    ;;
  exchange)
    curl -sf "${auth[@]}" "$(endpoint token_endpoint)" -d grant_type=authorization_code \
      --data-urlencode "code=$2" --data-urlencode "redirect_uri=$REDIRECT_URI" --data-urlencode "code_verifier=$3"
    ;;
  userinfo)
    curl -sf "$(endpoint userinfo_endpoint)" -H "Authorization: Bearer $2"
    ;;
  refresh)
    curl -sf "${auth[@]}" "$(endpoint token_endpoint)" -d grant_type=refresh_token --data-urlencode "refresh_token=$2"
    ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
