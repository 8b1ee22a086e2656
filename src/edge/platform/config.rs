//! The Worker's settings, read from its environment: secrets (`wrangler secret put`, `.dev.vars`
//! locally) and vars (`wrangler.toml`). A missing or unusable secret answers `500 internal` and
//! logs which one is wrong, never its value.

use worker::{console_error, Env};

use crate::contract::error::ApiError;
use crate::edge::platform::http::ApiResult;
use crate::tenancy::reserved_hosts;
use crate::webhooks::retry::RetrySchedule;

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

/// The Worker's public URL (`AUTHAZ_ISSUER`, e.g. `https://auth.example.com`), when set: the
/// `iss` of the applications that have no hostname (`crate::tokens::issuer`).
pub fn issuer(env: &Env) -> Option<String> {
    value(env, "AUTHAZ_ISSUER")
}

/// The hosts no application may claim (`AUTHAZ_RESERVED_HOSTS`, comma separated, `*.suffix` for
/// a whole domain); unset, `*.workers.dev` and the issuer's host (`crate::tenancy::reserved_hosts`).
pub fn reserved_hosts(env: &Env) -> Vec<String> {
    match value(env, "AUTHAZ_RESERVED_HOSTS") {
        Some(configured) => reserved_hosts::parse_patterns(&configured),
        None => reserved_hosts::default_patterns(issuer(env).as_deref()),
    }
}

/// When a failed webhook delivery is tried again (`AUTHAZ_WEBHOOK_RETRY_SECONDS`, comma
/// separated seconds; unset: `crate::webhooks::retry::DEFAULT_DELAYS`).
pub fn webhook_retry_schedule(env: &Env) -> RetrySchedule {
    value(env, "AUTHAZ_WEBHOOK_RETRY_SECONDS").map(|text| RetrySchedule::parse(&text)).unwrap_or_default()
}

fn value(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().and_then(|v| v.as_ref().as_string()).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn required(env: &Env, name: &str) -> ApiResult<String> {
    value(env, name).ok_or_else(|| misconfigured(name, "is not set (wrangler secret put / [vars] in wrangler.toml; .dev.vars when local)"))
}

fn misconfigured(name: &str, problem: &str) -> ApiError {
    console_error!("configuration: {name} {problem}");
    ApiError::internal()
}
