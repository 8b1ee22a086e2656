//! Login with a passkey: usernameless (`{}`: discoverable credentials, empty allowCredentials)
//! or with `{email}` (that user's credentials listed, for security keys without resident keys).
//! An unknown email answers like `{}`, but a known one lists its credentials: by design (the
//! contract's `{email}` variant), `{email}` tells whoever asks that the email has passkeys here.
//! Applications that must not reveal that use `{}` (discoverable credentials) only.

use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::{D1Database, Env, Request, Response};

use super::{body_fields, complete_body, keep_pending, optional_string, take_pending, timeout_ms, verification_failed, Ceremony};
use crate::contract::error::{ApiError, ErrorCode};
use crate::contract::json_fields;
use crate::edge::events::{self, NewEvent};
use crate::edge::i18n;
use crate::edge::passkeys::credentials;
use crate::edge::platform::db::{changes, database, failed, replica, D1Batch};
use crate::edge::platform::http::{json, read_json, ApiResult};
use crate::edge::platform::rate_limits;
use crate::edge::platform::web_crypto;
use crate::edge::sessions;
use crate::edge::sessions::RevokeReason;
use crate::edge::users;
use crate::events::EventType;
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
        // A read replica's list: a passkey added a moment ago may be missing (the browser then
        // offers the others), one removed a moment ago is refused at login/complete.
        for cred in credentials::list_for_email(&replica(env)?, &app.id, &email).await? {
            if let Ok(id) = base64url::decode(&cred.credential_id, MAX_CREDENTIAL_ID, "credential id") {
                allow.push(CredentialDescriptor { id, transports: cred.transports });
            }
        }
    }
    let challenge = keep_pending(env, &req, app, Ceremony::Login, LoginData { reauth }).await?;
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
///
/// Audit: `login.succeeded` in the login's batch; once the challenge was taken (a login/start
/// paid for it: a replayed or forged body alone writes nothing), a refusal writes
/// `login.refused`, naming the failed check, alone.
pub async fn complete(mut req: Request, env: &Env, app: &Application, now_ms: i64) -> ApiResult<Response> {
    let body = complete_body::<AuthenticationResponseJson>(read_json(&mut req).await?)?;
    let credential = ParsedAuthentication::parse(&body.credential).map_err(verification_failed)?;
    let (challenge, LoginData { reauth }) = take_pending(env, app, Ceremony::Login, credential.challenge()).await?;
    let db = database(env)?;
    let client = events::Client::of(&req);
    let mut known = Known::default();
    let result = verify_and_store(&req, env, app, &db, &client, &credential, (&challenge, reauth), &mut known, now_ms).await;
    if let Err(err) = &result {
        if !known.recorded && err.status() < 500 {
            let refused = refused_event(app, &known, err);
            // The refusal is answered whether or not its event could be stored.
            if events::write_alone(env, &db, &client, refused, now_ms).await.is_err() {
                worker::console_error!("login/complete: the login.refused event was not stored");
            }
        }
    }
    result
}

/// The refusal of a passkey this application does not know. It says `unknownCredential` (the page
/// then tells the passkey provider to forget it) only when no other application with the same
/// rpId holds it either: a passkey of a sibling application sharing the rpId is never signalled away.
async fn unknown_passkey(db: &D1Database, app: &Application, credential_id: &str, message: &str) -> ApiResult<ApiError> {
    let refused = ApiError::check(Check::CredentialId, message);
    let elsewhere = credentials::held_by_another_app_of_rp_id(db, &app.id, &app.rp_id, credential_id).await?;
    Ok(if elsewhere { refused } else { refused.of_unknown_credential() })
}

/// What a login/complete learnt before it was refused, for its `login.refused`.
#[derive(Default)]
struct Known {
    passkey_id: Option<String>,
    user_id: Option<String>,
    /// The refusal is already recorded (in the batch that undid the login).
    recorded: bool,
}

/// `login.refused`: `detail.check` is the failed check's name (`signature`, `sign_count`, ...,
/// the lead of a `verification_failed` message), else the error's code.
fn refused_event<'a>(app: &'a Application, known: &'a Known, err: &ApiError) -> NewEvent<'a> {
    let check = match err.code {
        ErrorCode::VerificationFailed => err.message.split(':').next().unwrap_or_default(),
        code => code.as_str(),
    };
    let mut event = NewEvent::new(EventType::LoginRefused, &app.id).announced(app.webhooks).detail(events::Detail::new().text("check", check));
    event.user_id = known.user_id.as_deref();
    event.passkey_id = known.passkey_id.as_deref();
    event
}

#[allow(clippy::too_many_arguments)]
async fn verify_and_store(
    req: &Request,
    env: &Env,
    app: &Application,
    db: &D1Database,
    client: &events::Client,
    credential: &ParsedAuthentication<'_>,
    // The challenge, and whether login/start made it for a reauthentication.
    (challenge, reauth): (&[u8], bool),
    known: &mut Known,
    now_ms: i64,
) -> ApiResult<Response> {
    let id = base64url::encode(credential.credential_id().map_err(verification_failed)?);
    let (stored, owner) = match credentials::find_with_owner(db, &app.id, &id).await? {
        Some((stored, Some(owner))) => (stored, owner),
        found => {
            known.passkey_id = found.map(|(stored, _)| stored.id);
            let message = if known.passkey_id.is_some() {
                "this passkey's user no longer exists"
            } else {
                "this passkey is not registered with this application"
            };
            return Err(unknown_passkey(db, app, &id, message).await?);
        }
    };
    known.passkey_id = Some(stored.id.clone());
    known.user_id = Some(owner.id.clone());
    let public_key = base64url::decode(&stored.public_key, MAX_COSE_KEY, "stored public key").map_err(|_| ApiError::internal())?;
    let owner_handle = base64url::decode(&owner.user_handle, MAX_USER_HANDLE, "user handle").map_err(|_| ApiError::internal())?;
    let signatures = Deferred::new();
    let verified = verify_authentication_with(
        credential,
        &AuthenticationPolicy {
            rp_id: &app.rp_id,
            origins: &app.accepted_origins(),
            allow_cross_origin: false,
            top_origins: &[],
            challenge,
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
    let (session, session_rows) = sessions::new_session(env, req, app, &owner.id, &ceremony, now_ms).await?;
    let mut writes = vec![credentials::record_login_stmt(db, &stored.id, verified.sign_count, verified.backed_up, now_ms)?];
    writes.extend(session_rows);
    let succeeded =
        NewEvent::new(EventType::LoginSucceeded, &app.id).announced(app.webhooks).user(&owner.id).passkey(&stored.id).session(&session.id);
    // Written only when the counter update above changed the passkey (`changes()` of the
    // statement before it: the session rows come after).
    let recorded = events::record_if_changed(db, client, succeeded, now_ms)?;
    writes.insert(1, recorded.stmt.clone());
    // The user's mail follows the language they sign in with (when the request names one); only
    // if the login stands (right after its event, which was written only if the counter moved).
    if let Some(locale) = i18n::requested(req).filter(|l| *l != owner.locale) {
        writes.insert(2, users::set_locale_if_changed_stmt(db, &owner.id, locale)?);
    }
    if reauth {
        writes.push(users::live_sessions::mark_reauth_stmt(db, &session.id)?);
    }
    let results = db.run_batch(writes).await.map_err(|e| failed("store login", e))?;
    if results.first().map_or(0, changes) != 1 {
        // Another login with this counter value got there first. End the session stored with
        // this one (its tokens are never handed out), and record the refusal with it.
        let err = ApiError::check(Check::SignCount, "the signature counter did not grow");
        let refused = events::record(db, client, refused_event(app, known, &err).session(&session.id), now_ms)?;
        db.run_batch(vec![sessions::revoke_stmt(db, &session.id, now_ms, RevokeReason::LoginRefused)?, refused.stmt.clone()])
            .await
            .map_err(|e| failed("end refused login's session", e))?;
        known.recorded = true;
        events::committed(env, vec![refused]).await;
        return Err(err);
    }
    events::committed(env, vec![recorded]).await;
    Ok(json(200, &json!({ "user": owner.to_json(), "session": session })))
}
