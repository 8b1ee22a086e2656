//! `POST {issuer}/token` (RFC 6749 3.2): the authorization code grant (4.1.3, with PKCE,
//! RFC 7636) and the refresh token grant (6), in OAuth's formats, never cached.
//!
//! A code is used once: presented again, it revokes the session it was exchanged for (RFC 6749
//! 4.1.2). The tokens are a session of the existing session machinery (`edge::sessions`), bound
//! to the client in `oidc_sessions`: its access token (a JWT for this application) works at
//! `/userinfo`, its refresh token rotates on every use and a reused one ends the session.

use worker::{D1Database, Env, Request, Response};

use crate::contract::error::{ApiError, ErrorCode};
use crate::edge::oidc::authorize::CODE_PURPOSE;
use crate::edge::oidc::{clients, jwt, oauth_error, oauth_json, provider, secs, Form};
use crate::edge::platform::config;
use crate::edge::platform::db::{self, changes, database, failed, query, read_one, D1Batch, D1Read};
use crate::edge::platform::http::read_body;
use crate::edge::sessions::{self, RevokeReason, SessionJson};
use crate::edge::users::{self, User};
use crate::oidc::client::OAuthClient;
use crate::oidc::discovery::Issuer;
use crate::oidc::error::OAuthError;
use crate::oidc::id_token::{claims, Issued, Subject};
use crate::oidc::token_request::{client_credentials, grant, method_allowed, Grant};
use crate::tenancy::application::Application;
use crate::tokens::hand_off::verifier_matches;
use crate::tokens::secrets::keyed_hash;

type OAuthResult<T> = Result<T, OAuthError>;

/// A failure of ours (or a missing app) in OAuth's terms; the cause is already logged.
fn from_api(err: ApiError) -> OAuthError {
    match err.code {
        ErrorCode::Internal => OAuthError::server_error(),
        ErrorCode::PayloadTooLarge => OAuthError::invalid_request("the request body is larger than 64 KiB"),
        _ => OAuthError::invalid_request(err.message),
    }
}

pub async fn token(mut req: Request, env: &Env, known: Option<&Application>, form: Form<'_>, now_ms: i64) -> Result<Response, ApiError> {
    let (app, issuer) = provider(&req, env, known, form).await?;
    Ok(match serve(&mut req, env, &app, &issuer, now_ms).await {
        Ok(resp) => resp,
        Err(err) => oauth_error(&err),
    })
}

async fn serve(req: &mut Request, env: &Env, app: &Application, issuer: &Issuer, now_ms: i64) -> OAuthResult<Response> {
    let content_type = req.headers().get("content-type").ok().flatten().unwrap_or_default();
    if !content_type.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded") {
        return Err(OAuthError::invalid_request("the body must be application/x-www-form-urlencoded"));
    }
    let body = read_body(req).await.map_err(from_api)?;
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    let authorization = req.headers().get("authorization").ok().flatten();
    let credentials = client_credentials(authorization.as_deref(), &form)?;
    let db = database(env).map_err(from_api)?;
    let refused = || OAuthError::invalid_client("client authentication failed (unknown client or wrong secret)");
    let client = clients::find(&db, &app.id, &credentials.client_id).await.map_err(from_api)?.ok_or_else(refused)?;
    method_allowed(client.client_type, credentials.method)?;
    if let Some(secret) = &credentials.secret {
        if !clients::secret_matches(env, &db, &client.id, secret).await.map_err(from_api)? {
            return Err(refused());
        }
    }
    match grant(&form)? {
        Grant::AuthorizationCode { code, redirect_uri, code_verifier } => {
            exchange_code(req, env, &db, app, issuer, &client, &code, redirect_uri.as_deref(), code_verifier.as_deref(), now_ms).await
        }
        Grant::RefreshToken { refresh_token } => refresh(req, env, &db, app, &client, &refresh_token, now_ms).await,
    }
}

struct CodeRow {
    app_id: String,
    client_id: String,
    user_id: String,
    issuer: String,
    redirect_uri: String,
    scope: String,
    nonce: Option<String>,
    code_challenge: Option<String>,
    auth_time: i64,
    credential_id: Option<String>,
    amr: String,
    expires_at: i64,
    used_at: Option<i64>,
    session_id: Option<String>,
}

fn code_row_from_row(r: &db::Row) -> CodeRow {
    CodeRow {
        app_id: r.text("app_id"),
        client_id: r.text("client_id"),
        user_id: r.text("user_id"),
        issuer: r.text("issuer"),
        redirect_uri: r.text("redirect_uri"),
        scope: r.text("scope"),
        nonce: r.opt_text("nonce"),
        code_challenge: r.opt_text("code_challenge"),
        auth_time: r.int("auth_time"),
        credential_id: r.opt_text("credential_id"),
        amr: r.text("amr"),
        expires_at: r.int("expires_at"),
        used_at: r.opt_int("used_at"),
        session_id: r.opt_text("session_id"),
    }
}

#[allow(clippy::too_many_arguments)]
async fn exchange_code(
    req: &Request,
    env: &Env,
    db: &D1Database,
    app: &Application,
    issuer: &Issuer,
    client: &OAuthClient,
    code: &str,
    redirect_uri: Option<&str>,
    code_verifier: Option<&str>,
    now_ms: i64,
) -> OAuthResult<Response> {
    let unknown = || OAuthError::invalid_grant("unknown, expired or already used code");
    if code.len() > 64 {
        return Err(unknown());
    }
    let code_hash = keyed_hash(&config::hmac_key(env).map_err(from_api)?, CODE_PURPOSE, code);
    let row = query!(
        db,
        "SELECT app_id, client_id, user_id, issuer, redirect_uri, scope, nonce, code_challenge, auth_time, credential_id, amr, expires_at, used_at, session_id
         FROM oidc_codes WHERE code_hash = ?1",
        &code_hash,
    )
    .map_err(|e| from_api(failed("prepare code lookup", e)))?
    .first_row()
    .await
    .map_err(|e| from_api(failed("find code", e)))?;
    let row = read_one(row, code_row_from_row, "find code").map_err(from_api)?.ok_or_else(unknown)?;
    if row.app_id != app.id || row.client_id != client.id {
        return Err(OAuthError::invalid_grant("the code was issued to another client"));
    }
    if row.used_at.is_some() {
        // RFC 6749 4.1.2: a code used twice revokes what it was exchanged for.
        if let Some(session_id) = &row.session_id {
            revoke(db, session_id, now_ms).await?;
        }
        return Err(OAuthError::invalid_grant("the code was already used; the tokens issued for it are revoked"));
    }
    if row.expires_at <= now_ms {
        return Err(OAuthError::invalid_grant("the code has expired"));
    }
    if row.issuer != issuer.url() {
        return Err(OAuthError::invalid_grant("the code was issued by another issuer"));
    }
    if redirect_uri != Some(row.redirect_uri.as_str()) {
        return Err(OAuthError::invalid_grant("redirect_uri must be the one the code was issued for"));
    }
    match (&row.code_challenge, code_verifier) {
        (Some(challenge), Some(verifier)) if verifier_matches(verifier, challenge) => {}
        (Some(_), Some(_)) => return Err(OAuthError::invalid_grant("code_verifier does not match the code_challenge")),
        (Some(_), None) => return Err(OAuthError::invalid_grant("this code was issued with a code_challenge: send its code_verifier")),
        (None, Some(_)) => return Err(OAuthError::invalid_grant("this code was issued without a code_challenge")),
        (None, None) => {}
    }
    let user = users::find_by_id(db, &app.id, &row.user_id).await.map_err(from_api)?.ok_or_else(unknown)?;

    // One transaction: the code is used up (and remembers its session), the session, its first
    // refresh token and its binding to the client are stored. A racing second exchange finds
    // the code used and revokes the session the first one made.
    let ceremony = sessions::Ceremony { auth_time_ms: row.auth_time, credential_id: row.credential_id.clone() };
    let (session, mut statements) = sessions::new_session(env, req, app, &user.id, &ceremony, now_ms).await.map_err(from_api)?;
    let use_code =
        query!(db, "UPDATE oidc_codes SET used_at = ?1, session_id = ?2 WHERE code_hash = ?3 AND used_at IS NULL", now_ms, &session.id, &code_hash,)
            .map_err(|e| from_api(failed("prepare code use", e)))?;
    let bind = query!(
        db,
        "INSERT INTO oidc_sessions (session_id, client_id, app_id, issuer, scope, auth_time, amr) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &session.id,
        &client.id,
        &app.id,
        &row.issuer,
        &row.scope,
        row.auth_time,
        &row.amr,
    )
    .map_err(|e| from_api(failed("prepare session binding", e)))?;
    statements.insert(0, use_code);
    statements.push(bind);
    let results = db.run_batch(statements).await.map_err(|e| from_api(failed("exchange code", e)))?;
    if results.first().map_or(0, changes) != 1 {
        revoke(db, &session.id, now_ms).await?;
        return Err(unknown());
    }
    let grant = GrantRow { client_id: client.id.clone(), issuer: row.issuer, scope: row.scope, auth_time: row.auth_time, amr: row.amr };
    answer(env, &grant, &user, &session, row.nonce.as_deref(), now_ms).await
}

/// The binding of a session to its client (`oidc_sessions`).
struct GrantRow {
    client_id: String,
    issuer: String,
    scope: String,
    auth_time: i64,
    amr: String,
}

fn grant_row_from_row(r: &db::Row) -> GrantRow {
    GrantRow { client_id: r.text("client_id"), issuer: r.text("issuer"), scope: r.text("scope"), auth_time: r.int("auth_time"), amr: r.text("amr") }
}

async fn refresh(
    req: &Request,
    env: &Env,
    db: &D1Database,
    app: &Application,
    client: &OAuthClient,
    refresh_token: &str,
    now_ms: i64,
) -> OAuthResult<Response> {
    let unknown = || OAuthError::invalid_grant("unknown, expired or revoked refresh token");
    let session_id = sessions::session_of_refresh_token(env, refresh_token).await.map_err(from_api)?.ok_or_else(unknown)?;
    let grant = query!(db, "SELECT client_id, issuer, scope, auth_time, amr FROM oidc_sessions WHERE session_id = ?1", &session_id)
        .map_err(|e| from_api(failed("prepare session binding lookup", e)))?
        .first_row()
        .await
        .map_err(|e| from_api(failed("find session binding", e)))?;
    let grant = read_one(grant, grant_row_from_row, "find session binding").map_err(from_api)?.ok_or_else(unknown)?;
    if grant.client_id != client.id {
        return Err(OAuthError::invalid_grant("the refresh token was issued to another client"));
    }
    // Rotation and reuse detection are the session machinery's: a used token ends the session.
    let session = sessions::refresh(env, req, app, refresh_token, now_ms).await.map_err(|e| {
        if e.code == ErrorCode::Internal {
            OAuthError::server_error()
        } else {
            OAuthError::invalid_grant(e.message)
        }
    })?;
    let user = users::find_by_id(db, &app.id, &session_user(db, &session.id).await?).await.map_err(from_api)?.ok_or_else(unknown)?;
    answer(env, &grant, &user, &session, None, now_ms).await
}

async fn session_user(db: &D1Database, session_id: &str) -> OAuthResult<String> {
    query!(db, "SELECT user_id FROM sessions WHERE id = ?1", session_id)
        .map_err(|e| from_api(failed("prepare session lookup", e)))?
        .first_text("user_id")
        .await
        .map_err(|e| from_api(failed("find session", e)))?
        .ok_or_else(OAuthError::server_error)
}

async fn revoke(db: &D1Database, session_id: &str, now_ms: i64) -> OAuthResult<()> {
    sessions::revoke_stmt(db, session_id, now_ms, RevokeReason::CodeReplayed)
        .map_err(from_api)?
        .execute()
        .await
        .map_err(|e| from_api(failed("revoke session", e)))?;
    Ok(())
}

/// The token response (RFC 6749 5.1, OIDC Core 3.1.3.3) with a fresh ID token.
async fn answer(env: &Env, grant: &GrantRow, user: &User, session: &SessionJson, nonce: Option<&str>, now_ms: i64) -> OAuthResult<Response> {
    let subject = Subject { user_id: &user.id, email: &user.email, email_verified: user.email_verified, display_name: &user.display_name };
    let issued = Issued {
        issuer: &grant.issuer,
        client_id: &grant.client_id,
        session_id: &session.id,
        scope: &grant.scope,
        nonce,
        amr: serde_json::from_str(&grant.amr).unwrap_or_default(),
        auth_time: secs(grant.auth_time),
        now: secs(now_ms),
    };
    let id_token = jwt::sign(env, &claims(&issued, &subject)).await.map_err(from_api)?;
    Ok(oauth_json(
        200,
        &serde_json::json!({
            "access_token": session.access_token,
            "token_type": "Bearer",
            "expires_in": session.expires_in,
            "refresh_token": session.refresh_token,
            "id_token": id_token,
            "scope": grant.scope,
        }),
    ))
}
