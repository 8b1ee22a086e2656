//! Email-verified signup, before the ceremony: a 6-digit code mailed to the address
//! (`verify-email/request`), traded for a short-lived verificationToken (`verify-email/confirm`)
//! that `signup/start` takes as proof of the address and `signup/complete` uses up.
//!
//! One `email_verifications` row per code sent. A new code replaces the address's older ones.
//! Codes and tokens are stored only as keyed hashes; each code allows five tries, the fifth wrong
//! one burns it. Across codes, an address allows 20 code checks per rolling day (counted by the
//! RateLimiter Durable Object, `rate_limits::code_check`). A wrong, expired, burned, replaced or
//! unknown code, and any code once the day's checks are used up, all get the same answer: a
//! guesser learns nothing but "not this code".

use serde_json::{json, Value};
use worker::{D1Database, D1PreparedStatement, Env, Request, Response};

use crate::contract::error::{ApiError, ErrorCode};
use crate::contract::json_fields::{self, Fields};
use crate::edge::events::{self, NewEvent};
use crate::edge::i18n;
use crate::edge::platform::config::hmac_key;
use crate::edge::platform::db::{self, changes, database, failed, query, read_one, D1Batch, D1Read};
use crate::edge::platform::http::{json, read_json, ApiResult};
use crate::edge::platform::mail_sender;
use crate::edge::platform::rate_limits;
use crate::events::EventType;
use crate::tenancy::application::Application;
use crate::tenancy::email_address::normalize_email;
use crate::tokens::secrets::{constant_time_eq, keyed_hash, random_token, six_digit_code, SystemRandom};

/// How long a mailed code is valid.
const CODE_TTL_MS: i64 = 10 * 60 * 1000;
/// How long a verificationToken is valid.
const TOKEN_TTL_MS: i64 = 15 * 60 * 1000;
/// Tries per code; the last wrong one burns it.
const MAX_TRIES: i64 = 5;
const CODE_PURPOSE: &str = "email-code";
const TOKEN_PURPOSE: &str = "verification-token";
const TOKEN_PREFIX: &str = "vt_";
/// Longer input cannot be one of our tokens and is not even hashed.
const MAX_TOKEN_LEN: usize = 128;

/// `POST .../signup/verify-email/request` `{email}` → 202 `{expiresIn}`, whether or not the
/// address has an account.
pub async fn request(mut req: Request, env: &Env, app: &Application, now_ms: i64) -> ApiResult<Response> {
    let fields = json_fields::into_object(read_json(&mut req).await?)?;
    let email =
        email_field(&fields).and_then(|e| normalize_email(e).ok_or_else(|| ApiError::invalid_request("`email` is not a valid email address")))?;
    rate_limits::code_request(env, &req, &app.id, &email).await?;

    let id = random_token(&mut SystemRandom, "ev_", 16).map_err(|_| ApiError::internal())?;
    let code = six_digit_code(&mut SystemRandom).map_err(|_| ApiError::internal())?;
    let code_hash = keyed_hash(&hmac_key(env)?, CODE_PURPOSE, &bound_code(&id, &code));
    let db = database(env)?;
    let replace_older = query!(
        &db,
        "UPDATE email_verifications SET consumed_at = ?1 WHERE app_id = ?2 AND email = ?3 AND consumed_at IS NULL",
        now_ms,
        &app.id,
        &email,
    )
    .map_err(|e| failed("prepare email code replace", e))?;
    let insert = query!(
        &db,
        "INSERT INTO email_verifications (id, app_id, email, code_hash, attempts, expires_at, created_at)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)",
        &id,
        &app.id,
        &email,
        &code_hash,
        now_ms + CODE_TTL_MS,
        now_ms,
    )
    .map_err(|e| failed("prepare email code insert", e))?;
    // Mail first: an address the mail cannot go to, or a failed send, leaves the codes the user
    // already has untouched.
    mail_sender::send_verification_code(env, app, &email, i18n::of_request(&req), &code, CODE_TTL_MS / 60_000).await?;
    db.run_batch(vec![replace_older, insert]).await.map_err(|e| failed("store email code", e))?;
    Ok(json(202, &json!({ "expiresIn": CODE_TTL_MS / 1000 })))
}

/// `POST .../signup/verify-email/confirm` `{email, code}` → `{verificationToken, expiresIn}`;
/// a wrong, expired, burned or unknown code, or any code past the address's daily cap, answers
/// the one 400 invalid_code of `no_code`.
pub async fn confirm(mut req: Request, env: &Env, app: &Application, now_ms: i64) -> ApiResult<Response> {
    let fields = json_fields::into_object(read_json(&mut req).await?)?;
    let email = email_field(&fields)?;
    let code = match fields.get("code") {
        Some(Value::String(code)) => code.trim().to_owned(),
        Some(_) => return Err(ApiError::invalid_request("`code` must be a string")),
        None => return Err(ApiError::invalid_request("`code` is required")),
    };
    rate_limits::code_confirm(env, &req).await?;
    let email = normalize_email(email).ok_or_else(no_code)?;
    if !rate_limits::code_check(env, &app.id, &email).await? {
        return Err(no_code());
    }

    let db = database(env)?;
    struct Row {
        id: String,
        code_hash: String,
    }

    fn from_row(r: &db::Row) -> Row {
        Row { id: r.text("id"), code_hash: r.text("code_hash") }
    }
    let row = query!(
        &db,
        "SELECT id, code_hash FROM email_verifications
         WHERE app_id = ?1 AND email = ?2 AND consumed_at IS NULL AND expires_at > ?3
         ORDER BY created_at DESC LIMIT 1",
        &app.id,
        &email,
        now_ms,
    )
    .map_err(|e| failed("find email code", e))?
    .first_row()
    .await
    .map_err(|e| failed("find email code", e))?;
    let row = read_one(row, from_row, "find email code")?.ok_or_else(no_code)?;

    // Count the try before comparing: however many requests race, a code is compared at most
    // MAX_TRIES times.
    let tries = query!(
        &db,
        "UPDATE email_verifications SET attempts = attempts + 1
         WHERE id = ?1 AND consumed_at IS NULL AND attempts < ?2 RETURNING attempts",
        &row.id,
        MAX_TRIES,
    )
    .map_err(|e| failed("count email code try", e))?
    .first_int("attempts")
    .await
    .map_err(|e| failed("count email code try", e))?;
    let tries = tries.ok_or_else(no_code)?;

    let hmac = hmac_key(env)?;
    let given = keyed_hash(&hmac, CODE_PURPOSE, &bound_code(&row.id, &code));
    if !constant_time_eq(given.as_bytes(), row.code_hash.as_bytes()) {
        if tries >= MAX_TRIES {
            burn_stmt(&db, &row.id, now_ms)?.execute().await.map_err(|e| failed("burn email code", e))?;
        }
        return Err(no_code());
    }

    let token = random_token(&mut SystemRandom, TOKEN_PREFIX, 32).map_err(|_| ApiError::internal())?;
    let confirmed = query!(
        &db,
        "UPDATE email_verifications SET consumed_at = ?1, token_hash = ?2, token_expires_at = ?3
         WHERE id = ?4 AND consumed_at IS NULL",
        now_ms,
        keyed_hash(&hmac, TOKEN_PURPOSE, &token),
        now_ms + TOKEN_TTL_MS,
        &row.id,
    )
    .map_err(|e| failed("prepare email code confirm", e))?;
    // Audit: `email.verified`, by the verification's id (never the address), only when this
    // request confirmed it. No user yet: signup comes next.
    let verified =
        NewEvent::new(EventType::EmailVerified, &app.id).announced(app.webhooks).detail(events::Detail::new().text("verificationId", &row.id));
    let recorded = events::record_if_changed(&db, &events::Client::of(&req), verified, now_ms)?;
    let results = db.run_batch(vec![confirmed, recorded.stmt.clone()]).await.map_err(|e| failed("confirm email code", e))?;
    if results.first().map_or(0, changes) != 1 {
        return Err(no_code());
    }
    events::committed(env, vec![recorded]).await;
    Ok(json(200, &json!({ "verificationToken": token, "expiresIn": TOKEN_TTL_MS / 1000 })))
}

/// What a `verificationToken` proves for `email` in `app_id`.
pub enum TokenProof {
    /// Confirmed, not used, not expired: the verification's id, for `use_token_stmt`.
    Valid(String),
    /// A token of this email and application that a signup has already used: it still proves
    /// the caller reads the address's mail (enough to learn that the email is taken), nothing more.
    UsedForThisEmail,
}

/// The verification a `verificationToken` proves for `email` in `app_id`: confirmed, not used
/// and not expired, or used by a signup of this email (see [`TokenProof`]); else 400 invalid_code.
pub async fn verified_token(db: &D1Database, env: &Env, app_id: &str, email: &str, token: &str, now_ms: i64) -> ApiResult<TokenProof> {
    let refused = || invalid_code("the verificationToken is unknown, used, expired or for another email: verify the email again");
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Err(refused());
    }
    let hash = keyed_hash(&hmac_key(env)?, TOKEN_PURPOSE, token);
    struct Row {
        id: String,
        app_id: String,
        email: String,
        token_expires_at: Option<i64>,
        token_used_at: Option<i64>,
    }

    fn from_row(r: &db::Row) -> Row {
        Row {
            id: r.text("id"),
            app_id: r.text("app_id"),
            email: r.text("email"),
            token_expires_at: r.opt_int("token_expires_at"),
            token_used_at: r.opt_int("token_used_at"),
        }
    }
    let row = query!(db, "SELECT id, app_id, email, token_expires_at, token_used_at FROM email_verifications WHERE token_hash = ?1", &hash,)
        .map_err(|e| failed("find verification token", e))?
        .first_row()
        .await
        .map_err(|e| failed("find verification token", e))?;
    match read_one(row, from_row, "find verification token")? {
        Some(r) if r.app_id == app_id && r.email == email && r.token_used_at.is_none() && r.token_expires_at.is_some_and(|t| t > now_ms) => {
            Ok(TokenProof::Valid(r.id))
        }
        Some(r) if r.app_id == app_id && r.email == email && r.token_used_at.is_some() => Ok(TokenProof::UsedForThisEmail),
        _ => Err(refused()),
    }
}

/// Uses up the verification `id` (for the batch that creates the user).
pub fn use_token_stmt(db: &D1Database, id: &str, now_ms: i64) -> ApiResult<D1PreparedStatement> {
    query!(db, "UPDATE email_verifications SET token_used_at = ?1 WHERE id = ?2 AND token_used_at IS NULL", now_ms, id)
        .map_err(|e| failed("prepare verification token use", e))
}

fn burn_stmt(db: &D1Database, id: &str, now_ms: i64) -> ApiResult<D1PreparedStatement> {
    query!(db, "UPDATE email_verifications SET consumed_at = ?1 WHERE id = ?2 AND consumed_at IS NULL", now_ms, id)
        .map_err(|e| failed("prepare email code burn", e))
}

/// The code as hashed: bound to its row, so a code's hash is worthless for any other row.
fn bound_code(id: &str, code: &str) -> String {
    format!("{id}:{code}")
}

/// The `email` field, required.
fn email_field(fields: &Fields) -> ApiResult<&str> {
    json_fields::str_field(fields, "email")?.ok_or_else(|| json_fields::missing("email"))
}

fn invalid_code(message: &str) -> ApiError {
    ApiError::new(ErrorCode::InvalidCode, message)
}

/// The one answer to every code that does not confirm the address, whatever the reason.
fn no_code() -> ApiError {
    invalid_code("wrong code, or it has expired or been used up: check it, or request a new code")
}
