//! What signed-in users do with their account (Bearer): `GET /api/v1/users/me/sessions`,
//! `DELETE /api/v1/users/me/sessions/{sessionId}` and `DELETE /api/v1/users/me`, which needs
//! the session of a `"purpose": "reauth"` login of the last 5 minutes.

use serde_json::json;
use worker::{Env, Request, Response};

use crate::contract::error::ApiError;
use crate::contract::routes::Endpoint;
use crate::edge::events::{self, Actor, Client, NewEvent};
use crate::edge::passkeys::endpoints::signed_in_app;
use crate::edge::platform::db::{database, failed};
use crate::edge::platform::http::{json, no_content, ApiResult};
use crate::edge::platform::outcome_log::{Event, OutcomeLog};
use crate::edge::users::{self, deletion, live_sessions};
use crate::events::EventType;
use crate::tenancy::application::Application;

/// `GET /api/v1/users/me/sessions` → `{sessions}`: the user's live sessions, newest first, the
/// caller's own with `current: true`.
pub async fn list_sessions(req: Request, env: &Env, known: Option<&Application>, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, Endpoint::ListMySessions.log_name());
    let result = async {
        let (_, auth) = signed_in_app(&req, env, known, now_ms, &mut log).await?;
        let sessions = live_sessions::list(&database(env)?, &auth.app_id, &auth.user_id, now_ms).await?;
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
    .await;
    log.finish(result)
}

/// `DELETE /api/v1/users/me/sessions/{sessionId}` → 204: ends one of the user's live sessions
/// (the caller's own too); any other id `404`.
pub async fn end_session(req: Request, env: &Env, known: Option<&Application>, session_id: &str, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, Endpoint::EndMySession.log_name());
    let result = async {
        let (_, auth) = signed_in_app(&req, env, known, now_ms, &mut log).await?;
        let db = database(env)?;
        let live = live_sessions::list(&db, &auth.app_id, &auth.user_id, now_ms).await?;
        let target = live.iter().find(|s| s.id == session_id).ok_or_else(|| ApiError::not_found("no such session"))?;
        let reason = live_sessions::ENDED_BY_USER;
        let event = NewEvent {
            user_id: Some(&auth.user_id),
            session_id: Some(&target.id),
            detail: json!({ "reason": reason, "count": 1 }),
            ..NewEvent::new(EventType::SessionsEnded, &auth.app_id)
        };
        let recorded = events::record::record(&db, &Client::of(&req), event, now_ms)?;
        let end = live_sessions::end_stmt(&db, &auth.app_id, &auth.user_id, Some(&target.id), reason, now_ms)?;
        db.batch(vec![end, recorded.stmt.clone()]).await.map_err(|e| failed("end session", e))?;
        events::committed(env, vec![recorded]).await;
        Ok(no_content())
    }
    .await;
    log.finish(result)
}

/// `DELETE /api/v1/users/me` → 204: deletes the account like the admin API does. Needs the
/// session of a `"purpose": "reauth"` login within the last 5 minutes, else `401
/// reauthentication_required` and nothing changes.
pub async fn delete_me(req: Request, env: &Env, known: Option<&Application>, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, Endpoint::DeleteMe.log_name());
    let result = async {
        let (_, auth) = signed_in_app(&req, env, known, now_ms, &mut log).await?;
        let db = database(env)?;
        live_sessions::require_fresh_reauth(&db, &auth, now_ms).await?;
        let user = users::find_by_id(&db, &auth.app_id, &auth.user_id).await?.ok_or_else(|| ApiError::unauthorized("the user no longer exists"))?;
        deletion::delete_user(env, &req, &user, Actor::User, Some(&auth.session_id), now_ms).await?;
        Ok(no_content())
    }
    .await;
    log.finish(result)
}
