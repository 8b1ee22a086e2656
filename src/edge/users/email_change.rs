//! Changing a signed-in user's email (Bearer): `POST /api/v1/users/me/email` `{email}` mails a
//! 6-digit code to the new address, `POST /api/v1/users/me/email/confirm` `{code}` replaces the
//! email with it only then, and mails the old address a notice.
//!
//! As with the signup's email codes (`edge::email_verification`): one `email_changes` row per
//! code, a new request replaces the user's older codes, codes are stored as keyed hashes bound to
//! their row, five wrong tries burn one, requests and checks are rate limited like the signup's
//! (per address, per client IP, 20 checks per address and day), and every code that does not
//! confirm answers the same `400 invalid_code`.

use serde_json::json;
use worker::{D1Database, Env, Request, Response};

use crate::contract::error::{ApiError, ErrorCode};
use crate::contract::json_fields::{self, Fields};
use crate::edge::events::{self, Client, NewEvent};
use crate::edge::i18n;
use crate::edge::platform::config::hmac_key;
use crate::edge::platform::db::{error_text, failed, query, read_one, D1Batch, D1Read, Row};
use crate::edge::platform::http::{json, read_json, ApiResult};
use crate::edge::platform::mail_sender;
use crate::edge::platform::rate_limits;
use crate::edge::sessions::BearerAuth;
use crate::edge::users;
use crate::events::EventType;
use crate::mail::notice::{Notice, NoticeKind};
use crate::tenancy::application::Application;
use crate::tenancy::email_address::normalize_email;
use crate::tokens::secrets::{constant_time_eq, keyed_hash, random_token, six_digit_code, SystemRandom};

/// How long a mailed code is valid.
const CODE_TTL_MS: i64 = 10 * 60 * 1000;
/// Tries per code; the last wrong one burns it.
const MAX_TRIES: i64 = 5;
const CODE_PURPOSE: &str = "email-change-code";

/// `POST /api/v1/users/me/email` `{email}` → 202 `{expiresIn}`; `409 email_taken` when another
/// user of the application has that email.
pub async fn request(mut req: Request, env: &Env, db: &D1Database, app: &Application, auth: &BearerAuth, now_ms: i64) -> ApiResult<Response> {
    {
        let fields = json_fields::into_object(read_json(&mut req).await?)?;
        let email = json_fields::str_field(&fields, "email")?.ok_or_else(|| json_fields::missing("email"))?;
        let email = normalize_email(email).ok_or_else(|| ApiError::invalid_request("`email` is not a valid email address"))?;
        if let Some(holder) = users::find_by_email(db, &app.id, &email).await? {
            if holder.id == auth.user_id {
                return Err(ApiError::invalid_request("this is the account's email already"));
            }
            return Err(email_taken());
        }
        rate_limits::code_request(env, &req, &app.id, &email).await?;

        let id = random_token(&mut SystemRandom, "ec_", 16).map_err(|_| ApiError::internal())?;
        let code = six_digit_code(&mut SystemRandom).map_err(|_| ApiError::internal())?;
        let code_hash = keyed_hash(&hmac_key(env)?, CODE_PURPOSE, &format!("{id}:{code}"));
        let prepare = |e| failed("prepare email change", e);
        let replace_older = query!(db, "UPDATE email_changes SET consumed_at = ?1 WHERE user_id = ?2 AND consumed_at IS NULL", now_ms, &auth.user_id)
            .map_err(prepare)?;
        let insert = query!(
            db,
            "INSERT INTO email_changes (id, app_id, user_id, email, code_hash, expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &id,
            &app.id,
            &auth.user_id,
            &email,
            &code_hash,
            now_ms + CODE_TTL_MS,
            now_ms,
        )
        .map_err(prepare)?;
        // Mail first: a failed send leaves the codes the user already has untouched.
        mail_sender::send_verification_code(env, app, &email, i18n::of_request(&req), &code, CODE_TTL_MS / 60_000).await?;
        db.run_batch(vec![replace_older, insert]).await.map_err(|e| failed("store email change", e))?;
        Ok(json(202, &json!({ "expiresIn": CODE_TTL_MS / 1000 })))
    }
}

/// `POST /api/v1/users/me/email/confirm` `{code}` → `{user}` with the new email (verified).
pub async fn confirm(mut req: Request, env: &Env, db: &D1Database, app: &Application, auth: &BearerAuth, now_ms: i64) -> ApiResult<Response> {
    {
        let fields: Fields = json_fields::into_object(read_json(&mut req).await?)?;
        let code = json_fields::str_field(&fields, "code")?.ok_or_else(|| json_fields::missing("code"))?.trim().to_owned();
        rate_limits::code_confirm(env, &req).await?;
        struct Pending {
            id: String,
            email: String,
            code_hash: String,
        }
        let pending = |r: &Row| Pending { id: r.text("id"), email: r.text("email"), code_hash: r.text("code_hash") };
        let doing = "find email change";
        let row = query!(
            db,
            "SELECT id, email, code_hash FROM email_changes
             WHERE user_id = ?1 AND app_id = ?2 AND consumed_at IS NULL AND expires_at > ?3 ORDER BY created_at DESC LIMIT 1",
            &auth.user_id,
            &app.id,
            now_ms,
        )
        .map_err(|e| failed(doing, e))?
        .first_row()
        .await
        .map_err(|e| failed(doing, e))?;
        let row = read_one(row, pending, doing)?.ok_or_else(no_code)?;
        if !rate_limits::code_check(env, &app.id, &row.email).await? {
            return Err(no_code());
        }
        // Count the try before comparing: however many requests race, a code is compared at
        // most MAX_TRIES times; the last wrong one burns it.
        let doing = "count email change try";
        let tries = query!(
            db,
            "UPDATE email_changes SET attempts = attempts + 1,
               consumed_at = CASE WHEN attempts + 1 >= ?2 THEN ?3 ELSE consumed_at END
             WHERE id = ?1 AND consumed_at IS NULL AND attempts < ?2 RETURNING attempts",
            &row.id,
            MAX_TRIES,
            now_ms,
        )
        .map_err(|e| failed(doing, e))?
        .first_int("attempts")
        .await
        .map_err(|e| failed(doing, e))?;
        tries.ok_or_else(no_code)?;
        let given = keyed_hash(&hmac_key(env)?, CODE_PURPOSE, &format!("{}:{code}", row.id));
        if !constant_time_eq(given.as_bytes(), row.code_hash.as_bytes()) {
            return Err(no_code());
        }

        let mut user = users::find_by_id(db, &app.id, &auth.user_id).await?.ok_or_else(|| ApiError::unauthorized("the user no longer exists"))?;
        let old_email = std::mem::replace(&mut user.email, row.email);
        user.email_verified = true;
        let client = Client::of(&req);
        let event = NewEvent::new(EventType::EmailChanged, &app.id).announced(app.webhooks).user(&user.id).session(&auth.session_id);
        let recorded = events::record(db, &client, event, now_ms)?;
        let prepare = |e| failed("prepare email change", e);
        let writes = vec![
            query!(db, "UPDATE email_changes SET consumed_at = ?1 WHERE id = ?2", now_ms, &row.id).map_err(prepare)?,
            query!(db, "UPDATE users SET email = ?1, email_verified = 1 WHERE id = ?2 AND app_id = ?3", &user.email, &user.id, &app.id)
                .map_err(prepare)?,
            recorded.stmt.clone(),
        ];
        if let Err(e) = db.run_batch(writes).await {
            return Err(if error_text(&e).contains("UNIQUE constraint failed: users.") { email_taken() } else { failed("change email", e) });
        }
        events::committed(env, vec![recorded]).await;
        // The old address gets the notice (it was the account's, verified or not: whoever holds
        // it must learn that it no longer signs in); the change stands whatever becomes of it.
        let notice =
            Notice { kind: NoticeKind::EmailChanged, app_name: &app.name, passkey: "", at_ms: now_ms, user_agent: client.user_agent.as_deref() };
        mail_sender::send_notice(env, &old_email, user.locale, &notice).await;
        Ok(json(200, &json!({ "user": user.to_json() })))
    }
}

fn email_taken() -> ApiError {
    ApiError::new(ErrorCode::EmailTaken, "another account of this application has this email")
}

/// The one answer to every code that does not confirm the change, whatever the reason.
fn no_code() -> ApiError {
    ApiError::new(ErrorCode::InvalidCode, "wrong code, or it has expired or been used up: check it, or request a new code")
}
