//! Sessions: what a successful sign-in yields and what every Bearer endpoint checks.
//!
//! A session row lives at most `SESSION_TTL_MS` (absolute) and can be revoked (logout, operator
//! reset, a reused refresh token). It hands out short-lived access tokens (ES256 JWTs, see
//! `crate::tokens::access_token`) and opaque refresh tokens, stored only as keyed hashes, that rotate on every use:
//! presenting a used refresh token again means it leaked, and revokes the whole session.

pub mod endpoints;

use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use worker::{console_error, query, D1Database, D1PreparedStatement, Env, Request};

use crate::edge::platform::config;
use crate::edge::platform::db::{database, failed};
use crate::edge::platform::http::ApiResult;
use crate::edge::platform::request_url;
use crate::edge::platform::web_crypto;
use crate::contract::error::ApiError;
use crate::tokens::access_token::{self, AccessClaims, JwtError, SigningKeys, ACCESS_TOKEN_TTL_SECS};
use crate::tokens::secrets::{keyed_hash, random_token, SystemRandom};

/// Absolute lifetime of a session: refreshing never extends it.
pub const SESSION_TTL_MS: i64 = 30 * 24 * 3600 * 1000;
/// The purpose under which refresh tokens are hashed (`secrets::keyed_hash`).
const REFRESH_TOKEN_PURPOSE: &str = "refresh-token";
const REFRESH_TOKEN_PREFIX: &str = "rt_";
/// Refresh tokens longer than this cannot be ours and are not even hashed.
const MAX_REFRESH_TOKEN_LEN: usize = 128;

/// The contract's `session`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionJson {
    /// The session's id (not part of the answer).
    #[serde(skip)]
    pub id: String,
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub refresh_token: String,
}

/// Who a valid Bearer token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerAuth {
    pub app_id: String,
    pub user_id: String,
    pub session_id: String,
}

/// Why a session ended (stored in `sessions.revoked_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeReason {
    Logout,
    RefreshTokenReused,
    OperatorReset,
    /// Stored with a login that was then refused (its tokens were never handed out).
    LoginRefused,
    /// The OAuth authorization code it was issued for was presented again (RFC 6749 4.1.2).
    CodeReplayed,
}

impl RevokeReason {
    fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::RefreshTokenReused => "refresh_token_reused",
            Self::OperatorReset => "operator_reset",
            Self::LoginRefused => "login_refused",
            Self::CodeReplayed => "code_replayed",
        }
    }
}

/// A new session of `user_id` in `app_id`: its JSON (to answer) and the statements that store it
/// (the session row and its first refresh token; run them in the caller's `db.batch`).
pub async fn new_session(env: &Env, req: &Request, app_id: &str, user_id: &str, now_ms: i64) -> ApiResult<(SessionJson, Vec<D1PreparedStatement>)> {
    let db = database(env)?;
    let session_id = random_token(&mut SystemRandom, "ses_", 16).map_err(|_| ApiError::internal())?;
    let expires_at = now_ms.saturating_add(SESSION_TTL_MS);
    let session_row = query!(
        &db,
        "INSERT INTO sessions (id, app_id, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        &session_id,
        app_id,
        user_id,
        now_ms,
        expires_at,
    )
    .map_err(|e| failed("prepare session insert", e))?;
    let (refresh_token, refresh_row) = new_refresh_token(env, &db, &session_id, now_ms, expires_at)?;
    let access_token = access_token(env, req, app_id, user_id, &session_id, now_ms).await?;
    Ok((session_json(session_id, access_token, refresh_token), vec![session_row, refresh_row]))
}

/// Checks the request's `Authorization: Bearer <access token>` for `app_id` at `now_ms`: a valid
/// signature by one of our keys, this application as audience, not expired, and a session that
/// still exists, belongs to the token's user and is neither revoked nor expired. Else 401.
pub async fn authenticate_bearer(req: &Request, env: &Env, app_id: &str, now_ms: i64) -> ApiResult<BearerAuth> {
    let token = bearer_token(req)?;
    let claims = verify_access_token(env, &token, app_id, now_ms).await?;
    let db = database(env)?;
    let session = find_session(&db, &claims.sid).await?.ok_or_else(|| unauthorized("the session does not exist"))?;
    if session.app_id != app_id || session.user_id != claims.sub {
        return Err(unauthorized("the access token does not match its session"));
    }
    session.check_live(now_ms)?;
    Ok(BearerAuth { app_id: session.app_id, user_id: session.user_id, session_id: claims.sid })
}

/// The application an access token was issued for (its `aud`), read without checking anything:
/// only to pick the application when the request names none; `authenticate_bearer` then checks
/// the token against it.
pub fn unverified_audience(req: &Request) -> Option<String> {
    crate::tokens::access_token::unverified_audience(&bearer_token(req).ok()?)
}

/// Rotates a refresh token of `app_id`: the presented one is used up, a new session JSON (new
/// access and refresh tokens) is answered. An unknown, expired or foreign token answers 401; a
/// token that was already used revokes its whole session, then answers 401.
pub async fn refresh(env: &Env, req: &Request, app_id: &str, presented: &str, now_ms: i64) -> ApiResult<SessionJson> {
    if presented.is_empty() || presented.len() > MAX_REFRESH_TOKEN_LEN {
        return Err(unknown_refresh_token());
    }
    let db = database(env)?;
    let hash = keyed_hash(&config::hmac_key(env)?, REFRESH_TOKEN_PURPOSE, presented);
    #[derive(Deserialize)]
    struct TokenRow {
        session_id: String,
        expires_at: i64,
        used_at: Option<i64>,
    }
    let row: Option<TokenRow> = query!(&db, "SELECT session_id, expires_at, used_at FROM refresh_tokens WHERE token_hash = ?1", &hash)
        .map_err(|e| failed("find refresh token", e))?
        .first(None)
        .await
        .map_err(|e| failed("find refresh token", e))?;
    let row = row.ok_or_else(unknown_refresh_token)?;
    let session = find_session(&db, &row.session_id).await?.ok_or_else(unknown_refresh_token)?;
    if session.app_id != app_id {
        return Err(unknown_refresh_token());
    }
    if row.used_at.is_some() {
        revoke_stmt(&db, &session.id, now_ms, RevokeReason::RefreshTokenReused)?
            .run()
            .await
            .map_err(|e| failed("revoke session", e))?;
        return Err(unauthorized("the refresh token was already used; the session has ended"));
    }
    session.check_live(now_ms)?;
    if row.expires_at <= now_ms {
        return Err(unknown_refresh_token());
    }

    // Use the token up and store its successor in one transaction. Two requests racing with the
    // same token both write a successor, but only the one whose update used the token hands
    // its successor out; the other counts as reuse.
    let use_token = query!(&db, "UPDATE refresh_tokens SET used_at = ?1 WHERE token_hash = ?2 AND used_at IS NULL", now_ms, &hash)
        .map_err(|e| failed("prepare refresh token use", e))?;
    let (refresh_token, refresh_row) = new_refresh_token(env, &db, &session.id, now_ms, session.expires_at)?;
    let results = db.batch(vec![use_token, refresh_row]).await.map_err(|e| failed("rotate refresh token", e))?;
    let used_it = results
        .first()
        .and_then(|r| r.meta().ok().flatten())
        .and_then(|m| m.changes)
        .is_some_and(|changes| changes == 1);
    if !used_it {
        revoke_stmt(&db, &session.id, now_ms, RevokeReason::RefreshTokenReused)?
            .run()
            .await
            .map_err(|e| failed("revoke session", e))?;
        return Err(unauthorized("the refresh token was already used; the session has ended"));
    }
    let access_token = access_token(env, req, app_id, &session.user_id, &session.id, now_ms).await?;
    Ok(session_json(session.id.clone(), access_token, refresh_token))
}

/// The session a refresh token belongs to, nothing checked and nothing changed: lets the OIDC
/// token endpoint check the token's client before [`refresh`] rotates it.
pub async fn session_of_refresh_token(env: &Env, presented: &str) -> ApiResult<Option<String>> {
    if presented.is_empty() || presented.len() > MAX_REFRESH_TOKEN_LEN {
        return Ok(None);
    }
    let hash = keyed_hash(&config::hmac_key(env)?, REFRESH_TOKEN_PURPOSE, presented);
    let db = database(env)?;
    query!(&db, "SELECT session_id FROM refresh_tokens WHERE token_hash = ?1", &hash)
        .map_err(|e| failed("find refresh token", e))?
        .first::<String>(Some("session_id"))
        .await
        .map_err(|e| failed("find refresh token", e))
}

/// Ends session `session_id` (for `.run()` or a `db.batch`). Ending an ended session changes nothing.
pub fn revoke_stmt(db: &D1Database, session_id: &str, now_ms: i64, reason: RevokeReason) -> ApiResult<D1PreparedStatement> {
    query!(
        db,
        "UPDATE sessions SET revoked_at = ?1, revoked_reason = ?2 WHERE id = ?3 AND revoked_at IS NULL",
        now_ms,
        reason.as_str(),
        session_id,
    )
    .map_err(|e| failed("prepare session revoke", e))
}

/// Ends every live session of `user_id` (for a `db.batch`).
pub fn revoke_all_for_user_stmt(db: &D1Database, user_id: &str, now_ms: i64, reason: RevokeReason) -> ApiResult<D1PreparedStatement> {
    query!(
        db,
        "UPDATE sessions SET revoked_at = ?1, revoked_reason = ?2 WHERE user_id = ?3 AND revoked_at IS NULL",
        now_ms,
        reason.as_str(),
        user_id,
    )
    .map_err(|e| failed("prepare sessions revoke", e))
}

/// The public keys that verify access tokens: `{"keys": [...]}`.
pub fn jwks(env: &Env) -> ApiResult<serde_json::Value> {
    Ok(signing_keys(env)?.jwks())
}

#[derive(Deserialize)]
struct SessionRow {
    id: String,
    app_id: String,
    user_id: String,
    expires_at: i64,
    revoked_at: Option<i64>,
}

impl SessionRow {
    fn check_live(&self, now_ms: i64) -> ApiResult<()> {
        if self.revoked_at.is_some() {
            return Err(unauthorized("the session has ended"));
        }
        if self.expires_at <= now_ms {
            return Err(unauthorized("the session has expired"));
        }
        Ok(())
    }
}

async fn find_session(db: &D1Database, session_id: &str) -> ApiResult<Option<SessionRow>> {
    query!(db, "SELECT id, app_id, user_id, expires_at, revoked_at FROM sessions WHERE id = ?1", session_id)
        .map_err(|e| failed("find session", e))?
        .first(None)
        .await
        .map_err(|e| failed("find session", e))
}

fn new_refresh_token(env: &Env, db: &D1Database, session_id: &str, now_ms: i64, expires_at: i64) -> ApiResult<(String, D1PreparedStatement)> {
    let token = random_token(&mut SystemRandom, REFRESH_TOKEN_PREFIX, 32).map_err(|_| ApiError::internal())?;
    let hash = keyed_hash(&config::hmac_key(env)?, REFRESH_TOKEN_PURPOSE, &token);
    let row = query!(
        db,
        "INSERT INTO refresh_tokens (token_hash, session_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        &hash,
        session_id,
        now_ms,
        expires_at,
    )
    .map_err(|e| failed("prepare refresh token insert", e))?;
    Ok((token, row))
}

/// A new access token, signed through WebCrypto.
async fn access_token(env: &Env, req: &Request, app_id: &str, user_id: &str, session_id: &str, now_ms: i64) -> ApiResult<String> {
    let iat = u64::try_from(now_ms / 1000).unwrap_or(0);
    let claims = AccessClaims {
        iss: issuer(env, req),
        aud: app_id.to_string(),
        sub: user_id.to_string(),
        sid: session_id.to_string(),
        iat,
        exp: iat + ACCESS_TOKEN_TTL_SECS,
    };
    let keys = signing_keys(env)?;
    let (signing_input, key) = keys.prepare(&claims).map_err(|_| ApiError::internal())?;
    let signature = web_crypto::sign_es256(&keys, key, signing_input.as_bytes())
        .await
        .map_err(|_| misconfigured("WebCrypto refused to sign with AUTHAZ_SIGNING_KEYS"))?;
    Ok(access_token::finish(signing_input, &signature))
}

fn session_json(id: String, access_token: String, refresh_token: String) -> SessionJson {
    SessionJson { id, access_token, token_type: "Bearer", expires_in: ACCESS_TOKEN_TTL_SECS, refresh_token }
}

/// Checks an access token as `SigningKeys::verify` does, its signature through WebCrypto.
async fn verify_access_token(env: &Env, token: &str, app_id: &str, now_ms: i64) -> ApiResult<AccessClaims> {
    let now = u64::try_from(now_ms / 1000).unwrap_or(0);
    let issuer = config::issuer(env); // checked only when configured
    let keys = signing_keys(env)?;
    let refused = |e: JwtError| {
        unauthorized(match e {
            JwtError::Expired => "the access token has expired",
            JwtError::WrongAudience => "the access token belongs to another application",
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
    token.check_claims(app_id, issuer.as_deref(), now).map_err(refused)
}

/// The token after `Bearer ` in the Authorization header (scheme case-insensitive).
fn bearer_token(req: &Request) -> ApiResult<String> {
    let header = req.headers().get("authorization").ok().flatten().ok_or_else(|| unauthorized("missing Bearer token"))?;
    let (scheme, token) = header.trim().split_once(' ').ok_or_else(|| unauthorized("missing Bearer token"))?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(unauthorized("missing Bearer token"));
    }
    Ok(token.to_string())
}

/// `iss` of new tokens: the `AUTHAZ_ISSUER` variable, else the origin the request came to.
fn issuer(env: &Env, req: &Request) -> String {
    config::issuer(env).unwrap_or_else(|| request_url::origin(req).unwrap_or_default())
}

/// The parsed `AUTHAZ_SIGNING_KEYS`, parsed once per isolate (deriving the public keys costs
/// scalar multiplications) and again only if the secret changes.
pub fn signing_keys(env: &Env) -> ApiResult<Arc<SigningKeys>> {
    static CACHE: Mutex<Option<(String, Arc<SigningKeys>)>> = Mutex::new(None);
    let secret = config::signing_keys(env)?;
    let mut cache = CACHE.lock().map_err(|_| ApiError::internal())?;
    if let Some((cached_secret, keys)) = cache.as_ref() {
        if *cached_secret == secret {
            return Ok(Arc::clone(keys));
        }
    }
    let keys = Arc::new(SigningKeys::parse(&secret).map_err(|_| misconfigured("AUTHAZ_SIGNING_KEYS holds no valid P-256 key"))?);
    *cache = Some((secret, Arc::clone(&keys)));
    Ok(keys)
}

fn misconfigured(what: &str) -> ApiError {
    console_error!("configuration: {what}");
    ApiError::internal()
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::unauthorized(message)
}

fn unknown_refresh_token() -> ApiError {
    unauthorized("unknown or expired refresh token")
}
