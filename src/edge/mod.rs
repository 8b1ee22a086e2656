//! The Worker glue: routing, D1, Durable Objects and email around the pure modules.
//! Compiled only for wasm32.
//!
//! One folder per capability, each owning its endpoints and its D1 queries; `platform` is the
//! plumbing they share; `router` maps every request to its endpoint.

mod admin;
mod ceremonies;
mod email_verification;
mod events;
mod hand_off;
mod i18n;
mod maintenance;
mod metadata;
mod oidc;
mod pages;
mod passkeys;
mod platform;
mod router;
mod sessions;
mod tenancy;
mod users;
mod webhooks;
mod well_known;

use worker::{event, Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    // Release builds abort at a panic (-Cpanic=immediate-abort) and never call a panic hook:
    // only the dev builds install one (it pulls std's default hook and io::Error texts in).
    #[cfg(not(panic = "immediate-abort"))]
    console_error_panic_hook::set_once();
    Ok(router::handle(req, env).await)
}

/// Runs `GET /healthz` through the router once at start-up (wasm-bindgen's start function, run
/// when the module is evaluated), so that V8 compiles the code every request shares (the entry
/// glue, the router, a JSON answer) before the first request rather than during it; start-up
/// has its own, larger CPU limit. No binding, randomness or log is touched: `/healthz` needs
/// none, and the clock reads 0 outside a request. Measured in `bench/bare_workerd.mjs` (workerd
/// without wrangler or a debugger: a debugger's attachment discards compiled wasm).
#[event(start)]
fn warm_up() {
    use std::future::Future;
    let Ok(raw) = worker::web_sys::Request::new_with_str("http://warm-up.invalid/healthz") else { return };
    let env: Env = wasm_bindgen::JsCast::unchecked_into(js_sys::Object::new());
    let mut answer = std::pin::pin!(router::handle(Request::from(raw), env));
    // `/healthz` answers without awaiting anything: one poll completes it.
    let _ = answer.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
}

/// The Cron Triggers (wrangler.toml `[triggers] crons`), each to its job by its schedule.
#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    // Release builds abort at a panic (-Cpanic=immediate-abort) and never call a panic hook:
    // only the dev builds install one (it pulls std's default hook and io::Error texts in).
    #[cfg(not(panic = "immediate-abort"))]
    console_error_panic_hook::set_once();
    match event.cron().as_str() {
        metadata::refresh::CRON => metadata::refresh::run(&env).await,
        maintenance::sweep::CRON => maintenance::sweep::run(&env, js_sys::Date::now() as i64).await,
        other => worker::console_error!("scheduled: no job for cron {other:?}"),
    }
}
