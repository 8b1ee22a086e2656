//! Reading the audit trail from D1: one page of an application's events, newest first, by the
//! keyset (`at`, `id`) that the `events_app_at` index orders. SQLite builds the events' JSON
//! (the API's form, docs/API.md "Audit events") and the page's array: the Worker reads one
//! text, not rows.

use serde_json::Value;
use worker::D1Database;

use crate::contract::time_format::parse_rfc3339;
use crate::edge::platform::db::{failed, query, D1Read};
use crate::edge::platform::http::ApiResult;
use crate::events::list::{Cursor, EventQuery};

/// The SQL expression of event `e`'s JSON as the API shows it (`e` is an `events` row): the events
/// list and the webhook deliveries send the same object.
macro_rules! event_json {
    () => {
        concat!(
            "json_object('id', e.id, 'type', e.type, 'appId', e.app_id, 'userId', e.user_id, 'passkeyId', e.passkey_id,
               'sessionId', e.session_id, 'actor', e.actor, 'ip', e.ip, 'userAgent', e.user_agent, 'detail', json(e.detail), 'createdAt', ",
            $crate::edge::platform::db::sql_time!("e.at"),
            ")"
        )
    };
}
pub(crate) use event_json;

/// A page of `app_id`'s events matching `query`: the events as the API shows them, and the
/// cursor of the next page (`None` on the last).
pub async fn page(db: &D1Database, app_id: &str, query: &EventQuery) -> ApiResult<(Vec<Value>, Option<String>)> {
    let doing = "list events";
    let (cursor_at, cursor_id) = match &query.cursor {
        Some(Cursor { at_ms, id }) => (Some(*at_ms), Some(id.as_str())),
        None => (None, None),
    };
    let list: Option<String> = query!(
        db,
        concat!(
            "SELECT json_group_array(json(j)) AS list FROM (SELECT ",
            event_json!(),
            " AS j FROM events e
           WHERE app_id = ?1 AND (?2 IS NULL OR user_id = ?2) AND (?3 IS NULL OR type = ?3) AND (?4 IS NULL OR at >= ?4)
             AND (?5 IS NULL OR at < ?5 OR (at = ?5 AND id < ?6))
           ORDER BY at DESC, id DESC LIMIT ?7)"
        ),
        app_id,
        &query.user_id,
        &query.kind.map(|k| k.as_str()),
        &query.since_ms,
        &cursor_at,
        &cursor_id,
        query.limit + 1,
    )
    .map_err(|e| failed(doing, e))?
    .first_text("list")
    .await
    .map_err(|e| failed(doing, e))?;
    let mut events = match list.map(|text| serde_json::from_str(&text)) {
        Some(Ok(Value::Array(events))) => events,
        _ => Vec::new(),
    };
    let limit = query.limit as usize;
    let mut next = None;
    if events.len() > limit {
        events.truncate(limit);
        let last = &events[limit - 1];
        let at_ms = last["createdAt"].as_str().and_then(parse_rfc3339);
        next = at_ms.zip(last["id"].as_str()).map(|(at_ms, id)| Cursor { at_ms, id: id.to_owned() }.encode());
    }
    Ok((events, next))
}
