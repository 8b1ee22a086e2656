//! Application API keys: made once, shown once, stored only as keyed hashes in `api_keys`.
//! A key is valid until revoked, or until the end of the grace period a rotation gave it
//! (`expires_at`); every creation, rotation and revocation is recorded in `api_key_events`.

use serde_json::{json, Value};
use worker::{D1Database, D1PreparedStatement};

use crate::contract::error::ApiError;
use crate::contract::time_format::rfc3339_utc;
use crate::edge::platform::db::{self, failed, query, read_all, read_one, D1Read};
use crate::edge::platform::http::ApiResult;
use crate::tokens::secrets::{keyed_hash, random_token, SystemRandom};

const KEY_PREFIX: &str = "azk_";
/// How much of a key is kept in clear to tell keys apart (the prefix and 8 random characters).
const SHOWN_CHARS: usize = KEY_PREFIX.len() + 8;
const HASH_PURPOSE: &str = "api-key";

/// A new key: the key itself (for the caller, once), its public id and the statement that
/// stores its hash.
pub struct NewApiKey {
    pub key: String,
    pub id: String,
    pub insert: D1PreparedStatement,
}

/// A fresh key for `app_id`; the statement is meant to run in the batch that creates the app
/// (or rotates its keys).
pub fn new_key(db: &D1Database, hmac_key: &[u8], app_id: &str, now_ms: i64) -> ApiResult<NewApiKey> {
    let key = random_token(&mut SystemRandom, KEY_PREFIX, 32).map_err(|_| ApiError::internal())?;
    let id = random_token(&mut SystemRandom, "key_", 12).map_err(|_| ApiError::internal())?;
    let hash = keyed_hash(hmac_key, HASH_PURPOSE, &key);
    let shown: String = key.chars().take(SHOWN_CHARS).collect();
    let insert =
        query!(db, "INSERT INTO api_keys (key_hash, app_id, prefix, created_at, id) VALUES (?1, ?2, ?3, ?4, ?5)", &hash, app_id, &shown, now_ms, &id)
            .map_err(|e| failed("prepare api key insert", e))?;
    Ok(NewApiKey { key, id, insert })
}

/// A key that is valid: its application and its id.
pub struct KeyOwner {
    pub app_id: String,
    pub key_id: String,
}

/// The application and id of `key` when it is valid at `now_ms` (not revoked, not past the end
/// of a rotation's grace period).
pub async fn app_of_key(db: &D1Database, hmac_key: &[u8], key: &str, now_ms: i64) -> ApiResult<Option<KeyOwner>> {
    let hash = keyed_hash(hmac_key, HASH_PURPOSE, key);
    struct Row {
        app_id: String,
        id: String,
    }

    fn from_row(r: &db::Row) -> Row {
        Row { app_id: r.text("app_id"), id: r.text("id") }
    }
    let row = query!(
        db,
        "SELECT app_id, id FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?2)",
        &hash,
        now_ms
    )
    .map_err(|e| failed("prepare api key lookup", e))?
    .first_row()
    .await
    .map_err(|e| failed("look up api key", e))?;
    Ok(read_one(row, from_row, "look up api key")?.map(|r| KeyOwner { app_id: r.app_id, key_id: r.id }))
}

/// What was done to a key, as recorded.
#[derive(Clone, Copy)]
pub enum Action {
    Created,
    Rotated,
    Revoked,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Rotated => "rotated",
            Self::Revoked => "revoked",
        }
    }
}

/// The record of `action` on key `key_id` of `app_id` by `actor` (for the batch that does it).
pub fn event_stmt(
    db: &D1Database,
    app_id: &str,
    key_id: &str,
    action: Action,
    actor: &str,
    detail: Option<&Value>,
    now_ms: i64,
) -> ApiResult<D1PreparedStatement> {
    let id = random_token(&mut SystemRandom, "kev_", 12).map_err(|_| ApiError::internal())?;
    let detail = detail.map(Value::to_string);
    query!(
        db,
        "INSERT INTO api_key_events (id, app_id, key_id, action, actor, detail, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &id,
        app_id,
        key_id,
        action.as_str(),
        actor,
        &detail,
        now_ms
    )
    .map_err(|e| failed("prepare api key event insert", e))
}

/// Ends, at `until_ms`, every key of `app_id` but `keep_id` that is valid past then (for the
/// rotation's batch); a key that already ends sooner keeps its end.
pub fn retire_others_stmt(db: &D1Database, app_id: &str, keep_id: &str, until_ms: i64) -> ApiResult<D1PreparedStatement> {
    query!(
        db,
        "UPDATE api_keys SET expires_at = ?3
         WHERE app_id = ?1 AND id IS NOT ?2 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?3)",
        app_id,
        keep_id,
        until_ms
    )
    .map_err(|e| failed("prepare api keys retire", e))
}

/// Revokes key `key_id` of `app_id` now (for a batch); revoking a revoked key changes nothing.
pub fn revoke_stmt(db: &D1Database, app_id: &str, key_id: &str, now_ms: i64) -> ApiResult<D1PreparedStatement> {
    query!(db, "UPDATE api_keys SET revoked_at = ?3 WHERE app_id = ?1 AND id = ?2 AND revoked_at IS NULL", app_id, key_id, now_ms)
        .map_err(|e| failed("prepare api key revoke", e))
}

/// The keys of `app_id` (never their hashes), oldest first, as the API shows them at `now_ms`.
pub async fn list(db: &D1Database, app_id: &str, now_ms: i64) -> ApiResult<Vec<Value>> {
    struct Row {
        id: String,
        prefix: String,
        created_at: i64,
        expires_at: Option<i64>,
        revoked_at: Option<i64>,
    }

    fn from_row(r: &db::Row) -> Row {
        Row {
            id: r.text("id"),
            prefix: r.text("prefix"),
            created_at: r.int("created_at"),
            expires_at: r.opt_int("expires_at"),
            revoked_at: r.opt_int("revoked_at"),
        }
    }
    let rows = query!(db, "SELECT id, prefix, created_at, expires_at, revoked_at FROM api_keys WHERE app_id = ?1 ORDER BY created_at, id", app_id)
        .map_err(|e| failed("prepare api key list", e))?
        .all_rows()
        .await
        .map_err(|e| failed("list api keys", e))?;
    Ok(read_all(rows, from_row, "list api keys")?
        .into_iter()
        .map(|r| {
            let active = r.revoked_at.is_none() && r.expires_at.is_none_or(|t| t > now_ms);
            json!({
                "id": r.id,
                "prefix": r.prefix,
                "createdAt": rfc3339_utc(r.created_at),
                "expiresAt": r.expires_at.map(rfc3339_utc),
                "revokedAt": r.revoked_at.map(rfc3339_utc),
                "active": active,
            })
        })
        .collect())
}

/// The recorded events of `app_id`'s keys, oldest first.
pub async fn events(db: &D1Database, app_id: &str) -> ApiResult<Vec<Value>> {
    struct Row {
        key_id: String,
        action: String,
        actor: String,
        detail: Option<String>,
        at: i64,
    }

    fn from_row(r: &db::Row) -> Row {
        Row { key_id: r.text("key_id"), action: r.text("action"), actor: r.text("actor"), detail: r.opt_text("detail"), at: r.int("at") }
    }
    let rows = query!(db, "SELECT key_id, action, actor, detail, at FROM api_key_events WHERE app_id = ?1 ORDER BY at, rowid", app_id)
        .map_err(|e| failed("prepare api key events", e))?
        .all_rows()
        .await
        .map_err(|e| failed("list api key events", e))?;
    Ok(read_all(rows, from_row, "list api key events")?
        .into_iter()
        .map(|r| {
            let detail = r.detail.and_then(|d| serde_json::from_str::<Value>(&d).ok()).unwrap_or(Value::Null);
            json!({ "keyId": r.key_id, "action": r.action, "actor": r.actor, "at": rfc3339_utc(r.at), "detail": detail })
        })
        .collect())
}
