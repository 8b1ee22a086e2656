//! D1 access shared by the data-layer modules: the `DB` binding and the mapping of database
//! failures to the contract's `500 internal` (the cause goes to the log, never to the client).

use worker::{console_error, D1Database, Env};

use crate::api_error::ApiError;

pub fn database(env: &Env) -> Result<D1Database, ApiError> {
    env.d1("DB").map_err(|e| failed("binding DB", e))
}

/// A database call that failed: logged with what was being done, answered as `internal`.
pub fn failed(doing: &str, err: worker::Error) -> ApiError {
    console_error!("D1 failed ({doing}): {err}");
    ApiError::internal()
}

/// How many rows a write changed.
pub fn changes(result: &worker::D1Result) -> usize {
    result.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0)
}
