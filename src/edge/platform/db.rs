//! D1 access shared by the data-layer modules: the `DB` binding and the mapping of database
//! failures to the contract's `500 internal` (the cause goes to the log, never to the client).

use wasm_bindgen::{JsCast, JsValue};
use worker::{console_error, D1Database, Env};

use crate::contract::error::ApiError;

pub fn database(env: &Env) -> Result<D1Database, ApiError> {
    env.d1("DB").map_err(|e| failed("binding DB", e))
}

/// A D1 session whose first query a nearby read replica may serve (the Sessions API,
/// `withSession("first-unconstrained")`), for the reads where a copy a moment behind the primary
/// is safe: the application lookup and login/start's credential list (README, Performance).
/// Writes, and reads that must see the latest write (challenge take, counter update,
/// refresh-token rotation), use [`database`], the primary. Typed as a `D1Database`: a session
/// has the same `prepare` and `batch`, which worker calls by name.
pub fn replica(env: &Env) -> Result<D1Database, ApiError> {
    let db = JsValue::from(database(env)?);
    let session = db.unchecked_ref::<worker::worker_sys::D1Database>().with_session(Some("first-unconstrained"));
    session.map(|s| JsValue::from(s).unchecked_into()).map_err(|e| failed("D1 session", worker::Error::Internal(e)))
}

/// A database call that failed: logged with what was being done, answered as `internal`.
pub fn failed(doing: &str, err: worker::Error) -> ApiError {
    console_error!("D1 failed ({doing}): {}", error_text(&err));
    ApiError::internal()
}

/// What D1 said went wrong, e.g. "D1_ERROR: UNIQUE constraint failed: users.app_id, users.email".
///
/// Not `err.to_string()`: worker's Display of a D1 error is its Debug form, which release builds
/// compile out (`-Zfmt-debug=none`), leaving "D1: " and nothing to match a constraint on.
pub fn error_text(err: &worker::Error) -> String {
    match err {
        worker::Error::D1(d1) => {
            let error: &js_sys::Error = d1.as_ref();
            format!("{} ({})", String::from(error.message()), d1.cause())
        }
        worker::Error::Internal(value) => js_text(value),
        other => other.to_string(),
    }
}

fn js_text(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "unrecognized JavaScript value".to_owned())
}

/// How many rows a write changed.
pub fn changes(result: &worker::D1Result) -> usize {
    result.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0)
}
