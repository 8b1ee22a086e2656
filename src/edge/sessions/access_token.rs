//! Access tokens in the Worker: minted for a session and checked on every Bearer request, their
//! ES256 signatures through WebCrypto, with the keys of `AUTHAZ_SIGNING_KEYS` parsed once per
//! isolate; the claims and their checks are the pure `tokens::access_token`.

use std::cell::RefCell;
use std::rc::Rc;

use worker::{console_error, Env, Request};

use crate::contract::error::ApiError;
use crate::edge::platform::config;
use crate::edge::platform::http::ApiResult;
use crate::edge::platform::request_url;
use crate::edge::platform::web_crypto;
use crate::tenancy::application::Application;
use crate::tokens::access_token::{self, AccessClaims, JwtError, SigningKeys, ACCESS_TOKEN_TTL_SECS};
use crate::tokens::issuer;

/// The public keys that verify access tokens: `{"keys": [...]}`.
pub async fn jwks(env: &Env) -> ApiResult<serde_json::Value> {
    Ok(signing_keys(env).await?.jwks())
}

/// The application an access token was issued for (its `aud`), read without checking anything:
/// only to pick the application when the request names none; `authenticate_bearer` then checks
/// the token against it.
pub fn unverified_audience(req: &Request) -> Option<String> {
    crate::tokens::access_token::unverified_audience(&bearer_token(req).ok()?)
}

/// A new access token, signed through WebCrypto.
pub(super) async fn mint(
    env: &Env,
    req: &Request,
    app: &Application,
    user_id: &str,
    session_id: &str,
    auth_time_ms: i64,
    now_ms: i64,
) -> ApiResult<String> {
    let iat = u64::try_from(now_ms / 1000).unwrap_or(0);
    let claims = AccessClaims {
        iss: issuer_of(env, req, app),
        aud: app.id.clone(),
        sub: user_id.to_string(),
        sid: session_id.to_string(),
        iat,
        exp: iat + ACCESS_TOKEN_TTL_SECS,
        auth_time: u64::try_from(auth_time_ms / 1000).unwrap_or(0),
    };
    let keys = signing_keys(env).await?;
    let (signing_input, key) = keys.prepare(&claims).map_err(|_| ApiError::internal())?;
    let signature = web_crypto::sign_es256(&keys, key, signing_input.as_bytes())
        .await
        .map_err(|_| misconfigured("WebCrypto refused to sign with AUTHAZ_SIGNING_KEYS"))?;
    Ok(access_token::finish(signing_input, &signature))
}

/// Checks an access token as `SigningKeys::verify` does, its signature through WebCrypto, its
/// `iss` always (the application's issuer).
pub(super) async fn verify(env: &Env, req: &Request, token: &str, app: &Application, now_ms: i64) -> ApiResult<AccessClaims> {
    let now = u64::try_from(now_ms / 1000).unwrap_or(0);
    let issuer = issuer_of(env, req, app);
    let app_id = app.id.as_str();
    let keys = signing_keys(env).await?;
    let refused = |e: JwtError| {
        unauthorized(match e {
            JwtError::Expired => "the access token has expired",
            JwtError::WrongAudience => "the access token belongs to another application",
            JwtError::WrongIssuer => "the access token was issued by another issuer",
            _ => "invalid access token",
        })
    };
    let token = keys.unverified(token).map_err(refused)?;
    // An ES256 signature is 64 bytes; anything else cannot verify (and WebCrypto need not see it).
    let signed = token.signature.len() == 64
        && web_crypto::verify_es256(&keys, token.key, token.signing_input.as_bytes(), &token.signature)
            .await
            .map_err(|_| misconfigured("WebCrypto refused a key of AUTHAZ_SIGNING_KEYS"))?;
    if !signed {
        return Err(refused(JwtError::BadSignature));
    }
    let claims = token.check_claims(app_id, None, now).map_err(refused)?;
    if !issuer::same_issuer(&claims.iss, &issuer) {
        return Err(refused(JwtError::WrongIssuer));
    }
    Ok(claims)
}

/// The token after `Bearer ` in the Authorization header (scheme case-insensitive).
pub(super) fn bearer_token(req: &Request) -> ApiResult<String> {
    let header = req.headers().get("authorization").ok().flatten().ok_or_else(|| unauthorized("missing Bearer token"))?;
    let (scheme, token) = header.trim().split_once(' ').ok_or_else(|| unauthorized("missing Bearer token"))?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(unauthorized("missing Bearer token"));
    }
    Ok(token.to_string())
}

/// The `iss` of `app`'s tokens (`crate::tokens::issuer`): its first hostname, else the
/// `AUTHAZ_ISSUER` variable, else (local development) the origin the request came to.
fn issuer_of(env: &Env, req: &Request, app: &Application) -> String {
    issuer::issuer(&app.hostnames, config::issuer(env).as_deref(), request_url::origin(req).as_deref())
}

/// The parsed `AUTHAZ_SIGNING_KEYS`, once per isolate (each public point is derived through
/// WebCrypto) and again only if the secret changes.
pub async fn signing_keys(env: &Env) -> ApiResult<Rc<SigningKeys>> {
    thread_local! {
        static CACHE: RefCell<Option<(String, Rc<SigningKeys>)>> = const { RefCell::new(None) };
    }
    let secret = config::signing_keys(env)?;
    if let Some(keys) = CACHE.with(|c| c.borrow().as_ref().filter(|(cached, _)| *cached == secret).map(|(_, keys)| Rc::clone(keys))) {
        return Ok(keys);
    }
    let invalid = || misconfigured("AUTHAZ_SIGNING_KEYS holds no valid P-256 key");
    let mut pairs = Vec::new();
    for scalar in SigningKeys::scalars(&secret).map_err(|_| invalid())? {
        pairs.push((scalar, web_crypto::p256_public_point(&scalar).await.map_err(|_| invalid())?));
    }
    let keys = Rc::new(SigningKeys::from_pairs(pairs).map_err(|_| invalid())?);
    CACHE.with(|c| *c.borrow_mut() = Some((secret, Rc::clone(&keys))));
    Ok(keys)
}

fn misconfigured(what: &str) -> ApiError {
    console_error!("configuration: {what}");
    ApiError::internal()
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::unauthorized(message)
}
