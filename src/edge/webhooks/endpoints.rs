//! The webhook endpoints of an application and their delivery log, under
//! `/api/v1/applications/{appId}/webhooks` (operator key or the application's key; another
//! application's key `403`). An endpoint's signing secret is shown once, when it is made (create,
//! rotate); every change is recorded as `webhook_endpoint.changed` in the same batch. SQLite
//! builds the answers' JSON (`endpoint_json!`): the Worker passes texts along.

use serde_json::{json, Value};
use worker::{D1Database, D1PreparedStatement, Env, Request, Response};

use crate::contract::error::{ApiError, ErrorCode};
use crate::contract::routes::Endpoint;
use crate::contract::time_format::parse_rfc3339;
use crate::edge::admin::caller::authenticate_actor;
use crate::edge::events::{self, Actor, Client, Detail, NewEvent};
use crate::edge::platform::config;
use crate::edge::platform::db::{changes, database, failed, query, sql_time, D1Batch, D1Read};
use crate::edge::platform::http::{json, json_text, no_content, read_json, ApiResult};
use crate::edge::platform::request_url;
use crate::edge::tenancy::applications;
use crate::events::list::Cursor;
use crate::events::EventType;
use crate::tokens::secrets::{random_token, SystemRandom};
use crate::webhooks::delivery_query::DeliveryQuery;
use crate::webhooks::endpoint::{EndpointFields, MAX_ENDPOINTS_PER_APP};
use crate::webhooks::signature::{endpoint_secret, secret_text};

/// The SQL expression of a `webhook_endpoints` row's JSON, as the API shows an endpoint.
macro_rules! endpoint_json {
    () => {
        concat!(
            "json_object('id', id, 'applicationId', app_id, 'url', url, 'eventTypes', json(event_types), 'description', description,
               'enabled', json(CASE WHEN enabled THEN 'true' ELSE 'false' END), 'createdAt', ",
            sql_time!("created_at"),
            ", 'updatedAt', ",
            sql_time!("updated_at"),
            ")"
        )
    };
}

fn no_such_webhook() -> ApiError {
    ApiError::not_found("no such webhook endpoint")
}

/// Serves one of the webhook endpoints for application `app_id` (`webhook_id`: the path's
/// second id, empty where there is none).
pub async fn serve(endpoint: Endpoint, mut req: Request, env: &Env, app_id: &str, webhook_id: &str, now_ms: i64) -> ApiResult<Response> {
    let (caller, actor) = authenticate_actor(&req, env).await?;
    caller.require_app(app_id)?;
    let db = database(env)?;
    applications::find(&db, app_id).await?.ok_or_else(|| ApiError::not_found("no such application"))?;
    let body: Value = match endpoint {
        Endpoint::CreateWebhook | Endpoint::PatchWebhook => read_json(&mut req).await?,
        _ => Value::Null,
    };
    let client = Client::of(&req);
    let change = Change { env, db: &db, client: &client, app_id, webhook_id, actor: Actor::from_recorded(&actor), now_ms };
    match endpoint {
        Endpoint::CreateWebhook => create(&change, &EndpointFields::create(&body)?).await,
        Endpoint::ListWebhooks => {
            let sql = concat!(
                "SELECT json_group_array(json(j)) AS j FROM (SELECT ",
                endpoint_json!(),
                " AS j FROM webhook_endpoints WHERE app_id = ?1 ORDER BY created_at, id)"
            );
            let list = query!(&db, sql, app_id)
                .map_err(|e| failed("prepare webhooks list", e))?
                .first_text("j")
                .await
                .map_err(|e| failed("list webhooks", e))?;
            Ok(json_text(200, format!("{{\"webhooks\":{}}}", list.unwrap_or_else(|| "[]".into()))))
        }
        Endpoint::GetWebhook => {
            let sql = concat!("SELECT ", endpoint_json!(), " AS j FROM webhook_endpoints WHERE app_id = ?1 AND id = ?2");
            let found = query!(&db, sql, app_id, webhook_id).map_err(|e| failed("prepare webhook lookup", e))?.first_text("j").await;
            let found = found.map_err(|e| failed("find webhook", e))?.ok_or_else(no_such_webhook)?;
            Ok(json_text(200, format!("{{\"webhook\":{found}}}")))
        }
        Endpoint::PatchWebhook => patch(&change, &EndpointFields::patch(&body)?).await,
        Endpoint::DeleteWebhook => {
            let remove = query!(&db, "DELETE FROM webhook_endpoints WHERE app_id = ?1 AND id = ?2", app_id, webhook_id)
                .map_err(|e| failed("prepare webhook delete", e))?;
            change.commit(vec![remove], Detail::new().text("action", "deleted"), no_such_webhook()).await?;
            Ok(no_content())
        }
        Endpoint::RotateWebhookSecret => {
            let salt = random_token(&mut SystemRandom, "", 32).map_err(|_| ApiError::internal())?;
            let sql = concat!(
                "UPDATE webhook_endpoints SET secret_salt = ?3, updated_at = ?4 WHERE app_id = ?1 AND id = ?2 RETURNING ",
                endpoint_json!(),
                " AS j"
            );
            let update = query!(&db, sql, app_id, webhook_id, &salt, now_ms).map_err(|e| failed("prepare webhook secret update", e))?;
            let shown = change.commit(vec![update], Detail::new().text("action", "secret_rotated"), no_such_webhook()).await?;
            Ok(json_text(200, with_secret(env, &shown, &salt)?))
        }
        _ => deliveries(&db, app_id, webhook_id, &DeliveryQuery::from_pairs(&request_url::query_pairs(&req))?).await,
    }
}

/// `{"webhook": ..., "secret": "whsec_..."}`: the secret of the endpoint whose salt is `salt`.
fn with_secret(env: &Env, webhook: &str, salt: &str) -> ApiResult<String> {
    let secret = secret_text(&endpoint_secret(&config::hmac_key(env)?, salt));
    Ok(format!("{{\"webhook\":{webhook},\"secret\":\"{secret}\"}}"))
}

/// A change of endpoint `webhook_id`, recorded as `webhook_endpoint.changed`.
struct Change<'a> {
    env: &'a Env,
    db: &'a D1Database,
    client: &'a Client,
    app_id: &'a str,
    webhook_id: &'a str,
    actor: Actor,
    now_ms: i64,
}

impl Change<'_> {
    /// Runs `statements` in one batch with the event, which is recorded only when the first
    /// statement (the endpoint's write, which may `RETURNING` its JSON as `j`) changed a row;
    /// `none` when it changed none. Answers what the first statement returned.
    async fn commit(&self, mut statements: Vec<D1PreparedStatement>, detail: Detail, none: ApiError) -> ApiResult<String> {
        let detail = detail.text("webhookId", self.webhook_id);
        let event = NewEvent::new(EventType::WebhookEndpointChanged, self.app_id).by(self.actor.clone()).detail(detail);
        let recorded = events::record_if_changed(self.db, self.client, event, self.now_ms)?;
        statements.insert(1, recorded.stmt.clone());
        let results = self.db.run_batch(statements).await.map_err(|e| failed("change webhook", e))?;
        let first = results.first().ok_or_else(ApiError::internal)?;
        if changes(first) == 0 {
            return Err(none);
        }
        events::committed(self.env, vec![recorded]).await;
        Ok(first.rows().first().and_then(|r| r.opt_text("j")).unwrap_or_default())
    }
}

/// `POST .../webhooks` → `201 {webhook, secret}`; `409 webhook_limit_reached` past 20 endpoints.
async fn create(change: &Change<'_>, fields: &EndpointFields) -> ApiResult<Response> {
    let id = random_token(&mut SystemRandom, "whk_", 16).map_err(|_| ApiError::internal())?;
    let salt = random_token(&mut SystemRandom, "", 32).map_err(|_| ApiError::internal())?;
    let event_types = EndpointFields::event_types_json(&fields.event_types.clone().flatten());
    let sql = concat!(
        "INSERT INTO webhook_endpoints (id, app_id, url, event_types, description, enabled, secret_salt, created_at, updated_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8 WHERE (SELECT count(*) FROM webhook_endpoints WHERE app_id = ?2) < ?9
         RETURNING ",
        endpoint_json!(),
        " AS j"
    );
    let insert = query!(
        change.db,
        sql,
        &id,
        change.app_id,
        &fields.url,
        &event_types,
        fields.description.as_deref().unwrap_or_default(),
        i64::from(fields.enabled.unwrap_or(true)),
        &salt,
        change.now_ms,
        MAX_ENDPOINTS_PER_APP,
    )
    .map_err(|e| failed("prepare webhook insert", e))?;
    let (env, db, client, app_id, now_ms) = (change.env, change.db, change.client, change.app_id, change.now_ms);
    let change = Change { env, db, client, app_id, webhook_id: &id, actor: change.actor.clone(), now_ms };
    let limit = ApiError::new(ErrorCode::WebhookLimitReached, format!("an application has at most {MAX_ENDPOINTS_PER_APP} webhook endpoints"));
    let shown = change.commit(vec![insert], Detail::new().text("action", "created"), limit).await?;
    Ok(json_text(201, with_secret(change.env, &shown, &salt)?))
}

/// `PATCH .../webhooks/{webhookId}` → `{webhook}`. Disabling an endpoint ends its pending
/// deliveries (`failed`, "endpoint disabled"); a patch that changes nothing records nothing.
async fn patch(change: &Change<'_>, fields: &EndpointFields) -> ApiResult<Response> {
    let (db, app_id, webhook_id) = (change.db, change.app_id, change.webhook_id);
    let current =
        query!(db, "SELECT url, event_types, description, enabled FROM webhook_endpoints WHERE app_id = ?1 AND id = ?2", app_id, webhook_id)
            .map_err(|e| failed("prepare webhook lookup", e))?
            .first_row()
            .await
            .map_err(|e| failed("find webhook", e))?
            .ok_or_else(no_such_webhook)?;
    let (url, types, description) = (current.text("url"), current.opt_text("event_types"), current.text("description"));
    let enabled = current.int("enabled") != 0;
    let next_url = fields.url.clone().unwrap_or_else(|| url.clone());
    let next_types = fields.event_types.as_ref().map_or_else(|| types.clone(), EndpointFields::event_types_json);
    let next_description = fields.description.clone().unwrap_or_else(|| description.clone());
    let next_enabled = fields.enabled.unwrap_or(enabled);
    let mut changed = Vec::new();
    for (name, differs) in [
        ("url", next_url != url),
        ("eventTypes", next_types != types),
        ("description", next_description != description),
        ("enabled", next_enabled != enabled),
    ] {
        if differs {
            changed.push(name);
        }
    }
    let sql = concat!(
        "UPDATE webhook_endpoints SET url = ?3, event_types = ?4, description = ?5, enabled = ?6, updated_at = CASE WHEN ?8 THEN ?7 ELSE updated_at END
         WHERE app_id = ?1 AND id = ?2 RETURNING ",
        endpoint_json!(),
        " AS j"
    );
    let now_ms = change.now_ms;
    let any = i64::from(!changed.is_empty());
    let update = query!(db, sql, app_id, webhook_id, &next_url, &next_types, &next_description, i64::from(next_enabled), now_ms, any)
        .map_err(|e| failed("prepare webhook update", e))?;
    if changed.is_empty() {
        let answer = update.first_text("j").await.map_err(|e| failed("update webhook", e))?.ok_or_else(no_such_webhook)?;
        return Ok(json_text(200, format!("{{\"webhook\":{answer}}}")));
    }
    let mut statements = vec![update];
    if enabled && !next_enabled {
        let stop = "UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint disabled', updated_at = ?2 WHERE endpoint_id = ?1 AND status = 'pending'";
        statements.push(query!(db, stop, webhook_id, now_ms).map_err(|e| failed("prepare webhook deliveries stop", e))?);
    }
    let shown = change.commit(statements, Detail::new().text("action", "updated").texts("fields", &changed), no_such_webhook()).await?;
    Ok(json_text(200, format!("{{\"webhook\":{shown}}}")))
}

/// `GET .../webhooks/{webhookId}/deliveries` → `{deliveries, nextCursor}`, newest first.
async fn deliveries(db: &D1Database, app_id: &str, webhook_id: &str, q: &DeliveryQuery) -> ApiResult<Response> {
    let (cursor_at, cursor_id) = match &q.cursor {
        Some(Cursor { at_ms, id }) => (Some(*at_ms), Some(id.as_str())),
        None => (None, None),
    };
    let sql = concat!(
        "SELECT (SELECT 1 FROM webhook_endpoints WHERE app_id = ?1 AND id = ?2) AS known, (SELECT json_group_array(json(j)) FROM (
           SELECT json_object('eventId', d.event_id, 'eventType', e.type, 'status', d.status, 'attempts', d.attempts,
             'lastStatus', d.last_status, 'lastError', d.last_error, 'createdAt', ",
        sql_time!("d.created_at"),
        ", 'updatedAt', ",
        sql_time!("d.updated_at"),
        ") AS j
           FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
           WHERE d.endpoint_id = ?2 AND (?3 IS NULL OR d.status = ?3) AND (?4 IS NULL OR d.created_at < ?4 OR (d.created_at = ?4 AND d.event_id < ?5))
           ORDER BY d.created_at DESC, d.event_id DESC LIMIT ?6)) AS list"
    );
    let doing = "list webhook deliveries";
    let row = query!(db, sql, app_id, webhook_id, &q.status, &cursor_at, &cursor_id, q.limit + 1)
        .map_err(|e| failed(doing, e))?
        .first_row()
        .await
        .map_err(|e| failed(doing, e))?;
    let row = row.filter(|r| r.opt_int("known").is_some()).ok_or_else(no_such_webhook)?;
    let mut list = match row.opt_text("list").map(|text| serde_json::from_str(&text)) {
        Some(Ok(Value::Array(list))) => list,
        _ => Vec::new(),
    };
    let limit = q.limit as usize;
    let mut next = None;
    if list.len() > limit {
        list.truncate(limit);
        let last = &list[limit - 1];
        let at_ms = last["createdAt"].as_str().and_then(parse_rfc3339);
        next = at_ms.zip(last["eventId"].as_str()).map(|(at_ms, id)| Cursor { at_ms, id: id.to_owned() }.encode());
    }
    Ok(json(200, &json!({ "deliveries": list, "nextCursor": next })))
}
