//! `GET /api/v1/applications/{appId}/events?user=&type=&since=&cursor=&limit=` (operator key or
//! the application's own key; another application's key: 403) → `{events, nextCursor}`, newest
//! first (docs/API.md, "Audit events").

use serde_json::json;
use worker::{Env, Request, Response};

use super::queries;
use crate::contract::error::ApiError;
use crate::edge::admin::caller::require_app_key;
use crate::edge::platform::db::database;
use crate::edge::platform::http::{json, ApiResult};
use crate::edge::platform::request_url;
use crate::edge::tenancy::applications;
use crate::events::list::EventQuery;

pub async fn list(req: &Request, env: &Env, app_id: &str) -> ApiResult<Response> {
    require_app_key(req, env, app_id).await?;
    let query = EventQuery::from_pairs(&request_url::query_pairs(req))?;
    let db = database(env)?;
    applications::find(&db, app_id).await?.ok_or_else(|| ApiError::not_found("no such application"))?;
    let (events, next) = queries::page(&db, app_id, &query).await?;
    Ok(json(200, &json!({ "events": events, "nextCursor": next })))
}
