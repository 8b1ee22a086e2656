//! Passkeys (WebAuthn credentials) of users: the `credentials` table and the contract's
//! `passkey` object.

use worker::{D1Database, D1PreparedStatement};

use crate::contract::time_format::rfc3339_utc;
use crate::edge::platform::db::{failed, query, read_all, read_one, Answer, D1Batch, D1Read, Row};
use crate::edge::platform::http::ApiResult;
use crate::edge::users::{self, User};
use crate::metadata::attestation_trust;
use crate::metadata::display::{authenticator_json, model_name, AuthenticatorSummary};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCredential {
    /// The passkey id of the API.
    pub id: String,
    pub app_id: String,
    pub user_id: String,
    /// The WebAuthn credential id, base64url.
    pub credential_id: String,
    /// The COSE_Key, base64url.
    pub public_key: String,
    pub alg: i64,
    pub sign_count: u32,
    pub transports: Vec<String>,
    /// Hyphenated lowercase (`aaguid_names::aaguid_string`).
    pub aaguid: String,
    pub fmt: String,
    pub attestation_type: String,
    pub user_verified: bool,
    pub backup_eligible: bool,
    pub backed_up: bool,
    /// The name the user gave it, if any.
    pub name: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A row as D1 answers it (booleans are integers, lists are JSON text).
fn from_row(r: &Row) -> StoredCredential {
    StoredCredential {
        id: r.text("id"),
        app_id: r.text("app_id"),
        user_id: r.text("user_id"),
        credential_id: r.text("credential_id"),
        public_key: r.text("public_key"),
        alg: r.int("alg"),
        sign_count: u32::try_from(r.int("sign_count")).unwrap_or(u32::MAX),
        transports: serde_json::from_str(&r.text("transports")).unwrap_or_default(),
        aaguid: r.text("aaguid"),
        fmt: r.text("fmt"),
        attestation_type: r.text("attestation_type"),
        user_verified: r.int("user_verified") != 0,
        backup_eligible: r.int("backup_eligible") != 0,
        backed_up: r.int("backed_up") != 0,
        name: r.opt_text("name"),
        created_at: r.int("created_at"),
        last_used_at: r.opt_int("last_used_at"),
    }
}

const COLUMNS: &str = "id, app_id, user_id, credential_id, public_key, alg, sign_count, transports, aaguid, fmt, \
                       attestation_type, user_verified, backup_eligible, backed_up, name, created_at, last_used_at";

impl StoredCredential {
    /// The name shown for it: the user's, else its model's (MDS metadata `model`, else the
    /// passkey-provider list, by AAGUID), else "Passkey".
    pub fn display_name_with<'a>(&'a self, model: Option<&'a AuthenticatorSummary>) -> &'a str {
        self.name.as_deref().unwrap_or_else(|| model_name(&self.aaguid, model))
    }

    /// The contract's `passkey`, `model` being the MDS metadata of its AAGUID if any:
    /// `{id, name, aaguid, createdAt, lastUsedAt, backupEligible, backedUp, transports[],
    /// attestationType, authenticator: {name, icon?, certified?}}`; the type as
    /// `attestation_trust` reports a stored one.
    pub fn to_passkey_json_with(&self, model: Option<&AuthenticatorSummary>) -> serde_json::Value {
        serde_json::json!({
            "attestationType": attestation_trust::stored_type(&self.attestation_type),
            "id": self.id,
            "credentialId": self.credential_id,
            "name": self.display_name_with(model),
            "authenticator": authenticator_json(&self.aaguid, model),
            "aaguid": self.aaguid,
            "createdAt": rfc3339_utc(self.created_at),
            "lastUsedAt": self.last_used_at.map(rfc3339_utc),
            "backupEligible": self.backup_eligible,
            "backedUp": self.backed_up,
            "transports": self.transports,
        })
    }
}

/// The user's passkeys, oldest first.
pub async fn list_for_user(db: &D1Database, app_id: &str, user_id: &str) -> ApiResult<Vec<StoredCredential>> {
    let rows = list_for_user_stmt(db, app_id, user_id)?.all_rows().await.map_err(|e| failed("list credentials", e))?;
    read_all(rows, from_row, "list credentials")
}

/// Selects the passkeys of `user_id` in `app_id`, oldest first, for a `db.batch`; read the
/// answer with [`from_result`].
pub fn list_for_user_stmt(db: &D1Database, app_id: &str, user_id: &str) -> ApiResult<D1PreparedStatement> {
    let sql = format!("SELECT {COLUMNS} FROM credentials WHERE app_id = ?1 AND user_id = ?2 ORDER BY created_at, id");
    query!(db, &sql, app_id, user_id).map_err(|e| failed("prepare credential list", e))
}

/// The passkeys a batched select answered.
pub fn from_result(result: &Answer, doing: &str) -> ApiResult<Vec<StoredCredential>> {
    read_all(result.rows(), from_row, doing)
}

/// The passkeys of the user of `app_id` with this email (lowercased), oldest first; none for an
/// unknown email. One query.
pub async fn list_for_email(db: &D1Database, app_id: &str, email: &str) -> ApiResult<Vec<StoredCredential>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM credentials WHERE app_id = ?1 AND user_id = (SELECT id FROM users WHERE app_id = ?1 AND email = ?2)
         ORDER BY created_at, id"
    );
    all(query!(db, &sql, app_id, email), "list credentials by email").await
}

async fn all(stmt: Result<D1PreparedStatement, wasm_bindgen::JsValue>, doing: &str) -> ApiResult<Vec<StoredCredential>> {
    let stmt = stmt.map_err(|e| failed(doing, e))?;
    let rows = stmt.all_rows().await.map_err(|e| failed(doing, e))?;
    read_all(rows, from_row, doing)
}

/// The passkey `id` (the API's id) if it belongs to `user_id` in `app_id`.
pub async fn find_for_user(db: &D1Database, app_id: &str, user_id: &str, id: &str) -> ApiResult<Option<StoredCredential>> {
    let sql = format!("SELECT {COLUMNS} FROM credentials WHERE app_id = ?1 AND user_id = ?2 AND id = ?3");
    first(query!(db, &sql, app_id, user_id, id), "find credential").await
}

/// The credential of `app_id` with this WebAuthn credential id (base64url) and its owner, in one
/// D1 round trip (a batch of two selects).
pub async fn find_with_owner(db: &D1Database, app_id: &str, credential_id: &str) -> ApiResult<Option<(StoredCredential, Option<User>)>> {
    let doing = "find credential and owner";
    let sql = format!("SELECT {COLUMNS} FROM credentials WHERE app_id = ?1 AND credential_id = ?2");
    let credential = query!(db, &sql, app_id, credential_id).map_err(|e| failed(doing, e))?;
    let owner = users::owner_of_credential_stmt(db, app_id, credential_id)?;
    let results = db.run_batch(vec![credential, owner]).await.map_err(|e| failed(doing, e))?;
    let [credential, owner] = results.as_slice() else { return Err(failed_shape(doing)) };
    let Some(credential) = read_one(credential.rows().into_iter().next(), from_row, doing)? else { return Ok(None) };
    Ok(Some((credential, users::from_result(owner, doing)?)))
}

/// Whether an application other than `app_id` whose rpId is `rp_id` has a passkey with this
/// WebAuthn credential id (base64url) that still has its user.
pub async fn held_by_another_app_of_rp_id(db: &D1Database, app_id: &str, rp_id: &str, credential_id: &str) -> ApiResult<bool> {
    let doing = "find credential under the rpId";
    let found = query!(
        db,
        "SELECT 1 AS found FROM credentials c JOIN applications a ON a.id = c.app_id
         WHERE c.credential_id = ?1 AND a.rp_id = ?2 AND c.app_id <> ?3 AND EXISTS (SELECT 1 FROM users u WHERE u.id = c.user_id) LIMIT 1",
        credential_id,
        rp_id,
        app_id,
    )
    .map_err(|e| failed(doing, e))?
    .first_int("found")
    .await
    .map_err(|e| failed(doing, e))?;
    Ok(found.is_some())
}

fn failed_shape(doing: &str) -> crate::contract::error::ApiError {
    worker::console_error!("D1 failed ({doing}): the batch answered an unexpected number of results");
    crate::contract::error::ApiError::internal()
}

/// Inserts `cred` (for a `db.batch`).
pub fn insert_stmt(db: &D1Database, cred: &StoredCredential) -> ApiResult<D1PreparedStatement> {
    let transports = serde_json::to_string(&cred.transports).unwrap_or_else(|_| "[]".into());
    query!(
        db,
        "INSERT INTO credentials (id, app_id, user_id, credential_id, public_key, alg, sign_count, transports, aaguid,
                                  fmt, attestation_type, user_verified, backup_eligible, backed_up, name, created_at,
                                  last_used_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        &cred.id,
        &cred.app_id,
        &cred.user_id,
        &cred.credential_id,
        &cred.public_key,
        cred.alg,
        i64::from(cred.sign_count),
        &transports,
        &cred.aaguid,
        &cred.fmt,
        &cred.attestation_type,
        i64::from(cred.user_verified),
        i64::from(cred.backup_eligible),
        i64::from(cred.backed_up),
        &cred.name,
        cred.created_at,
        &cred.last_used_at,
    )
    .map_err(|e| failed("prepare credential insert", e))
}

/// Records a login with passkey `id`: its new signature counter, backup state and `lastUsedAt`.
/// The counter must still be greater than the stored one when the row is written (or both 0, an
/// authenticator that does not count): of two logins racing with one counter value (a cloned
/// authenticator), one changes the row, the other changes nothing. The stored counter never goes down.
pub fn record_login_stmt(db: &D1Database, id: &str, sign_count: u32, backed_up: bool, now_ms: i64) -> ApiResult<D1PreparedStatement> {
    query!(
        db,
        "UPDATE credentials SET sign_count = MAX(sign_count, ?1), backed_up = ?2, last_used_at = ?3
         WHERE id = ?4 AND (sign_count < ?1 OR (?1 = 0 AND sign_count = 0))",
        i64::from(sign_count),
        i64::from(backed_up),
        now_ms,
        id,
    )
    .map_err(|e| failed("prepare credential login update", e))
}

/// Renames passkey `id` of `user_id`.
pub fn rename_stmt(db: &D1Database, user_id: &str, id: &str, name: &str) -> ApiResult<D1PreparedStatement> {
    query!(db, "UPDATE credentials SET name = ?1 WHERE user_id = ?2 AND id = ?3", name, user_id, id)
        .map_err(|e| failed("prepare credential rename", e))
}

/// Deletes passkey `id` of `user_id`, unless it is the user's last one (the statement then
/// changes nothing: the check and the delete are one statement, so two deletes racing for a
/// user's last two passkeys cannot remove both).
pub fn delete_unless_last_stmt(db: &D1Database, user_id: &str, id: &str) -> ApiResult<D1PreparedStatement> {
    query!(
        db,
        "DELETE FROM credentials WHERE user_id = ?1 AND id = ?2
           AND (SELECT COUNT(*) FROM credentials WHERE user_id = ?1) > 1",
        user_id,
        id,
    )
    .map_err(|e| failed("prepare credential delete", e))
}

/// Deletes every passkey of `user_id`.
pub fn delete_all_for_user_stmt(db: &D1Database, user_id: &str) -> ApiResult<D1PreparedStatement> {
    query!(db, "DELETE FROM credentials WHERE user_id = ?1", user_id).map_err(|e| failed("prepare credentials delete", e))
}

async fn first(stmt: Result<D1PreparedStatement, wasm_bindgen::JsValue>, doing: &str) -> ApiResult<Option<StoredCredential>> {
    let stmt = stmt.map_err(|e| failed(doing, e))?;
    let row = stmt.first_row().await.map_err(|e| failed(doing, e))?;
    read_one(row, from_row, doing)
}
