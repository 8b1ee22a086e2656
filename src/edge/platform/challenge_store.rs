//! Short-lived WebAuthn challenges, in the Durable Objects their challenges name.
//!
//! Each edge location has a few holder objects (`tokens::challenge`: the challenge's first bits
//! name its holder), each holding its challenges in its own SQLite table. A Durable Object runs
//! one event at a time and its SQL runs synchronously, so `take` answers an entry's data at most
//! once, however many requests race for it. An alarm forgets entries a while after they expired
//! (kept that long so a late complete can still be told "expired" rather than "unknown"), in
//! sweeps at whole minutes; alarms may fire more than once, which is harmless. A challenge this
//! Worker did not issue never gets here (its MAC fails first), and a take of an unknown one
//! writes nothing.

use std::cell::Cell;

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

use crate::contract::error::{ApiError, ErrorCode};
use crate::tokens::challenge::{holder_name, sweep_at};
use crate::webauthn::{base64url, ErrorCode as Check};

/// How long an expired entry is remembered before a sweep removes it.
const EXPIRED_GRACE_MS: i64 = 10 * 60 * 1000;
const CREATE_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS challenges (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, forget_at INTEGER NOT NULL, taken INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL)";
const CREATE_INDEX: &str = "CREATE INDEX IF NOT EXISTS challenges_by_forget_at ON challenges (forget_at)";

// The storage's SQL API called raw (`exec` and the cursor's `toArray`), every answer read as
// one text column `t`: worker's `SqlStorage` and its value conversions cost the size budget
// about 3 KiB.
#[wasm_bindgen]
extern "C" {
    type SqlApi;
    #[wasm_bindgen(method, catch, variadic)]
    fn exec(this: &SqlApi, query: &str, bindings: &[JsValue]) -> std::result::Result<SqlRows, JsValue>;
    type SqlRows;
    #[wasm_bindgen(method, js_name = toArray)]
    fn to_array(this: &SqlRows) -> js_sys::Array;
}

#[durable_object]
pub struct ChallengeStore {
    state: State,
    /// The storage's `sql`, read once.
    sql: SqlApi,
    /// This instance knows the table exists (a sweep that empties it removes it).
    table: Cell<bool>,
    /// When the sweep this instance armed runs (`None`: it armed none, or it ran).
    sweep: Cell<Option<i64>>,
}

impl ChallengeStore {
    /// Runs `query`; the `t` column of its first row, if any.
    fn sql(&self, query: &str, bindings: &[JsValue]) -> Result<Option<String>> {
        let first = self.sql.exec(query, bindings)?.to_array().get(0);
        Ok(if first.is_object() { js_sys::Reflect::get(&first, &"t".into())?.as_string() } else { None })
    }

    /// Makes sure the table exists.
    fn create_table(&self) -> Result<()> {
        if !self.table.get() {
            self.sql(CREATE_TABLE, &[])?;
            self.sql(CREATE_INDEX, &[])?;
            self.table.set(true);
        }
        Ok(())
    }

    /// Makes sure a sweep runs at or before `at`. (A new instance does not know the alarm an
    /// earlier one armed and replaces it: the sweep it arms forgets whatever is due by then.)
    async fn sweep_by(&self, at: i64, now: i64) -> Result<()> {
        if self.sweep.get().is_some_and(|t| t <= at) {
            return Ok(());
        }
        self.state.storage().set_alarm(at.saturating_sub(now).max(0)).await?;
        self.sweep.set(Some(at));
        Ok(())
    }
}

impl DurableObject for ChallengeStore {
    fn new(state: State, _env: Env) -> Self {
        // (Missing, which no runtime with SQLite-backed objects allows, every statement fails.)
        let sql = js_sys::Reflect::get(state.storage().as_raw(), &"sql".into()).unwrap_or_default().unchecked_into();
        Self { state, sql, table: Cell::new(false), sweep: Cell::new(None) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let now = now_ms();
        // `/put/<challenge>/<ttl ms>` or `/take/<challenge>`.
        let path = req.path();
        let mut parts = path.split('/').skip(1);
        let (op, id, ttl) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default().to_owned(), parts.next());
        match op {
            "put" => {
                let ttl_ms = ttl.and_then(|v| v.parse::<i64>().ok()).unwrap_or(1).max(1);
                let expires_at = now.saturating_add(ttl_ms);
                let forget_at = expires_at.saturating_add(EXPIRED_GRACE_MS);
                let data = req.text().await?;
                self.create_table()?;
                self.sql(
                    "INSERT INTO challenges (id, expires_at, forget_at, data) VALUES (?, ?, ?, ?)",
                    &[JsValue::from(id), JsValue::from(expires_at as f64), JsValue::from(forget_at as f64), JsValue::from(data)],
                )?;
                self.sweep_by(sweep_at(forget_at), now).await?;
                status(204)
            }
            "take" => {
                // Read and marked taken with no await between: a second take, however close,
                // sees it taken. An object that never held a challenge has no table (the read
                // fails): unknown, and nothing is written. Once the table is known to exist, a
                // failed read is an error, not an unknown challenge.
                let id = JsValue::from(id);
                let read = "SELECT CAST(expires_at AS INTEGER) || ' ' || taken || ' ' || data AS t FROM challenges WHERE id = ?";
                let entry = match self.sql(read, &[id.clone()]) {
                    Ok(entry) => {
                        self.table.set(true);
                        entry
                    }
                    Err(_) if !self.table.get() => None,
                    Err(err) => return Err(err),
                };
                let Some((expires_at, taken, data)) = entry.as_deref().and_then(parse_entry) else {
                    return status(404);
                };
                if taken {
                    return status(409);
                }
                self.sql("UPDATE challenges SET taken = 1, data = '' WHERE id = ?", &[id])?;
                if now >= expires_at {
                    return status(410);
                }
                Response::ok(data)
            }
            _ => status(404),
        }
    }

    /// Forgets the entries past their time and arms the next sweep; an object left with none
    /// keeps no storage at all (nor does one of the earlier one-object-per-challenge kind).
    async fn alarm(&self) -> Result<Response> {
        let now = now_ms();
        self.sweep.set(None);
        // (An object of the earlier one-per-challenge kind gets a table here, empty: then nothing is left.)
        self.create_table()?;
        self.sql("DELETE FROM challenges WHERE forget_at <= ?", &[JsValue::from(now as f64)])?;
        // NULL (no row left) reads as `None`; a value that does not parse sweeps again in a minute.
        let next = self.sql("SELECT CAST(min(forget_at) AS INTEGER) || '' AS t FROM challenges", &[])?;
        match next {
            Some(forget_at) => self.sweep_by(sweep_at(forget_at.parse::<i64>().unwrap_or(now).max(now)), now).await?,
            None => {
                self.table.set(false);
                self.state.storage().delete_all().await?;
            }
        }
        Response::empty()
    }
}

/// `"<expires_at> <taken 0|1> <data>"`, as the take's query reads an entry.
fn parse_entry(text: &str) -> Option<(i64, bool, String)> {
    let mut parts = text.splitn(3, ' ');
    let expires_at = parts.next()?.parse().ok()?;
    let taken = parts.next()? != "0";
    Some((expires_at, taken, parts.next().unwrap_or_default().to_owned()))
}

/// An answer of `code` alone (the caller reads the status; only a take's 200 has a body).
fn status(code: u16) -> Result<Response> {
    Response::empty().map(|r| r.with_status(code))
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Stores `data` (JSON text) under `challenge` for `ttl_ms`.
pub async fn put(env: &Env, challenge: &[u8], data: String, ttl_ms: i64) -> std::result::Result<(), ApiError> {
    let resp = call(env, challenge, Some((data, ttl_ms))).await?;
    if resp.status_code() == 204 {
        Ok(())
    } else {
        Err(ApiError::internal())
    }
}

/// Takes the data (JSON text) stored under `challenge`: at most one caller ever gets it.
pub async fn take(env: &Env, challenge: &[u8]) -> std::result::Result<String, ApiError> {
    let resp = call(env, challenge, None).await?;
    match resp.status_code() {
        200 => super::outgoing::text(resp).await.ok_or_else(ApiError::internal),
        410 => Err(ApiError::new(ErrorCode::ChallengeExpired, "the challenge has expired; start again")),
        _ => Err(ApiError::check(Check::Challenge, "unknown or already used challenge")),
    }
}

/// A put (`put`: its data and time to live) or a take of `challenge`, to its holder.
async fn call(env: &Env, challenge: &[u8], put: Option<(String, i64)>) -> std::result::Result<Response, ApiError> {
    let holder = holder_name(challenge).ok_or_else(|| ApiError::check(Check::Challenge, "unknown challenge"))?;
    let stub =
        env.durable_object("CHALLENGES").and_then(|ns| ns.id_from_name(&holder).and_then(|id| id.get_stub())).map_err(|_| ApiError::internal())?;
    let key = base64url::encode(challenge);
    let req = match put {
        Some((data, ttl_ms)) => super::outgoing::request("POST", &format!("https://challenge/put/{key}/{ttl_ms}"), &[], Some(&data)),
        None => super::outgoing::request("POST", &format!("https://challenge/take/{key}"), &[], None),
    }
    .ok_or_else(ApiError::internal)?;
    stub.fetch_with_request(req).await.map_err(|_| ApiError::internal())
}
