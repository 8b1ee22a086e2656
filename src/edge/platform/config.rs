//! The Worker's settings, read from its environment: secrets (`wrangler secret put`, `.dev.vars`
//! locally) and vars (`wrangler.toml`). A missing or unusable secret answers `500 internal` and
//! logs which one is wrong, never its value.

use worker::{console_error, Env};

use crate::edge::platform::http::ApiResult;
use crate::contract::error::ApiError;

/// Shortest operator key accepted: a guessable key would open the whole admin API.
const MIN_ADMIN_KEY_LEN: usize = 16;
/// Shortest HMAC key accepted (the generated one is 43 characters of base64url).
const MIN_HMAC_KEY_LEN: usize = 32;

/// The operator key (`AUTHAZ_ADMIN_KEY`).
pub fn admin_key(env: &Env) -> ApiResult<String> {
    let key = required(env, "AUTHAZ_ADMIN_KEY")?;
    if key.len() < MIN_ADMIN_KEY_LEN {
        return Err(misconfigured("AUTHAZ_ADMIN_KEY", &format!("is shorter than {MIN_ADMIN_KEY_LEN} characters")));
    }
    Ok(key)
}

/// The key of every stored secret's hash (`AUTHAZ_HMAC_KEY`), used as its UTF-8 bytes.
pub fn hmac_key(env: &Env) -> ApiResult<Vec<u8>> {
    let key = required(env, "AUTHAZ_HMAC_KEY")?;
    if key.len() < MIN_HMAC_KEY_LEN {
        return Err(misconfigured("AUTHAZ_HMAC_KEY", &format!("is shorter than {MIN_HMAC_KEY_LEN} characters")));
    }
    Ok(key.into_bytes())
}

/// The access-token signing keys as configured (`AUTHAZ_SIGNING_KEYS`); parsed by the token code.
pub fn signing_keys(env: &Env) -> ApiResult<String> {
    required(env, "AUTHAZ_SIGNING_KEYS")
}

/// The sender address of outgoing mail (`AUTHAZ_MAIL_FROM`).
pub fn mail_from(env: &Env) -> ApiResult<String> {
    required(env, "AUTHAZ_MAIL_FROM")
}

/// The `iss` of access tokens (`AUTHAZ_ISSUER`), when set; empty means "derive it from the request".
pub fn issuer(env: &Env) -> Option<String> {
    value(env, "AUTHAZ_ISSUER")
}

fn value(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .ok()
        .and_then(|v| v.as_ref().as_string())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn required(env: &Env, name: &str) -> ApiResult<String> {
    value(env, name).ok_or_else(|| {
        misconfigured(name, "is not set (wrangler secret put / [vars] in wrangler.toml; .dev.vars when local)")
    })
}

fn misconfigured(name: &str, problem: &str) -> ApiError {
    console_error!("configuration: {name} {problem}");
    ApiError::internal()
}
