//! The `mds_blob` and `mds_entries` tables (migrations/0004_metadata.sql): one indexed read by
//! AAGUID at registration, the summaries of a user's passkeys for the list, and the atomic
//! replacement of everything by a verified BLOB (one D1 batch).

use std::collections::HashMap;

use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::contract::error::ApiError;
use crate::edge::platform::db::{self, failed, query, read_all, read_one, D1Read};
use crate::edge::platform::http::ApiResult;
use crate::metadata::display::AuthenticatorSummary;
use crate::metadata::statement::{icon_acceptable, Authenticator, Payload};

/// Rows per INSERT: 5 bound values each, under D1's 100 bound parameters per statement.
const ROWS_PER_INSERT: usize = 16;

/// The whole stored entry of `aaguid` (hyphenated lowercase), if MDS lists it. One read by
/// primary key.
pub async fn find(db: &D1Database, aaguid: &str) -> ApiResult<Option<Authenticator>> {
    let doing = "find authenticator metadata";
    let row = query!(db, "SELECT entry, icon FROM mds_entries WHERE aaguid = ?1", aaguid)
        .map_err(|e| failed(doing, e))?
        .first_row()
        .await
        .map_err(|e| failed(doing, e))?;
    let Some(row) = read_one(row, entry_row_from_row, doing)? else { return Ok(None) };
    let entry: Authenticator = serde_json::from_str(&row.entry).map_err(|_| corrupt(aaguid))?;
    // The icon has its own column (the list reads it without the entry).
    Ok(Some(Authenticator { icon: row.icon.filter(|i| icon_acceptable(i)), ..entry }))
}

struct EntryRow {
    entry: String,
    icon: Option<String>,
}

fn entry_row_from_row(r: &db::Row) -> EntryRow {
    EntryRow { entry: r.text("entry"), icon: r.opt_text("icon") }
}

struct SummaryRow {
    aaguid: String,
    description: String,
    icon: Option<String>,
    certification: Option<String>,
}

fn summary_row_from_row(r: &db::Row) -> SummaryRow {
    SummaryRow { aaguid: r.text("aaguid"), description: r.text("description"), icon: r.opt_text("icon"), certification: r.opt_text("certification") }
}

/// The summaries of the authenticators of `user_id`'s passkeys, by AAGUID (those MDS lists).
pub async fn summaries_for_user(db: &D1Database, app_id: &str, user_id: &str) -> ApiResult<HashMap<String, AuthenticatorSummary>> {
    let doing = "list authenticator metadata";
    let rows = query!(
        db,
        "SELECT aaguid, description, icon, certification FROM mds_entries
         WHERE aaguid IN (SELECT aaguid FROM credentials WHERE app_id = ?1 AND user_id = ?2)",
        app_id,
        user_id,
    )
    .map_err(|e| failed(doing, e))?
    .all_rows()
    .await
    .map_err(|e| failed(doing, e))?;
    Ok(read_all(rows, summary_row_from_row, doing)?
        .into_iter()
        .map(|r| (r.aaguid, AuthenticatorSummary::from_columns(r.description, r.icon, r.certification.as_deref())))
        .collect())
}

/// The summary of one AAGUID's authenticator, if MDS lists it.
pub async fn summary(db: &D1Database, aaguid: &str) -> ApiResult<Option<AuthenticatorSummary>> {
    let doing = "find authenticator summary";
    let row = query!(db, "SELECT aaguid, description, icon, certification FROM mds_entries WHERE aaguid = ?1", aaguid)
        .map_err(|e| failed(doing, e))?
        .first_row()
        .await
        .map_err(|e| failed(doing, e))?;
    Ok(read_one(row, summary_row_from_row, doing)?.map(|r| AuthenticatorSummary::from_columns(r.description, r.icon, r.certification.as_deref())))
}

/// The serial number of the stored BLOB, if any.
pub async fn stored_no(db: &D1Database) -> ApiResult<Option<u64>> {
    let doing = "read metadata serial number";
    let no = db.prepare("SELECT no FROM mds_blob WHERE id = 1").first_int("no").await.map_err(|e| failed(doing, e))?;
    Ok(no.and_then(|n| u64::try_from(n).ok()))
}

/// The statements that replace every stored entry by `payload`'s, to run as one batch (one
/// transaction: all or nothing). The serial number row is written last, and only when the
/// payload's `no` is greater than the stored one: otherwise (a concurrent refresh stored a
/// newer BLOB meanwhile) that statement fails, and with it the whole batch.
pub fn replace_stmts(db: &D1Database, payload: &Payload, source: &str, now_ms: i64) -> ApiResult<Vec<D1PreparedStatement>> {
    let doing = "prepare metadata replacement";
    let mut statements = vec![db.prepare("DELETE FROM mds_entries")];
    for rows in payload.authenticators.chunks(ROWS_PER_INSERT) {
        let placeholders: Vec<String> =
            (0..rows.len()).map(|i| format!("(?{}, ?{}, ?{}, ?{}, ?{})", 5 * i + 1, 5 * i + 2, 5 * i + 3, 5 * i + 4, 5 * i + 5)).collect();
        let sql = format!("INSERT INTO mds_entries (aaguid, description, icon, certification, entry) VALUES {}", placeholders.join(", "));
        let mut values: Vec<JsValue> = Vec::with_capacity(rows.len() * 5);
        for row in rows {
            let entry = serde_json::to_string(&Authenticator { icon: None, ..row.clone() }).map_err(|_| ApiError::internal())?;
            values.push(JsValue::from_str(&row.aaguid));
            values.push(JsValue::from_str(&row.description));
            values.push(row.icon.as_deref().map_or(JsValue::NULL, JsValue::from_str));
            values.push(row.certification.map_or(JsValue::NULL, |c| JsValue::from_str(c.as_str())));
            values.push(JsValue::from_str(&entry));
        }
        statements.push(db.prepare(&sql).bind(&values).map_err(|e| failed(doing, e))?);
    }
    let no = i64::try_from(payload.no).map_err(|_| ApiError::internal())?;
    // json_extract of a non-JSON text fails the statement: the guard that rolls the batch back.
    statements.push(
        query!(
            db,
            "INSERT INTO mds_blob (id, no, next_update, updated_at, source) VALUES (1, ?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET no = excluded.no, next_update = excluded.next_update,
               updated_at = excluded.updated_at, source = excluded.source
             WHERE CASE WHEN excluded.no > mds_blob.no THEN 1 ELSE json_extract('not json', '$') END",
            no,
            &payload.next_update,
            now_ms,
            source,
        )
        .map_err(|e| failed(doing, e))?,
    );
    Ok(statements)
}

fn corrupt(aaguid: &str) -> ApiError {
    worker::console_error!("mds_entries row of {aaguid} is not a metadata entry");
    ApiError::internal()
}
