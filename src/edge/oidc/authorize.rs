//! `GET {issuer}/authorize` and `POST /oidc/authorize/complete`.
//!
//! The authorize endpoint checks the request (`crate::oidc::authorize`), keeps it in
//! `oidc_requests` under a random handle (10 minutes, single use) and answers the hosted
//! sign-in page itself, which carries the handle. Once the person has signed in there with a
//! passkey, the page sends the handle with its fresh session's Bearer token to
//! `POST /oidc/authorize/complete`, which makes the one-time code (60 seconds, bound to the
//! client, the redirect URI, the PKCE challenge and the nonce) and answers where to send the
//! browser: `redirect_uri?code=..&state=..&iss=..`.

use serde::Deserialize;
use worker::{Env, Request, Response};

use crate::contract::error::ApiError;
use crate::edge::oidc::{clients, provider, redirect, Form};
use crate::edge::pages::{self, Problem, Reason, SignIn};
use crate::edge::platform::config;
use crate::edge::platform::db::{self, changes, database, failed, query, read_one, D1Batch, D1Read};
use crate::edge::platform::http::{json, read_json, ApiResult};
use crate::edge::platform::request_url;
use crate::edge::sessions;
use crate::edge::tenancy::app_lookup;
use crate::hosted_pages::Page;
use crate::oidc::authorize::{check, client_id, error_redirect, sign_in_counts, with_query, AuthorizeRequest, Refusal};
use crate::oidc::discovery::Issuer;
use crate::oidc::error::{OAuthError, OAuthErrorCode};
use crate::oidc::id_token::amr;
use crate::tenancy::application::Application;
use crate::tokens::hand_off::CODE_TTL_MS;
use crate::tokens::secrets::{keyed_hash, random_token, SystemRandom};
use crate::webauthn::options::UserVerification;

/// How long the person has to sign in on the page.
const REQUEST_TTL_MS: i64 = 10 * 60 * 1000;
const REQUEST_PURPOSE: &str = "oidc-authorization-request";
pub const CODE_PURPOSE: &str = "oidc-authorization-code";
const MAX_HANDLE_LEN: usize = 64;
/// How long an expired code is kept to recognise its replay.
const CODE_KEPT_MS: i64 = 24 * 3600 * 1000;

/// `GET {issuer}/authorize`.
pub async fn authorize(req: &Request, env: &Env, known: Option<&Application>, form: Form<'_>, now_ms: i64) -> ApiResult<Response> {
    // Every page this answers is rendered in one place (one wait for the catalogue).
    let (app, shown) = match provider(req, env, known, form).await {
        Err(_) => (None, SignIn::Problem(Problem::new(404, "problem.no_app"))),
        Ok((app, issuer)) => match start(req, env, &app, &issuer, now_ms).await? {
            Ok(response) => return Ok(response),
            Err(shown) => (Some(app), shown),
        },
    };
    pages::show(req, env, app.as_ref(), Page::SignIn, shown).await
}

/// Checks and stores the request: the sign-in page to show for it (or its problem), else the
/// redirect that answers it.
async fn start(req: &Request, env: &Env, app: &Application, issuer: &Issuer, now_ms: i64) -> ApiResult<Result<Response, SignIn>> {
    let pairs = request_url::query_pairs(req);
    let checked = match client_id(&pairs) {
        Ok(id) => {
            let client = clients::find(&database(env)?, &app.id, &id).await?;
            check(&pairs, client.as_ref())
        }
        Err(refusal) => Err(refusal),
    };
    let request = match checked {
        Ok(request) => request,
        Err(Refusal::Page(message)) => {
            return Ok(Err(SignIn::Problem(Problem { status: 400, key: "problem.bad_oidc_link", reason: Reason::Text(message) })))
        }
        Err(Refusal::Redirect { redirect_uri, error, state }) => {
            return redirect(&error_redirect(&redirect_uri, &error, state.as_deref(), &issuer.url())).map(Ok)
        }
    };
    if !app.passkey.enabled {
        let error = OAuthError::new(OAuthErrorCode::AccessDenied, "passkey sign-in is not turned on for this application");
        return redirect(&error_redirect(&request.redirect_uri, &error, request.state.as_deref(), &issuer.url())).map(Ok);
    }
    let handle = random_token(&mut SystemRandom, "oar_", 32).map_err(|_| ApiError::internal())?;
    let hash = keyed_hash(&config::hmac_key(env)?, REQUEST_PURPOSE, &handle);
    let db = database(env)?;
    let insert = query!(
        &db,
        "INSERT INTO oidc_requests (handle_hash, app_id, client_id, issuer, redirect_uri, scope, state, nonce, code_challenge, force_login, max_age, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        &hash,
        &app.id,
        &request.client_id,
        issuer.url(),
        &request.redirect_uri,
        &request.scope,
        &request.state,
        &request.nonce,
        &request.code_challenge,
        i32::from(request.force_login),
        request.max_age.map(|s| s.min(i64::MAX as u64 / 1000) as i64),
        now_ms,
        now_ms + REQUEST_TTL_MS,
    )
    .map_err(|e| failed("prepare authorization request insert", e))?;
    // Expired requests go, a few at a time; used codes stay a day after they expire, so that a
    // replay still finds what it must revoke.
    let purge_requests =
        query!(&db, "DELETE FROM oidc_requests WHERE handle_hash IN (SELECT handle_hash FROM oidc_requests WHERE expires_at < ?1 LIMIT 20)", now_ms,)
            .map_err(|e| failed("prepare authorization request purge", e))?;
    let purge_codes = query!(
        &db,
        "DELETE FROM oidc_codes WHERE code_hash IN (SELECT code_hash FROM oidc_codes WHERE expires_at < ?1 LIMIT 20)",
        now_ms - CODE_KEPT_MS,
    )
    .map_err(|e| failed("prepare authorization code purge", e))?;
    db.run_batch(vec![insert, purge_requests, purge_codes]).await.map_err(|e| failed("store authorization request", e))?;
    Ok(Err(SignIn::Authorization(handle)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompleteBody {
    request: String,
}

struct RequestRow {
    client_id: String,
    issuer: String,
    redirect_uri: String,
    scope: String,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    force_login: i64,
    max_age: Option<i64>,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

fn request_row_from_row(r: &db::Row) -> RequestRow {
    RequestRow {
        client_id: r.text("client_id"),
        issuer: r.text("issuer"),
        redirect_uri: r.text("redirect_uri"),
        scope: r.text("scope"),
        state: r.opt_text("state"),
        nonce: r.opt_text("nonce"),
        code_challenge: r.opt_text("code_challenge"),
        force_login: r.int("force_login"),
        max_age: r.opt_int("max_age"),
        created_at: r.int("created_at"),
        expires_at: r.int("expires_at"),
        used_at: r.opt_int("used_at"),
    }
}

/// `POST /oidc/authorize/complete` (Bearer, from the hosted page) `{request}` → `{redirectTo}`.
pub async fn complete(mut req: Request, env: &Env, known: Option<&Application>, now_ms: i64) -> ApiResult<Response> {
    let app = app_lookup::for_request(&req, env, known).await?;
    let bearer = sessions::authenticate_bearer(&req, env, &app, now_ms).await?;
    // As for the hand-off: a stolen access token alone cannot mint a code (a session of its own).
    sessions::require_recent_ceremony(&bearer, now_ms)?;
    let body: CompleteBody = read_json(&mut req).await?;
    let gone = || ApiError::invalid_request("this sign-in request has expired or was already used: go back to the application and sign in again");
    if body.request.is_empty() || body.request.len() > MAX_HANDLE_LEN {
        return Err(gone());
    }
    let hmac_key = config::hmac_key(env)?;
    let handle_hash = keyed_hash(&hmac_key, REQUEST_PURPOSE, &body.request);
    let db = database(env)?;
    let row = query!(
        &db,
        "SELECT client_id, issuer, redirect_uri, scope, state, nonce, code_challenge, force_login, max_age, created_at, expires_at, used_at
         FROM oidc_requests WHERE handle_hash = ?1 AND app_id = ?2",
        &handle_hash,
        &app.id,
    )
    .map_err(|e| failed("prepare authorization request lookup", e))?
    .first_row()
    .await
    .map_err(|e| failed("find authorization request", e))?;
    let row = read_one(row, request_row_from_row, "find authorization request")?.ok_or_else(gone)?;
    if row.used_at.is_some() || row.expires_at <= now_ms {
        return Err(gone());
    }
    let auth_time = bearer.auth_time_ms;
    let request = AuthorizeRequest {
        client_id: row.client_id.clone(),
        redirect_uri: row.redirect_uri.clone(),
        scope: row.scope.clone(),
        state: row.state.clone(),
        nonce: row.nonce.clone(),
        code_challenge: row.code_challenge.clone(),
        force_login: row.force_login != 0,
        max_age: row.max_age.and_then(|s| u64::try_from(s).ok()),
    };
    if !sign_in_counts(&request, row.created_at, auth_time, now_ms) {
        let error = OAuthError::new(OAuthErrorCode::LoginRequired, "the sign-in is older than the client allows (prompt=login or max_age)");
        return Ok(json(200, &serde_json::json!({ "redirectTo": error_redirect(&row.redirect_uri, &error, row.state.as_deref(), &row.issuer) })));
    }

    let code = random_token(&mut SystemRandom, "oc_", 32).map_err(|_| ApiError::internal())?;
    let code_hash = keyed_hash(&hmac_key, CODE_PURPOSE, &code);
    let methods = amr(app.passkey.user_verification == UserVerification::Required);
    let methods = serde_json::to_string(&methods).map_err(|_| ApiError::internal())?;
    let use_request = query!(&db, "UPDATE oidc_requests SET used_at = ?1 WHERE handle_hash = ?2 AND used_at IS NULL", now_ms, &handle_hash,)
        .map_err(|e| failed("prepare authorization request use", e))?;
    let insert_code = query!(
        &db,
        "INSERT INTO oidc_codes (code_hash, app_id, client_id, user_id, issuer, redirect_uri, scope, nonce, code_challenge, auth_time, credential_id, amr, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        &code_hash,
        &app.id,
        &row.client_id,
        &bearer.user_id,
        &row.issuer,
        &row.redirect_uri,
        &row.scope,
        &row.nonce,
        &row.code_challenge,
        auth_time,
        &bearer.credential_id,
        &methods,
        now_ms + CODE_TTL_MS,
    )
    .map_err(|e| failed("prepare authorization code insert", e))?;
    let results = db.run_batch(vec![use_request, insert_code]).await.map_err(|e| failed("store authorization code", e))?;
    if results.first().map_or(0, changes) != 1 {
        return Err(gone());
    }
    let mut params = vec![("code", code.as_str())];
    if let Some(state) = row.state.as_deref() {
        params.push(("state", state));
    }
    params.push(("iss", row.issuer.as_str()));
    Ok(json(200, &serde_json::json!({ "redirectTo": with_query(&row.redirect_uri, &params), "expiresIn": CODE_TTL_MS / 1000 })))
}
