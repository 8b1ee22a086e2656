//! Application API keys: made once, shown once, stored only as keyed hashes in `api_keys`.

use worker::{query, D1Database, D1PreparedStatement};

use crate::edge::platform::db::failed;
use crate::edge::platform::http::ApiResult;
use crate::contract::error::ApiError;
use crate::tokens::secrets::{keyed_hash, random_token, SystemRandom};

const KEY_PREFIX: &str = "azk_";
/// How much of a key is kept in clear to tell keys apart (the prefix and 8 random characters).
const SHOWN_CHARS: usize = KEY_PREFIX.len() + 8;
const HASH_PURPOSE: &str = "api-key";

/// A new key: the key itself (for the caller, once) and the statement that stores its hash.
pub struct NewApiKey {
    pub key: String,
    pub insert: D1PreparedStatement,
}

/// A fresh key for `app_id`; the statement is meant to run in the batch that creates the app.
pub fn new_key(db: &D1Database, hmac_key: &[u8], app_id: &str, now_ms: i64) -> ApiResult<NewApiKey> {
    let key = random_token(&mut SystemRandom, KEY_PREFIX, 32).map_err(|_| ApiError::internal())?;
    let hash = keyed_hash(hmac_key, HASH_PURPOSE, &key);
    let shown: String = key.chars().take(SHOWN_CHARS).collect();
    let insert = query!(
        db,
        "INSERT INTO api_keys (key_hash, app_id, prefix, created_at) VALUES (?1, ?2, ?3, ?4)",
        &hash,
        app_id,
        &shown,
        now_ms
    )
    .map_err(|e| failed("prepare api key insert", e))?;
    Ok(NewApiKey { key, insert })
}

/// The application a (not revoked) key belongs to.
pub async fn app_of_key(db: &D1Database, hmac_key: &[u8], key: &str) -> ApiResult<Option<String>> {
    let hash = keyed_hash(hmac_key, HASH_PURPOSE, key);
    query!(db, "SELECT app_id FROM api_keys WHERE key_hash = ?1 AND revoked_at IS NULL", &hash)
        .map_err(|e| failed("prepare api key lookup", e))?
        .first::<String>(Some("app_id"))
        .await
        .map_err(|e| failed("look up api key", e))
}
