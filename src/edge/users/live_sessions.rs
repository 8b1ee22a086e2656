//! A user's live sessions (neither revoked nor expired) as the admin API and the account list
//! them, ending them, and the reauthentication a session's `purpose` proves.

use serde_json::{json, Value};
use worker::{D1Database, D1PreparedStatement};

use crate::contract::error::{ApiError, ErrorCode};
use crate::contract::time_format::rfc3339_utc;
use crate::edge::platform::db::{failed, query, read_all, D1Read, Row};
use crate::edge::platform::http::ApiResult;
use crate::edge::sessions::{BearerAuth, REAUTHENTICATION_WINDOW_MS};

/// `sessions.purpose` of a session a `"purpose": "reauth"` login made.
const REAUTH: &str = "reauth";

/// Why sessions ended, as `sessions.revoked_reason` and the `sessions.ended` event say.
pub const ENDED_BY_ADMIN: &str = "ended_by_admin";
pub const ENDED_BY_USER: &str = "ended_by_user";

pub struct LiveSession {
    pub id: String,
    created_at: i64,
    last_refreshed_at: Option<i64>,
    expires_at: i64,
    ip: Option<String>,
    user_agent: Option<String>,
}

impl LiveSession {
    fn from_row(r: &Row) -> Self {
        LiveSession {
            id: r.text("id"),
            created_at: r.int("created_at"),
            last_refreshed_at: r.opt_int("last_refreshed_at"),
            expires_at: r.int("expires_at"),
            ip: r.opt_text("ip"),
            user_agent: r.opt_text("user_agent"),
        }
    }

    /// `{id, createdAt, lastRefreshedAt, expiresAt, ip, userAgent}`.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "createdAt": rfc3339_utc(self.created_at),
            "lastRefreshedAt": self.last_refreshed_at.map(rfc3339_utc),
            "expiresAt": rfc3339_utc(self.expires_at),
            "ip": self.ip,
            "userAgent": self.user_agent,
        })
    }
}

/// The live sessions of `user_id` in `app_id` at `now_ms`, newest first.
pub async fn list(db: &D1Database, app_id: &str, user_id: &str, now_ms: i64) -> ApiResult<Vec<LiveSession>> {
    let doing = "list sessions";
    let rows = query!(
        db,
        "SELECT id, created_at, last_refreshed_at, expires_at, ip, user_agent FROM sessions
         WHERE app_id = ?1 AND user_id = ?2 AND revoked_at IS NULL AND expires_at > ?3 ORDER BY created_at DESC, id",
        app_id,
        user_id,
        now_ms,
    )
    .map_err(|e| failed(doing, e))?
    .all_rows()
    .await
    .map_err(|e| failed(doing, e))?;
    read_all(rows, LiveSession::from_row, doing)
}

/// Ends the live sessions of `user_id` in `app_id`, or only session `only` of them (for a `db.batch`).
pub fn end_stmt(db: &D1Database, app_id: &str, user_id: &str, only: Option<&str>, reason: &str, now_ms: i64) -> ApiResult<D1PreparedStatement> {
    query!(
        db,
        "UPDATE sessions SET revoked_at = ?1, revoked_reason = ?2
         WHERE app_id = ?3 AND user_id = ?4 AND revoked_at IS NULL AND expires_at > ?1 AND (?5 IS NULL OR id = ?5)",
        now_ms,
        reason,
        app_id,
        user_id,
        &only,
    )
    .map_err(|e| failed("prepare sessions end", e))
}

/// Marks session `session_id` as made by a reauthentication (for the login's `db.batch`, after
/// the session's insert).
pub fn mark_reauth_stmt(db: &D1Database, session_id: &str) -> ApiResult<D1PreparedStatement> {
    query!(db, "UPDATE sessions SET purpose = ?1 WHERE id = ?2", REAUTH, session_id).map_err(|e| failed("prepare session purpose", e))
}

/// Refuses, with `401 reauthentication_required`, a Bearer whose session is not one a
/// `"purpose": "reauth"` login made within the last 5 minutes.
pub async fn require_fresh_reauth(db: &D1Database, auth: &BearerAuth, now_ms: i64) -> ApiResult<()> {
    let doing = "read session purpose";
    // NULL and no row alike read as None.
    let purpose = query!(db, "SELECT purpose FROM sessions WHERE id = ?1", &auth.session_id)
        .map_err(|e| failed(doing, e))?
        .first_text("purpose")
        .await
        .map_err(|e| failed(doing, e))?;
    if purpose.as_deref() != Some(REAUTH) || now_ms.saturating_sub(auth.auth_time_ms) > REAUTHENTICATION_WINDOW_MS {
        return Err(ApiError::new(
            ErrorCode::ReauthenticationRequired,
            "this needs a passkey login with `\"purpose\": \"reauth\"` within the last 5 minutes: sign in again that way, then retry with that session",
        ));
    }
    Ok(())
}
