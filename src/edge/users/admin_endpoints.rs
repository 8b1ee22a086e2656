//! The admin user API (operator key, or the key of the user's application; any other key `403`):
//! `GET /api/v1/applications/{appId}/users`, `GET /api/v1/users/{userId}`,
//! `DELETE /api/v1/users/{userId}` and `DELETE /api/v1/users/{userId}/sessions`.

use serde_json::json;
use worker::{D1Database, Env, Request, Response};

use crate::contract::error::ApiError;
use crate::contract::routes::Endpoint;
use crate::contract::user_list::{self, encode_cursor};
use crate::edge::admin::caller;
use crate::edge::events::{self, Actor, Client, NewEvent};
use crate::edge::metadata::store as metadata_store;
use crate::edge::passkeys::credentials;
use crate::edge::platform::db::{database, failed, D1Batch};
use crate::edge::platform::http::{json, no_content, ApiResult};
use crate::edge::platform::outcome_log::{Event, OutcomeLog};
use crate::edge::platform::request_url::query_pairs;
use crate::edge::tenancy::applications;
use crate::edge::users::{self, deletion, live_sessions, User};
use crate::events::EventType;

/// Serves `endpoint`, one of the admin user API's (`param`: the path's `appId` or `userId`),
/// with one key check for all of them: the operator, or the key of the user's application.
pub async fn serve(endpoint: Endpoint, req: &Request, env: &Env, param: &str, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, endpoint.log_name());
    let result = async {
        let (caller, actor) = caller::authenticate_actor(req, env).await?;
        let db = database(env)?;
        if endpoint == Endpoint::ListUsers {
            caller.require_app(param)?;
            return list(req, &db, param, &mut log).await;
        }
        let user = users::find_by_id_in_any_app(&db, param).await?.ok_or_else(|| ApiError::not_found("no such user"))?;
        caller.require_app(&user.app_id)?;
        log.set_app(&user.app_id);
        let actor = Actor::from_recorded(&actor);
        match endpoint {
            Endpoint::GetUser => get(&db, &user, now_ms).await,
            Endpoint::DeleteUser => {
                deletion::delete_user(env, req, &user, actor, None, now_ms).await?;
                Ok(no_content())
            }
            _ => end_sessions(env, req, &db, &user, actor, now_ms).await,
        }
    }
    .await;
    log.finish(result)
}

/// `GET /api/v1/applications/{appId}/users?email=&cursor=&limit=` → `{users, nextCursor}`.
async fn list(req: &Request, db: &D1Database, app_id: &str, log: &mut OutcomeLog) -> ApiResult<Response> {
    let query = user_list::parse(&query_pairs(req))?;
    applications::find(db, app_id).await?.ok_or_else(|| ApiError::not_found("no such application"))?;
    log.set_app(app_id);
    let (page, more) = users::list_page(db, app_id, &query).await?;
    let next = page.last().filter(|_| more).map(|u| encode_cursor(u.created_at, &u.id));
    Ok(json(200, &json!({ "users": page.iter().map(User::to_json).collect::<Vec<_>>(), "nextCursor": next })))
}

/// `GET /api/v1/users/{userId}` → `{user, passkeys, sessions}` (live sessions, newest first).
async fn get(db: &D1Database, user: &User, now_ms: i64) -> ApiResult<Response> {
    let passkeys = credentials::list_for_user(db, &user.app_id, &user.id).await?;
    let models = metadata_store::summaries_for_user(db, &user.app_id, &user.id).await?;
    let sessions = live_sessions::list(db, &user.app_id, &user.id, now_ms).await?;
    Ok(json(
        200,
        &json!({
            "user": user.to_json(),
            "passkeys": passkeys.iter().map(|p| p.to_passkey_json_with(models.get(&p.aaguid))).collect::<Vec<_>>(),
            "sessions": sessions.iter().map(live_sessions::LiveSession::to_json).collect::<Vec<_>>(),
        }),
    ))
}

/// `DELETE /api/v1/users/{userId}/sessions` → `{ended: n}`: ends every live session of the user.
async fn end_sessions(env: &Env, req: &Request, db: &D1Database, user: &User, actor: Actor, now_ms: i64) -> ApiResult<Response> {
    let count = live_sessions::list(db, &user.app_id, &user.id, now_ms).await?.len();
    let reason = live_sessions::ENDED_BY_ADMIN;
    let event = NewEvent::new(EventType::SessionsEnded, &user.app_id)
        .user(&user.id)
        .by(actor)
        .detail(events::Detail::new().text("reason", reason).number("count", count as u64));
    let recorded = events::record(db, &Client::of(req), event, now_ms)?;
    let end = live_sessions::end_stmt(db, &user.app_id, &user.id, None, reason, now_ms)?;
    db.run_batch(vec![end, recorded.stmt.clone()]).await.map_err(|e| failed("end sessions", e))?;
    events::committed(env, vec![recorded]).await;
    Ok(json(200, &json!({ "ended": count })))
}
