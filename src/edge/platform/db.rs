//! D1 access shared by the data-layer modules: the `DB` binding and the mapping of database
//! failures to the contract's `500 internal` (the cause goes to the log, never to the client).

use wasm_bindgen::{JsCast, JsValue};
use worker::{console_error, D1Database, Env};

use crate::contract::error::ApiError;

pub fn database(env: &Env) -> Result<D1Database, ApiError> {
    env.d1("DB").map_err(|e| failed("binding DB", e))
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
