//! The admin API of applications: create, read and patch them, and their passkey config.
//! Every handler checks the key first, then the body; a bad body changes nothing.

use serde_json::{json, Value};
use worker::{Env, Request, Response};

use crate::contract::error::ApiError;
use crate::edge::admin::api_keys;
use crate::edge::admin::caller::{authenticate, authenticate_actor, require_app_key};
use crate::edge::events::{self, Actor, Client, Detail, NewEvent};
use crate::edge::platform::config;
use crate::edge::platform::db::database;
use crate::edge::platform::http::{json, read_json, ApiResult};
use crate::edge::tenancy::applications;
use crate::events::EventType;
use crate::tenancy::application::{changed_config_fields, Application, ApplicationPatch, NewApplication, PasskeyConfig, PasskeyConfigPatch};
use crate::tenancy::reserved_hosts;
use crate::tokens::secrets::{random_token, SystemRandom};

/// `POST /api/v1/applications` (operator) → 201 `{application, apiKey}`; the key is shown only here.
pub async fn create_application(mut req: Request, env: &Env) -> ApiResult<Response> {
    authenticate(&req, env).await?.require_operator()?;
    let client = Client::of(&req);
    let body: Value = read_json(&mut req).await?;
    let new = NewApplication::from_json(&body)?;
    refuse_reserved_hostnames(env, &new.hostnames)?;
    let db = database(env)?;
    applications::check_hostnames_free(&db, &new.hostnames, None).await?;
    let id = random_token(&mut SystemRandom, "app_", 12).map_err(|_| ApiError::internal())?;
    let now = now_ms();
    let api_key = api_keys::new_key(&db, &config::hmac_key(env)?, &id, now)?;
    let created = api_keys::event_stmt(&db, &id, &api_key.id, api_keys::Action::Created, "operator", None, now)?;
    // Audit (after the application's row in the batch): its creation and its first key.
    let recorded = vec![
        events::record(
            &db,
            &client,
            NewEvent::new(EventType::ApplicationUpdated, &id).by(Actor::Operator).detail(Detail::new().text("action", "created")),
            now,
        )?,
        events::record(&db, &client, key_event(&id, &api_key.id, "created", Actor::Operator), now)?,
    ];
    let mut extra = vec![api_key.insert, created];
    extra.extend(recorded.iter().map(|r| r.stmt.clone()));
    let app = applications::create(&db, &id, &new, now, extra).await?;
    events::committed(env, recorded).await;
    Ok(json(201, &json!({ "application": app, "apiKey": api_key.key })))
}

/// `GET /api/v1/applications/{appId}` → `{application}`.
pub async fn get_application(req: &Request, env: &Env, app_id: &str) -> ApiResult<Response> {
    let app = authorized_app(req, env, app_id).await?;
    Ok(json(200, &json!({ "application": app })))
}

/// `PATCH /api/v1/applications/{appId}`: any of `name, rpName, origins, hostnames, redirectUris`.
/// `hostnames` decide which application a host's requests reach: only the operator changes them.
pub async fn patch_application(mut req: Request, env: &Env, app_id: &str) -> ApiResult<Response> {
    let (caller, actor) = authenticate_actor(&req, env).await?;
    caller.require_app(app_id)?;
    let current = applications::find(&database(env)?, app_id).await?.ok_or_else(no_such_app)?;
    let body: Value = read_json(&mut req).await?;
    let patch = ApplicationPatch::from_json(&body, &current.rp_id)?;
    let db = database(env)?;
    if let Some(hostnames) = &patch.hostnames {
        if *hostnames != current.hostnames {
            caller.require_operator().map_err(|_| ApiError::forbidden("only the operator key may change `hostnames`"))?;
        }
        refuse_reserved_hostnames(env, hostnames)?;
        applications::check_hostnames_free(&db, hostnames, Some(app_id)).await?;
    }
    // Audit: `application.updated` naming the fields that change (none: nothing recorded).
    let now = now_ms();
    let fields = patch.changed_fields(&current);
    let updated =
        NewEvent::new(EventType::ApplicationUpdated, app_id).by(Actor::from_recorded(&actor)).detail(Detail::new().texts("fields", &fields));
    let recorded = if fields.is_empty() { Vec::new() } else { vec![events::record(&db, &Client::of(&req), updated, now)?] };
    let app = applications::update(&db, app_id, &patch, now, recorded.iter().map(|r| r.stmt.clone()).collect()).await?.ok_or_else(no_such_app)?;
    events::committed(env, recorded).await;
    Ok(json(200, &json!({ "application": app })))
}

/// `GET /api/v1/applications/{appId}/auth/passkey` → `{passkey}`.
pub async fn get_passkey_config(req: &Request, env: &Env, app_id: &str) -> ApiResult<Response> {
    let app = authorized_app(req, env, app_id).await?;
    Ok(json(200, &json!({ "passkey": app.passkey })))
}

/// `PUT /api/v1/applications/{appId}/auth/passkey` → `{passkey}`; fields left out keep their values.
pub async fn put_passkey_config(mut req: Request, env: &Env, app_id: &str) -> ApiResult<Response> {
    let (caller, actor) = authenticate_actor(&req, env).await?;
    caller.require_app(app_id)?;
    let client = Client::of(&req);
    let body: Value = read_json(&mut req).await?;
    let patch = PasskeyConfigPatch::from_json(&body)?;
    let db = database(env)?;
    let now = now_ms();
    // Audit: `application.updated` with `detail.passkey`: the config fields that change.
    let event = |before: &PasskeyConfig, after: &PasskeyConfig| {
        let fields = changed_config_fields(before, after);
        if fields.is_empty() {
            return Ok(None);
        }
        let updated = NewEvent::new(EventType::ApplicationUpdated, app_id)
            .by(Actor::from_recorded(&actor))
            .detail(Detail::new().texts("fields", &["passkey"]).texts("passkey", &fields));
        events::record_if_changed(&db, &client, updated, now).map(Some)
    };
    let (config, recorded) = applications::update_passkey_config(&db, app_id, &patch, now, event).await?.ok_or_else(no_such_app)?;
    events::committed(env, recorded.into_iter().collect()).await;
    Ok(json(200, &json!({ "passkey": config })))
}

/// Refuses the Worker's own hosts (`config::reserved_hosts`) as an application's hostnames.
fn refuse_reserved_hostnames(env: &Env, hostnames: &[String]) -> ApiResult<()> {
    let reserved = config::reserved_hosts(env);
    match hostnames.iter().find(|h| reserved_hosts::is_reserved(h, &reserved)) {
        Some(host) => {
            Err(ApiError::invalid_request(format!("`hostnames`: \"{host}\" is one of the Worker's own hosts and cannot be an application's")))
        }
        None => Ok(()),
    }
}

/// The application `app_id` once the caller may see it.
async fn authorized_app(req: &Request, env: &Env, app_id: &str) -> ApiResult<Application> {
    require_app_key(req, env, app_id).await?;
    applications::find(&database(env)?, app_id).await?.ok_or_else(no_such_app)
}

/// `api_key.changed` of key `key_id`: `detail.action` is created, rotated or revoked.
pub fn key_event<'a>(app_id: &'a str, key_id: &str, action: &str, actor: Actor) -> NewEvent<'a> {
    NewEvent::new(EventType::ApiKeyChanged, app_id).by(actor).detail(Detail::new().text("keyId", key_id).text("action", action))
}

fn no_such_app() -> ApiError {
    ApiError::not_found("no such application")
}

fn now_ms() -> i64 {
    worker::Date::now().as_millis() as i64
}
