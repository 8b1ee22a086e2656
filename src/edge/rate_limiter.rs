//! Rate limits, one Durable Object per limited key (e.g. "code-email:<app>:<email>").
//!
//! Each object keeps the times of the hits inside the current window (a sliding window, so a
//! burst at a window edge cannot double the limit). An alarm forgets everything once the window
//! has passed; firing twice is harmless.

use serde::{Deserialize, Serialize};
use worker::{durable_object, DurableObject, Env, Method, Request, RequestInit, Response, Result, State};

use crate::api_error::ApiError;

const HITS_KEY: &str = "hits";

#[derive(Serialize, Deserialize)]
struct HitBody {
    limit: u32,
    window_ms: i64,
}

#[derive(Serialize, Deserialize)]
struct HitAnswer {
    allowed: bool,
    retry_after_ms: i64,
}

#[durable_object]
pub struct RateLimiter {
    state: State,
}

impl DurableObject for RateLimiter {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let body: HitBody = req.json().await?;
        let now = js_sys::Date::now() as i64;
        let storage = self.state.storage();
        let mut hits: Vec<i64> = storage.get(HITS_KEY).await?.unwrap_or_default();
        hits.retain(|t| now - t < body.window_ms);
        let answer = if hits.len() < body.limit as usize {
            hits.push(now);
            HitAnswer { allowed: true, retry_after_ms: 0 }
        } else {
            let oldest = hits.first().copied().unwrap_or(now);
            HitAnswer { allowed: false, retry_after_ms: (oldest + body.window_ms - now).max(1) }
        };
        storage.put(HITS_KEY, &hits).await?;
        storage.set_alarm(body.window_ms).await?;
        Response::from_json(&answer)
    }

    async fn alarm(&self) -> Result<Response> {
        self.state.storage().delete_all().await?;
        Response::empty()
    }
}

/// A limit: at most `limit` hits per `window_ms` for one key.
#[derive(Clone, Copy)]
pub struct Limit {
    pub limit: u32,
    pub window_ms: i64,
}

/// Counts one hit on `key`; `429 rate_limited` (with Retry-After) once the limit is reached.
pub async fn hit(env: &Env, key: &str, limit: Limit) -> std::result::Result<(), ApiError> {
    let body = serde_json::to_string(&HitBody { limit: limit.limit, window_ms: limit.window_ms })
        .map_err(|_| ApiError::internal())?;
    let stub = env
        .durable_object("RATE_LIMITER")
        .and_then(|ns| ns.id_from_name(key).and_then(|id| id.get_stub()))
        .map_err(|_| ApiError::internal())?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_body(Some(body.into()));
    let req = Request::new_with_init("https://rate-limiter/hit", &init).map_err(|_| ApiError::internal())?;
    let mut resp = stub.fetch_with_request(req).await.map_err(|_| ApiError::internal())?;
    let answer: HitAnswer = resp.json().await.map_err(|_| ApiError::internal())?;
    if answer.allowed {
        Ok(())
    } else {
        Err(ApiError::rate_limited(((answer.retry_after_ms + 999) / 1000) as u64))
    }
}
