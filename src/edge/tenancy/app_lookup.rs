//! Which application a public request is for: the one whose `hostnames` hold the request's host
//! (port ignored); else the one named by the `X-Authaz-App` header; for pages also by the `app`
//! query parameter; else `404 app_not_found`.
//!
//! A request is looked up once: when the router's CORS check has already found the application
//! (every call from an application's own pages), the router hands it to the handler, whose
//! [`for_request`] answers it instead of making a second D1 query. An application found in the
//! last half minute is answered from the isolate's cache (`tenancy::app_cache`, emptied by
//! [`run_changing_batch`], which every change runs through); else the lookup reads a D1 read replica (`db::replica`), and
//! the primary when the replica knows no such application or this isolate changed one lately.

use std::cell::RefCell;

use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env, Request};

use crate::contract::error::{ApiError, ErrorCode};
use crate::edge::platform::db::{database, replica, Answer, D1Batch};
use crate::edge::platform::http::ApiResult;
use crate::edge::platform::request_url;
use crate::edge::tenancy::applications;
use crate::tenancy::app_cache::AppCache;
use crate::tenancy::application::Application;

thread_local! {
    /// The applications this isolate found a moment ago (wasm32 has one thread: one cache).
    static RECENT: RefCell<AppCache<Application>> = const { RefCell::new(AppCache::new()) };
}

/// Runs `statements`, a batch that changes an application or its webhook endpoints, emptying
/// the cache of looked-up applications before it (a request cancelled during the batch may
/// still commit it) and after it, so that this isolate serves the change at once.
pub async fn run_changing_batch(db: &D1Database, statements: Vec<D1PreparedStatement>) -> Result<Vec<Answer>, JsValue> {
    forget_all();
    let results = db.run_batch(statements).await;
    forget_all();
    results
}

fn forget_all() {
    RECENT.with(|cache| cache.borrow_mut().clear(js_sys::Date::now()));
}

/// Longest application id looked up (ids are 20 characters).
const MAX_APP_ID_LEN: usize = 64;

/// The application of a public API request (`/auth/...`): `known` when the router already found
/// it, else by host, else `X-Authaz-App`.
pub async fn for_request(req: &Request, env: &Env, known: Option<&Application>) -> ApiResult<Application> {
    if let Some(app) = known {
        return Ok(app.clone());
    }
    find(req, env, false).await
}

/// The application of a hosted page (`/sign-in`, `/account`): by host, else `X-Authaz-App`,
/// else the `app` query parameter.
pub async fn for_page(req: &Request, env: &Env) -> ApiResult<Application> {
    find(req, env, true).await
}

async fn find(req: &Request, env: &Env, query_param: bool) -> ApiResult<Application> {
    let host = request_host(req);
    let named = header(req, "x-authaz-app").or_else(|| query_param.then(|| app_query_param(req)).flatten()).filter(|id| id.len() <= MAX_APP_ID_LEN);
    if host.is_some() || named.is_some() {
        let (host, named) = (host.as_deref(), named.as_deref());
        let now = js_sys::Date::now();
        let (cached, began, changed_here) = RECENT.with(|cache| {
            let cache = cache.borrow();
            (cache.get(host, named, now), cache.generation(), cache.recently_cleared(now))
        });
        if let Some(app) = cached {
            return Ok(app);
        }
        let keep = |app: Application| {
            RECENT.with(|cache| cache.borrow_mut().put(host, named, app.clone(), now, began));
            Ok(app)
        };
        // A read replica first (a moment-old copy of an application is safe to serve), unless
        // this isolate changed an application lately (the replica may not have the change); a
        // miss is asked again of the primary, so an application created a moment ago is found.
        if !changed_here {
            if let Some(app) = applications::find_by_hostname_or_id(&replica(env)?, host, named).await? {
                return keep(app);
            }
        }
        if let Some(app) = applications::find_by_hostname_or_id(&database(env)?, host, named).await? {
            return keep(app);
        }
    }
    Err(ApiError::new(ErrorCode::AppNotFound, "no application is served here: unknown host and no known X-Authaz-App"))
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// The request's host name, lowercase, without port or trailing dot: the `Host` header, else
/// the URL's host.
pub fn request_host(req: &Request) -> Option<String> {
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
