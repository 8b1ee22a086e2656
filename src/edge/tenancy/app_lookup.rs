//! Which application a public request is for: the one whose `hostnames` hold the request's host
//! (port ignored); else the one named by the `X-Authaz-App` header; for pages also by the `app`
//! query parameter; else `404 app_not_found`.
//!
//! A request is looked up once: when the router's CORS check has already found the application
//! (every call from an application's own pages), [`knowing`] hands it to the handler's
//! [`for_request`] instead of a second D1 query.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use worker::{Env, Request};

use crate::edge::tenancy::applications;
use crate::edge::platform::db::database;
use crate::edge::platform::http::ApiResult;
use crate::edge::platform::request_url;
use crate::contract::error::{ApiError, ErrorCode};
use crate::tenancy::application::Application;

/// Longest application id looked up (ids are 20 characters).
const MAX_APP_ID_LEN: usize = 64;

/// The application of a public API request (`/auth/...`): by host, else `X-Authaz-App`.
pub async fn for_request(req: &Request, env: &Env) -> ApiResult<Application> {
    if let Some(app) = KNOWN.with(|known| known.borrow().clone()) {
        return Ok(Application::clone(&app));
    }
    find(req, env, false).await
}

thread_local! {
    /// The application of the request whose future is being polled, when already known.
    static KNOWN: RefCell<Option<Rc<Application>>> = const { RefCell::new(None) };
}

/// Runs `fut` (one request's handling) with `app`, when Some, as the application that
/// [`for_request`] answers. Requests interleave only between polls, and each poll of this future
/// sets the application for exactly that poll, so no other request ever sees it.
pub fn knowing<F: Future>(app: Option<Application>, fut: F) -> impl Future<Output = F::Output> {
    Knowing { app: app.map(Rc::new), fut: Box::pin(fut) }
}

struct Knowing<F> {
    app: Option<Rc<Application>>,
    fut: Pin<Box<F>>,
}

impl<F: Future> Future for Knowing<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let app = self.app.clone();
        let previous = KNOWN.with(|known| known.replace(app));
        let result = self.fut.as_mut().poll(cx);
        KNOWN.with(|known| *known.borrow_mut() = previous);
        result
    }
}

/// The application of a hosted page (`/sign-in`, `/account`): by host, else `X-Authaz-App`,
/// else the `app` query parameter.
pub async fn for_page(req: &Request, env: &Env) -> ApiResult<Application> {
    find(req, env, true).await
}

async fn find(req: &Request, env: &Env, query_param: bool) -> ApiResult<Application> {
    let db = database(env)?;
    let host = request_host(req);
    let named = header(req, "x-authaz-app")
        .or_else(|| query_param.then(|| app_query_param(req)).flatten())
        .filter(|id| id.len() <= MAX_APP_ID_LEN);
    if host.is_some() || named.is_some() {
        if let Some(app) = applications::find_by_hostname_or_id(&db, host.as_deref(), named.as_deref()).await? {
            return Ok(app);
        }
    }
    Err(ApiError::new(ErrorCode::AppNotFound, "no application is served here: unknown host and no known X-Authaz-App"))
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The request's host name, lowercase, without port or trailing dot: the `Host` header, else
/// the URL's host.
fn request_host(req: &Request) -> Option<String> {
    let raw = header(req, "host").or_else(|| request_url::host(req))?;
    Some(strip_port(&raw).trim_end_matches('.').to_ascii_lowercase()).filter(|h| !h.is_empty())
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        // An IPv6 literal: keep it whole (it matches no hostname anyway).
        return host.split(']').next().unwrap_or(host);
    }
    host.split(':').next().unwrap_or(host)
}

fn app_query_param(req: &Request) -> Option<String> {
    let value = request_url::query_pairs(req).into_iter().find(|(k, _)| k == "app").map(|(_, v)| v.trim().to_owned());
    value.filter(|v| !v.is_empty())
}
