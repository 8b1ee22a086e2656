//! Reading the audit trail from D1: one page of an application's events, newest first, by the
//! keyset (`at`, `id`) that the `events_app_*_at` indexes order.

use serde::Deserialize;
use serde_json::Value;
use wasm_bindgen::JsValue;
use worker::D1Database;

use super::record::{event_json, Client};
use crate::edge::platform::db::failed;
use crate::edge::platform::http::ApiResult;
use crate::events::list::{Cursor, EventQuery};

#[derive(Deserialize)]
struct Row {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    app_id: String,
    user_id: Option<String>,
    passkey_id: Option<String>,
    session_id: Option<String>,
    actor: String,
    ip: Option<String>,
    user_agent: Option<String>,
    detail: String,
    at: i64,
}

/// A page of `app_id`'s events matching `query`: the events as the API shows them, and the
/// cursor of the next page (`None` on the last).
pub async fn page(db: &D1Database, app_id: &str, query: &EventQuery) -> ApiResult<(Vec<Value>, Option<String>)> {
    let mut sql =
        String::from("SELECT id, type, app_id, user_id, passkey_id, session_id, actor, ip, user_agent, detail, at FROM events WHERE app_id = ?1");
    let mut values = vec![JsValue::from_str(app_id)];
    // Each `#` of a clause is the placeholder of its value.
    let mut add = |sql: &mut String, clause: &str, value: JsValue| {
        values.push(value);
        sql.push_str(&clause.replace('#', &format!("?{}", values.len())));
    };
    if let Some(user) = &query.user_id {
        add(&mut sql, " AND user_id = #", JsValue::from_str(user));
    }
    if let Some(kind) = query.kind {
        add(&mut sql, " AND type = #", JsValue::from_str(kind.as_str()));
    }
    if let Some(since) = query.since_ms {
        add(&mut sql, " AND at >= #", JsValue::from_f64(since as f64));
    }
    if let Some(Cursor { at_ms, id }) = &query.cursor {
        add(&mut sql, " AND (at < # OR (at = #", JsValue::from_f64(*at_ms as f64));
        add(&mut sql, " AND id < #))", JsValue::from_str(id));
    }
    add(&mut sql, " ORDER BY at DESC, id DESC LIMIT #", JsValue::from_f64(f64::from(query.limit + 1)));
    let doing = "list events";
    let rows: Vec<Row> =
        db.prepare(&sql).bind(&values).map_err(|e| failed(doing, e))?.all().await.and_then(|r| r.results()).map_err(|e| failed(doing, e))?;
    let more = rows.len() > query.limit as usize;
    let rows = &rows[..rows.len().min(query.limit as usize)];
    let next = if more { rows.last().map(|r| Cursor { at_ms: r.at, id: r.id.clone() }.encode()) } else { None };
    let events = rows
        .iter()
        .map(|r| {
            let client = Client { ip: r.ip.clone(), user_agent: r.user_agent.clone() };
            let detail = serde_json::from_str(&r.detail).unwrap_or(Value::Object(serde_json::Map::new()));
            event_json(
                &r.id,
                &r.kind,
                &r.app_id,
                r.user_id.as_deref(),
                r.passkey_id.as_deref(),
                r.session_id.as_deref(),
                &r.actor,
                &client,
                detail,
                r.at,
            )
        })
        .collect();
    Ok((events, next))
}
