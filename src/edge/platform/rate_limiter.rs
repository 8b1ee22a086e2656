//! Rate limits, one Durable Object per limited key (e.g. "code-email:<app>:<email>").
//!
//! Each object keeps the times of the hits inside the current window (a sliding window, so a
//! burst at a window edge cannot double the limit), in storage and, while the object lives, in
//! memory (so a hit costs one storage write, not a read too). One alarm at a time, set for when
//! the oldest hit leaves the window: it drops what has left, and comes again for the rest or
//! forgets everything. Firing twice is harmless.

use std::cell::{Cell, RefCell};

use js_sys::futures::JsFuture;
use js_sys::Reflect;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use worker::{console_error, durable_object, DurableObject, Env, Request, Response, Result, State, Storage};

use crate::contract::error::ApiError;

const HITS_KEY: &str = "hits";

/// Stored as the object `{times: [ms...], window_ms}`, written and read by hand (not through
/// worker's `put`/`get::<T>()` and serde_wasm_bindgen: the Worker's size budget), as serde wrote it.
struct Hits {
    times: Vec<i64>,
    window_ms: i64,
}

impl Hits {
    fn to_js(&self) -> JsValue {
        let object = js_sys::Object::new();
        let times: js_sys::Array = self.times.iter().map(|t| JsValue::from_f64(*t as f64)).collect();
        let _ = Reflect::set(&object, &JsValue::from_str("times"), &times);
        let _ = Reflect::set(&object, &JsValue::from_str("window_ms"), &JsValue::from_f64(self.window_ms as f64));
        object.into()
    }

    /// `None` for anything but what [`Hits::to_js`] writes.
    fn from_js(value: &JsValue) -> Option<Self> {
        let int = |v: JsValue| v.as_f64().filter(|_| js_sys::Number::is_safe_integer(&v)).map(|n| n as i64);
        let times = Reflect::get(value, &JsValue::from_str("times")).ok()?.dyn_into::<js_sys::Array>().ok()?;
        let times = times.iter().map(int).collect::<Option<Vec<i64>>>()?;
        let window_ms = int(Reflect::get(value, &JsValue::from_str("window_ms")).ok()?)?;
        Some(Self { times, window_ms })
    }
}

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
    /// The stored hits, as last written by this instance (None: not read yet).
    hits: RefCell<Option<Vec<i64>>>,
    /// When the pending alarm fires, if this instance set one.
    alarm_at: Cell<Option<i64>>,
}

impl DurableObject for RateLimiter {
    fn new(state: State, _env: Env) -> Self {
        Self { state, hits: RefCell::new(None), alarm_at: Cell::new(None) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let body: HitBody = req.json().await?;
        let storage = self.state.storage();
        let cached = self.hits.borrow_mut().take();
        let mut hits = match cached {
            Some(hits) => hits,
            None => stored_hits(&storage).await.map(|h| h.times).unwrap_or_default(),
        };
        let now = js_sys::Date::now() as i64;
        hits.retain(|t| now - t < body.window_ms);
        let answer = if hits.len() < body.limit as usize {
            hits.push(now);
            HitAnswer { allowed: true, retry_after_ms: 0 }
        } else {
            let oldest = hits.first().copied().unwrap_or(now);
            HitAnswer { allowed: false, retry_after_ms: (oldest + body.window_ms - now).max(1) }
        };
        let first_leaves_at = hits.first().map_or(now, |t| t + body.window_ms);
        *self.hits.borrow_mut() = Some(hits.clone());
        storage.put_raw(HITS_KEY, Hits { times: hits, window_ms: body.window_ms }.to_js()).await?;
        if self.alarm_at.get().is_none_or(|at| at < now) {
            storage.set_alarm(first_leaves_at - now).await?;
            self.alarm_at.set(Some(first_leaves_at));
        }
        Response::from_json(&answer)
    }

    async fn alarm(&self) -> Result<Response> {
        let storage = self.state.storage();
        self.alarm_at.set(None);
        let now = js_sys::Date::now() as i64;
        let Some(Hits { mut times, window_ms }) = stored_hits(&storage).await else {
            *self.hits.borrow_mut() = None;
            storage.delete_all().await?;
            return Response::empty();
        };
        times.retain(|t| now - t < window_ms);
        match times.first().map(|t| t + window_ms) {
            Some(next) => {
                *self.hits.borrow_mut() = Some(times.clone());
                storage.put_raw(HITS_KEY, Hits { times, window_ms }.to_js()).await?;
                storage.set_alarm(next - now).await?;
                self.alarm_at.set(Some(next));
            }
            None => {
                *self.hits.borrow_mut() = None;
                storage.delete_all().await?;
            }
        }
        Response::empty()
    }
}

/// The stored hits; an entry that cannot be read (an older format) counts as none.
async fn stored_hits(storage: &Storage) -> Option<Hits> {
    let value = match storage.as_raw().get(HITS_KEY) {
        Ok(promise) => JsFuture::from(promise).await,
        Err(e) => Err(e),
    };
    match value {
        Ok(value) if value.is_undefined() => None,
        Ok(value) => Hits::from_js(&value).or_else(|| {
            console_error!("rate limiter: stored hits unreadable, starting afresh");
            None
        }),
        Err(e) => {
            console_error!("rate limiter: stored hits unreadable, starting afresh: {}", crate::edge::platform::db::error_text(&e));
            None
        }
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
    let body = serde_json::to_string(&HitBody { limit: limit.limit, window_ms: limit.window_ms }).map_err(|_| ApiError::internal())?;
    let stub =
        env.durable_object("RATE_LIMITER").and_then(|ns| ns.id_from_name(key).and_then(|id| id.get_stub())).map_err(|_| ApiError::internal())?;
    let req = super::outgoing::request("POST", "https://rate-limiter/hit", &[], Some(&body)).ok_or_else(ApiError::internal)?;
    let mut resp = stub.fetch_with_request(req).await.map_err(|_| ApiError::internal())?;
    let answer: HitAnswer = resp.json().await.map_err(|_| ApiError::internal())?;
    if answer.allowed {
        Ok(())
    } else {
        Err(ApiError::rate_limited(((answer.retry_after_ms + 999) / 1000) as u64))
    }
}
