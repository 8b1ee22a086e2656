//! Registering another passkey for an existing user, who proves who they are either with a
//! session (`Authorization: Bearer`) or, having lost their passkeys, with their email and an
//! unused recovery code. The recovery code is burned only when the new passkey is stored, and
//! that path also answers a session. A session may add a passkey only within 5 minutes of its
//! passkey ceremony (else `401 reauthentication_required`): a stolen access token alone cannot
//! plant a passkey of the thief's.

use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::{D1Database, Env, Request, Response};

use super::{
    body_fields, commit, complete_body, creation_options_json, keep_pending, new_stored_credential, optional_name, optional_string, passkey_detail,
    passkey_limit_reached, take_pending, verification_failed, verify_new_passkey, Ceremony, NewPasskeyOwner,
};
use crate::contract::error::ApiError;
use crate::contract::json_fields::Fields;
use crate::edge::events::{self, NewEvent};
use crate::edge::passkeys::credentials;
use crate::edge::passkeys::recovery_codes;
use crate::edge::platform::config::hmac_key;
use crate::edge::platform::db::database;
use crate::edge::platform::http::{json, read_json, ApiResult};
use crate::edge::platform::rate_limits;
use crate::edge::sessions;
use crate::edge::users::{self, User};
use crate::events::EventType;
use crate::mail::notice::{Notice, NoticeKind};
use crate::tenancy::application::Application;
use crate::tenancy::email_address::normalize_email;
use crate::webauthn::{base64url, limits::MAX_USER_HANDLE, ErrorCode as Check, ParsedRegistration, RegistrationResponseJson};

/// What register/start keeps for register/complete.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterData {
    user_id: String,
    /// The recovery code that authorized the start, on the recovery path.
    recovery_code_hash: Option<String>,
}

/// Who asks, and with what right.
struct Requester {
    user: User,
    /// On the recovery path: the hash of the unused recovery code presented.
    recovery_code_hash: Option<String>,
    /// The user's passkeys, when they were read with the session check (register/start).
    passkeys: Option<Vec<credentials::StoredCredential>>,
}

/// What [`identify`] also reads on the Bearer path, in the session check's round trip.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AlsoRead {
    User,
    UserAndPasskeys,
}

/// `POST .../register/start` (Bearer, or `{email, recoveryCode}`) → creation options whose
/// `excludeCredentials` are the user's passkeys.
pub async fn start(mut req: Request, env: &Env, app: &Application, now_ms: i64) -> ApiResult<Response> {
    rate_limits::ceremony_start(env, &req, app).await?;
    let fields = body_fields(read_json(&mut req).await?)?;
    let db = database(env)?;
    let requester = identify(&req, env, &db, app, &fields, now_ms, AlsoRead::UserAndPasskeys).await?;
    let existing = match requester.passkeys {
        Some(passkeys) => passkeys,
        None => credentials::list_for_user(&db, &app.id, &requester.user.id).await?,
    };
    if existing.len() >= app.passkey.max_passkeys_per_user as usize {
        return Err(passkey_limit_reached(app));
    }
    let user_handle = base64url::decode(&requester.user.user_handle, MAX_USER_HANDLE, "user handle").map_err(|_| ApiError::internal())?;
    let owner = NewPasskeyOwner { user_handle: &user_handle, email: &requester.user.email, display_name: &requester.user.display_name };
    let data = RegisterData { user_id: requester.user.id.clone(), recovery_code_hash: requester.recovery_code_hash };
    let challenge = keep_pending(env, &req, app, Ceremony::Register, &data).await?;
    Ok(json(200, &creation_options_json(app, &challenge, &owner, &existing)))
}

/// `POST .../register/complete` credential or `{credential, name?}` (Bearer), or
/// `{credential, email, recoveryCode, name?}` → 201 `{passkey}` (+ `session` on the recovery path).
pub async fn complete(mut req: Request, env: &Env, app: &Application, now_ms: i64) -> ApiResult<Response> {
    let body = complete_body::<RegistrationResponseJson>(read_json(&mut req).await?)?;
    let name = optional_name(&body.fields, "name")?;
    let db = database(env)?;
    let requester = identify(&req, env, &db, app, &body.fields, now_ms, AlsoRead::User).await?;
    let credential = ParsedRegistration::parse(&body.credential).map_err(verification_failed)?;
    let (challenge, data): (_, RegisterData) = take_pending(env, app, Ceremony::Register, credential.challenge()).await?;
    if data.user_id != requester.user.id || data.recovery_code_hash != requester.recovery_code_hash {
        return Err(ApiError::check(Check::Challenge, "the challenge was issued to another user or sign-in"));
    }
    let (verified, authenticator, anchored) = verify_new_passkey(env, app, &challenge, &credential, now_ms).await?;
    let passkey = new_stored_credential(app, &requester.user.id, verified, anchored, name, now_ms)?;

    let mut writes = vec![credentials::insert_stmt(&db, &passkey)?];
    let mut answer = json!({ "passkey": passkey.to_passkey_json_with(authenticator.as_ref()) });
    let client = events::Client::of(&req);
    let user_id = requester.user.id.as_str();
    let added = NewEvent::new(EventType::PasskeyAdded, &app.id)
        .announced(app.webhooks)
        .user(user_id)
        .passkey(&passkey.id)
        .detail(passkey_detail(&passkey, authenticator.as_ref()));
    let Some(code_hash) = &requester.recovery_code_hash else {
        let recorded = events::record(&db, &client, added, now_ms)?;
        writes.push(recorded.stmt.clone());
        commit(&db, writes, "store new passkey").await?;
        events::committed(env, vec![recorded]).await;
        notify(env, app, &requester.user, NoticeKind::PasskeyAdded, &passkey.display_name_with(authenticator.as_ref()), &client, now_ms).await;
        return Ok(json(201, &answer));
    };
    let ceremony = sessions::Ceremony::now(&passkey.id, now_ms);
    let (session, session_rows) = sessions::new_session(env, &req, app, &requester.user.id, &ceremony, now_ms).await?;
    writes.extend(session_rows);
    // Audit: the recovery code used (never the code itself), then the passkey it paid for.
    let used = NewEvent::new(EventType::RecoveryCodeUsed, &app.id).announced(app.webhooks).user(user_id).passkey(&passkey.id).session(&session.id);
    let recorded = vec![events::record(&db, &client, used, now_ms)?, events::record(&db, &client, added.session(&session.id), now_ms)?];
    writes.extend(recorded.iter().map(|r| r.stmt.clone()));
    answer["session"] = serde_json::to_value(session).map_err(|_| ApiError::internal())?;
    // The code pays for this passkey: claim it first (one of two racing completes wins), and
    // give it back if the passkey cannot be stored after all.
    if !recovery_codes::claim(&db, code_hash, now_ms).await? {
        return Err(ApiError::unauthorized("the recovery code has just been used"));
    }
    if let Err(err) = commit(&db, writes, "store new passkey").await {
        recovery_codes::release(&db, code_hash, now_ms).await?;
        return Err(err);
    }
    events::committed(env, recorded).await;
    notify(env, app, &requester.user, NoticeKind::RecoveryCodeUsed, &passkey.display_name_with(authenticator.as_ref()), &client, now_ms).await;
    Ok(json(201, &answer))
}

/// The security notice of a passkey bound to an account (`users::notices`).
async fn notify(env: &Env, app: &Application, user: &User, kind: NoticeKind, passkey: &str, client: &events::Client, now_ms: i64) {
    let notice = Notice { kind, app_name: &app.name, passkey, at_ms: now_ms, user_agent: client.user_agent.as_deref() };
    users::notices::send(env, user, &notice).await;
}

/// The requester: by `Authorization: Bearer` when the header is there (the session, the user
/// and, for `also`, the user's passkeys in one D1 round trip), else by `email` and
/// `recoveryCode` in the body. Anything else answers 401.
async fn identify(
    req: &Request,
    env: &Env,
    db: &D1Database,
    app: &Application,
    fields: &Fields,
    now_ms: i64,
    also: AlsoRead,
) -> ApiResult<Requester> {
    if req.headers().has("authorization").unwrap_or(false) {
        let claims = sessions::bearer_claims(req, env, app, now_ms).await?;
        let mut reads = vec![users::find_by_id_stmt(db, &app.id, &claims.sub)?];
        if also == AlsoRead::UserAndPasskeys {
            reads.push(credentials::list_for_user_stmt(db, &app.id, &claims.sub)?);
        }
        let (auth, answers) = sessions::bearer_session(env, app, claims, now_ms, reads).await?;
        sessions::require_recent_ceremony(&auth, now_ms)?;
        let user = answers.first().map(|a| users::from_result(a, "find user by id")).transpose()?.flatten();
        let user = user.ok_or_else(|| ApiError::unauthorized("the session's user no longer exists"))?;
        let passkeys = answers.get(1).map(|a| credentials::from_result(a, "list credentials")).transpose()?;
        return Ok(Requester { user, recovery_code_hash: None, passkeys });
    }
    let (Some(email), Some(code)) = (optional_string(fields, "email")?, optional_string(fields, "recoveryCode")?) else {
        return Err(ApiError::unauthorized("sign in (Authorization: Bearer) or give your email and a recovery code"));
    };
    let refused = || ApiError::unauthorized("unknown email, or the recovery code is not one of its unused codes");
    let email = normalize_email(email).ok_or_else(refused)?;
    let user = users::find_by_email(db, &app.id, &email).await?.ok_or_else(refused)?;
    let code_hash = recovery_codes::find_unused(db, &hmac_key(env)?, &user.id, code).await?.ok_or_else(refused)?;
    Ok(Requester { user, recovery_code_hash: Some(code_hash), passkeys: None })
}
