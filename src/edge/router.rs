//! Maps method and path to the endpoint that serves it. Every error becomes the contract's JSON.

use worker::{Env, Method, Request, Response};

use super::http::{error_response, json, ApiResult};
use crate::api_error::{ApiError, ErrorCode};

pub async fn handle(req: Request, env: Env) -> Response {
    match route(req, env).await {
        Ok(resp) => resp,
        Err(err) => error_response(&err),
    }
}

async fn route(req: Request, _env: Env) -> ApiResult<Response> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let method = req.method();
    match (method, segments.as_slice()) {
        (Method::Get, ["healthz"]) => Ok(json(200, &health())),
        (_, ["healthz"]) => Err(ApiError::new(ErrorCode::MethodNotAllowed, "method not allowed")),
        _ => Err(ApiError::not_found("no such endpoint")),
    }
}

fn health() -> serde_json::Value {
    serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "commit": option_env!("AUTHAZ_BUILD_COMMIT").unwrap_or("unknown"),
    })
}
