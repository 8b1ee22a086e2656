//! The queue producer: once the D1 batch that wrote events committed (`events::committed`), one
//! message names them (their ids, space separated) on the `WEBHOOKS` queue; the consumer reads
//! their deliveries from D1. A failed send loses nothing: the deliveries are in D1, and the hourly
//! sweep announces again every event whose deliveries were never attempted ([`unattempted`]).

use worker::{console_error, D1Database, Env};

use crate::edge::platform::db::{failed, query, D1Read};
use crate::edge::platform::http::ApiResult;
use crate::edge::platform::queue::send_text;

/// The producer binding (wrangler.toml `[[queues.producers]]`).
pub const QUEUE: &str = "WEBHOOKS";
/// How long a delivery waits unattempted before the sweep announces its event again.
const UNATTEMPTED_MS: i64 = 10 * 60 * 1000;
/// Events announced again per sweep, and per message (a message's deliveries are POSTed one
/// after another by one consumer invocation, within its time and subrequest limits).
const AGAIN_PER_SWEEP: i64 = 100;
const AGAIN_PER_MESSAGE: usize = 5;

/// Announces the committed events `ids` (none: nothing is sent).
pub async fn events(env: &Env, ids: &[&str]) {
    if ids.is_empty() {
        return;
    }
    if let Err(why) = send_text(env, QUEUE, &ids.join(" ")).await {
        console_error!("webhooks: announcing {} event(s) failed ({why}); the hourly sweep announces them again", ids.len());
    }
}

/// The sweep's part: announces again the events with a delivery still unattempted 10 minutes
/// after the event; answers how many.
pub async fn unattempted(env: &Env, db: &D1Database, now_ms: i64) -> ApiResult<usize> {
    let ids = query!(
        db,
        "SELECT group_concat(event_id, ' ') AS ids FROM (SELECT DISTINCT event_id FROM webhook_deliveries
         WHERE status = 'pending' AND attempts = 0 AND created_at < ?1 ORDER BY created_at LIMIT ?2)",
        now_ms - UNATTEMPTED_MS,
        AGAIN_PER_SWEEP,
    )
    .map_err(|e| failed("prepare unattempted deliveries", e))?
    .first_text("ids")
    .await
    .map_err(|e| failed("find unattempted deliveries", e))?
    .unwrap_or_default();
    let ids: Vec<&str> = ids.split(' ').filter(|id| !id.is_empty()).collect();
    for chunk in ids.chunks(AGAIN_PER_MESSAGE) {
        events(env, chunk).await;
    }
    Ok(ids.len())
}
