//! What signed-in users do with their account (Bearer): `GET /api/v1/users/me/sessions`,
//! `DELETE /api/v1/users/me/sessions/{sessionId}` and `DELETE /api/v1/users/me`, which needs
//! the session of a `"purpose": "reauth"` login of the last 5 minutes.

use serde_json::json;
use worker::{D1Database, Env, Request, Response};

use crate::contract::error::ApiError;
use crate::contract::routes::Endpoint;
use crate::edge::events::{self, Actor, Client, NewEvent};
use crate::edge::passkeys::endpoints::signed_in_app;
use crate::edge::platform::db::{database, failed, D1Batch};
use crate::edge::platform::http::{json, no_content, ApiResult};
use crate::edge::platform::outcome_log::{Event, OutcomeLog};
use crate::edge::sessions::BearerAuth;
use crate::edge::users::{self, deletion, email_change, live_sessions};
use crate::events::EventType;
use crate::tenancy::application::Application;

/// Serves `endpoint`, one of the account's own (these and `email_change`'s; `param`: the path's
/// `sessionId`), with one Bearer check for all of them.
pub async fn serve(endpoint: Endpoint, req: Request, env: &Env, known: Option<&Application>, param: &str, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, endpoint.log_name());
    let result = async {
        let (app, auth) = signed_in_app(&req, env, known, now_ms, &mut log).await?;
        let db = database(env)?;
        match endpoint {
            Endpoint::ListMySessions => list_sessions(&db, &auth, now_ms).await,
            Endpoint::EndMySession => end_session(env, &req, &db, &auth, param, now_ms).await,
            Endpoint::DeleteMe => delete_me(env, &req, &db, &auth, now_ms).await,
            Endpoint::ChangeEmail => email_change::request(req, env, &db, &app, &auth, now_ms).await,
            _ => email_change::confirm(req, env, &db, &app, &auth, now_ms).await,
        }
    }
    .await;
    log.finish(result)
}

/// `GET /api/v1/users/me/sessions` → `{sessions}`: the user's live sessions, newest first, the
/// caller's own with `current: true`.
async fn list_sessions(db: &D1Database, auth: &BearerAuth, now_ms: i64) -> ApiResult<Response> {
    let sessions = live_sessions::list(db, &auth.app_id, &auth.user_id, now_ms).await?;
    let sessions: Vec<_> = sessions
        .iter()
        .map(|s| {
            let mut item = s.to_json();
            item["current"] = (s.id == auth.session_id).into();
            item
        })
        .collect();
    Ok(json(200, &json!({ "sessions": sessions })))
}

/// `DELETE /api/v1/users/me/sessions/{sessionId}` → 204: ends one of the user's live sessions
/// (the caller's own too); any other id `404`.
async fn end_session(env: &Env, req: &Request, db: &D1Database, auth: &BearerAuth, session_id: &str, now_ms: i64) -> ApiResult<Response> {
    let live = live_sessions::list(db, &auth.app_id, &auth.user_id, now_ms).await?;
    let target = live.iter().find(|s| s.id == session_id).ok_or_else(|| ApiError::not_found("no such session"))?;
    let reason = live_sessions::ENDED_BY_USER;
    let event = NewEvent::new(EventType::SessionsEnded, &auth.app_id)
        .user(&auth.user_id)
        .session(&target.id)
        .detail(events::Detail::new().text("reason", reason).number("count", 1));
    let recorded = events::record(db, &Client::of(req), event, now_ms)?;
    let end = live_sessions::end_stmt(db, &auth.app_id, &auth.user_id, Some(&target.id), reason, now_ms)?;
    db.run_batch(vec![end, recorded.stmt.clone()]).await.map_err(|e| failed("end session", e))?;
    events::committed(env, vec![recorded]).await;
    Ok(no_content())
}

/// `DELETE /api/v1/users/me` → 204: deletes the account like the admin API does. Needs the
/// session of a `"purpose": "reauth"` login within the last 5 minutes, else `401
/// reauthentication_required` and nothing changes.
async fn delete_me(env: &Env, req: &Request, db: &D1Database, auth: &BearerAuth, now_ms: i64) -> ApiResult<Response> {
    live_sessions::require_fresh_reauth(db, auth, now_ms).await?;
    let user = users::find_by_id(db, &auth.app_id, &auth.user_id).await?.ok_or_else(|| ApiError::unauthorized("the user no longer exists"))?;
    deletion::delete_user(env, req, &user, Actor::User, Some(&auth.session_id), now_ms).await?;
    Ok(no_content())
}
