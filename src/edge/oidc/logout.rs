//! `GET {issuer}/logout` (OpenID Connect RP-Initiated Logout 1.0): ends the session named by
//! the `id_token_hint` (its `sid`), then returns to a registered `post_logout_redirect_uri` with
//! the client's `state`, or shows that the person is signed out. The provider keeps no sign-in
//! of its own (no cookies), so without a hint there is nothing to end.

use worker::{Env, Request, Response};

use crate::edge::oidc::{clients, jwt, provider, redirect, Form};
use crate::edge::pages::{self, Problem, Reason, SignIn};
use crate::edge::platform::db::{database, failed, query, D1Read};
use crate::edge::platform::http::ApiResult;
use crate::edge::platform::request_url;
use crate::edge::sessions::{self, RevokeReason};
use crate::hosted_pages::Page;
use crate::oidc::authorize::with_query;
use crate::oidc::discovery::Issuer;
use crate::tenancy::application::Application;

pub async fn serve(req: &Request, env: &Env, known: Option<&Application>, form: Form<'_>, now_ms: i64) -> ApiResult<Response> {
    // Every page this answers is rendered in one place (one wait for the catalogue).
    let (app, problem) = match provider(req, env, known, form).await {
        Err(_) => (None, Problem::new(404, "problem.no_app_short")),
        Ok((app, issuer)) => match end_session(req, env, &app, &issuer, now_ms).await? {
            Ok(response) => return Ok(response),
            Err(problem) => (Some(app), problem),
        },
    };
    pages::show(req, env, app.as_ref(), Page::SignIn, SignIn::Problem(problem)).await
}

/// Ends the session and answers the redirect, or the problem the page shows.
async fn end_session(req: &Request, env: &Env, app: &Application, issuer: &Issuer, now_ms: i64) -> ApiResult<Result<Response, Problem>> {
    let cannot = |reason: &'static str| Ok(Err(Problem { status: 400, key: "problem.bad_logout_link", reason: Reason::Key(reason) }));
    let pairs = request_url::query_pairs(req);
    let mut values: [Option<String>; 4] = Default::default();
    for (name, value) in pairs {
        let names = ["id_token_hint", "post_logout_redirect_uri", "state", "client_id"];
        if let Some(i) = names.iter().position(|n| *n == name) {
            if value.is_empty() {
                continue;
            }
            if values[i].replace(value).is_some() {
                return cannot("reason.repeated_parameter");
            }
        }
    }
    let [hint, return_to, state, client_id] = values;
    let db = database(env)?;
    let mut client_id = client_id;
    if let Some(hint) = hint {
        let claims = match jwt::verified_id_token(env, &hint).await? {
            Some(claims) if claims.iss == issuer.url() => claims,
            _ => return cannot("reason.hint_not_ours"),
        };
        if client_id.as_ref().is_some_and(|id| *id != claims.aud) {
            return cannot("reason.client_not_audience");
        }
        // The session named by the token, if it was issued to that client for that person.
        let bound = query!(
            &db,
            "SELECT s.id FROM sessions s JOIN oidc_sessions o ON o.session_id = s.id
             WHERE s.id = ?1 AND s.app_id = ?2 AND s.user_id = ?3 AND o.client_id = ?4",
            &claims.sid,
            &app.id,
            &claims.sub,
            &claims.aud,
        )
        .map_err(|e| failed("prepare session lookup", e))?
        .first_text("id")
        .await
        .map_err(|e| failed("find session", e))?;
        if let Some(session_id) = bound {
            sessions::revoke_stmt(&db, &session_id, now_ms, RevokeReason::Logout)?.execute().await.map_err(|e| failed("revoke session", e))?;
        }
        client_id = Some(claims.aud);
    }
    let Some(return_to) = return_to else { return Ok(Err(Problem::new(200, "problem.signed_out"))) };
    let Some(client_id) = client_id else { return cannot("reason.logout_needs_client") };
    let client = clients::find(&db, &app.id, &client_id).await?;
    if !client.is_some_and(|c| c.post_logout_redirect_uris.iter().any(|u| *u == return_to)) {
        return cannot("reason.logout_uri_not_registered");
    }
    match state {
        Some(state) => redirect(&with_query(&return_to, &[("state", &state)])).map(Ok),
        None => redirect(&return_to).map(Ok),
    }
}
