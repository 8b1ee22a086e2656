//! The admin API of an application's API keys: list them with their record, rotate them (a new
//! key; the others stay valid for the grace period the caller sets, then are refused) and revoke
//! one at once. Each rotation and revocation is recorded in the same transaction, with who (the
//! operator, or which application key) and when.

use serde_json::{json, Value};
use worker::{Env, Request, Response};

use crate::contract::error::ApiError;
use crate::contract::time_format::rfc3339_utc;
use crate::edge::admin::api_keys::{self, Action};
use crate::edge::admin::caller::authenticate_actor;
use crate::edge::admin::endpoints::key_event;
use crate::edge::events::{self, Actor, Client};
use crate::edge::platform::config;
use crate::edge::platform::db::{changes, database, failed, query, D1Batch};
use crate::edge::platform::http::{json, read_json, ApiResult};
use crate::edge::tenancy::applications;
use crate::tokens::secrets::{random_token, SystemRandom};

/// Longest grace period a rotation may give the old keys: 30 days.
pub const MAX_GRACE_SECS: u64 = 30 * 24 * 3600;
/// Longest key id looked up (ids are 28 characters).
const MAX_KEY_ID_LEN: usize = 64;

/// `GET /api/v1/applications/{appId}/api-keys` (key) → `{apiKeys: [...], events: [...]}`.
pub async fn list(req: &Request, env: &Env, app_id: &str) -> ApiResult<Response> {
    authorize(req, env, app_id).await?;
    let db = database(env)?;
    let now = now_ms();
    let keys = api_keys::list(&db, app_id, now).await?;
    let events = api_keys::events(&db, app_id).await?;
    Ok(json(200, &json!({ "apiKeys": keys, "events": events })))
}

/// `POST /api/v1/applications/{appId}/api-keys` (key) `{gracePeriodSeconds}` → 201
/// `{apiKey, key, retiredUntil}`: a new key (shown only here); every other valid key of the
/// application stays valid until `retiredUntil` (now + the grace period; 0 ends them at once).
pub async fn rotate(mut req: Request, env: &Env, app_id: &str) -> ApiResult<Response> {
    let actor = authorize(&req, env, app_id).await?;
    let body: Value = read_json(&mut req).await?;
    let grace_secs = grace_period(&body)?;
    let db = database(env)?;
    let now = now_ms();
    let until = now + i64::try_from(grace_secs).unwrap_or(0) * 1000;
    let new = api_keys::new_key(&db, &config::hmac_key(env)?, app_id, now)?;
    let detail = json!({ "gracePeriodSeconds": grace_secs, "othersValidUntil": rfc3339_utc(until) });
    let mut changed = key_event(app_id, &new.id, "rotated", Actor::from_recorded(&actor));
    changed.detail = changed.detail.number("gracePeriodSeconds", grace_secs);
    let recorded = events::record(&db, &Client::of(&req), changed, now)?;
    db.run_batch(vec![
        api_keys::retire_others_stmt(&db, app_id, &new.id, until)?,
        new.insert,
        api_keys::event_stmt(&db, app_id, &new.id, Action::Rotated, &actor, Some(&detail), now)?,
        recorded.stmt.clone(),
    ])
    .await
    .map_err(|e| failed("rotate api keys", e))?;
    events::committed(env, vec![recorded]).await;
    let shown = api_keys::list(&db, app_id, now).await?.into_iter().find(|k| k["id"] == new.id.as_str()).unwrap_or(Value::Null);
    Ok(json(201, &json!({ "apiKey": new.key, "key": shown, "retiredUntil": rfc3339_utc(until) })))
}

/// `DELETE /api/v1/applications/{appId}/api-keys/{keyId}` (key) → `{key}`: refused from now on.
/// An unknown key, or one already revoked, answers 404.
pub async fn revoke(req: &Request, env: &Env, app_id: &str, key_id: &str) -> ApiResult<Response> {
    let actor = authorize(req, env, app_id).await?;
    if key_id.len() > MAX_KEY_ID_LEN {
        return Err(no_such_key());
    }
    let db = database(env)?;
    let now = now_ms();
    let event_id = random_token(&mut SystemRandom, "kev_", 12).map_err(|_| ApiError::internal())?;
    // `api_key.changed` only when the revoke changed the key (as the record below it).
    let changed = key_event(app_id, key_id, "revoked", Actor::from_recorded(&actor));
    let recorded = events::record_if_changed(&db, &Client::of(req), changed, now)?;
    let results = db
        .run_batch(vec![
            api_keys::revoke_stmt(&db, app_id, key_id, now)?,
            // Recorded only when the revoke changed the key (same transaction).
            query!(
                &db,
                "INSERT INTO api_key_events (id, app_id, key_id, action, actor, detail, at)
                 SELECT ?1, ?2, ?3, ?6, ?4, NULL, ?5 WHERE changes() = 1",
                &event_id,
                app_id,
                key_id,
                &actor,
                now,
                Action::Revoked.as_str()
            )
            .map_err(|e| failed("prepare api key event insert", e))?,
            recorded.stmt.clone(),
        ])
        .await
        .map_err(|e| failed("revoke api key", e))?;
    if results.first().map_or(0, changes) != 1 {
        return Err(no_such_key());
    }
    events::committed(env, vec![recorded]).await;
    let shown = api_keys::list(&db, app_id, now).await?.into_iter().find(|k| k["id"] == key_id).unwrap_or(Value::Null);
    Ok(json(200, &json!({ "key": shown })))
}

/// The caller once it may act for `app_id` (the operator, or that application's own key), as
/// recorded; `404` for an application that does not exist.
async fn authorize(req: &Request, env: &Env, app_id: &str) -> ApiResult<String> {
    let (caller, actor) = authenticate_actor(req, env).await?;
    caller.require_app(app_id)?;
    applications::find(&database(env)?, app_id).await?.ok_or_else(|| ApiError::not_found("no such application"))?;
    Ok(actor)
}

/// `gracePeriodSeconds`: required, a whole number from 0 to 30 days.
fn grace_period(body: &Value) -> ApiResult<u64> {
    let fields = body.as_object().ok_or_else(|| ApiError::invalid_request("the request body must be a JSON object"))?;
    if let Some(unknown) = fields.keys().find(|k| *k != "gracePeriodSeconds") {
        return Err(ApiError::invalid_request(format!("unknown field `{unknown}`; the field is gracePeriodSeconds")));
    }
    match fields.get("gracePeriodSeconds").map(Value::as_u64) {
        Some(Some(secs)) if secs <= MAX_GRACE_SECS => Ok(secs),
        None => Err(ApiError::invalid_request("`gracePeriodSeconds` is required: how long the current keys stay valid (0 to end them now)")),
        Some(_) => Err(ApiError::invalid_request(format!("`gracePeriodSeconds` must be a whole number from 0 to {MAX_GRACE_SECS}"))),
    }
}

fn no_such_key() -> ApiError {
    ApiError::not_found("no such API key (or it is already revoked)")
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}
