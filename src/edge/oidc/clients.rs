//! OAuth clients in D1 (`oidc_clients`) and their admin API under
//! `/api/v1/applications/{appId}/clients` (operator key or the application's key). A
//! confidential client's secret is made here, shown once, stored as a keyed hash and compared
//! in constant time; the admin API key never works as a client secret (another hash purpose).

use serde_json::{json, Value};
use worker::{D1Database, Env, Request, Response};

use crate::contract::error::ApiError;
use crate::edge::admin::caller::authenticate_actor;
use crate::edge::events::{self, Actor, Client, Detail, NewEvent, Recorded};
use crate::edge::platform::config;
use crate::edge::platform::db::{self, changes, database, failed, query, read_all, read_one, D1Batch, D1Read};
use crate::edge::platform::http::{json, no_content, read_json, ApiResult};
use crate::edge::tenancy::applications;
use crate::events::EventType;
use crate::oidc::client::{ClientPatch, ClientType, NewClient, OAuthClient};
use crate::tokens::secrets::{constant_time_eq, keyed_hash, random_token, SystemRandom};

const SECRET_PURPOSE: &str = "oidc-client-secret";
const SECRET_PREFIX: &str = "cs_";
/// How much of a secret is kept in clear to tell secrets apart.
const SHOWN_CHARS: usize = SECRET_PREFIX.len() + 6;
const MAX_SECRET_LEN: usize = 128;
const COLUMNS: &str = "id, app_id, name, type, redirect_uris, post_logout_redirect_uris, secret_prefix, created_at, updated_at";

struct Row {
    id: String,
    app_id: String,
    name: String,
    r#type: String,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    secret_prefix: Option<String>,
    created_at: i64,
    updated_at: i64,
}

fn from_row(r: &db::Row) -> Row {
    Row {
        id: r.text("id"),
        app_id: r.text("app_id"),
        name: r.text("name"),
        r#type: r.text("type"),
        redirect_uris: r.text("redirect_uris"),
        post_logout_redirect_uris: r.text("post_logout_redirect_uris"),
        secret_prefix: r.opt_text("secret_prefix"),
        created_at: r.int("created_at"),
        updated_at: r.int("updated_at"),
    }
}

impl Row {
    fn into_client(self) -> ApiResult<OAuthClient> {
        let list = |text: &str| serde_json::from_str::<Vec<String>>(text).map_err(|_| ApiError::internal());
        Ok(OAuthClient {
            client_type: ClientType::parse(&self.r#type).ok_or_else(ApiError::internal)?,
            redirect_uris: list(&self.redirect_uris)?,
            post_logout_redirect_uris: list(&self.post_logout_redirect_uris)?,
            id: self.id,
            app_id: self.app_id,
            name: self.name,
            secret_prefix: self.secret_prefix,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The client `client_id` of application `app_id`.
pub async fn find(db: &D1Database, app_id: &str, client_id: &str) -> ApiResult<Option<OAuthClient>> {
    let sql = format!("SELECT {COLUMNS} FROM oidc_clients WHERE app_id = ?1 AND id = ?2");
    let row = query!(db, &sql, app_id, client_id)
        .map_err(|e| failed("prepare client lookup", e))?
        .first_row()
        .await
        .map_err(|e| failed("find client", e))?;
    read_one(row, from_row, "find client")?.map(Row::into_client).transpose()
}

/// Whether `presented` is the current secret of client `client_id` (constant-time compare of
/// the keyed hashes).
pub async fn secret_matches(env: &Env, db: &D1Database, client_id: &str, presented: &str) -> ApiResult<bool> {
    if presented.is_empty() || presented.len() > MAX_SECRET_LEN {
        return Ok(false);
    }
    let stored = query!(db, "SELECT secret_hash FROM oidc_clients WHERE id = ?1", client_id)
        .map_err(|e| failed("prepare client secret lookup", e))?
        .first_text("secret_hash")
        .await
        .map_err(|e| failed("find client secret", e))?;
    let Some(stored) = stored else { return Ok(false) };
    let hash = keyed_hash(&config::hmac_key(env)?, SECRET_PURPOSE, presented);
    Ok(constant_time_eq(hash.as_bytes(), stored.as_bytes()))
}

/// A new secret: the secret (shown once), its hash and its shown prefix.
fn new_secret(env: &Env) -> ApiResult<(String, String, String)> {
    let secret = random_token(&mut SystemRandom, SECRET_PREFIX, 32).map_err(|_| ApiError::internal())?;
    let hash = keyed_hash(&config::hmac_key(env)?, SECRET_PURPOSE, &secret);
    let shown = secret.chars().take(SHOWN_CHARS).collect();
    Ok((secret, hash, shown))
}

fn json_text(list: &[String]) -> ApiResult<String> {
    serde_json::to_string(list).map_err(|_| ApiError::internal())
}

/// The caller may act for `app_id`, and it exists.
async fn authorized(req: &Request, env: &Env, app_id: &str) -> ApiResult<D1Database> {
    Ok(authorized_actor(req, env, app_id).await?.0)
}

/// [`authorized`], with who the caller is as events record it.
async fn authorized_actor(req: &Request, env: &Env, app_id: &str) -> ApiResult<(D1Database, Actor)> {
    let (caller, actor) = authenticate_actor(req, env).await?;
    caller.require_app(app_id)?;
    let db = database(env)?;
    applications::find(&db, app_id).await?.ok_or_else(|| ApiError::not_found("no such application"))?;
    Ok((db, Actor::from_recorded(&actor)))
}

/// `oidc_client.changed` of client `client_id`: `detail.action` is created, updated (with the
/// `fields` changed), deleted or secret_rotated.
fn client_event(req: &Request, db: &D1Database, app_id: &str, actor: Actor, detail: Detail, conditional: bool, now_ms: i64) -> ApiResult<Recorded> {
    let event = NewEvent::new(EventType::OidcClientChanged, app_id).by(actor).detail(detail);
    let client = Client::of(req);
    if conditional {
        events::record_if_changed(db, &client, event, now_ms)
    } else {
        events::record(db, &client, event, now_ms)
    }
}

fn no_such_client() -> ApiError {
    ApiError::not_found("no such client")
}

/// `POST /api/v1/applications/{appId}/clients` → 201 `{client, clientSecret?}`.
pub async fn create(mut req: Request, env: &Env, app_id: &str, now_ms: i64) -> ApiResult<Response> {
    let (db, actor) = authorized_actor(&req, env, app_id).await?;
    let body: Value = read_json(&mut req).await?;
    let new = NewClient::from_json(&body)?;
    let id = random_token(&mut SystemRandom, "cli_", 16).map_err(|_| ApiError::internal())?;
    let (secret, hash, shown) = match new.client_type {
        ClientType::Confidential => {
            let (secret, hash, shown) = new_secret(env)?;
            (Some(secret), Some(hash), Some(shown))
        }
        ClientType::Public => (None, None, None),
    };
    let (uris, logout_uris) = (json_text(&new.redirect_uris)?, json_text(&new.post_logout_redirect_uris)?);
    let recorded = client_event(&req, &db, app_id, actor, Detail::new().text("clientId", &id).text("action", "created"), false, now_ms)?;
    let insert = query!(
        &db,
        "INSERT INTO oidc_clients (id, app_id, name, type, redirect_uris, post_logout_redirect_uris, secret_hash, secret_prefix, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        &id,
        app_id,
        &new.name,
        new.client_type.as_str(),
        &uris,
        &logout_uris,
        &hash,
        &shown,
        now_ms,
    )
    .map_err(|e| failed("prepare client insert", e))?;
    db.run_batch(vec![insert, recorded.stmt.clone()]).await.map_err(|e| failed("store client", e))?;
    events::committed(env, vec![recorded]).await;
    let client = OAuthClient {
        id,
        app_id: app_id.to_owned(),
        name: new.name,
        client_type: new.client_type,
        redirect_uris: new.redirect_uris,
        post_logout_redirect_uris: new.post_logout_redirect_uris,
        secret_prefix: shown,
        created_at: now_ms,
        updated_at: now_ms,
    };
    let mut answer = json!({ "client": client });
    if let Some(secret) = secret {
        answer["clientSecret"] = secret.into();
    }
    Ok(json(201, &answer))
}

/// `GET /api/v1/applications/{appId}/clients` → `{clients: [client]}`.
pub async fn list(req: &Request, env: &Env, app_id: &str) -> ApiResult<Response> {
    let db = authorized(req, env, app_id).await?;
    let sql = format!("SELECT {COLUMNS} FROM oidc_clients WHERE app_id = ?1 ORDER BY created_at, id");
    let rows = query!(&db, &sql, app_id).map_err(|e| failed("prepare clients list", e))?.all_rows().await.map_err(|e| failed("list clients", e))?;
    let clients = read_all(rows, from_row, "list clients")?.into_iter().map(Row::into_client).collect::<ApiResult<Vec<_>>>()?;
    Ok(json(200, &json!({ "clients": clients })))
}

/// `GET .../clients/{clientId}` → `{client}`.
pub async fn get(req: &Request, env: &Env, app_id: &str, client_id: &str) -> ApiResult<Response> {
    let db = authorized(req, env, app_id).await?;
    let client = find(&db, app_id, client_id).await?.ok_or_else(no_such_client)?;
    Ok(json(200, &json!({ "client": client })))
}

/// `PATCH .../clients/{clientId}`: any of `name, redirectUris, postLogoutRedirectUris` → `{client}`.
pub async fn patch(mut req: Request, env: &Env, app_id: &str, client_id: &str, now_ms: i64) -> ApiResult<Response> {
    let (db, actor) = authorized_actor(&req, env, app_id).await?;
    let current = find(&db, app_id, client_id).await?.ok_or_else(no_such_client)?;
    let body: Value = read_json(&mut req).await?;
    let next = ClientPatch::from_json(&body)?.apply(&current, now_ms);
    let (uris, logout_uris) = (json_text(&next.redirect_uris)?, json_text(&next.post_logout_redirect_uris)?);
    let mut fields = Vec::new();
    for (name, differs) in [
        ("name", next.name != current.name),
        ("redirectUris", next.redirect_uris != current.redirect_uris),
        ("postLogoutRedirectUris", next.post_logout_redirect_uris != current.post_logout_redirect_uris),
    ] {
        if differs {
            fields.push(name);
        }
    }
    let detail = Detail::new().text("clientId", client_id).text("action", "updated").texts("fields", &fields);
    let recorded = client_event(&req, &db, app_id, actor, detail, true, now_ms)?;
    let update = query!(
        &db,
        "UPDATE oidc_clients SET name = ?1, redirect_uris = ?2, post_logout_redirect_uris = ?3, updated_at = ?4 WHERE app_id = ?5 AND id = ?6",
        &next.name,
        &uris,
        &logout_uris,
        now_ms,
        app_id,
        client_id,
    )
    .map_err(|e| failed("prepare client update", e))?;
    // Recorded only when something changed (and the client still existed).
    let mut statements = vec![update];
    if !fields.is_empty() {
        statements.push(recorded.stmt.clone());
    }
    let results = db.run_batch(statements).await.map_err(|e| failed("update client", e))?;
    if !fields.is_empty() && results.first().map_or(0, changes) == 1 {
        events::committed(env, vec![recorded]).await;
    }
    Ok(json(200, &json!({ "client": next })))
}

/// `DELETE .../clients/{clientId}` → 204: the client goes, and every session it was issued ends.
pub async fn delete(req: &Request, env: &Env, app_id: &str, client_id: &str, now_ms: i64) -> ApiResult<Response> {
    let (db, actor) = authorized_actor(req, env, app_id).await?;
    let recorded = client_event(req, &db, app_id, actor, Detail::new().text("clientId", client_id).text("action", "deleted"), true, now_ms)?;
    let revoke = query!(
        &db,
        "UPDATE sessions SET revoked_at = ?1, revoked_reason = 'client_deleted'
         WHERE revoked_at IS NULL AND id IN (SELECT session_id FROM oidc_sessions WHERE client_id = ?2)",
        now_ms,
        client_id,
    )
    .map_err(|e| failed("prepare client sessions revoke", e))?;
    let remove =
        query!(&db, "DELETE FROM oidc_clients WHERE app_id = ?1 AND id = ?2", app_id, client_id).map_err(|e| failed("prepare client delete", e))?;
    let results = db.run_batch(vec![revoke, remove, recorded.stmt.clone()]).await.map_err(|e| failed("delete client", e))?;
    if results.get(1).map_or(0, changes) != 1 {
        return Err(no_such_client());
    }
    events::committed(env, vec![recorded]).await;
    Ok(no_content())
}

/// `POST .../clients/{clientId}/secret` → `{client, clientSecret}`: a new secret, shown once;
/// the old one stops working at once.
pub async fn rotate_secret(req: &Request, env: &Env, app_id: &str, client_id: &str, now_ms: i64) -> ApiResult<Response> {
    let (db, actor) = authorized_actor(req, env, app_id).await?;
    let current = find(&db, app_id, client_id).await?.ok_or_else(no_such_client)?;
    if current.client_type != ClientType::Confidential {
        return Err(ApiError::invalid_request("a public client has no secret"));
    }
    let (secret, hash, shown) = new_secret(env)?;
    let recorded = client_event(req, &db, app_id, actor, Detail::new().text("clientId", client_id).text("action", "secret_rotated"), true, now_ms)?;
    let update = query!(
        &db,
        "UPDATE oidc_clients SET secret_hash = ?1, secret_prefix = ?2, updated_at = ?3 WHERE app_id = ?4 AND id = ?5",
        &hash,
        &shown,
        now_ms,
        app_id,
        client_id,
    )
    .map_err(|e| failed("prepare client secret update", e))?;
    let results = db.run_batch(vec![update, recorded.stmt.clone()]).await.map_err(|e| failed("rotate client secret", e))?;
    if results.first().map_or(0, changes) == 1 {
        events::committed(env, vec![recorded]).await;
    }
    let client = OAuthClient { secret_prefix: Some(shown), updated_at: now_ms, ..current };
    Ok(json(200, &json!({ "client": client, "clientSecret": secret })))
}
