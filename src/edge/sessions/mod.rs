//! Sessions: what a successful sign-in yields and what every Bearer endpoint checks.
//!
//! A session row lives at most `SESSION_TTL_MS` (absolute) and can be revoked (logout, operator
//! reset, a reused refresh token). It hands out short-lived access tokens (ES256 JWTs, minted and
//! checked in `access_token`) and opaque refresh tokens, stored only as keyed hashes, that rotate on every use:
//! presenting a used refresh token again means it leaked, and revokes the whole session.
//!
//! A session remembers the passkey ceremony behind it: when (`auth_time`, carried by every access
//! token and kept across refreshes) and with which passkey (removing it ends the session). What
//! would turn a stolen access token into a lasting foothold (a new passkey, new recovery codes,
//! a hand-off code) needs a ceremony within the last `REAUTHENTICATION_WINDOW_MS`.

mod access_token;
pub mod endpoints;

pub use access_token::{jwks, signing_keys, unverified_audience};

use serde::Serialize;
use worker::{D1Database, D1PreparedStatement, Env, Request};

use crate::contract::error::{ApiError, ErrorCode};
use crate::edge::events::Client;
use crate::edge::platform::config;
use crate::edge::platform::db::{self, database, failed, query, read_one, Answer, D1Batch, D1Read};
use crate::edge::platform::http::ApiResult;
use crate::tenancy::application::Application;
use crate::tokens::access_token::{AccessClaims, ACCESS_TOKEN_TTL_SECS};
use crate::tokens::secrets::{keyed_hash, random_token, SystemRandom};

/// Absolute lifetime of a session: refreshing never extends it.
pub const SESSION_TTL_MS: i64 = 30 * 24 * 3600 * 1000;
/// The purpose under which refresh tokens are hashed (`secrets::keyed_hash`).
const REFRESH_TOKEN_PURPOSE: &str = "refresh-token";
const REFRESH_TOKEN_PREFIX: &str = "rt_";
/// Refresh tokens longer than this cannot be ours and are not even hashed.
const MAX_REFRESH_TOKEN_LEN: usize = 128;
/// How recent the passkey ceremony behind a session must be for [`require_recent_ceremony`].
pub const REAUTHENTICATION_WINDOW_MS: i64 = 5 * 60 * 1000;

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
    /// When the session's passkey ceremony happened (unix milliseconds).
    pub auth_time_ms: i64,
    /// The passkey of that ceremony (the API's id), when known.
    pub credential_id: Option<String>,
}

/// The passkey ceremony a new session comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ceremony {
    /// Unix milliseconds.
    pub auth_time_ms: i64,
    /// The passkey used (the API's id).
    pub credential_id: Option<String>,
}

impl Ceremony {
    /// A ceremony with passkey `credential_id` just now.
    pub fn now(credential_id: &str, now_ms: i64) -> Self {
        Self { auth_time_ms: now_ms, credential_id: Some(credential_id.to_owned()) }
    }
}

/// Why a session ended (stored in `sessions.revoked_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeReason {
    Logout,
    RefreshTokenReused,
    OperatorReset,
    /// Stored with a login that was then refused (its tokens were never handed out).
    LoginRefused,
    /// The passkey the session was signed in with was removed.
    PasskeyRemoved,
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
            Self::PasskeyRemoved => "passkey_removed",
            Self::CodeReplayed => "code_replayed",
        }
    }
}

/// A new session of `user_id` in `app`, from `ceremony`: its JSON (to answer) and the statements
/// that store it (the session row and its first refresh token; run them in the caller's `db.batch`).
pub async fn new_session(
    env: &Env,
    req: &Request,
    app: &Application,
    user_id: &str,
    ceremony: &Ceremony,
    now_ms: i64,
) -> ApiResult<(SessionJson, Vec<D1PreparedStatement>)> {
    let db = database(env)?;
    let session_id = random_token(&mut SystemRandom, "ses_", 16).map_err(|_| ApiError::internal())?;
    let expires_at = now_ms.saturating_add(SESSION_TTL_MS);
    // Where it was signed in from, for the session lists (edge::users).
    let client = Client::of(req);
    let session_row = query!(
        &db,
        "INSERT INTO sessions (id, app_id, user_id, created_at, expires_at, auth_time, credential_id, ip, user_agent)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        &session_id,
        &app.id,
        user_id,
        now_ms,
        expires_at,
        ceremony.auth_time_ms,
        &ceremony.credential_id,
        &client.ip,
        &client.user_agent,
    )
    .map_err(|e| failed("prepare session insert", e))?;
    let (refresh_token, refresh_row) = new_refresh_token(env, &db, &session_id, now_ms, expires_at)?;
    let access_token = access_token::mint(env, req, app, user_id, &session_id, ceremony.auth_time_ms, now_ms).await?;
    Ok((session_json(session_id, access_token, refresh_token), vec![session_row, refresh_row]))
}

/// Checks the request's `Authorization: Bearer <access token>` for `app` at `now_ms`: a valid
/// signature by one of our keys, this application as audience and its issuer as `iss`, not
/// expired, and a session that still exists, belongs to the token's user and is neither revoked
/// nor expired. Else 401.
pub async fn authenticate_bearer(req: &Request, env: &Env, app: &Application, now_ms: i64) -> ApiResult<BearerAuth> {
    let claims = bearer_claims(req, env, app, now_ms).await?;
    Ok(bearer_session(env, app, claims, now_ms, Vec::new()).await?.0)
}

/// The first half of [`authenticate_bearer`]: the claims of a valid access token for `app`
/// (its user is `sub`), its session not yet checked: the caller may build reads of that user
/// to run with the session check in [`bearer_session`].
pub async fn bearer_claims(req: &Request, env: &Env, app: &Application, now_ms: i64) -> ApiResult<AccessClaims> {
    let token = access_token::bearer_token(req)?;
    access_token::verify(env, req, &token, app, now_ms).await
}

/// The second half of [`authenticate_bearer`]: checks the session of `claims`, with `also_reads`
/// (selects of the token's user's rows) in the same D1 batch: one round trip for all. Their
/// answers, in order, come back only when the session is valid. They run before the check is
/// made: reads only, never a write.
pub async fn bearer_session(
    env: &Env,
    app: &Application,
    claims: AccessClaims,
    now_ms: i64,
    also_reads: Vec<D1PreparedStatement>,
) -> ApiResult<(BearerAuth, Vec<Answer>)> {
    let db = database(env)?;
    let mut statements = vec![find_session_stmt(&db, &claims.sid)?];
    statements.extend(also_reads);
    let mut answers = db.run_batch(statements).await.map_err(|e| failed("find session", e))?;
    if answers.is_empty() {
        return Err(ApiError::internal());
    }
    let session = read_one(answers.remove(0).rows().into_iter().next(), session_row_from_row, "find session")?;
    Ok((bearer_auth(session, app, claims.sub, claims.sid, now_ms)?, answers))
}

/// The checks of a bearer token's session: it exists, belongs to the token's application and
/// user, and is neither revoked nor expired.
fn bearer_auth(session: Option<SessionRow>, app: &Application, sub: String, sid: String, now_ms: i64) -> ApiResult<BearerAuth> {
    let session = session.ok_or_else(|| unauthorized("the session does not exist"))?;
    if session.app_id != app.id || session.user_id != sub {
        return Err(unauthorized("the access token does not match its session"));
    }
    session.check_live(now_ms)?;
    Ok(BearerAuth {
        app_id: session.app_id,
        user_id: session.user_id,
        session_id: sid,
        auth_time_ms: session.auth_time,
        credential_id: session.credential_id,
    })
}

/// Refuses, with `401 reauthentication_required`, a session whose passkey ceremony is older than
/// `REAUTHENTICATION_WINDOW_MS`: a fresh passkey sign-in must come first.
pub fn require_recent_ceremony(auth: &BearerAuth, now_ms: i64) -> ApiResult<()> {
    if now_ms.saturating_sub(auth.auth_time_ms) > REAUTHENTICATION_WINDOW_MS {
        return Err(ApiError::new(
            ErrorCode::ReauthenticationRequired,
            "this needs a passkey sign-in within the last 5 minutes: sign in with your passkey again, then retry",
        ));
    }
    Ok(())
}

/// Rotates a refresh token of `app`: the presented one is used up, a new session JSON (new
/// access and refresh tokens, the session's `auth_time` kept) is answered. An unknown, expired or
/// foreign token answers 401; a token that was already used revokes its whole session, then
/// answers 401.
pub async fn refresh(env: &Env, req: &Request, app: &Application, presented: &str, now_ms: i64) -> ApiResult<SessionJson> {
    let app_id = app.id.as_str();
    if presented.is_empty() || presented.len() > MAX_REFRESH_TOKEN_LEN {
        return Err(unknown_refresh_token());
    }
    let db = database(env)?;
    let hash = keyed_hash(&config::hmac_key(env)?, REFRESH_TOKEN_PURPOSE, presented);
    // The token and its session in one query.
    let sql = format!(
        "SELECT {SESSION_COLUMNS}, t.expires_at AS token_expires_at, t.used_at AS token_used_at
         FROM refresh_tokens t JOIN sessions ON sessions.id = t.session_id WHERE t.token_hash = ?1"
    );
    let found =
        query!(&db, &sql, &hash).map_err(|e| failed("find refresh token", e))?.first_row().await.map_err(|e| failed("find refresh token", e))?;
    let Some(found) = found else { return Err(unknown_refresh_token()) };
    let (token_expires_at, token_used_at, session) = found.read(token_and_session_from_row).map_err(|e| failed("find refresh token", e))?;
    if session.app_id != app_id {
        return Err(unknown_refresh_token());
    }
    if token_used_at.is_some() {
        return Err(revoke_for_reuse(env, req, &db, &session, now_ms).await?);
    }
    session.check_live(now_ms)?;
    if token_expires_at <= now_ms {
        return Err(unknown_refresh_token());
    }

    // Use the token up and store its successor in one transaction. Two requests racing with the
    // same token both write a successor, but only the one whose update used the token hands
    // its successor out; the other counts as reuse.
    let use_token = query!(&db, "UPDATE refresh_tokens SET used_at = ?1 WHERE token_hash = ?2 AND used_at IS NULL", now_ms, &hash)
        .map_err(|e| failed("prepare refresh token use", e))?;
    let (refresh_token, refresh_row) = new_refresh_token(env, &db, &session.id, now_ms, session.expires_at)?;
    let refreshed = query!(&db, "UPDATE sessions SET last_refreshed_at = ?1 WHERE id = ?2", now_ms, &session.id)
        .map_err(|e| failed("prepare session refresh time", e))?;
    let results = db.run_batch(vec![use_token, refresh_row, refreshed]).await.map_err(|e| failed("rotate refresh token", e))?;
    let used_it = results.first().is_some_and(|r| r.changes() == 1);
    if !used_it {
        return Err(revoke_for_reuse(env, req, &db, &session, now_ms).await?);
    }
    let access_token = access_token::mint(env, req, app, &session.user_id, &session.id, session.auth_time, now_ms).await?;
    Ok(session_json(session.id.clone(), access_token, refresh_token))
}

/// A used refresh token came back: ends its session and records `refresh_token.reused` in one
/// batch (the event only when this request ended it), then answers the 401 to give.
async fn revoke_for_reuse(env: &Env, req: &Request, db: &D1Database, session: &SessionRow, now_ms: i64) -> ApiResult<ApiError> {
    use crate::edge::events::{self, Client, NewEvent};
    let reused = NewEvent::new(crate::events::EventType::RefreshTokenReused, &session.app_id).user(&session.user_id).session(&session.id);
    let recorded = events::record_if_changed(db, &Client::of(req), reused, now_ms)?;
    let results = db
        .run_batch(vec![revoke_stmt(db, &session.id, now_ms, RevokeReason::RefreshTokenReused)?, recorded.stmt.clone()])
        .await
        .map_err(|e| failed("revoke session", e))?;
    if results.first().map_or(0, crate::edge::platform::db::changes) == 1 {
        events::committed(env, vec![recorded]).await;
    }
    Ok(unauthorized("the refresh token was already used; the session has ended"))
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
        .first_text("session_id")
        .await
        .map_err(|e| failed("find refresh token", e))
}

/// Ends session `session_id` (for `.execute()` or a `db.batch`). Ending an ended session changes nothing.
pub fn revoke_stmt(db: &D1Database, session_id: &str, now_ms: i64, reason: RevokeReason) -> ApiResult<D1PreparedStatement> {
    query!(db, "UPDATE sessions SET revoked_at = ?1, revoked_reason = ?2 WHERE id = ?3 AND revoked_at IS NULL", now_ms, reason.as_str(), session_id,)
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

/// Ends the live sessions that were signed in with passkey `credential_id`, once it is gone (for
/// the `db.batch` that deletes it, after the delete: while the passkey still exists, as when
/// the delete refused the user's last passkey, nothing changes). The session `removing` that
/// removes it stays: it is the one that acted.
pub fn revoke_for_removed_passkey_stmt(db: &D1Database, credential_id: &str, removing: &str, now_ms: i64) -> ApiResult<D1PreparedStatement> {
    query!(
        db,
        "UPDATE sessions SET revoked_at = ?1, revoked_reason = ?2
         WHERE credential_id = ?3 AND id IS NOT ?4 AND revoked_at IS NULL AND NOT EXISTS (SELECT 1 FROM credentials WHERE id = ?3)",
        now_ms,
        RevokeReason::PasskeyRemoved.as_str(),
        credential_id,
        removing,
    )
    .map_err(|e| failed("prepare sessions revoke for a removed passkey", e))
}

struct SessionRow {
    id: String,
    app_id: String,
    user_id: String,
    expires_at: i64,
    revoked_at: Option<i64>,
    /// Sessions made before `auth_time` was stored count from their creation.
    auth_time: i64,
    credential_id: Option<String>,
}

fn session_row_from_row(r: &db::Row) -> SessionRow {
    SessionRow {
        id: r.text("id"),
        app_id: r.text("app_id"),
        user_id: r.text("user_id"),
        expires_at: r.int("expires_at"),
        revoked_at: r.opt_int("revoked_at"),
        auth_time: r.int("auth_time"),
        credential_id: r.opt_text("credential_id"),
    }
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

/// The columns of a [`SessionRow`] (qualified: they are also read joined with `refresh_tokens`).
const SESSION_COLUMNS: &str = "sessions.id AS id, sessions.app_id AS app_id, sessions.user_id AS user_id, sessions.expires_at AS expires_at,
     sessions.revoked_at AS revoked_at, coalesce(sessions.auth_time, sessions.created_at) AS auth_time, sessions.credential_id AS credential_id";

fn find_session_stmt(db: &D1Database, session_id: &str) -> ApiResult<D1PreparedStatement> {
    query!(db, &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?1"), session_id).map_err(|e| failed("find session", e))
}

/// A refresh token's expiry and use, and its session, as [`refresh`] reads them together.
fn token_and_session_from_row(r: &db::Row) -> (i64, Option<i64>, SessionRow) {
    (r.int("token_expires_at"), r.opt_int("token_used_at"), session_row_from_row(r))
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

fn session_json(id: String, access_token: String, refresh_token: String) -> SessionJson {
    SessionJson { id, access_token, token_type: "Bearer", expires_in: ACCESS_TOKEN_TTL_SECS, refresh_token }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::unauthorized(message)
}

fn unknown_refresh_token() -> ApiError {
    unauthorized("unknown or expired refresh token")
}
