//! The Worker glue: routing, D1, Durable Objects and email around the pure modules.
//! Compiled only for wasm32.
//!
//! One folder per capability, each owning its endpoints and its D1 queries; `platform` is the
//! plumbing they share; `router` maps every request to its endpoint.

mod admin;
mod ceremonies;
mod email_verification;
mod hand_off;
mod oidc;
mod pages;
mod passkeys;
mod platform;
mod router;
mod sessions;
mod tenancy;
mod users;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    console_error_panic_hook::set_once();
    Ok(router::handle(req, env).await)
}
