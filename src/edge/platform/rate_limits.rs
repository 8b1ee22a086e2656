//! The rate limits of the public endpoints, in one place: what is counted, under which key, and
//! how many hits a window allows. The email-code limits (the contract's, with windows of 15 and 60
//! minutes) are counted by `rate_limiter::hit`, a Durable Object per key. Ceremony starts, which
//! are many and only need a guard against floods, are counted by Cloudflare's Rate Limiting
//! binding (`[[ratelimits]] CEREMONY_STARTS` in wrangler.toml: 300 per minute and client IP,
//! counted per Cloudflare location): no Durable Object call, no storage write per start. An
//! application may set its own `ceremonyStartsPerMinute`: above 300, the binding counts the first
//! 300 and a Durable Object per (application, IP) the rest, so only a client past 300 a minute
//! pays a Durable Object call; below 300, a Durable Object counts every start of that application.
//!
//! Keys of per-IP limits are global (not per application): the client's address is what is
//! limited, whichever application it calls. Requests without `CF-Connecting-IP` (only possible
//! outside Cloudflare) share one key.

use js_sys::futures::JsFuture;
use wasm_bindgen::{JsCast, JsValue};
use worker::{console_error, Env, Request};

use crate::contract::error::{ApiError, ErrorCode};

use crate::edge::platform::http::ApiResult;
use crate::edge::platform::rate_limiter::{hit, Limit};
use crate::tenancy::application::Application;
use crate::tenancy::passkey_config::DEFAULT_CEREMONY_STARTS_PER_MINUTE;

const MINUTE_MS: i64 = 60 * 1000;

/// Email code requests per address and application: 5 per 15 minutes (contract default).
const CODE_REQUESTS_PER_EMAIL: Limit = Limit { limit: 5, window_ms: 15 * MINUTE_MS };
/// Email code requests per client IP: 50 per hour (contract default).
const CODE_REQUESTS_PER_IP: Limit = Limit { limit: 50, window_ms: 60 * MINUTE_MS };
/// Code confirmations per client IP: each code already burns after 5 wrong tries; this bounds
/// guessing across many addresses from one client.
const CODE_CONFIRMS_PER_IP: Limit = Limit { limit: 100, window_ms: 60 * MINUTE_MS };
/// Code checks per address and application over a rolling day, across all its codes (each code
/// also burns after 5 wrong tries): NIST SP 800-63B §5.2.2 allows at most 100 consecutive failed
/// attempts; 20 a day leaves a guesser of a 6-digit code a 1 in 50 000 chance per day.
pub const CODE_CHECKS_PER_EMAIL: Limit = Limit { limit: 20, window_ms: 24 * 60 * MINUTE_MS };
/// The binding that counts ceremony starts (signup, register, login) per client IP: generous,
/// against floods of challenges, not against people. Its limit and period are in wrangler.toml.
const CEREMONY_STARTS: &str = "CEREMONY_STARTS";
/// The binding's period, in seconds: a refused client may try again after it.
const CEREMONY_STARTS_PERIOD_SECS: u64 = 60;
/// The binding's limit per period (wrangler.toml), the default of `ceremonyStartsPerMinute`.
const CEREMONY_STARTS_BINDING_LIMIT: u32 = DEFAULT_CEREMONY_STARTS_PER_MINUTE;

/// The client's address as Cloudflare reports it.
pub fn client_ip(req: &Request) -> String {
    req.headers()
        .get("cf-connecting-ip")
        .ok()
        .flatten()
        .map(|ip| ip.trim().to_ascii_lowercase())
        .filter(|ip| !ip.is_empty() && ip.len() <= 64)
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Counts an email code request: per client IP first, then per (application, address).
pub async fn code_request(env: &Env, req: &Request, app_id: &str, email: &str) -> ApiResult<()> {
    hit(env, &format!("code-request-ip:{}", client_ip(req)), CODE_REQUESTS_PER_IP).await?;
    hit(env, &format!("code-request-email:{app_id}:{email}"), CODE_REQUESTS_PER_EMAIL).await
}

/// Counts a code confirmation attempt of the client.
pub async fn code_confirm(env: &Env, req: &Request) -> ApiResult<()> {
    hit(env, &format!("code-confirm-ip:{}", client_ip(req)), CODE_CONFIRMS_PER_IP).await
}

/// Counts a ceremony start of the client for `app`, whose `ceremonyStartsPerMinute` it may not pass.
pub async fn ceremony_start(env: &Env, req: &Request, app: &Application) -> ApiResult<()> {
    let ip = client_ip(req);
    let limit = app.passkey.ceremony_starts_per_minute;
    let per_minute = |limit| Limit { limit, window_ms: MINUTE_MS };
    if limit < CEREMONY_STARTS_BINDING_LIMIT {
        hit(env, &format!("ceremony-start:{}:{ip}", app.id), per_minute(limit)).await?;
    }
    match flood_guard(env, &format!("ceremony-start-ip:{ip}")).await {
        Err(e) if e.code == ErrorCode::RateLimited && limit > CEREMONY_STARTS_BINDING_LIMIT => {
            hit(env, &format!("ceremony-start-over:{}:{ip}", app.id), per_minute(limit - CEREMONY_STARTS_BINDING_LIMIT)).await
        }
        other => other,
    }
}

/// Counts a hand-off code minted for the client (`POST /auth/authorize`, one D1 row each): the
/// same binding and limit as the ceremony starts, under a key of its own.
pub async fn hand_off_code(env: &Env, req: &Request) -> ApiResult<()> {
    flood_guard(env, &format!("hand-off-code-ip:{}", client_ip(req))).await
}

/// Checks of email codes for one address, counted before each comparison: at most
/// `CODE_CHECKS_PER_EMAIL` per rolling day, however many codes are requested. Answers whether
/// this check may go on; a refused one is answered like a wrong code by the caller (never 429:
/// the cap must not tell a guesser anything the code would not).
pub async fn code_check(env: &Env, app_id: &str, email: &str) -> ApiResult<bool> {
    match hit(env, &format!("code-check-email:{app_id}:{email}"), CODE_CHECKS_PER_EMAIL).await {
        Ok(()) => Ok(true),
        Err(e) if e.code == ErrorCode::RateLimited => Ok(false),
        Err(e) => Err(e),
    }
}

/// Counts one hit on `key` with the Rate Limiting binding.
async fn flood_guard(env: &Env, key: &str) -> ApiResult<()> {
    let limiter = env.rate_limiter(CEREMONY_STARTS).map_err(|e| {
        console_error!("rate limit binding {CEREMONY_STARTS}: {e}");
        ApiError::internal()
    })?;
    // Called raw, `{key}` in and `{success}` out, not through worker's `limit`, whose
    // serde_wasm_bindgen (de)serializing costs the size budget.
    let limiter = JsValue::from(limiter).unchecked_into::<worker::worker_sys::RateLimiter>();
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &JsValue::from_str("key"), &JsValue::from_str(key));
    let outcome = match limiter.limit(options) {
        Ok(promise) => JsFuture::from(promise).await,
        Err(e) => Err(e),
    };
    let success = outcome.map(|o| js_sys::Reflect::get(&o, &JsValue::from_str("success")).ok().and_then(|s| s.as_bool()));
    let success = match success {
        Ok(Some(success)) => success,
        Ok(None) => {
            console_error!("rate limit binding {CEREMONY_STARTS} failed: no success in its answer");
            return Err(ApiError::internal());
        }
        Err(e) => {
            console_error!("rate limit binding {CEREMONY_STARTS} failed: {}", crate::edge::platform::db::error_text(&e));
            return Err(ApiError::internal());
        }
    };
    if success {
        Ok(())
    } else {
        Err(ApiError::rate_limited(CEREMONY_STARTS_PERIOD_SECS))
    }
}
