//! Request and response helpers: bounded JSON bodies, JSON answers, the error model.

use std::future::Future;
use std::pin::Pin;

use serde::{de::DeserializeOwned, Serialize};
use worker::{Headers, Request, Response};

use crate::contract::error::{ApiError, ErrorCode};

/// Request bodies over this size are refused with 413 (contract).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub type ApiResult<T> = std::result::Result<T, ApiError>;

/// An endpoint's future behind a pointer. Awaited directly, every endpoint's state machine would
/// be inlined into one giant function that the engine compiles whole on an isolate's first
/// request, whatever the request; boxed, each endpoint stays a function of its own, compiled when
/// it first runs.
pub type EndpointFuture<'a> = Pin<Box<dyn Future<Output = ApiResult<worker::Response>> + 'a>>;

pub fn separately<'a>(endpoint: impl Future<Output = ApiResult<worker::Response>> + 'a) -> EndpointFuture<'a> {
    Box::pin(endpoint)
}

/// Reads the body, refusing more than 64 KiB, and parses it as JSON.
/// An empty body parses as `{}` so that `POST` with no body works for endpoints whose fields are optional.
pub async fn read_json<T: DeserializeOwned>(req: &mut Request) -> ApiResult<T> {
    let bytes = read_body(req).await?;
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { &bytes };
    serde_json::from_slice(bytes).map_err(|e| ApiError::invalid_request(format!("malformed JSON body: {e}")))
}

/// Refuses a request whose `Content-Length` says more than 64 KiB (a body sent without one is
/// measured by [`read_body`]).
pub fn refuse_declared_oversize(req: &Request) -> ApiResult<()> {
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    Ok(())
}

pub async fn read_body(req: &mut Request) -> ApiResult<Vec<u8>> {
    refuse_declared_oversize(req)?;
    let bytes = req.bytes().await.map_err(|_| ApiError::invalid_request("unreadable request body"))?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

fn too_large() -> ApiError {
    ApiError::new(ErrorCode::PayloadTooLarge, "request body is larger than 64 KiB")
}

pub fn json<T: Serialize>(status: u16, value: &T) -> Response {
    match Response::from_json(value) {
        Ok(resp) => with_common_headers(resp.with_status(status)),
        Err(_) => error_response(&ApiError::internal()),
    }
}

pub fn no_content() -> Response {
    match Response::empty() {
        Ok(resp) => with_common_headers(resp.with_status(204)),
        Err(_) => error_response(&ApiError::internal()),
    }
}

pub fn error_response(err: &ApiError) -> Response {
    let mut resp = match Response::from_json(&err.body()) {
        Ok(r) => r.with_status(err.status()),
        Err(_) => Response::error("internal error", 500).unwrap_or_else(|_| Response::empty().unwrap_or_else(|_| unreachable_response())),
    };
    if let Some(secs) = err.retry_after {
        let _ = resp.headers_mut().set("Retry-After", &secs.to_string());
    }
    with_common_headers(resp)
}

/// Response::empty() cannot fail in practice; this keeps the error path free of panics anyway.
fn unreachable_response() -> Response {
    Response::from_bytes(Vec::new()).unwrap_or_else(|_| Response::builder().fixed(Vec::new()))
}

fn with_common_headers(mut resp: Response) -> Response {
    let h: &mut Headers = resp.headers_mut();
    let _ = h.set("Cache-Control", "no-store");
    let _ = h.set("X-Content-Type-Options", "nosniff");
    resp
}
