//! Who calls the admin API: `X-API-Key` holds the operator key (the secret `AUTHAZ_ADMIN_KEY`,
//! good for everything) or an application key (good for its own application and its users only).
//! A missing or unknown key answers 401, a key of another application 403.

use worker::{Env, Request};

use crate::contract::error::ApiError;
use crate::edge::admin::api_keys;
use crate::edge::platform::config;
use crate::edge::platform::db::database;
use crate::edge::platform::http::ApiResult;
use crate::tokens::secrets::constant_time_eq;

/// Keys are 47 characters; anything much longer is not worth hashing.
const MAX_KEY_LEN: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Operator,
    /// Holds the key of this application.
    Application(String),
}

impl Caller {
    /// Only the operator may do this (e.g. create applications).
    pub fn require_operator(&self) -> ApiResult<()> {
        match self {
            Caller::Operator => Ok(()),
            Caller::Application(_) => Err(ApiError::forbidden("this needs the operator key")),
        }
    }

    /// The operator, or the key of `app_id` itself.
    pub fn require_app(&self, app_id: &str) -> ApiResult<()> {
        match self {
            Caller::Operator => Ok(()),
            Caller::Application(own) if own == app_id => Ok(()),
            Caller::Application(_) => Err(ApiError::forbidden("this API key belongs to another application")),
        }
    }
}

/// The caller named by the request's `X-API-Key`.
pub async fn authenticate(req: &Request, env: &Env) -> ApiResult<Caller> {
    Ok(authenticate_actor(req, env).await?.0)
}

/// The caller and who it is, as recorded: `operator`, or `key:<id>` of the application key.
pub async fn authenticate_actor(req: &Request, env: &Env) -> ApiResult<(Caller, String)> {
    let given = req.headers().get("x-api-key").ok().flatten().unwrap_or_default();
    let given = given.trim();
    if given.is_empty() {
        return Err(ApiError::unauthorized("missing X-API-Key header"));
    }
    let admin_key = config::admin_key(env)?;
    if constant_time_eq(given.as_bytes(), admin_key.as_bytes()) {
        return Ok((Caller::Operator, "operator".to_owned()));
    }
    if given.len() > MAX_KEY_LEN {
        return Err(invalid_key());
    }
    let db = database(env)?;
    let now_ms = js_sys::Date::now() as i64;
    match api_keys::app_of_key(&db, &config::hmac_key(env)?, given, now_ms).await? {
        Some(owner) => Ok((Caller::Application(owner.app_id), format!("key:{}", owner.key_id))),
        None => Err(invalid_key()),
    }
}

fn invalid_key() -> ApiError {
    ApiError::unauthorized("invalid API key")
}

/// Lets the request through when its key may act for `app_id` (the operator's, or that
/// application's own); for endpoints outside this module such as `DELETE /api/v1/users/{id}/passkeys`
/// and the code exchange at `POST /auth/token`.
pub async fn require_app_key(req: &Request, env: &Env, app_id: &str) -> ApiResult<Caller> {
    let caller = authenticate(req, env).await?;
    caller.require_app(app_id)?;
    Ok(caller)
}
