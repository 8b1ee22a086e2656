//! Users of an application: the `users` table and the contract's `user` object, and what is
//! done with users after their ceremonies: the admin user API (`admin_endpoints`), the account's
//! own sessions and deletion (`self_service`), email changes (`email_change`); `deletion` and
//! `live_sessions` are what they share.

pub mod admin_endpoints;
mod deletion;
pub mod email_change;
pub mod live_sessions;
pub mod notices;
pub mod self_service;

use worker::{D1Database, D1PreparedStatement};

use crate::contract::time_format::rfc3339_utc;
use crate::contract::user_list::{EmailFilter, ListQuery};
use crate::edge::platform::db::{failed, query, read_all, read_one, Answer, D1Read, Row};
use crate::edge::platform::http::ApiResult;
use crate::i18n::Locale;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub app_id: String,
    /// Lowercased.
    pub email: String,
    pub email_verified: bool,
    pub display_name: String,
    /// The WebAuthn `user.id`: base64url of 32 random bytes.
    pub user_handle: String,
    /// Unix milliseconds.
    pub created_at: i64,
    /// The language of their mail (`users.locale`).
    pub locale: Locale,
}

/// A row as D1 answers it (booleans are integers there).
fn from_row(r: &Row) -> User {
    User {
        id: r.text("id"),
        app_id: r.text("app_id"),
        email: r.text("email"),
        email_verified: r.int("email_verified") != 0,
        display_name: r.text("display_name"),
        user_handle: r.text("user_handle"),
        created_at: r.int("created_at"),
        locale: Locale::of_tag(&r.text("locale")).unwrap_or(Locale::En),
    }
}

const COLUMNS: &str = "id, app_id, email, email_verified, display_name, user_handle, created_at, locale";

impl User {
    /// The contract's `user`: `{id, email, emailVerified, displayName, createdAt, webauthnUserId}`
    /// (the last is the WebAuthn `user.id` of the user's passkeys, base64url).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "email": self.email,
            "emailVerified": self.email_verified,
            "displayName": self.display_name,
            "createdAt": rfc3339_utc(self.created_at),
            "webauthnUserId": self.user_handle,
        })
    }
}

/// The user of `app_id` with this email (compared lowercased).
pub async fn find_by_email(db: &D1Database, app_id: &str, email: &str) -> ApiResult<Option<User>> {
    let email = email.trim().to_lowercase();
    let sql = format!("SELECT {COLUMNS} FROM users WHERE app_id = ?1 AND email = ?2");
    first(query!(db, &sql, app_id, &email), "find user by email").await
}

/// The user `id` of `app_id`.
pub async fn find_by_id(db: &D1Database, app_id: &str, id: &str) -> ApiResult<Option<User>> {
    let row = find_by_id_stmt(db, app_id, id)?.first_row().await.map_err(|e| failed("find user by id", e))?;
    read_one(row, from_row, "find user by id")
}

/// Selects the user `id` of `app_id`, for a `db.batch`; read the answer with [`from_result`].
pub fn find_by_id_stmt(db: &D1Database, app_id: &str, id: &str) -> ApiResult<D1PreparedStatement> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE app_id = ?1 AND id = ?2");
    query!(db, &sql, app_id, id).map_err(|e| failed("prepare user lookup", e))
}

/// The user `id` whatever its application (admin endpoints check the application themselves).
pub async fn find_by_id_in_any_app(db: &D1Database, id: &str) -> ApiResult<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = ?1");
    first(query!(db, &sql, id), "find user by id").await
}

/// Selects the owner of the credential of `app_id` with this WebAuthn credential id (base64url),
/// for a `db.batch`; read the answer with [`from_result`].
pub fn owner_of_credential_stmt(db: &D1Database, app_id: &str, credential_id: &str) -> ApiResult<D1PreparedStatement> {
    let sql =
        format!("SELECT {COLUMNS} FROM users WHERE app_id = ?1 AND id = (SELECT user_id FROM credentials WHERE app_id = ?1 AND credential_id = ?2)");
    query!(db, &sql, app_id, credential_id).map_err(|e| failed("prepare credential owner lookup", e))
}

/// The user a batched select answered, if any.
pub fn from_result(result: &Answer, doing: &str) -> ApiResult<Option<User>> {
    read_one(result.rows().into_iter().next(), from_row, doing)
}

/// Inserts `user` (for a `db.batch`). The email must already be lowercased.
pub fn insert_stmt(db: &D1Database, user: &User) -> ApiResult<D1PreparedStatement> {
    query!(
        db,
        "INSERT INTO users (id, app_id, email, email_verified, display_name, user_handle, created_at, locale)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &user.id,
        &user.app_id,
        &user.email,
        i64::from(user.email_verified),
        &user.display_name,
        &user.user_handle,
        user.created_at,
        user.locale.tag(),
    )
    .map_err(|e| failed("prepare user insert", e))
}

/// Sets the language of `user_id`'s mail when the statement before it in a `db.batch` changed a row.
pub fn set_locale_if_changed_stmt(db: &D1Database, user_id: &str, locale: Locale) -> ApiResult<D1PreparedStatement> {
    query!(db, "UPDATE users SET locale = ?1 WHERE id = ?2 AND changes() > 0", locale.tag(), user_id)
        .map_err(|e| failed("prepare user locale update", e))
}

async fn first(stmt: Result<D1PreparedStatement, wasm_bindgen::JsValue>, doing: &str) -> ApiResult<Option<User>> {
    let stmt = stmt.map_err(|e| failed(doing, e))?;
    let row = stmt.first_row().await.map_err(|e| failed(doing, e))?;
    read_one(row, from_row, doing)
}

/// A page of `app_id`'s users for the admin list: those `query` keeps, in the order
/// `(created_at, id)`, after its cursor; at most `limit`, and whether more follow.
pub async fn list_page(db: &D1Database, app_id: &str, query: &ListQuery) -> ApiResult<(Vec<User>, bool)> {
    use wasm_bindgen::JsValue;
    let mut sql = format!("SELECT {COLUMNS} FROM users WHERE app_id = ?1");
    let mut values = vec![JsValue::from_str(app_id)];
    let mut param = |sql: &mut String, clause: &str, value: JsValue| {
        values.push(value);
        sql.push_str(&clause.replace('?', &format!("?{}", values.len())));
    };
    // A prefix is a range of the index on (app_id, email): no LIKE, so `%` and `_` are plain.
    match &query.email {
        Some(EmailFilter::Exact(email)) => param(&mut sql, " AND email = ?", email.as_str().into()),
        Some(EmailFilter::Prefix(prefix)) => {
            param(&mut sql, " AND email >= ?", prefix.as_str().into());
            param(&mut sql, " AND email < ?", format!("{prefix}\u{10FFFF}").into());
        }
        None => {}
    }
    if let Some(after) = &query.after {
        param(&mut sql, " AND (created_at, id) > (?", JsValue::from_f64(after.created_at as f64));
        param(&mut sql, ", ?)", after.id.as_str().into());
    }
    param(&mut sql, " ORDER BY created_at, id LIMIT ?", JsValue::from_f64(f64::from(query.limit) + 1.0));
    let doing = "list users";
    let rows = db.prepare(sql).bind(&values).map_err(|e| failed(doing, e))?.all_rows().await.map_err(|e| failed(doing, e))?;
    let more = rows.len() > query.limit as usize;
    Ok((read_all(rows.into_iter().take(query.limit as usize).collect(), from_row, doing)?, more))
}
