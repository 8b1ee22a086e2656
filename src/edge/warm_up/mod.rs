//! The start-up warm-up: requests served once through the router when the module is evaluated
//! (wasm-bindgen's start function), so that V8 compiles the code an isolate's first requests run
//! before them rather than during them (issue 14: V8 compiles each wasm function when it is
//! first called; start-up has its own, larger CPU limit than a request). Start-up may do no I/O
//! and draw no randomness, so the warm-up's requests see the bindings of `bindings.js`: one
//! application answered from constants, a rate limit never reached, a constant MAC key. Each
//! request runs its endpoint up to the first step that needs randomness or a binding the warm-up
//! does not have (a start's challenge, a complete's challenge holder), and its answer is dropped:
//! no line is logged, nothing is stored, and the application it found is forgotten.
//!
//! `GET /healthz` (the entry glue, the router and a JSON answer, which every request shares) is
//! answered at once; the ceremony requests await the bindings' promises, resolved in start-up's
//! microtasks. Measured in `bench/bare_workerd.mjs` and the bench's first requests (README).

use std::cell::Cell;

use wasm_bindgen::prelude::wasm_bindgen;
use worker::{Env, Request};

use super::platform::outgoing;
use super::router;
use super::tenancy::app_lookup;
use crate::tenancy::passkey_config::PasskeyConfig;

#[wasm_bindgen(module = "/src/edge/warm_up/bindings.js")]
extern "C" {
    #[wasm_bindgen(js_name = warmUpEnv)]
    fn warm_up_env(passkey_config: &str) -> Env;
}

thread_local! {
    /// The warm-up's requests not yet answered: while any is, nothing is logged.
    static RUNNING: Cell<usize> = const { Cell::new(0) };
}

/// Whether the warm-up is running (the outcome log then prints nothing).
pub fn is_running() -> bool {
    RUNNING.with(Cell::get) > 0
}

/// The warm-up's requests. None has a body: start-up may not make one (a body is a stream, and
/// streams are I/O); a `POST` without one reads as `{}`.
const REQUESTS: &[(&str, &str)] = &[
    ("GET", "/healthz"),
    ("POST", "/auth/passkey-provider/login/start"),
    ("POST", "/auth/passkey-provider/signup/start"),
    ("POST", "/auth/passkey-provider/login/complete"),
    ("POST", "/auth/passkey-provider/signup/complete"),
];

pub fn run() {
    let config = PasskeyConfig { enabled: true, direct_signup: true, ..PasskeyConfig::default() };
    let Ok(config) = serde_json::to_string(&config) else { return };
    for &(method, path) in REQUESTS {
        let url = format!("https://warm-up.invalid{path}");
        let Some(req) = outgoing::request(method, &url, &[], None) else { continue };
        let env = warm_up_env(&config);
        RUNNING.with(|n| n.set(n.get() + 1));
        worker::wasm_bindgen_futures::spawn_local(answer(req, env));
    }
}

async fn answer(req: Request, env: Env) {
    drop(router::handle(req, env).await);
    RUNNING.with(|n| n.set(n.get() - 1));
    if !is_running() {
        app_lookup::forget_all();
    }
}
