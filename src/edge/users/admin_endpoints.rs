//! The admin user API (operator key, or the key of the user's application; any other key `403`):
//! `GET /api/v1/applications/{appId}/users`, `GET /api/v1/users/{userId}`,
//! `DELETE /api/v1/users/{userId}` and `DELETE /api/v1/users/{userId}/sessions`.

use serde_json::json;
use worker::{Env, Request, Response};

use crate::contract::error::ApiError;
use crate::contract::routes::Endpoint;
use crate::contract::user_list::{self, encode_cursor};
use crate::edge::admin::caller;
use crate::edge::events::{self, Actor, Client, NewEvent};
use crate::edge::metadata::store as metadata_store;
use crate::edge::passkeys::credentials;
use crate::edge::platform::db::{database, failed};
use crate::edge::platform::http::{json, no_content, ApiResult};
use crate::edge::platform::outcome_log::{Event, OutcomeLog};
use crate::edge::platform::request_url::query_pairs;
use crate::edge::tenancy::applications;
use crate::edge::users::{self, deletion, live_sessions, User};
use crate::events::EventType;

/// `GET /api/v1/applications/{appId}/users?email=&cursor=&limit=` → `{users, nextCursor}`.
pub async fn list(req: &Request, env: &Env, app_id: &str) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, Endpoint::ListUsers.log_name());
    let result = async {
        caller::require_app_key(req, env, app_id).await?;
        let query = user_list::parse(&query_pairs(req))?;
        let db = database(env)?;
        applications::find(&db, app_id).await?.ok_or_else(|| ApiError::not_found("no such application"))?;
        log.set_app(app_id);
        let (page, more) = users::list_page(&db, app_id, &query).await?;
        let next = page.last().filter(|_| more).map(|u| encode_cursor(u.created_at, &u.id));
        Ok(json(200, &json!({ "users": page.iter().map(User::to_json).collect::<Vec<_>>(), "nextCursor": next })))
    }
    .await;
    log.finish(result)
}

/// `GET /api/v1/users/{userId}` → `{user, passkeys, sessions}` (live sessions, newest first).
pub async fn get(req: &Request, env: &Env, user_id: &str, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, Endpoint::GetUser.log_name());
    let result = async {
        let (user, _) = user_for_key(req, env, user_id, &mut log).await?;
        let db = database(env)?;
        let passkeys = credentials::list_for_user(&db, &user.app_id, &user.id).await?;
        let models = metadata_store::summaries_for_user(&db, &user.app_id, &user.id).await?;
        let sessions = live_sessions::list(&db, &user.app_id, &user.id, now_ms).await?;
        Ok(json(
            200,
            &json!({
                "user": user.to_json(),
                "passkeys": passkeys.iter().map(|p| p.to_passkey_json_with(models.get(&p.aaguid))).collect::<Vec<_>>(),
                "sessions": sessions.iter().map(live_sessions::LiveSession::to_json).collect::<Vec<_>>(),
            }),
        ))
    }
    .await;
    log.finish(result)
}

/// `DELETE /api/v1/users/{userId}` → 204: the user and everything of theirs, in one transaction.
pub async fn delete(req: &Request, env: &Env, user_id: &str, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, Endpoint::DeleteUser.log_name());
    let result = async {
        let (user, actor) = user_for_key(req, env, user_id, &mut log).await?;
        deletion::delete_user(env, req, &user, actor, None, now_ms).await?;
        Ok(no_content())
    }
    .await;
    log.finish(result)
}

/// `DELETE /api/v1/users/{userId}/sessions` → `{ended: n}`: ends every live session of the user.
pub async fn end_sessions(req: &Request, env: &Env, user_id: &str, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, Endpoint::EndUserSessions.log_name());
    let result = async {
        let (user, actor) = user_for_key(req, env, user_id, &mut log).await?;
        let db = database(env)?;
        let count = live_sessions::list(&db, &user.app_id, &user.id, now_ms).await?.len();
        let reason = live_sessions::ENDED_BY_ADMIN;
        let event = NewEvent {
            user_id: Some(&user.id),
            actor,
            detail: json!({ "reason": reason, "count": count }),
            ..NewEvent::new(EventType::SessionsEnded, &user.app_id)
        };
        let recorded = events::record::record(&db, &Client::of(req), event, now_ms)?;
        let end = live_sessions::end_stmt(&db, &user.app_id, &user.id, None, reason, now_ms)?;
        db.batch(vec![end, recorded.stmt.clone()]).await.map_err(|e| failed("end sessions", e))?;
        events::committed(env, vec![recorded]).await;
        Ok(json(200, &json!({ "ended": count })))
    }
    .await;
    log.finish(result)
}

/// The user `user_id` and who acts on them, when the request's key may: unknown user `404`, a
/// key of another application `403`.
async fn user_for_key(req: &Request, env: &Env, user_id: &str, log: &mut OutcomeLog) -> ApiResult<(User, Actor)> {
    let (caller, actor) = caller::authenticate_actor(req, env).await?;
    let user = users::find_by_id_in_any_app(&database(env)?, user_id).await?.ok_or_else(|| ApiError::not_found("no such user"))?;
    caller.require_app(&user.app_id)?;
    log.set_app(&user.app_id);
    Ok((user, Actor::from_recorded(&actor)))
}
