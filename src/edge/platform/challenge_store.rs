//! Short-lived WebAuthn challenges, one Durable Object per challenge.
//!
//! The object named by a challenge holds that challenge's ceremony data. A Durable Object runs
//! one event at a time, so `take` answers the data at most once, however many requests race for
//! it. An alarm forgets the entry a while after it expired (kept that long so a late complete can
//! still be told "expired" rather than "unknown"); alarms may fire more than once, which is harmless.
//!
//! The object also keeps its entry in memory: the complete usually reaches the same live object
//! that served the start, and then needs no storage read (storage stays the truth after an
//! eviction). Challenges are 32 random bytes, so `put` never meets an existing entry.

use std::cell::RefCell;

use js_sys::futures::JsFuture;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State, Storage};

use crate::contract::error::{ApiError, ErrorCode};
use crate::webauthn::ErrorCode as Check;

/// How long an expired entry is remembered before the alarm removes it.
const EXPIRED_GRACE_MS: i64 = 10 * 60 * 1000;
const ENTRY_KEY: &str = "entry";

/// What the object keeps: when the challenge expires, whether it was taken, and the ceremony's
/// data as the JSON text the Worker sent (never parsed here). Stored as one string,
/// `"<expires_at> <0|1> <data>"`: the cheapest value for Durable Object storage to write.
#[derive(Clone)]
struct Entry {
    expires_at: i64,
    taken: bool,
    data: String,
}

impl Entry {
    fn to_text(&self) -> String {
        format!("{} {} {}", self.expires_at, u8::from(self.taken), self.data)
    }

    fn from_text(text: &str) -> Option<Entry> {
        let mut parts = text.splitn(3, ' ');
        let expires_at = parts.next()?.parse().ok()?;
        let taken = match parts.next()? {
            "0" => false,
            "1" => true,
            _ => return None,
        };
        Some(Entry { expires_at, taken, data: parts.next().unwrap_or_default().to_owned() })
    }
}

/// The stored entry; one that cannot be read (an older format) counts as none.
/// Read raw (the text as stored), not through worker's `get::<String>()` and serde_wasm_bindgen:
/// the Worker's size budget.
async fn stored_entry(storage: &Storage) -> Option<Entry> {
    let promise = storage.as_raw().get(ENTRY_KEY).ok()?;
    JsFuture::from(promise).await.ok()?.as_string().as_deref().and_then(Entry::from_text)
}

#[durable_object]
pub struct ChallengeStore {
    state: State,
    /// The stored entry, as last written by this instance.
    entry: RefCell<Option<Entry>>,
}

impl DurableObject for ChallengeStore {
    fn new(state: State, _env: Env) -> Self {
        Self { state, entry: RefCell::new(None) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let now = now_ms();
        let storage = self.state.storage();
        match req.path().as_str() {
            "/put" => {
                let ttl_ms = req.headers().get("x-ttl-ms")?.and_then(|v| v.parse::<i64>().ok()).unwrap_or(1).max(1);
                let entry = Entry { expires_at: now.saturating_add(ttl_ms), taken: false, data: req.text().await? };
                storage.put_raw(ENTRY_KEY, entry.to_text()).await?;
                let forget_at = entry.expires_at.saturating_add(EXPIRED_GRACE_MS);
                *self.entry.borrow_mut() = Some(entry);
                storage.set_alarm(forget_at - now).await?;
                Response::empty().map(|r| r.with_status(204))
            }
            "/take" => {
                // No await between reading the entry and marking it taken in memory, and none
                // while it is borrowed: a second take, however close, sees it taken.
                let cached = self.entry.borrow_mut().take();
                let entry = match cached {
                    Some(entry) => Some(entry),
                    None => stored_entry(&storage).await,
                };
                let Some(mut entry) = entry else {
                    return Response::error("unknown", 404);
                };
                if entry.taken {
                    *self.entry.borrow_mut() = Some(entry);
                    return Response::error("used", 409);
                }
                entry.taken = true;
                let data = std::mem::take(&mut entry.data);
                let expired = now >= entry.expires_at;
                let text = entry.to_text();
                *self.entry.borrow_mut() = Some(entry);
                storage.put_raw(ENTRY_KEY, text).await?;
                if expired {
                    return Response::error("expired", 410);
                }
                Response::ok(data)
            }
            _ => Response::error("not found", 404),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        let storage = self.state.storage();
        if let Some(entry) = stored_entry(&storage).await {
            let forget_at = entry.expires_at.saturating_add(EXPIRED_GRACE_MS);
            let now = now_ms();
            if now < forget_at {
                storage.set_alarm(forget_at - now).await?;
                return Response::empty();
            }
        }
        *self.entry.borrow_mut() = None;
        storage.delete_all().await?;
        Response::empty()
    }
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Stores `data` (JSON text) under `challenge` (base64url) for `ttl_ms`.
pub async fn put(env: &Env, challenge: &str, data: String, ttl_ms: i64) -> std::result::Result<(), ApiError> {
    let resp = call(env, challenge, "put", Some((data, ttl_ms))).await?;
    if resp.status_code() == 204 {
        Ok(())
    } else {
        Err(ApiError::internal())
    }
}

/// Takes the data (JSON text) stored under `challenge`: at most one caller ever gets it.
pub async fn take(env: &Env, challenge: &str) -> std::result::Result<String, ApiError> {
    let mut resp = call(env, challenge, "take", None).await?;
    match resp.status_code() {
        200 => resp.text().await.map_err(|_| ApiError::internal()),
        410 => Err(ApiError::new(ErrorCode::ChallengeExpired, "the challenge has expired; start again")),
        _ => Err(ApiError::check(Check::Challenge, "unknown or already used challenge")),
    }
}

async fn call(env: &Env, challenge: &str, op: &str, put: Option<(String, i64)>) -> std::result::Result<Response, ApiError> {
    let stub =
        env.durable_object("CHALLENGES").and_then(|ns| ns.id_from_name(challenge).and_then(|id| id.get_stub())).map_err(|_| ApiError::internal())?;
    let url = format!("https://challenge/{op}");
    let req = match put {
        Some((data, ttl_ms)) => super::outgoing::request("POST", &url, &[("x-ttl-ms", &ttl_ms.to_string())], Some(&data)),
        None => super::outgoing::request("POST", &url, &[], None),
    }
    .ok_or_else(ApiError::internal)?;
    stub.fetch_with_request(req).await.map_err(|_| ApiError::internal())
}
