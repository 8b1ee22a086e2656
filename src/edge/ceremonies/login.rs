//! Login with a passkey: usernameless (`{}`: discoverable credentials, empty allowCredentials)
//! or with `{email}` (that user's credentials listed, for security keys without resident keys).
//! An unknown email answers like `{}`, but a known one lists its credentials: by design (the
//! contract's `{email}` variant), `{email}` tells whoever asks that the email has passkeys here.
//! Applications that must not reveal that use `{}` (discoverable credentials) only.

use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::{Env, Request, Response};

use super::{body_fields, complete_body, keep_pending, optional_string, take_pending, timeout_ms, verification_failed, Ceremony};
use crate::contract::error::ApiError;
use crate::contract::json_fields;
use crate::edge::passkeys::credentials;
use crate::edge::platform::db::{changes, database, failed};
use crate::edge::platform::http::{json, read_json, ApiResult};
use crate::edge::platform::rate_limits;
use crate::edge::platform::web_crypto;
use crate::edge::sessions;
use crate::edge::sessions::RevokeReason;
use crate::edge::users;
use crate::tenancy::application::Application;
use crate::tenancy::email_address::normalize_email;
use crate::webauthn::limits::{MAX_COSE_KEY, MAX_CREDENTIAL_ID, MAX_USER_HANDLE};
use crate::webauthn::{
    base64url, request_options, verify_authentication_with, AuthenticationPolicy, AuthenticationResponseJson, CredentialDescriptor, Deferred,
    ErrorCode as Check, ParsedAuthentication, RequestOptionsInput,
};

/// Login keeps, besides the challenge itself (and its application and ceremony), whether it is
/// a reauthentication (`"purpose": "reauth"`): the session it makes is marked so, for what needs
/// a fresh passkey ceremony bound to that purpose (`DELETE /api/v1/users/me`).
#[derive(Serialize, Deserialize)]
struct LoginData {
    #[serde(default)]
    reauth: bool,
}

/// `POST .../login/start` `{}` or `{email}`, either with `purpose` (`"signin"`, the default, or
/// `"reauth"`) → request options.
pub async fn start(mut req: Request, env: &Env, app: &Application) -> ApiResult<Response> {
    rate_limits::ceremony_start(env, &req, app).await?;
    let fields = body_fields(read_json(&mut req).await?)?;
    let reauth = json_fields::enum_field(&fields, "purpose", &[("signin", false), ("reauth", true)])?.unwrap_or(false);
    let mut allow = Vec::new();
    if let Some(email) = optional_string(&fields, "email")?.and_then(normalize_email) {
        for cred in credentials::list_for_email(&database(env)?, &app.id, &email).await? {
            if let Ok(id) = base64url::decode(&cred.credential_id, MAX_CREDENTIAL_ID, "credential id") {
                allow.push(CredentialDescriptor { id, transports: cred.transports });
            }
        }
    }
    let challenge = keep_pending(env, app, Ceremony::Login, LoginData { reauth }).await?;
    let options = request_options(&RequestOptionsInput {
        challenge: &challenge,
        rp_id: &app.rp_id,
        allow_credentials: &allow,
        user_verification: app.passkey.user_verification,
        timeout_ms: timeout_ms(app),
        hints: &[],
    });
    Ok(json(200, &options))
}

/// `POST .../login/complete` credential or `{credential}` → `{user, session}`.
pub async fn complete(mut req: Request, env: &Env, app: &Application, now_ms: i64) -> ApiResult<Response> {
    let body = complete_body::<AuthenticationResponseJson>(read_json(&mut req).await?)?;
    let credential = ParsedAuthentication::parse(&body.credential).map_err(verification_failed)?;
    let (challenge, LoginData { reauth }) = take_pending(env, app, Ceremony::Login, credential.challenge()).await?;

    let db = database(env)?;
    let id = credential.credential_id().map_err(verification_failed)?;
    let (stored, owner) = credentials::find_with_owner(&db, &app.id, &base64url::encode(id))
        .await?
        .ok_or_else(|| ApiError::check(Check::CredentialId, "this passkey is not registered with this application"))?;
    let owner = owner.ok_or_else(|| ApiError::check(Check::CredentialId, "this passkey's user no longer exists"))?;
    let public_key = base64url::decode(&stored.public_key, MAX_COSE_KEY, "stored public key").map_err(|_| ApiError::internal())?;
    let owner_handle = base64url::decode(&owner.user_handle, MAX_USER_HANDLE, "user handle").map_err(|_| ApiError::internal())?;
    let signatures = Deferred::new();
    let verified = verify_authentication_with(
        &credential,
        &AuthenticationPolicy {
            rp_id: &app.rp_id,
            origins: &app.origins,
            allow_cross_origin: false,
            top_origins: &[],
            challenge: &challenge,
            user_verification: app.passkey.user_verification,
            public_key_cose: &public_key,
            stored_sign_count: stored.sign_count,
            backup_eligible: Some(stored.backup_eligible),
            user_handle: Some(&owner_handle),
        },
        &signatures,
    )
    .map_err(verification_failed)?;
    web_crypto::run_pending(signatures.into_pending()).await.map_err(verification_failed)?;

    let ceremony = sessions::Ceremony::now(&stored.id, now_ms);
    let (session, session_rows) = sessions::new_session(env, &req, app, &owner.id, &ceremony, now_ms).await?;
    let mut writes = vec![credentials::record_login_stmt(&db, &stored.id, verified.sign_count, verified.backed_up, now_ms)?];
    writes.extend(session_rows);
    if reauth {
        writes.push(users::live_sessions::mark_reauth_stmt(&db, &session.id)?);
    }
    let results = db.batch(writes).await.map_err(|e| failed("store login", e))?;
    if results.first().map_or(0, changes) != 1 {
        // Another login with this counter value got there first. End the session stored with
        // this one (its tokens are never handed out).
        sessions::revoke_stmt(&db, &session.id, now_ms, RevokeReason::LoginRefused)?
            .run()
            .await
            .map_err(|e| failed("end refused login's session", e))?;
        return Err(ApiError::check(Check::SignCount, "the signature counter did not grow"));
    }
    Ok(json(200, &json!({ "user": owner.to_json(), "session": session })))
}
