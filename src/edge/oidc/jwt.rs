//! ID tokens signed and checked with the access tokens' keys (`AUTHAZ_SIGNING_KEYS`, ES256
//! through WebCrypto, published at `/.well-known/jwks.json`).

use serde::Serialize;
use worker::Env;

use crate::contract::error::ApiError;
use crate::edge::platform::http::ApiResult;
use crate::edge::platform::web_crypto;
use crate::edge::sessions::signing_keys;
use crate::oidc::id_token::IdTokenClaims;
use crate::tokens::access_token;

/// `claims` as a JWS signed by the current key.
pub async fn sign(env: &Env, claims: &impl Serialize) -> ApiResult<String> {
    let keys = signing_keys(env).await?;
    let (signing_input, key) = keys.prepare_claims(claims).map_err(|_| ApiError::internal())?;
    let signature = web_crypto::sign_es256(&keys, key, signing_input.as_bytes()).await.map_err(|_| ApiError::internal())?;
    Ok(access_token::finish(signing_input, &signature))
}

/// The claims of an ID token whose signature is one of our keys' (its lifetime is not checked:
/// an expired ID token is still a valid `id_token_hint`). `None` for anything else.
pub async fn verified_id_token(env: &Env, token: &str) -> ApiResult<Option<IdTokenClaims>> {
    let keys = signing_keys(env).await?;
    let Ok(unverified) = keys.unverified(token) else { return Ok(None) };
    if unverified.signature.len() != 64 {
        return Ok(None);
    }
    let signed = web_crypto::verify_es256(&keys, unverified.key, unverified.signing_input.as_bytes(), &unverified.signature)
        .await
        .map_err(|_| ApiError::internal())?;
    if !signed {
        return Ok(None);
    }
    Ok(unverified.payload::<IdTokenClaims>().ok())
}
