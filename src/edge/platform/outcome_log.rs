//! Structured logs: one JSON line per outcome of a ceremony or an account/session request,
//! `{"event","app","endpoint","result","error","durationMs"}`, printed with
//! `console_log!` (visible in `wrangler dev` output and Workers Logs).
//!
//! Only these fields are ever logged: never a code, token, key, email or credential.

use serde::Serialize;
use worker::console_log;

use crate::edge::platform::http::ApiResult;

/// What kind of endpoint the line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    /// A WebAuthn ceremony or email verification step (signup, register, login).
    Ceremony,
    /// Any other endpoint (sessions, passkey management).
    Request,
}

/// An outcome being timed: start it when the handler starts, set `app` once the application is
/// known, and `finish` it with the handler's result.
pub struct OutcomeLog {
    event: Event,
    endpoint: &'static str,
    app: Option<String>,
    started_ms: f64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Line<'a> {
    event: Event,
    app: Option<&'a str>,
    endpoint: &'a str,
    result: &'a str,
    error: Option<&'a str>,
    duration_ms: u64,
}

impl OutcomeLog {
    /// `endpoint` is the route, e.g. "POST /auth/token/refresh" (never the concrete path, which
    /// may carry ids).
    pub fn start(event: Event, endpoint: &'static str) -> Self {
        Self { event, endpoint, app: None, started_ms: js_sys::Date::now() }
    }

    pub fn set_app(&mut self, app_id: &str) {
        self.app = Some(app_id.to_string());
    }

    /// Prints the line and hands the result back unchanged.
    pub fn finish<T>(self, result: ApiResult<T>) -> ApiResult<T> {
        let (outcome, error) = match &result {
            Ok(_) => ("ok", None),
            Err(e) => ("error", Some(e.code.as_str())),
        };
        let line = Line {
            event: self.event,
            app: self.app.as_deref(),
            endpoint: self.endpoint,
            result: outcome,
            error,
            duration_ms: (js_sys::Date::now() - self.started_ms).max(0.0) as u64,
        };
        if let Ok(text) = serde_json::to_string(&line) {
            console_log!("{text}");
        }
        result
    }
}
