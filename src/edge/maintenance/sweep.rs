//! Deletes expired rows, in bounded batches: expired sessions (with their refresh tokens),
//! expired refresh tokens, email verifications whose code and token have both expired, expired
//! hand-off codes, email-change codes, expired OpenID Connect requests and codes, and audit events
//! older than their application's `eventRetentionDays` (their webhook deliveries with them); it
//! marks `failed` the webhook deliveries still pending 3 days after their event. Nothing live is
//! touched: every statement selects by an expiry (or an age) before `now`.
//!
//! Each statement deletes at most `BATCH_ROWS` rows; a table is swept again, up to `MAX_ROUNDS`
//! times per run, only while its last round was full. A backlog larger than that waits for the
//! next run. Running twice (or concurrently) is harmless: a row is deleted once.

use worker::{console_error, console_log, D1Database, Env};

use crate::edge::platform::db::{changes, database, failed, query, D1Read};
use crate::edge::platform::http::ApiResult;

/// The schedule this sweep runs on (wrangler.toml `[triggers] crons`): hourly.
pub const CRON: &str = "17 * * * *";
/// Rows one statement deletes at most.
pub const BATCH_ROWS: i64 = 500;
/// Statements per table and run at most.
pub const MAX_ROUNDS: usize = 4;

/// What a sweep deletes from one table: a `DELETE` whose `?1` is now and `?2` the batch size.
struct Target {
    table: &'static str,
    sql: &'static str,
}

const TARGETS: &[Target] = &[
    Target {
        // Not a delete: webhook deliveries still pending 3 days after their event (past the whole
        // retry schedule, about 28 hours, when a dead-letter message was lost) have failed.
        table: "webhook_deliveries_given_up",
        sql: "UPDATE webhook_deliveries SET status = 'failed', updated_at = ?1 WHERE rowid IN
                (SELECT rowid FROM webhook_deliveries WHERE status = 'pending' AND created_at < ?1 - 259200000 LIMIT ?2)",
    },
    Target {
        table: "refresh_tokens",
        sql: "DELETE FROM refresh_tokens WHERE token_hash IN
                (SELECT token_hash FROM refresh_tokens WHERE expires_at <= ?1 LIMIT ?2)",
    },
    Target {
        // Their refresh tokens go with them (ON DELETE CASCADE; they expire with the session anyway).
        table: "sessions",
        sql: "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at <= ?1 LIMIT ?2)",
    },
    Target {
        table: "email_verifications",
        sql: "DELETE FROM email_verifications WHERE id IN
                (SELECT id FROM email_verifications
                 WHERE expires_at <= ?1 AND (token_expires_at IS NULL OR token_expires_at <= ?1) LIMIT ?2)",
    },
    Target { table: "email_changes", sql: "DELETE FROM email_changes WHERE id IN (SELECT id FROM email_changes WHERE expires_at <= ?1 LIMIT ?2)" },
    Target {
        table: "authorization_codes",
        sql: "DELETE FROM authorization_codes WHERE code_hash IN
                (SELECT code_hash FROM authorization_codes WHERE expires_at <= ?1 LIMIT ?2)",
    },
    Target {
        table: "oidc_requests",
        sql: "DELETE FROM oidc_requests WHERE handle_hash IN
                (SELECT handle_hash FROM oidc_requests WHERE expires_at <= ?1 LIMIT ?2)",
    },
    Target {
        table: "oidc_codes",
        sql: "DELETE FROM oidc_codes WHERE code_hash IN (SELECT code_hash FROM oidc_codes WHERE expires_at <= ?1 LIMIT ?2)",
    },
    Target {
        // Each application's own retention (`eventRetentionDays`, days of 86 400 000 ms).
        table: "events",
        sql: "DELETE FROM events WHERE id IN
                (SELECT e.id FROM events e JOIN applications a ON a.id = e.app_id
                 WHERE e.at < ?1 - a.event_retention_days * 86400000 LIMIT ?2)",
    },
];

/// One sweep at `now_ms`; logs what it deleted, and any failure (a failed table does not stop
/// the others).
pub async fn run(env: &Env, now_ms: i64) {
    let db = match database(env) {
        Ok(db) => db,
        Err(_) => return,
    };
    let mut report = Vec::with_capacity(TARGETS.len());
    for target in TARGETS {
        match sweep_table(&db, target, now_ms).await {
            Ok(deleted) => report.push(format!("{}={deleted}", target.table)),
            Err(_) => console_error!("sweep: {} failed", target.table),
        }
    }
    console_log!("sweep: deleted {}", report.join(" "));
    // Webhook deliveries whose announcement was lost (a failed queue send, a stale application
    // flag) are announced again.
    match crate::edge::webhooks::announce::unattempted(env, &db, now_ms).await {
        Ok(0) => {}
        Ok(n) => console_log!("sweep: announced {n} event(s) with unattempted webhook deliveries again"),
        Err(_) => console_error!("sweep: announcing unattempted webhook deliveries failed"),
    }
}

async fn sweep_table(db: &D1Database, target: &Target, now_ms: i64) -> ApiResult<usize> {
    let mut deleted = 0;
    for _ in 0..MAX_ROUNDS {
        let result =
            query!(db, target.sql, now_ms, BATCH_ROWS).map_err(|e| failed("prepare sweep", e))?.execute().await.map_err(|e| failed("sweep", e))?;
        let round = changes(&result);
        deleted += round;
        if (round as i64) < BATCH_ROWS {
            break;
        }
    }
    Ok(deleted)
}
