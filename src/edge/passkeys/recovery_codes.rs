//! Recovery codes: 10 single-use codes per user, shown once, stored only as keyed hashes.
//! A new set replaces the old one entirely (codes of the old set become unknown).

use worker::{D1Database, D1PreparedStatement};

use crate::contract::error::ApiError;
use crate::edge::platform::db::{self, changes, failed, query, read_all, D1Read};
use crate::edge::platform::http::ApiResult;
use crate::tokens::secrets::{constant_time_eq, keyed_hash, normalize_recovery_code, recovery_code, SystemRandom};

/// How many codes a set holds.
pub const SET_SIZE: usize = 10;
/// The purpose under which recovery codes are hashed (`secrets::keyed_hash`).
const HASH_PURPOSE: &str = "recovery-code";

/// A fresh set for `user_id`: the codes in plain text (to show once) and the two statements that
/// replace the user's old set with it (for a `db.batch`; the new hashes go in as one JSON array).
pub fn new_set(db: &D1Database, hmac_key: &[u8], user_id: &str, now_ms: i64) -> ApiResult<(Vec<String>, Vec<D1PreparedStatement>)> {
    let mut codes = Vec::with_capacity(SET_SIZE);
    let mut hashes = Vec::with_capacity(SET_SIZE);
    for _ in 0..SET_SIZE {
        let code = recovery_code(&mut SystemRandom).map_err(|_| ApiError::internal())?;
        hashes.push(keyed_hash(hmac_key, HASH_PURPOSE, &code));
        codes.push(code);
    }
    let hashes = serde_json::to_string(&hashes).map_err(|_| ApiError::internal())?;
    let statements = vec![
        query!(db, "DELETE FROM recovery_codes WHERE user_id = ?1", user_id).map_err(|e| failed("prepare recovery code delete", e))?,
        query!(db, "INSERT INTO recovery_codes (code_hash, user_id, created_at) SELECT value, ?2, ?3 FROM json_each(?1)", &hashes, user_id, now_ms)
            .map_err(|e| failed("prepare recovery code insert", e))?,
    ];
    Ok((codes, statements))
}

/// The hash of `code` if it is one of `user_id`'s unused recovery codes. Input in any case, with
/// or without dashes and spaces; anything that cannot be a code is simply not found.
pub async fn find_unused(db: &D1Database, hmac_key: &[u8], user_id: &str, code: &str) -> ApiResult<Option<String>> {
    let Some(code) = normalize_recovery_code(code) else {
        return Ok(None);
    };
    let wanted = keyed_hash(hmac_key, HASH_PURPOSE, &code);
    struct Row {
        code_hash: String,
    }

    fn from_row(r: &db::Row) -> Row {
        Row { code_hash: r.text("code_hash") }
    }
    let stmt = query!(db, "SELECT code_hash FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL", user_id)
        .map_err(|e| failed("list recovery codes", e))?;
    let rows = stmt.all_rows().await.map_err(|e| failed("list recovery codes", e))?;
    let rows = read_all(rows, from_row, "list recovery codes")?;
    // Every unused code is compared, in constant time, whether or not an earlier one matched.
    let mut found = None;
    for row in rows {
        if constant_time_eq(row.code_hash.as_bytes(), wanted.as_bytes()) {
            found = Some(row.code_hash);
        }
    }
    Ok(found)
}

/// Burns every unused recovery code of `user_id` (for the operator reset's `db.batch`).
pub fn burn_all_for_user_stmt(db: &D1Database, user_id: &str, now_ms: i64) -> ApiResult<D1PreparedStatement> {
    query!(db, "UPDATE recovery_codes SET used_at = ?1 WHERE user_id = ?2 AND used_at IS NULL", now_ms, user_id)
        .map_err(|e| failed("prepare recovery codes burn", e))
}

/// Marks the code with this hash used, answering whether this call did: of two requests racing
/// with one code, exactly one claims it.
pub async fn claim(db: &D1Database, code_hash: &str, now_ms: i64) -> ApiResult<bool> {
    let result = query!(db, "UPDATE recovery_codes SET used_at = ?1 WHERE code_hash = ?2 AND used_at IS NULL", now_ms, code_hash)
        .map_err(|e| failed("prepare recovery code claim", e))?
        .execute()
        .await
        .map_err(|e| failed("claim recovery code", e))?;
    Ok(changes(&result) == 1)
}

/// Gives back a code claimed at `now_ms` whose purchase could not be stored.
pub async fn release(db: &D1Database, code_hash: &str, now_ms: i64) -> ApiResult<()> {
    query!(db, "UPDATE recovery_codes SET used_at = NULL WHERE code_hash = ?1 AND used_at = ?2", code_hash, now_ms)
        .map_err(|e| failed("prepare recovery code release", e))?
        .execute()
        .await
        .map_err(|e| failed("release recovery code", e))?;
    Ok(())
}
