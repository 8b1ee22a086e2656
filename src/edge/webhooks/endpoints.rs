//! The webhook endpoints of an application and their delivery log, under
//! `/api/v1/applications/{appId}/webhooks` (operator key or the application's key; another
//! application's key `403`). An endpoint's signing secret is shown once, when it is made (create,
//! rotate); every change is recorded as `webhook_endpoint.changed` in the same batch.
//!
//! Each call is one D1 batch: its first statement checks that the application exists, its second
//! reads or writes the endpoint (a write `RETURNING` the endpoint), the event follows a write.
//! SQLite builds the answers' JSON (`endpoint_json!`); the statements are planned by plain
//! functions around one `await` (in the Worker every `await` of a handler costs the size budget
//! its share of state machine).

use serde_json::Value;
use worker::{D1Database, D1PreparedStatement, Env, Request, Response};

use crate::contract::error::{ApiError, ErrorCode};
use crate::contract::routes::Endpoint;
use crate::edge::admin::caller::authenticate_actor;
use crate::edge::events::{self, Actor, Client, Detail, NewEvent, Recorded};
use crate::edge::platform::config;
use crate::edge::platform::db::{database, failed, query, sql_time, D1Batch, Row};
use crate::edge::platform::http::{json_text, no_content, read_json, ApiResult};
use crate::edge::platform::request_url;
use crate::edge::tenancy::app_lookup;
use crate::events::EventType;
use crate::tokens::secrets::{random_token, SystemRandom};
use crate::webauthn::base64url;
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

fn prepared(result: Result<D1PreparedStatement, wasm_bindgen::JsValue>) -> ApiResult<D1PreparedStatement> {
    result.map_err(|e| failed("prepare webhook statement", e))
}

/// What a call runs and answers.
struct Plan {
    /// After the application check: the endpoint's statement, then (for a write) the event and
    /// what else the write entails.
    statements: Vec<D1PreparedStatement>,
    /// The event, for a write.
    recorded: Option<Recorded>,
    /// The answer's status and the key its JSON goes under; `None`: `204`.
    answer: Option<(u16, &'static str)>,
    /// What follows the JSON in the answer.
    extra: Extra,
    /// The error when the endpoint's statement found or changed nothing.
    missing: ApiError,
}

enum Extra {
    Nothing,
    /// The endpoint's secret, shown once (create, rotate).
    Secret(String),
    /// The delivery log's `nextCursor`, from the statement's `next` column.
    NextCursor,
}

impl Plan {
    fn read(statement: D1PreparedStatement, key: &'static str) -> Self {
        Plan { statements: vec![statement], recorded: None, answer: Some((200, key)), extra: Extra::Nothing, missing: no_such_webhook() }
    }
}

/// Serves one of the webhook endpoints for application `app_id` (`webhook_id`: the path's
/// second id, empty where there is none).
pub async fn serve(endpoint: Endpoint, mut req: Request, env: &Env, app_id: &str, webhook_id: &str, now_ms: i64) -> ApiResult<Response> {
    let (caller, actor) = authenticate_actor(&req, env).await?;
    caller.require_app(app_id)?;
    let body: Value = match endpoint {
        Endpoint::CreateWebhook | Endpoint::PatchWebhook => read_json(&mut req).await?,
        _ => Value::Null,
    };
    let db = database(env)?;
    let current = match endpoint {
        Endpoint::PatchWebhook => {
            let sql = "SELECT url, event_types, description, enabled FROM webhook_endpoints WHERE app_id = ?1 AND id = ?2";
            let found = db.run_batch(vec![prepared(query!(&db, sql, app_id, webhook_id))?]).await.map_err(|e| failed("find webhook", e))?;
            found.first().and_then(|r| r.rows().into_iter().next())
        }
        _ => None,
    };
    let target = Target { db: &db, client: Client::of(&req), app_id, webhook_id, actor: Actor::from_recorded(&actor), now_ms };
    let pairs = request_url::query_pairs(&req);
    let plan = target.plan(endpoint, &body, current, &pairs, &config::hmac_key(env)?)?;
    let mut statements = vec![prepared(query!(&db, "SELECT 1 AS known FROM applications WHERE id = ?1", app_id))?];
    statements.extend(plan.statements);
    let write = plan.recorded.is_some();
    // Whether the application has an enabled endpoint is read with it: a write changes it.
    let results = if write { app_lookup::run_changing_batch(&db, statements).await } else { db.run_batch(statements).await };
    let results = results.map_err(|e| failed("webhooks", e))?;
    let (Some(app), Some(main)) = (results.first(), results.get(1)) else { return Err(ApiError::internal()) };
    if app.rows().is_empty() {
        return Err(ApiError::not_found("no such application"));
    }
    let row = main.rows().into_iter().next();
    if write && main.changes() == 0 {
        return Err(plan.missing);
    }
    let text = match (row.as_ref().and_then(|r| r.opt_text("j")), write) {
        (Some(text), _) => text,
        (None, true) => String::new(),
        (None, false) => return Err(plan.missing),
    };
    if let Some(recorded) = plan.recorded {
        events::committed(env, vec![recorded]).await;
    }
    let extra = match plan.extra {
        Extra::Nothing => String::new(),
        Extra::Secret(secret) => format!(",\"secret\":\"{secret}\""),
        Extra::NextCursor => match row.and_then(|r| r.opt_text("next")) {
            Some(next) => format!(",\"nextCursor\":\"{}\"", base64url::encode(next.as_bytes())),
            None => ",\"nextCursor\":null".to_owned(),
        },
    };
    Ok(match plan.answer {
        None => no_content(),
        Some((status, key)) => json_text(status, format!("{{\"{key}\":{text}{extra}}}")),
    })
}

/// The endpoint (or the application's list) a call is about, and who calls.
struct Target<'a> {
    db: &'a D1Database,
    client: Client,
    app_id: &'a str,
    webhook_id: &'a str,
    actor: Actor,
    now_ms: i64,
}

impl Target<'_> {
    fn plan(&self, endpoint: Endpoint, body: &Value, current: Option<Row>, pairs: &[(String, String)], hmac_key: &[u8]) -> ApiResult<Plan> {
        let (db, app_id, webhook_id) = (self.db, self.app_id, self.webhook_id);
        let new_salt = || random_token(&mut SystemRandom, "", 32).map_err(|_| ApiError::internal());
        let shown = |salt: &str| secret_text(&endpoint_secret(hmac_key, salt));
        Ok(match endpoint {
            Endpoint::CreateWebhook => {
                let fields = EndpointFields::create(body)?;
                let (id, salt) = (random_token(&mut SystemRandom, "whk_", 16).map_err(|_| ApiError::internal())?, new_salt()?);
                let sql = concat!(
                    "INSERT INTO webhook_endpoints (id, app_id, url, event_types, description, enabled, secret_salt, created_at, updated_at)
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8 WHERE EXISTS (SELECT 1 FROM applications WHERE id = ?2)
                       AND (SELECT count(*) FROM webhook_endpoints WHERE app_id = ?2) < ?9
                     RETURNING ",
                    endpoint_json!(),
                    " AS j"
                );
                let types = EndpointFields::event_types_json(&fields.event_types.clone().flatten());
                let description = fields.description.unwrap_or_default();
                let enabled = i64::from(fields.enabled.unwrap_or(true));
                let insert = query!(db, sql, &id, app_id, &fields.url, &types, &description, enabled, &salt, self.now_ms, MAX_ENDPOINTS_PER_APP);
                let limit =
                    ApiError::new(ErrorCode::WebhookLimitReached, format!("an application has at most {MAX_ENDPOINTS_PER_APP} webhook endpoints"));
                Plan {
                    answer: Some((201, "webhook")),
                    extra: Extra::Secret(shown(&salt)),
                    missing: limit,
                    ..self.write(&id, prepared(insert)?, Detail::new().text("action", "created"))?
                }
            }
            Endpoint::ListWebhooks => {
                let sql = concat!(
                    "SELECT json_group_array(json(j)) AS j FROM (SELECT ",
                    endpoint_json!(),
                    " AS j FROM webhook_endpoints WHERE app_id = ?1 ORDER BY created_at, id)"
                );
                Plan::read(prepared(query!(db, sql, app_id))?, "webhooks")
            }
            Endpoint::GetWebhook => {
                let sql = concat!("SELECT ", endpoint_json!(), " AS j FROM webhook_endpoints WHERE app_id = ?1 AND id = ?2");
                Plan::read(prepared(query!(db, sql, app_id, webhook_id))?, "webhook")
            }
            Endpoint::PatchWebhook => self.patch(&EndpointFields::patch(body)?, current.ok_or_else(no_such_webhook)?)?,
            Endpoint::DeleteWebhook => {
                let remove = query!(db, "DELETE FROM webhook_endpoints WHERE app_id = ?1 AND id = ?2", app_id, webhook_id);
                Plan { answer: None, ..self.write(webhook_id, prepared(remove)?, Detail::new().text("action", "deleted"))? }
            }
            Endpoint::RotateWebhookSecret => {
                let salt = new_salt()?;
                let sql = concat!(
                    "UPDATE webhook_endpoints SET secret_salt = ?3, updated_at = ?4 WHERE app_id = ?1 AND id = ?2 RETURNING ",
                    endpoint_json!(),
                    " AS j"
                );
                let update = query!(db, sql, app_id, webhook_id, &salt, self.now_ms);
                Plan {
                    extra: Extra::Secret(shown(&salt)),
                    ..self.write(webhook_id, prepared(update)?, Detail::new().text("action", "secret_rotated"))?
                }
            }
            _ => self.deliveries(&DeliveryQuery::from_pairs(pairs)?)?,
        })
    }

    /// A write of endpoint `id` and its `webhook_endpoint.changed` event (recorded only when the
    /// write changed a row), answered as `{webhook}`.
    fn write(&self, id: &str, statement: D1PreparedStatement, detail: Detail) -> ApiResult<Plan> {
        let event = NewEvent::new(EventType::WebhookEndpointChanged, self.app_id).by(self.actor.clone()).detail(detail.text("webhookId", id));
        let recorded = events::record_if_changed(self.db, &self.client, event, self.now_ms)?;
        Ok(Plan {
            statements: vec![statement, recorded.stmt.clone()],
            recorded: Some(recorded),
            answer: Some((200, "webhook")),
            extra: Extra::Nothing,
            missing: no_such_webhook(),
        })
    }

    /// `PATCH`: the fields given replace `current`'s. A patch that changes nothing writes and
    /// records nothing; disabling an endpoint ends its pending deliveries ("endpoint disabled").
    fn patch(&self, fields: &EndpointFields, current: Row) -> ApiResult<Plan> {
        let (url, types, description) = (current.text("url"), current.opt_text("event_types"), current.text("description"));
        let enabled = current.int("enabled") != 0;
        let next_url = fields.url.clone().unwrap_or_else(|| url.clone());
        let next_types = fields.event_types.as_ref().map_or_else(|| types.clone(), EndpointFields::event_types_json);
        let next_description = fields.description.clone().unwrap_or_else(|| description.clone());
        let next_enabled = fields.enabled.unwrap_or(enabled);
        let changes = [
            ("url", next_url != url),
            ("eventTypes", next_types != types),
            ("description", next_description != description),
            ("enabled", next_enabled != enabled),
        ];
        let changed: Vec<&str> = changes.iter().filter(|(_, differs)| *differs).map(|(name, _)| *name).collect();
        let (db, app_id, webhook_id) = (self.db, self.app_id, self.webhook_id);
        if changed.is_empty() {
            let sql = concat!("SELECT ", endpoint_json!(), " AS j FROM webhook_endpoints WHERE app_id = ?1 AND id = ?2");
            return Ok(Plan::read(prepared(query!(db, sql, app_id, webhook_id))?, "webhook"));
        }
        let sql = concat!(
            "UPDATE webhook_endpoints SET url = ?3, event_types = ?4, description = ?5, enabled = ?6, updated_at = ?7 WHERE app_id = ?1 AND id = ?2 RETURNING ",
            endpoint_json!(),
            " AS j"
        );
        let update = query!(db, sql, app_id, webhook_id, &next_url, &next_types, &next_description, i64::from(next_enabled), self.now_ms);
        let mut plan = self.write(webhook_id, prepared(update)?, Detail::new().text("action", "updated").texts("fields", &changed))?;
        if enabled && !next_enabled {
            let stop = "UPDATE webhook_deliveries SET status = 'failed', last_error = 'endpoint disabled', updated_at = ?2
                        WHERE endpoint_id = (SELECT id FROM webhook_endpoints WHERE app_id = ?3 AND id = ?1) AND status = 'pending'";
            plan.statements.push(prepared(query!(db, stop, webhook_id, self.now_ms, app_id))?);
        }
        Ok(plan)
    }

    /// `GET .../deliveries`: a page of the log, newest first, and the next page's cursor (the
    /// `<at>.<eventId>` of its last entry, when there is a next page), both made by SQLite.
    fn deliveries(&self, q: &DeliveryQuery) -> ApiResult<Plan> {
        let (cursor_at, cursor_id) = q.cursor.as_ref().map_or((None, None), |c| (Some(c.at_ms), Some(c.id.as_str())));
        let sql = concat!(
            "WITH rows AS (
               SELECT d.created_at AS at, d.event_id AS id,
                 json_object('eventId', d.event_id, 'eventType', e.type, 'status', d.status, 'attempts', d.attempts,
                   'lastStatus', d.last_status, 'lastError', d.last_error, 'createdAt', ",
            sql_time!("d.created_at"),
            ", 'updatedAt', ",
            sql_time!("d.updated_at"),
            ") AS j
               FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
               WHERE d.endpoint_id = ?2 AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE app_id = ?1 AND id = ?2)
                 AND (?3 IS NULL OR d.status = ?3) AND (?4 IS NULL OR d.created_at < ?4 OR (d.created_at = ?4 AND d.event_id < ?5))
               ORDER BY d.created_at DESC, d.event_id DESC LIMIT ?6 + 1),
             page AS (SELECT at, id, j, row_number() OVER (ORDER BY at DESC, id DESC) AS n FROM rows)
             SELECT (SELECT json_group_array(json(j)) FROM (SELECT j FROM page WHERE n <= ?6 ORDER BY n)) AS j,
               (SELECT p.at || '.' || p.id FROM page p WHERE p.n = ?6 AND EXISTS (SELECT 1 FROM page WHERE n > ?6)) AS next
             FROM webhook_endpoints WHERE app_id = ?1 AND id = ?2"
        );
        let list = query!(self.db, sql, self.app_id, self.webhook_id, &q.status, &cursor_at, &cursor_id, q.limit);
        Ok(Plan { extra: Extra::NextCursor, ..Plan::read(prepared(list)?, "deliveries") })
    }
}
