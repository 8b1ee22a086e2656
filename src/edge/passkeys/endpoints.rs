//! What signed-in users do with their passkeys and recovery codes, and the operator's reset:
//! `GET /api/v1/users/me/passkeys`, `PATCH /api/v1/users/me/passkeys/{id}`,
//! `DELETE /auth/passkey-provider/passkeys/{id}`, `POST /api/v1/users/me/recovery-codes`,
//! `DELETE /api/v1/users/{userId}/passkeys`.

use serde::Deserialize;
use worker::{Env, Request, Response};

use crate::contract::error::{ApiError, ErrorCode};
use crate::contract::routes::Endpoint;
use crate::edge::admin::caller::{self, Caller};
use crate::edge::events::{self, Actor, Client, NewEvent};
use crate::edge::hand_off;
use crate::edge::metadata::store as metadata_store;
use crate::edge::passkeys::credentials;
use crate::edge::passkeys::recovery_codes;
use crate::edge::platform::config;
use crate::edge::platform::db::{changes, database, failed, D1Batch};
use crate::edge::platform::http::{json, no_content, read_json, ApiResult};
use crate::edge::platform::outcome_log::{Event, OutcomeLog};
use crate::edge::sessions::{self, BearerAuth, RevokeReason};
use crate::edge::tenancy::{app_lookup, applications};
use crate::edge::users;
use crate::events::EventType;
use crate::mail::notice::{Notice, NoticeKind};
use crate::tenancy::application::Application;

/// Longest passkey name, in characters.
const MAX_NAME_CHARS: usize = 64;

/// `GET /api/v1/users/me/passkeys` (Bearer) → `{passkeys: [passkey]}`, oldest first.
pub async fn list(req: Request, env: &Env, known: Option<&Application>, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, Endpoint::ListPasskeys.log_name());
    let result = async {
        let auth = signed_in_any_app(&req, env, known, now_ms, &mut log).await?;
        let db = database(env)?;
        let passkeys = credentials::list_for_user(&db, &auth.app_id, &auth.user_id).await?;
        let models = metadata_store::summaries_for_user(&db, &auth.app_id, &auth.user_id).await?;
        let passkeys: Vec<_> = passkeys.iter().map(|p| p.to_passkey_json_with(models.get(&p.aaguid))).collect();
        Ok(json(200, &serde_json::json!({ "passkeys": passkeys })))
    }
    .await;
    log.finish(result)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RenameBody {
    name: String,
}

/// `PATCH /api/v1/users/me/passkeys/{id}` (Bearer) `{name}` → `{passkey}`.
pub async fn rename(mut req: Request, env: &Env, known: Option<&Application>, passkey_id: &str, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, Endpoint::RenamePasskey.log_name());
    let result = async {
        let auth = signed_in_any_app(&req, env, known, now_ms, &mut log).await?;
        let body: RenameBody = read_json(&mut req).await?;
        let name = valid_name(&body.name)?;
        let db = database(env)?;
        let mut passkey = credentials::find_for_user(&db, &auth.app_id, &auth.user_id, passkey_id).await?.ok_or_else(no_such_passkey)?;
        let renamed = NewEvent::new(EventType::PasskeyRenamed, &auth.app_id)
            .user(&auth.user_id)
            .passkey(&passkey.id)
            .session(&auth.session_id)
            .detail(events::Detail::new().text("name", &name));
        let recorded = events::record_if_changed(&db, &Client::of(&req), renamed, now_ms)?;
        let results = db
            .run_batch(vec![credentials::rename_stmt(&db, &auth.user_id, &passkey.id, &name)?, recorded.stmt.clone()])
            .await
            .map_err(|e| failed("rename credential", e))?;
        // Removed meanwhile (by another session): nothing renamed, nothing recorded.
        if results.first().map_or(0, changes) == 0 {
            return Err(no_such_passkey());
        }
        events::committed(env, vec![recorded]).await;
        passkey.name = Some(name);
        let model = metadata_store::summary(&db, &passkey.aaguid).await?;
        Ok(json(200, &serde_json::json!({ "passkey": passkey.to_passkey_json_with(model.as_ref()) })))
    }
    .await;
    log.finish(result)
}

/// `DELETE /auth/passkey-provider/passkeys/{id}` (Bearer) → 204; `409 last_passkey` for the
/// user's only passkey (without one the user could never sign in again). The other sessions
/// signed in with the removed passkey end with it (in the same transaction).
pub async fn delete(req: Request, env: &Env, known: Option<&Application>, passkey_id: &str, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, Endpoint::DeletePasskey.log_name());
    let result = async {
        let app = app_lookup::for_request(&req, env, known).await?;
        log.set_app(&app.id);
        let auth = sessions::authenticate_bearer(&req, env, &app, now_ms).await?;
        let db = database(env)?;
        let passkey = credentials::find_for_user(&db, &auth.app_id, &auth.user_id, passkey_id).await?.ok_or_else(no_such_passkey)?;
        // Audit: written only when the delete removed the passkey (`changes()` of the statement
        // before it); its detail counts the other sessions that ended with it.
        let removed = NewEvent::new(EventType::PasskeyRemoved, &auth.app_id).user(&auth.user_id).passkey(&passkey.id).session(&auth.session_id);
        let recorded = events::record_if_changed(&db, &Client::of(&req), removed, now_ms)?;
        let results = db
            .run_batch(vec![
                credentials::delete_unless_last_stmt(&db, &auth.user_id, &passkey.id)?,
                recorded.stmt.clone(),
                sessions::revoke_for_removed_passkey_stmt(&db, &passkey.id, &auth.session_id, now_ms)?,
                events::detail_count_stmt(&db, &recorded.id, "sessionsEnded")?,
            ])
            .await
            .map_err(|e| failed("delete credential", e))?;
        if results.first().map_or(0, changes) == 0 {
            return Err(ApiError::new(ErrorCode::LastPasskey, "this is the user's only passkey; add another one before removing it"));
        }
        events::committed(env, vec![recorded]).await;
        Ok(no_content())
    }
    .await;
    log.finish(result)
}

/// `POST /api/v1/users/me/recovery-codes` (Bearer) → `{recoveryCodes}`: 10 new codes, shown
/// this once; the old set stops working. Needs a passkey ceremony within the last 5 minutes
/// (`401 reauthentication_required`): a stolen access token alone cannot take the codes over.
pub async fn new_recovery_codes(req: Request, env: &Env, known: Option<&Application>, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, Endpoint::NewRecoveryCodes.log_name());
    let result = async {
        let auth = signed_in_any_app(&req, env, known, now_ms, &mut log).await?;
        sessions::require_recent_ceremony(&auth, now_ms)?;
        let db = database(env)?;
        let (codes, mut statements) = recovery_codes::new_set(&db, &config::hmac_key(env)?, &auth.user_id, now_ms)?;
        let regenerated = NewEvent::new(EventType::RecoveryCodesRegenerated, &auth.app_id).user(&auth.user_id).session(&auth.session_id);
        let recorded = events::record(&db, &Client::of(&req), regenerated, now_ms)?;
        statements.push(recorded.stmt.clone());
        db.run_batch(statements).await.map_err(|e| failed("replace recovery codes", e))?;
        events::committed(env, vec![recorded]).await;
        Ok(json(200, &serde_json::json!({ "recoveryCodes": codes })))
    }
    .await;
    log.finish(result)
}

/// `DELETE /api/v1/users/{userId}/passkeys` (operator key, or the key of the user's
/// application) → `{removed: n}`: removes every passkey of the user, ends all their sessions,
/// burns their recovery codes and their pending hand-off codes, in one transaction: whatever a
/// thief of the account may have planted (a passkey, a set of codes, a code) is gone.
pub async fn operator_reset(req: Request, env: &Env, user_id: &str, now_ms: i64) -> ApiResult<Response> {
    let mut log = OutcomeLog::start(Event::Request, Endpoint::OperatorReset.log_name());
    let result = async {
        let (caller, actor) = caller::authenticate_actor(&req, env).await?;
        let db = database(env)?;
        let user = users::find_by_id_in_any_app(&db, user_id).await?.ok_or_else(|| ApiError::not_found("no such user"))?;
        // An application key acts on its own application's users only, as on applications.
        if let Caller::Application(app_id) = &caller {
            if *app_id != user.app_id {
                return Err(ApiError::forbidden("this API key is for another application"));
            }
        }
        log.set_app(&user.app_id);
        let reset = NewEvent::new(EventType::PasskeysReset, &user.app_id).user(&user.id).by(Actor::from_recorded(&actor));
        let recorded = events::record(&db, &Client::of(&req), reset, now_ms)?;
        // The counts go into the event's detail by the statements right after what they count.
        let results = db
            .run_batch(vec![
                recorded.stmt.clone(),
                credentials::delete_all_for_user_stmt(&db, &user.id)?,
                events::detail_count_stmt(&db, &recorded.id, "removed")?,
                sessions::revoke_all_for_user_stmt(&db, &user.id, now_ms, RevokeReason::OperatorReset)?,
                events::detail_count_stmt(&db, &recorded.id, "sessionsEnded")?,
                recovery_codes::burn_all_for_user_stmt(&db, &user.id, now_ms)?,
                hand_off::burn_pending_for_user_stmt(&db, &user.id, now_ms)?,
            ])
            .await
            .map_err(|e| failed("reset user's passkeys", e))?;
        let removed = results.get(1).map_or(0, changes);
        events::committed(env, vec![recorded]).await;
        // The security notice (`users::notices`: verified addresses only, so look the name up only then).
        if removed > 0 && user.email_verified {
            if let Ok(Some(app)) = applications::find(&db, &user.app_id).await {
                let notice = Notice { kind: NoticeKind::PasskeysReset, app_name: &app.name, passkey: "", at_ms: now_ms, user_agent: None };
                users::notices::send(env, &user, &notice).await;
            }
        }
        Ok(json(200, &serde_json::json!({ "removed": removed })))
    }
    .await;
    log.finish(result)
}

/// The Bearer check of the `/api/v1/users/me/...` endpoints. The application is the one the
/// request names (host or `X-Authaz-App`), else the token's audience: an API client holding an
/// access token need not say which application it is for. Either way the token must verify
/// for that application and its session must be live.
async fn signed_in_any_app(req: &Request, env: &Env, known: Option<&Application>, now_ms: i64, log: &mut OutcomeLog) -> ApiResult<BearerAuth> {
    Ok(signed_in_app(req, env, known, now_ms, log).await?.1)
}

/// [`signed_in_any_app`] with the application found (for the account endpoints of `edge::users`).
pub(crate) async fn signed_in_app(
    req: &Request,
    env: &Env,
    known: Option<&Application>,
    now_ms: i64,
    log: &mut OutcomeLog,
) -> ApiResult<(Application, BearerAuth)> {
    let app = match app_lookup::for_request(req, env, known).await {
        Ok(app) => app,
        Err(e) if e.code == ErrorCode::AppNotFound => {
            let invalid = || ApiError::unauthorized("missing or invalid Bearer token");
            let audience = sessions::unverified_audience(req).filter(|aud| aud.len() <= 64).ok_or_else(invalid)?;
            applications::find(&database(env)?, &audience).await?.ok_or_else(invalid)?
        }
        Err(e) => return Err(e),
    };
    log.set_app(&app.id);
    let auth = sessions::authenticate_bearer(req, env, &app, now_ms).await?;
    Ok((app, auth))
}

/// A passkey name as stored: trimmed, 1 to 64 characters, no control characters.
fn valid_name(raw: &str) -> ApiResult<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::invalid_request(format!("`name` must be 1 to {MAX_NAME_CHARS} characters without control characters")));
    }
    Ok(name.to_string())
}

fn no_such_passkey() -> ApiError {
    ApiError::not_found("no such passkey")
}
