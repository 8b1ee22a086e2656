//! Maps method and path to the endpoint that serves it. Every error becomes the contract's JSON.

use worker::{Env, Method, Request, Response};

use super::admin::endpoints as admin;
use super::admin::key_rotation;
use super::ceremonies::{self, Endpoint};
use super::passkeys::endpoints as passkey_management;
use super::platform::cors::{self, Decision};
use super::platform::http::{error_response, json, refuse_declared_oversize, separately, ApiResult};
use super::sessions::endpoints as session_endpoints;
use super::tenancy::app_lookup;
use super::{hand_off, pages};
use crate::contract::error::{ApiError, ErrorCode};

pub async fn handle(req: Request, env: Env) -> Response {
    let path = req.path();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (allowed_origin, known_app) = match cors::decide(&req, &env, cors::scope(&segments)).await {
        Decision::Answer(resp) => return resp,
        Decision::Plain => (None, None),
        Decision::Allow(origin, app) => (Some(origin), app),
    };
    let routed = app_lookup::knowing(known_app, route(req, env, &segments)).await;
    let resp = routed.unwrap_or_else(|err| error_response(&err));
    match allowed_origin {
        Some(origin) => cors::allow(resp, &origin),
        None => resp,
    }
}

async fn route(req: Request, env: Env, segments: &[&str]) -> ApiResult<Response> {
    // Bodies over 64 KiB are refused before anything else, also where the body is never read.
    refuse_declared_oversize(&req)?;
    let method = req.method();
    // Ceremonies and the email verification before signup (D2).
    if let ["auth", "passkey-provider", rest @ ..] = segments {
        if let Some(endpoint) = Endpoint::at(rest) {
            if method != Method::Post {
                return Err(method_not_allowed());
            }
            return separately(ceremonies::serve(endpoint, req, &env, now_ms())).await;
        }
    }
    match (method, segments) {
        (Method::Get, ["healthz"]) => Ok(json(200, &health())),
        (_, ["healthz"]) => Err(method_not_allowed()),

        (Method::Post, ["api", "v1", "applications"]) => separately(admin::create_application(req, &env)).await,
        (Method::Get, ["api", "v1", "applications", app]) => separately(admin::get_application(&req, &env, app)).await,
        (Method::Patch, ["api", "v1", "applications", app]) => separately(admin::patch_application(req, &env, app)).await,
        (Method::Get, ["api", "v1", "applications", app, "auth", "passkey"]) => separately(admin::get_passkey_config(&req, &env, app)).await,
        (Method::Put, ["api", "v1", "applications", app, "auth", "passkey"]) => {
            separately(admin::put_passkey_config(req, &env, app)).await
        }
        (_, ["api", "v1", "applications"] | ["api", "v1", "applications", _] | ["api", "v1", "applications", _, "auth", "passkey"]) => {
            Err(method_not_allowed())
        }

        // Sessions and passkey management (D1).
        (Method::Post, ["auth", "token", "refresh"]) => separately(session_endpoints::refresh(req, &env, now_ms())).await,
        (Method::Post, ["auth", "logout"]) => separately(session_endpoints::logout(req, &env, now_ms())).await,
        (Method::Get, [".well-known", "jwks.json"]) => session_endpoints::jwks(&env),
        (Method::Get, ["api", "v1", "users", "me", "passkeys"]) => separately(passkey_management::list(req, &env, now_ms())).await,
        (Method::Patch, ["api", "v1", "users", "me", "passkeys", id]) => separately(passkey_management::rename(req, &env, id, now_ms())).await,
        (Method::Delete, ["auth", "passkey-provider", "passkeys", id]) => separately(passkey_management::delete(req, &env, id, now_ms())).await,
        (Method::Post, ["api", "v1", "users", "me", "recovery-codes"]) => {
            separately(passkey_management::new_recovery_codes(req, &env, now_ms())).await
        }
        (Method::Delete, ["api", "v1", "users", user, "passkeys"]) => {
            separately(passkey_management::operator_reset(req, &env, user, now_ms())).await
        }
        (_, ["auth", "token", "refresh"] | ["auth", "logout"] | [".well-known", "jwks.json"] | ["api", "v1", "users", "me", "passkeys"]
            | ["api", "v1", "users", "me", "passkeys", _] | ["auth", "passkey-provider", "passkeys", _]
            | ["api", "v1", "users", "me", "recovery-codes"] | ["api", "v1", "users", _, "passkeys"]) => Err(method_not_allowed()),

        // Hosted pages and the hand-off to the application (E).
        (Method::Get, ["sign-in"]) => separately(pages::sign_in(&req, &env)).await,
        (Method::Get, ["account"]) => separately(pages::account(&req, &env)).await,
        (Method::Post, ["auth", "authorize"]) => separately(hand_off::authorize(req, &env, now_ms())).await,
        (Method::Post, ["auth", "token"]) => separately(hand_off::exchange(req, &env, now_ms())).await,
        (_, ["sign-in"] | ["account"] | ["auth", "authorize"] | ["auth", "token"]) => Err(method_not_allowed()),

        // security: new routes (application API keys: list, rotate, revoke).
        (Method::Get, ["api", "v1", "applications", app, "api-keys"]) => separately(key_rotation::list(&req, &env, app)).await,
        (Method::Post, ["api", "v1", "applications", app, "api-keys"]) => separately(key_rotation::rotate(req, &env, app)).await,
        (Method::Delete, ["api", "v1", "applications", app, "api-keys", key]) => {
            separately(key_rotation::revoke(&req, &env, app, key)).await
        }
        (_, ["api", "v1", "applications", _, "api-keys"] | ["api", "v1", "applications", _, "api-keys", _]) => Err(method_not_allowed()),

        _ => Err(ApiError::not_found("no such endpoint")),
    }
}

fn method_not_allowed() -> ApiError {
    ApiError::new(ErrorCode::MethodNotAllowed, "method not allowed")
}

fn health() -> serde_json::Value {
    serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "commit": option_env!("AUTHAZ_BUILD_COMMIT").unwrap_or("unknown"),
    })
}

/// The time of this request, unix milliseconds (handlers get it passed in).
fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}
