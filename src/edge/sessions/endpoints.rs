//! The session endpoints: `POST /auth/token/refresh`, `POST /auth/logout` and
//! `GET /.well-known/jwks.json`.

use serde::Deserialize;
use worker::{Env, Request, Response};

use crate::contract::routes::Endpoint;
use crate::edge::events::{self, Client, NewEvent};
use crate::edge::platform::db::{changes, database, failed, D1Batch};
use crate::edge::platform::http::{json, no_content, read_json, ApiResult};
use crate::edge::platform::outcome_log::{Event, OutcomeLog};
use crate::edge::sessions::{self, RevokeReason};
use crate::edge::tenancy::app_lookup;
use crate::events::EventType;
use crate::tenancy::application::Application;

/// How long clients may cache the JWKS. Short, so that a rotation's new key is seen quickly
/// (the new key signs only once it is first in AUTHAZ_SIGNING_KEYS; publish it second first).
const JWKS_MAX_AGE_SECS: u32 = 300;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefreshBody {
    refresh_token: String,
}

/// `POST /auth/token/refresh` `{refreshToken}` → `{session}`: rotates the refresh token.
pub async fn refresh(mut req: Request, env: &Env, known: Option<&Application>, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, Endpoint::RefreshToken.log_name());
    let result = async {
        let app = app_lookup::for_request(&req, env, known).await?;
        log.set_app(&app.id);
        let body: RefreshBody = read_json(&mut req).await?;
        let session = sessions::refresh(env, &req, &app, &body.refresh_token, now_ms).await?;
        Ok(json(200, &serde_json::json!({ "session": session })))
    }
    .await;
    log.finish(result)
}

/// `POST /auth/logout` (Bearer) → 204: ends this session only.
pub async fn logout(req: Request, env: &Env, known: Option<&Application>, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, Endpoint::Logout.log_name());
    let result = async {
        let app = app_lookup::for_request(&req, env, known).await?;
        log.set_app(&app.id);
        let auth = sessions::authenticate_bearer(&req, env, &app, now_ms).await?;
        let db = database(env)?;
        let ended = NewEvent::new(EventType::SessionsEnded, &app.id)
            .announced(app.webhooks)
            .user(&auth.user_id)
            .session(&auth.session_id)
            .detail(events::Detail::new().text("reason", "logout").number("count", 1));
        // Written only when this request ended the session (not a racing logout).
        let recorded = events::record_if_changed(&db, &Client::of(&req), ended, now_ms)?;
        let results = db
            .run_batch(vec![sessions::revoke_stmt(&db, &auth.session_id, now_ms, RevokeReason::Logout)?, recorded.stmt.clone()])
            .await
            .map_err(|e| failed("revoke session", e))?;
        if results.first().map_or(0, changes) == 1 {
            events::committed(env, vec![recorded]).await;
        }
        Ok(no_content())
    }
    .await;
    log.finish(result)
}

/// `GET /.well-known/jwks.json`: every key that may have signed a live access token.
pub async fn jwks(env: &Env) -> ApiResult<Response> {
    let log = OutcomeLog::start(Event::Request, Endpoint::Jwks.log_name());
    let result = sessions::jwks(env).await.map(|keys| {
        let mut resp = json(200, &keys);
        let _ = resp.headers_mut().set("Cache-Control", &format!("public, max-age={JWKS_MAX_AGE_SECS}"));
        resp
    });
    log.finish(result)
}
