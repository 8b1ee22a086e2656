//! Request and response helpers: bounded JSON bodies, JSON answers, the error model.

use std::future::Future;
use std::pin::Pin;

use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::JsCast;
use worker::wasm_bindgen_futures::JsFuture;
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
    // Parsed as text (every JSON parse of the Worker reads a `&str`: one serde_json reader in the
    // binary, not two).
    let text = std::str::from_utf8(bytes).map_err(|_| ApiError::invalid_request("malformed JSON body: not UTF-8"))?;
    serde_json::from_str(text).map_err(|e| ApiError::invalid_request(format!("malformed JSON body: {e}")))
}

/// Refuses a request whose `Content-Length` says more than 64 KiB (a body sent without one is
/// measured by [`read_body`]).
pub fn refuse_declared_oversize(req: &Request) -> ApiResult<()> {
    let declared = req.headers().get("content-length").ok().flatten().and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    Ok(())
}

/// The request body, at most 64 KiB. Read from the body's stream chunk by chunk: a body sent
/// without `Content-Length` (chunked) is refused as soon as it passes 64 KiB, its rest never
/// read, so no more than 64 KiB of it is ever held in memory.
pub async fn read_body(req: &mut Request) -> ApiResult<Vec<u8>> {
    refuse_declared_oversize(req)?;
    let unreadable = || ApiError::invalid_request("unreadable request body");
    let Some(stream) = req.inner().body() else { return Ok(Vec::new()) };
    let reader = stream.get_reader();
    let read = js_sys::Reflect::get(&reader, &"read".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()).ok_or_else(unreadable)?;
    let mut bytes = Vec::new();
    loop {
        let promise = read.call0(&reader).ok().and_then(|p| p.dyn_into::<js_sys::Promise>().ok()).ok_or_else(unreadable)?;
        let chunk = JsFuture::from(promise).await.map_err(|_| unreadable())?;
        let done = js_sys::Reflect::get(&chunk, &"done".into()).map(|d| d.is_truthy()).unwrap_or(true);
        if done {
            return Ok(bytes);
        }
        let value = js_sys::Reflect::get(&chunk, &"value".into()).map_err(|_| unreadable())?;
        let value = value.dyn_into::<js_sys::Uint8Array>().map_err(|_| unreadable())?;
        if bytes.len() + value.length() as usize > MAX_BODY_BYTES {
            // Stop reading: the rest of the body is left to the runtime, unread. (Not cancelled:
            // a cancelled body can reset the connection before the 413 reaches the client.)
            return Err(too_large());
        }
        let start = bytes.len();
        bytes.resize(start + value.length() as usize, 0);
        value.copy_to(&mut bytes[start..]);
    }
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

/// An answer whose JSON text is already made (e.g. by SQLite's `json_object`).
pub fn json_text(status: u16, body: String) -> Response {
    match Response::ok(body) {
        Ok(mut resp) => {
            let _ = resp.headers_mut().set("Content-Type", "application/json");
            with_common_headers(resp.with_status(status))
        }
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
