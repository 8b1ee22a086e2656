//! Cross-origin calls from an application's own pages.
//!
//! Browsers call the public endpoints from the application's origins, which are usually not the
//! Worker's host. Those endpoints answer CORS for exactly the application's `origins`: a request
//! whose `Origin` is neither the Worker's own origin nor one of the application's is refused with
//! `403 forbidden` before anything is done, so another site's page cannot make its visitors'
//! browsers act on the application (send codes, start ceremonies). No credentials (cookies) are
//! ever involved: every secret travels in a header the page itself sets.
//!
//! The admin API is for servers only and answers no CORS at all. The JWKS is public (`*`).
//! A preflight cannot name its application (it carries header names, not values), so it is
//! answered for any origin; the real request is then held to the application's origins.

use worker::{Method, Request, Response};

use crate::contract::error::ApiError;
use crate::contract::routes::CorsScope;
use crate::edge::platform::http::error_response;
use crate::edge::platform::request_url;
use crate::edge::tenancy::app_lookup;
use crate::tenancy::application::Application;

const ALLOW_METHODS: &str = "GET, POST, PATCH, DELETE";
const ALLOW_HEADERS: &str = "accept-language, authorization, content-type, x-authaz-app";
/// Chromium caps a preflight cache at 2 hours.
const PREFLIGHT_MAX_AGE_SECS: &str = "7200";

/// What the router does with a request before and after routing it.
pub enum Decision {
    /// Not cross-origin, or not a CORS endpoint: route as usual, add nothing.
    Plain,
    /// Route, then allow `origin` to read the answer; with the application when the decision
    /// looked it up (the handler then needs no second lookup).
    Allow(String, Option<Application>),
    /// Answer this at once (a preflight, or a refusal of an origin the application does not list).
    Answer(Response),
}

/// The request's `Origin` when it is another origin than the Worker's own.
fn foreign_origin(req: &Request) -> Option<String> {
    let origin = req.headers().get("origin").ok().flatten()?;
    let own = request_url::origin(req);
    (own.as_deref() != Some(origin.as_str())).then_some(origin)
}

pub async fn decide(req: &Request, env: &worker::Env, scope: CorsScope) -> Decision {
    if scope == CorsScope::None {
        return Decision::Plain;
    }
    let Some(origin) = foreign_origin(req) else { return Decision::Plain };
    if req.method() == Method::Options {
        return Decision::Answer(preflight(&origin));
    }
    if scope == CorsScope::Anyone {
        return Decision::Allow("*".to_string(), None);
    }
    // The OpenID provider's application is the one in the path, else the host's; an unknown
    // one gets no CORS (its handler answers 404).
    if scope == CorsScope::OidcAppOrigins {
        return match crate::edge::oidc::cors_app(req, env).await {
            Ok(app) if app.allows_web_origin(&origin) => Decision::Allow(origin, Some(app)),
            Ok(_) => {
                let refused = ApiError::forbidden(format!("{origin} is not one of this application's origins"));
                Decision::Answer(allow(error_response(&refused), &origin))
            }
            Err(_) => Decision::Plain,
        };
    }
    // An unknown application is the handler's to report (404 app_not_found), with CORS so the
    // page can read why.
    match app_lookup::for_request(req, env, None).await {
        Ok(app) if app.allows_web_origin(&origin) => Decision::Allow(origin, Some(app)),
        Ok(_) => {
            // Readable by the page, so its developer learns why.
            let refused = ApiError::forbidden(format!("{origin} is not one of this application's origins"));
            Decision::Answer(allow(error_response(&refused), &origin))
        }
        Err(_) => Decision::Allow(origin, None),
    }
}

fn preflight(origin: &str) -> Response {
    let mut resp = Response::empty().map(|r| r.with_status(204)).unwrap_or_else(|_| Response::builder().fixed(Vec::new()));
    let h = resp.headers_mut();
    let _ = h.set("Access-Control-Allow-Origin", origin);
    let _ = h.set("Access-Control-Allow-Methods", ALLOW_METHODS);
    let _ = h.set("Access-Control-Allow-Headers", ALLOW_HEADERS);
    let _ = h.set("Access-Control-Max-Age", PREFLIGHT_MAX_AGE_SECS);
    let _ = h.set("Vary", "Origin");
    resp
}

/// Lets `origin` read `resp` (and its `Retry-After`).
pub fn allow(mut resp: Response, origin: &str) -> Response {
    let h = resp.headers_mut();
    let _ = h.set("Access-Control-Allow-Origin", origin);
    let _ = h.set("Access-Control-Expose-Headers", "Retry-After");
    if origin != "*" {
        let _ = h.set("Vary", "Origin");
    }
    resp
}
