//! The queue consumer (wrangler.toml `[[queues.consumers]]`, in this Worker): each message names
//! committed events; their pending deliveries (written by the events' trigger) are signed in the
//! Standard Webhooks format and POSTed, each outcome written to the delivery log in one batch.
//! A message with a failed delivery is retried after the backoff of `crate::webhooks::retry`
//! (the delivered ones are not sent again); past the queue's `max_retries` it lands on the
//! dead-letter queue, whose batches (same consumer) mark what is still pending `failed`.

use js_sys::futures::JsFuture;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::{console_error, console_log, web_sys, D1Database, D1PreparedStatement, Env};

use crate::edge::events::queries::event_json;
use crate::edge::platform::db::{database, error_text, failed, query, sql_time, D1Batch, D1Read, Row};
use crate::edge::platform::http::ApiResult;
use crate::edge::platform::queue::MessageBatch;
use crate::edge::platform::{config, outgoing};
use crate::webhooks::signature::{endpoint_secret, signature};

/// A batch from a queue whose name ends so is the dead-letter queue's (wrangler.toml).
const DEAD_LETTER_SUFFIX: &str = "-dlq";
/// How long a receiver has to answer.
const TIMEOUT_MS: u32 = 10_000;
/// Event ids read from one message.
const MAX_IDS: usize = 100;

/// The `queue` handler the runtime calls with each batch.
#[wasm_bindgen(js_name = queue, wasm_bindgen_futures = ::worker::wasm_bindgen_futures)]
pub async fn queue_batch(batch: MessageBatch, env: Env, _ctx: JsValue) -> Result<JsValue, JsValue> {
    let dead = batch.queue().ends_with(DEAD_LETTER_SUFFIX);
    let schedule = config::webhook_retry_schedule(&env);
    for message in batch.each() {
        let text = message.body().as_string().unwrap_or_default();
        let ids: Vec<&str> = text.split(' ').filter(|id| is_event_id(id)).take(MAX_IDS).collect();
        let now_ms = js_sys::Date::now() as i64;
        let list = format!("[\"{}\"]", ids.join("\",\""));
        let outcome = match database(&env) {
            Ok(db) if dead => give_up(&db, &list, now_ms).await.map(|()| true),
            Ok(db) => deliver(&env, &db, &list, now_ms).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(true) => message.ack(),
            _ => message.retry_after(schedule.delay_after(message.attempts() as u32)),
        }
    }
    Ok(JsValue::UNDEFINED)
}

/// `evt_` and base64url, as `events::record` makes them (the list goes into SQL as JSON).
fn is_event_id(id: &str) -> bool {
    id.starts_with("evt_") && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Tries every pending delivery of the events in `list` (a JSON array of ids) once; answers
/// whether all of them were delivered.
async fn deliver(env: &Env, db: &D1Database, list: &str, now_ms: i64) -> ApiResult<bool> {
    let sql = concat!(
        "SELECT d.endpoint_id AS endpoint, d.event_id AS event, w.url AS url, w.secret_salt AS salt,
           json_object('type', e.type, 'timestamp', ",
        sql_time!("e.at"),
        ", 'data', ",
        event_json!(),
        ") AS body
         FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id JOIN events e ON e.id = d.event_id
         WHERE d.event_id IN (SELECT value FROM json_each(?1)) AND d.status = 'pending' AND w.enabled = 1"
    );
    let rows = query!(db, sql, list).map_err(|e| failed("prepare deliveries", e))?.all_rows().await.map_err(|e| failed("read deliveries", e))?;
    if rows.is_empty() {
        return Ok(true);
    }
    let key = config::hmac_key(env)?;
    let mut all_delivered = true;
    let mut updates = Vec::with_capacity(rows.len());
    for row in rows {
        let outcome = match signed_request(&row, &key) {
            Some(request) => post(request).await,
            None => Err("not a URL".to_owned()),
        };
        all_delivered &= matches!(outcome, Ok(200..=299));
        updates.push(logged(db, &row, outcome, now_ms)?);
    }
    db.run_batch(updates).await.map_err(|e| failed("log deliveries", e))?;
    Ok(all_delivered)
}

/// The delivery `row` as a signed `POST`, timestamped now (`None`: its URL is not one).
fn signed_request(row: &Row, key: &[u8]) -> Option<web_sys::Request> {
    let (event, body) = (row.text("event"), row.text("body"));
    let timestamp = js_sys::Date::now() as i64 / 1000;
    let signed = signature(&endpoint_secret(key, &row.text("salt")), &event, timestamp as u64, &body);
    let headers = [
        ("content-type", "application/json"),
        ("user-agent", "Authaz-Webhooks/1"),
        ("webhook-id", event.as_str()),
        ("webhook-timestamp", &timestamp.to_string()),
        ("webhook-signature", signed.as_str()),
    ];
    outgoing::request_within("POST", &row.text("url"), &headers, Some(&body), TIMEOUT_MS)
}

/// The receiver's HTTP status (a redirect is not followed: it is a status like any other that is
/// not 2xx), or why there was none.
async fn post(request: web_sys::Request) -> Result<u16, String> {
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    match JsFuture::from(scope.fetch_with_request(&request)).await {
        Ok(answer) => {
            let answer = answer.unchecked_into::<web_sys::Response>();
            // The body is not read: cancelled, so that its connection is let go at once.
            if let Some(body) = answer.body() {
                let _ = body.cancel();
            }
            Ok(answer.status())
        }
        Err(e) => Err(error_text(&e).chars().take(200).collect()),
    }
}

/// The log's update for the attempt `outcome` of delivery `row`.
fn logged(db: &D1Database, row: &Row, outcome: Result<u16, String>, now_ms: i64) -> ApiResult<D1PreparedStatement> {
    let (endpoint, event) = (row.text("endpoint"), row.text("event"));
    let (state, status, error) = match outcome {
        Ok(code @ 200..=299) => ("delivered", Some(i64::from(code)), None),
        Ok(code) => ("pending", Some(i64::from(code)), Some(format!("HTTP {code}"))),
        Err(why) => ("pending", None, Some(why)),
    };
    if let Some(why) = &error {
        console_error!("webhooks: delivery of {event} to {endpoint} failed: {why}");
    }
    query!(
        db,
        "UPDATE webhook_deliveries SET status = ?3, attempts = attempts + 1, last_status = ?4, last_error = ?5, updated_at = ?6
         WHERE endpoint_id = ?1 AND event_id = ?2 AND status = 'pending'",
        &endpoint,
        &event,
        state,
        &status,
        &error,
        now_ms,
    )
    .map_err(|e| failed("prepare delivery update", e))
}

/// The dead-letter queue's part: what is still pending of these events has failed for good.
async fn give_up(db: &D1Database, list: &str, now_ms: i64) -> ApiResult<()> {
    let result = query!(
        db,
        "UPDATE webhook_deliveries SET status = 'failed', updated_at = ?2 WHERE event_id IN (SELECT value FROM json_each(?1)) AND status = 'pending'",
        list,
        now_ms,
    )
    .map_err(|e| failed("prepare deliveries give-up", e))?
    .execute()
    .await
    .map_err(|e| failed("give up deliveries", e))?;
    console_log!("webhooks: {} delivery(ies) failed for good", result.changes());
    Ok(())
}
