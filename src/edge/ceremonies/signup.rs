//! Signup: a new user with their first passkey, ten recovery codes and a session.
//!
//! With a `verificationToken` (from verify-email/confirm) the user's email is verified. Without
//! one it is direct signup: allowed only when the application's `directSignup` is on, and the
//! email stays unverified.

use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::{Env, Request, Response};

use super::{
    body_fields, commit, complete_body, creation_options_json, email_taken, keep_pending, new_stored_credential, optional_name, optional_string,
    passkey_detail, random_bytes, random_id, required_email, take_pending, verification_failed, verify_new_passkey, Ceremony, NewPasskeyOwner,
    USER_HANDLE_LEN,
};
use crate::contract::error::{ApiError, ErrorCode};
use crate::edge::email_verification::{self, TokenProof};
use crate::edge::events::{self, NewEvent};
use crate::edge::i18n;
use crate::edge::passkeys::credentials;
use crate::edge::passkeys::recovery_codes;
use crate::edge::platform::config::hmac_key;
use crate::edge::platform::db::{database, replica};
use crate::edge::platform::http::{json, read_json, ApiResult};
use crate::edge::platform::rate_limits;
use crate::edge::sessions;
use crate::edge::users::{self, User};
use crate::events::EventType;
use crate::tenancy::application::Application;
use crate::webauthn::{base64url, ParsedRegistration, RegistrationResponseJson};

/// What signup/start keeps for signup/complete.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignupData {
    email: String,
    display_name: String,
    /// base64url
    user_handle: String,
    /// The email verification whose token signup/complete uses up; None for direct signup.
    verification_id: Option<String>,
}

/// `POST .../signup/start` `{email, displayName?, verificationToken?}` → creation options.
pub async fn start(mut req: Request, env: &Env, app: &Application, now_ms: i64) -> ApiResult<Response> {
    rate_limits::ceremony_start(env, &req, app).await?;
    let fields = body_fields(read_json(&mut req).await?)?;
    let email = required_email(&fields)?;
    let display_name = optional_name(&fields, "displayName")?.unwrap_or_else(|| email.clone());
    let token = optional_string(&fields, "verificationToken")?;
    if token.is_none() && !app.passkey.direct_signup {
        return Err(ApiError::new(
            ErrorCode::DirectSignupDisabled,
            "this application needs a verified email: verify it first (verify-email/request and confirm)",
        ));
    }
    let db = database(env)?;
    // The token first: only a caller entitled to sign up (a token of this email, or direct
    // signup on) learns whether the email already has an account.
    let proof = match token {
        Some(token) => Some(email_verification::verified_token(&db, env, &app.id, &email, token, now_ms).await?),
        None => None,
    };
    // Through a read replica: an account made a moment ago may be missed here, and is then
    // refused at signup/complete by the unique index on the email (the real guard).
    if users::find_by_email(&replica(env)?, &app.id, &email).await?.is_some() {
        return Err(email_taken());
    }
    let verification_id = match proof {
        Some(TokenProof::Valid(id)) => Some(id),
        // Used, and yet no account (it has been deleted since): verify the email again. The
        // replica may not have the account the token made a moment ago: the primary decides.
        Some(TokenProof::UsedForThisEmail) => {
            if users::find_by_email(&db, &app.id, &email).await?.is_some() {
                return Err(email_taken());
            }
            return Err(ApiError::new(ErrorCode::InvalidCode, "the verificationToken is already used: verify the email again"));
        }
        None => None,
    };
    let user_handle = random_bytes(USER_HANDLE_LEN)?;
    let data = SignupData { email, display_name, user_handle: base64url::encode(&user_handle), verification_id };
    let owner = NewPasskeyOwner { user_handle: &user_handle, email: &data.email, display_name: &data.display_name };
    let challenge = keep_pending(env, &req, app, Ceremony::Signup, &data).await?;
    Ok(json(200, &creation_options_json(app, &challenge, &owner, &[])))
}

/// `POST .../signup/complete` credential or `{credential, name?}` →
/// 201 `{user, passkey, recoveryCodes, session}`.
pub async fn complete(mut req: Request, env: &Env, app: &Application, now_ms: i64) -> ApiResult<Response> {
    let body = complete_body::<RegistrationResponseJson>(read_json(&mut req).await?)?;
    let name = optional_name(&body.fields, "name")?;
    let credential = ParsedRegistration::parse(&body.credential).map_err(verification_failed)?;
    let (challenge, data): (_, SignupData) = take_pending(env, app, Ceremony::Signup, credential.challenge()).await?;
    let db = database(env)?;
    let (verified, authenticator, anchored) = verify_new_passkey(env, app, &challenge, &credential, now_ms).await?;
    // An email taken since signup/start, or a credential id registered meanwhile, fails the
    // batch on a UNIQUE constraint (see `commit`), and nothing is stored.

    let user = User {
        id: random_id("usr_")?,
        app_id: app.id.clone(),
        email: data.email,
        email_verified: data.verification_id.is_some(),
        display_name: data.display_name,
        user_handle: data.user_handle,
        created_at: now_ms,
        locale: i18n::of_request(&req),
    };
    let passkey = new_stored_credential(app, &user.id, verified, anchored, name, now_ms)?;
    let (recovery_codes, recovery_code_rows) = recovery_codes::new_set(&db, &hmac_key(env)?, &user.id, now_ms)?;
    let ceremony = sessions::Ceremony::now(&passkey.id, now_ms);
    let (session, session_rows) = sessions::new_session(env, &req, app, &user.id, &ceremony, now_ms).await?;
    let mut writes = vec![users::insert_stmt(&db, &user)?, credentials::insert_stmt(&db, &passkey)?];
    if let Some(id) = &data.verification_id {
        writes.push(email_verification::use_token_stmt(&db, id, now_ms)?);
    }
    writes.extend(recovery_code_rows);
    writes.extend(session_rows);
    // Audit: the user, then their first passkey (in the signup's batch).
    let client = events::Client::of(&req);
    let created =
        NewEvent::new(EventType::UserCreated, &app.id).announced(app.webhooks).user(&user.id).session(&session.id).detail(
            events::Detail::new().flag("emailVerified", user.email_verified).optional_text("verificationId", data.verification_id.as_deref()),
        );
    let added = NewEvent::new(EventType::PasskeyAdded, &app.id)
        .announced(app.webhooks)
        .user(&user.id)
        .passkey(&passkey.id)
        .session(&session.id)
        .detail(passkey_detail(&passkey, authenticator.as_ref()));
    let recorded = vec![events::record(&db, &client, created, now_ms)?, events::record(&db, &client, added, now_ms)?];
    writes.extend(recorded.iter().map(|r| r.stmt.clone()));
    commit(&db, writes, "store signup").await?;
    events::committed(env, recorded).await;

    Ok(json(
        201,
        &json!({
            "user": user.to_json(),
            "passkey": passkey.to_passkey_json_with(authenticator.as_ref()),
            "recoveryCodes": recovery_codes,
            "session": session,
        }),
    ))
}
