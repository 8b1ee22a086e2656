//! The hosted sign-in page's hand-off to the application (contract: "Hand-off to the
//! application"). After sign-in the page asks `POST /auth/authorize` (Bearer) for a one-time code
//! bound to the application and a registered redirect URI, and sends the browser to
//! `redirect_uri?code=K&state=S`. The application exchanges the code at `POST /auth/token` with
//! its API key, or with the PKCE verifier when the link carried a `code_challenge`, and gets the
//! user and a session of its own.
//!
//! Codes are stored only as keyed hashes, live 60 seconds and are used up by the first exchange
//! that passes every check; a refused exchange changes nothing. Minting one needs a passkey
//! ceremony within the last 5 minutes (a stolen access token alone cannot turn itself into a
//! session of its own), is rate limited like the ceremony starts, and the code carries that
//! ceremony (its time and passkey) on to the session it is exchanged for.

use serde::Deserialize;
use worker::{D1Database, D1PreparedStatement, Env, Request, Response};

use crate::contract::error::{ApiError, ErrorCode};
use crate::contract::routes::Endpoint;
use crate::edge::admin::caller;
use crate::edge::platform::config;
use crate::edge::platform::db::{self, changes, database, failed, query, read_one, D1Batch, D1Read};
use crate::edge::platform::http::{json, read_json, ApiResult};
use crate::edge::platform::outcome_log::{Event, OutcomeLog};
use crate::edge::platform::rate_limits;
use crate::edge::sessions;
use crate::edge::tenancy::app_lookup;
use crate::edge::users;
use crate::tenancy::application::Application;
use crate::tokens::hand_off::{check_hand_off, redirect_target, verifier_matches, CODE_TTL_MS};
use crate::tokens::secrets::{keyed_hash, random_token, SystemRandom};

/// The purpose under which codes are hashed (`secrets::keyed_hash`).
const CODE_PURPOSE: &str = "authorization-code";
const CODE_PREFIX: &str = "ac_";
/// Codes longer than this cannot be ours and are not even hashed.
const MAX_CODE_LEN: usize = 64;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuthorizeBody {
    redirect_uri: String,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

/// `POST /auth/authorize` (Bearer): `{redirect_uri, state?, code_challenge?, code_challenge_method?}`
/// → `{redirectTo, expiresIn}`.
pub async fn authorize(mut req: Request, env: &Env, known: Option<&Application>, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, Endpoint::Authorize.log_name());
    let result = async {
        let app = app_lookup::for_request(&req, env, known).await?;
        log.set_app(&app.id);
        issue_code(&mut req, env, &app, now_ms).await
    }
    .await;
    log.finish(result)
}

async fn issue_code(req: &mut Request, env: &Env, app: &Application, now_ms: i64) -> ApiResult<Response> {
    rate_limits::hand_off_code(env, req).await?;
    let bearer = sessions::authenticate_bearer(req, env, app, now_ms).await?;
    let body: AuthorizeBody = read_json(req).await?;
    let hand_off = check_hand_off(
        &app.redirect_uris,
        &body.redirect_uri,
        body.state.as_deref(),
        body.code_challenge.as_deref(),
        body.code_challenge_method.as_deref(),
    )
    .map_err(|e| ApiError::invalid_request(e.message()))?;
    sessions::require_recent_ceremony(&bearer, now_ms)?;

    let code = random_token(&mut SystemRandom, CODE_PREFIX, 32).map_err(|_| ApiError::internal())?;
    let hash = keyed_hash(&config::hmac_key(env)?, CODE_PURPOSE, &code);
    let db = database(env)?;
    query!(
        &db,
        "INSERT INTO authorization_codes (code_hash, app_id, user_id, redirect_uri, code_challenge, expires_at, auth_time, credential_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &hash,
        &app.id,
        &bearer.user_id,
        &hand_off.redirect_uri,
        hand_off.code_challenge.as_deref(),
        now_ms + CODE_TTL_MS,
        bearer.auth_time_ms,
        &bearer.credential_id,
    )
    .map_err(|e| failed("prepare authorization code insert", e))?
    .execute()
    .await
    .map_err(|e| failed("store authorization code", e))?;
    Ok(json(
        200,
        &serde_json::json!({
            "redirectTo": redirect_target(&hand_off.redirect_uri, &code, hand_off.state.as_deref()),
            "expiresIn": CODE_TTL_MS / 1000,
        }),
    ))
}

/// Other fields (an OAuth client's `grant_type`, `client_id`) are ignored.
#[derive(Deserialize)]
struct TokenBody {
    code: String,
    code_verifier: Option<String>,
    /// Optional: when given it must be the one the code was issued for (as in OAuth 2.0).
    redirect_uri: Option<String>,
}

struct CodeRow {
    app_id: String,
    user_id: String,
    redirect_uri: String,
    code_challenge: Option<String>,
    expires_at: i64,
    used_at: Option<i64>,
    auth_time: Option<i64>,
    credential_id: Option<String>,
}

fn code_row_from_row(r: &db::Row) -> CodeRow {
    CodeRow {
        app_id: r.text("app_id"),
        user_id: r.text("user_id"),
        redirect_uri: r.text("redirect_uri"),
        code_challenge: r.opt_text("code_challenge"),
        expires_at: r.int("expires_at"),
        used_at: r.opt_int("used_at"),
        auth_time: r.opt_int("auth_time"),
        credential_id: r.opt_text("credential_id"),
    }
}

/// `POST /auth/token`: `{code, code_verifier?, redirect_uri?}` with the app's `X-API-Key`, or
/// with `code_verifier` for a code issued with a `code_challenge` → `{user, session}`.
pub async fn exchange(mut req: Request, env: &Env, known: Option<&Application>, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, Endpoint::ExchangeCode.log_name());
    let result = async {
        let app = app_lookup::for_request(&req, env, known).await?;
        log.set_app(&app.id);
        redeem_code(&mut req, env, &app, now_ms).await
    }
    .await;
    log.finish(result)
}

async fn redeem_code(req: &mut Request, env: &Env, app: &Application, now_ms: i64) -> ApiResult<Response> {
    let has_key = req.headers().get("x-api-key").ok().flatten().is_some();
    if has_key {
        caller::require_app_key(req, env, &app.id).await?;
    }
    let body: TokenBody = read_json(req).await?;
    if body.code.is_empty() || body.code.len() > MAX_CODE_LEN {
        return Err(invalid_code());
    }
    let hash = keyed_hash(&config::hmac_key(env)?, CODE_PURPOSE, &body.code);
    let db = database(env)?;
    let row = query!(
        &db,
        "SELECT app_id, user_id, redirect_uri, code_challenge, expires_at, used_at, auth_time, credential_id
         FROM authorization_codes WHERE code_hash = ?1",
        &hash,
    )
    .map_err(|e| failed("prepare authorization code lookup", e))?
    .first_row()
    .await
    .map_err(|e| failed("find authorization code", e))?;
    let row = read_one(row, code_row_from_row, "find authorization code")?.ok_or_else(invalid_code)?;
    if row.app_id != app.id || row.used_at.is_some() || row.expires_at <= now_ms {
        return Err(invalid_code());
    }
    if body.redirect_uri.as_ref().is_some_and(|uri| *uri != row.redirect_uri) {
        return Err(ApiError::new(ErrorCode::InvalidCode, "the code was issued for another redirect_uri"));
    }
    match (&row.code_challenge, &body.code_verifier) {
        (Some(challenge), Some(verifier)) if verifier_matches(verifier, challenge) => {}
        (Some(_), Some(_)) => return Err(ApiError::new(ErrorCode::InvalidCode, "code_verifier does not match the code_challenge")),
        (Some(_), None) => return Err(ApiError::invalid_request("this code was issued with a code_challenge: send its code_verifier")),
        (None, Some(_)) => return Err(ApiError::invalid_request("this code was issued without a code_challenge: leave out code_verifier")),
        (None, None) if has_key => {}
        (None, None) => return Err(ApiError::unauthorized("send the application's X-API-Key to exchange this code")),
    }
    let user = users::find_by_id(&db, &app.id, &row.user_id).await?.ok_or_else(invalid_code)?;

    // Use the code up first: of two racing exchanges only the one whose update used it goes on.
    let used = query!(&db, "UPDATE authorization_codes SET used_at = ?1 WHERE code_hash = ?2 AND used_at IS NULL", now_ms, &hash,)
        .map_err(|e| failed("prepare authorization code use", e))?
        .execute()
        .await
        .map_err(|e| failed("use authorization code", e))?;
    if changes(&used) != 1 {
        return Err(invalid_code());
    }
    // The new session stems from the ceremony behind the code (codes from before it was stored:
    // one just over the window old, so the new session cannot skip a fresh ceremony).
    let ceremony = sessions::Ceremony {
        auth_time_ms: row.auth_time.unwrap_or(now_ms - sessions::REAUTHENTICATION_WINDOW_MS - 1),
        credential_id: row.credential_id.clone(),
    };
    let (session, statements) = sessions::new_session(env, req, app, &user.id, &ceremony, now_ms).await?;
    db.run_batch(statements).await.map_err(|e| failed("store session", e))?;
    Ok(json(200, &serde_json::json!({ "user": user.to_json(), "session": session })))
}

/// Burns the pending (unused) hand-off codes of `user_id` (for the operator reset's `db.batch`).
pub fn burn_pending_for_user_stmt(db: &D1Database, user_id: &str, now_ms: i64) -> ApiResult<D1PreparedStatement> {
    query!(db, "UPDATE authorization_codes SET used_at = ?1 WHERE user_id = ?2 AND used_at IS NULL", now_ms, user_id)
        .map_err(|e| failed("prepare hand-off codes burn", e))
}

fn invalid_code() -> ApiError {
    ApiError::new(ErrorCode::InvalidCode, "unknown, expired or already used code")
}
