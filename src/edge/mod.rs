//! The Worker glue: routing, D1, Durable Objects and email around the pure core.
//! Compiled only for wasm32.

mod admin;
mod admin_auth;
mod api_keys;
mod app_lookup;
mod applications;
mod ceremonies;
mod ceremony_log;
mod challenge_store;
mod config;
mod cors;
mod credentials;
mod db;
mod email_verification;
mod hand_off;
mod http;
mod mail;
mod pages;
mod passkey_management;
mod rate_limiter;
mod rate_limits;
mod recovery_codes;
mod request_url;
mod router;
mod session_endpoints;
mod sessions;
mod users;
mod web_crypto;


use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    console_error_panic_hook::set_once();
    Ok(router::handle(req, env).await)
}
