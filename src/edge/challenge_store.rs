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

use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::{durable_object, DurableObject, Env, Method, Request, RequestInit, Response, Result, State};

use crate::api_error::{ApiError, ErrorCode};

/// How long an expired entry is remembered before the alarm removes it.
const EXPIRED_GRACE_MS: i64 = 10 * 60 * 1000;
const ENTRY_KEY: &str = "entry";

#[derive(Clone, Serialize, Deserialize)]
struct Entry {
    data: Value,
    expires_at: i64,
    taken: bool,
}

#[derive(Serialize, Deserialize)]
struct PutBody {
    data: Value,
    ttl_ms: i64,
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
                let body: PutBody = req.json().await?;
                let expires_at = now + body.ttl_ms.max(1);
                let entry = Entry { data: body.data, expires_at, taken: false };
                storage.put(ENTRY_KEY, &entry).await?;
                *self.entry.borrow_mut() = Some(entry);
                storage.set_alarm(expires_at + EXPIRED_GRACE_MS - now).await?;
                Response::empty().map(|r| r.with_status(204))
            }
            "/take" => {
                // No await between reading the entry and marking it taken in memory, and none
                // while it is borrowed: a second take, however close, sees it taken.
                let cached = self.entry.borrow_mut().take();
                let entry = match cached {
                    Some(entry) => Some(entry),
                    None => storage.get::<Entry>(ENTRY_KEY).await?,
                };
                let Some(mut entry) = entry else {
                    return Response::error("unknown", 404);
                };
                if entry.taken {
                    *self.entry.borrow_mut() = Some(entry);
                    return Response::error("used", 409);
                }
                entry.taken = true;
                let expired = now >= entry.expires_at;
                let data = std::mem::take(&mut entry.data);
                *self.entry.borrow_mut() = Some(entry.clone());
                storage.put(ENTRY_KEY, entry).await?;
                if expired {
                    return Response::error("expired", 410);
                }
                Response::from_json(&data)
            }
            _ => Response::error("not found", 404),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        let storage = self.state.storage();
        if let Some(entry) = storage.get::<Entry>(ENTRY_KEY).await? {
            let forget_at = entry.expires_at + EXPIRED_GRACE_MS;
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

/// Stores `data` under `challenge` (base64url) for `ttl_ms`.
pub async fn put(env: &Env, challenge: &str, data: &Value, ttl_ms: i64) -> std::result::Result<(), ApiError> {
    let body = serde_json::to_string(&PutBody { data: data.clone(), ttl_ms }).map_err(|_| ApiError::internal())?;
    let resp = call(env, challenge, "put", Some(body)).await?;
    if resp.status_code() == 204 {
        Ok(())
    } else {
        Err(ApiError::internal())
    }
}

/// Takes the data stored under `challenge`: at most one caller ever gets it.
pub async fn take(env: &Env, challenge: &str) -> std::result::Result<Value, ApiError> {
    let mut resp = call(env, challenge, "take", None).await?;
    match resp.status_code() {
        200 => resp.json().await.map_err(|_| ApiError::internal()),
        410 => Err(ApiError::new(ErrorCode::ChallengeExpired, "the challenge has expired; start again")),
        _ => Err(ApiError::verification_failed("unknown or already used challenge")),
    }
}

async fn call(env: &Env, challenge: &str, op: &str, body: Option<String>) -> std::result::Result<Response, ApiError> {
    let stub = env
        .durable_object("CHALLENGES")
        .and_then(|ns| ns.id_from_name(challenge).and_then(|id| id.get_stub()))
        .map_err(|_| ApiError::internal())?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post);
    if let Some(body) = body {
        init.with_body(Some(body.into()));
    }
    let req = Request::new_with_init(&format!("https://challenge/{op}"), &init).map_err(|_| ApiError::internal())?;
    stub.fetch_with_request(req).await.map_err(|_| ApiError::internal())
}
