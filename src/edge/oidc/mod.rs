//! The OpenID Connect provider's Worker glue: the clients' admin API, discovery, the authorize
//! endpoint (whose UI is the hosted sign-in page), the token, userinfo and logout endpoints.
//! The protocol's checks are the pure `crate::oidc`; this finds the application and its issuer,
//! reads and writes D1 and answers in OAuth's formats.

pub mod authorize;
pub mod clients;
pub mod discovery;
pub mod jwt;
pub mod logout;
pub mod token;
pub mod userinfo;

use worker::{Env, Request, Response};

use crate::contract::error::ApiError;
use crate::edge::platform::db::database;
use crate::edge::platform::http::ApiResult;
use crate::edge::platform::request_url;
use crate::edge::tenancy::{app_lookup, applications};
use crate::oidc::discovery::Issuer;
use crate::oidc::error::{OAuthError, OAuthErrorCode};
use crate::tenancy::application::Application;

/// Which issuer form a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form<'a> {
    /// `/oidc/{appId}/...`
    Path(&'a str),
    /// `/oidc/...` and `/.well-known/openid-configuration` on one of the application's hostnames.
    Host,
}

/// The application and issuer of a provider request; `404 app_not_found` when there is none
/// (an unknown app id, or a host that is none of an application's `hostnames`).
pub async fn provider(req: &Request, env: &Env, known: Option<&Application>, form: Form<'_>) -> ApiResult<(Application, Issuer)> {
    let origin = request_url::origin(req).ok_or_else(ApiError::internal)?;
    let not_found = || ApiError::new(crate::contract::error::ErrorCode::AppNotFound, "no OpenID provider is served here");
    match form {
        Form::Path(app_id) => {
            let app = match known {
                Some(app) if app.id == app_id => app.clone(),
                _ if app_id.len() > 64 => return Err(not_found()),
                _ => applications::find(&database(env)?, app_id).await?.ok_or_else(not_found)?,
            };
            let issuer = Issuer::Path { origin, app_id: app.id.clone() };
            Ok((app, issuer))
        }
        Form::Host => {
            let host = request_url::host(req).map(|h| h.to_ascii_lowercase()).ok_or_else(not_found)?;
            let app = app_lookup::for_request(req, env, known).await.map_err(|_| not_found())?;
            if !app.hostnames.iter().any(|h| *h == host) {
                return Err(not_found());
            }
            Ok((app, Issuer::Host { origin }))
        }
    }
}

/// The application a CORS check of an OIDC endpoint holds the request's origin to: the one in
/// the path, else the host's.
pub async fn cors_app(req: &Request, env: &Env) -> ApiResult<Application> {
    let path = req.path();
    let segments = crate::contract::routes::segments(&path);
    match segments.as_slice() {
        ["oidc", app_id, _, ..] => provider(req, env, None, Form::Path(app_id)).await.map(|(app, _)| app),
        _ => provider(req, env, None, Form::Host).await.map(|(app, _)| app),
    }
}

/// An OAuth JSON answer: never cached (RFC 6749 5.1).
pub fn oauth_json(status: u16, value: &serde_json::Value) -> Response {
    let mut resp = crate::edge::platform::http::json(status, value);
    let _ = resp.headers_mut().set("Pragma", "no-cache");
    resp
}

/// An OAuth error answered directly (token and userinfo endpoints). `invalid_client` and
/// `invalid_token` carry `WWW-Authenticate` (RFC 6749 5.2, RFC 6750 3).
pub fn oauth_error(err: &OAuthError) -> Response {
    let mut resp = oauth_json(err.code.status(), &err.body());
    let challenge = match err.code {
        OAuthErrorCode::InvalidClient => Some("Basic realm=\"oidc\"".to_owned()),
        OAuthErrorCode::InvalidToken => Some(format!("Bearer error=\"invalid_token\", error_description=\"{}\"", err.description.replace('"', "'"))),
        _ => None,
    };
    if let Some(challenge) = challenge {
        let _ = resp.headers_mut().set("WWW-Authenticate", &challenge);
    }
    resp
}

/// A `303 See Other` to `location` (never cached).
pub fn redirect(location: &str) -> ApiResult<Response> {
    let mut resp = Response::empty().map_err(|_| ApiError::internal())?.with_status(303);
    let headers = resp.headers_mut();
    headers.set("Location", location).map_err(|_| ApiError::internal())?;
    headers.set("Cache-Control", "no-store").map_err(|_| ApiError::internal())?;
    Ok(resp)
}

/// Unix seconds of `ms`.
pub fn secs(ms: i64) -> u64 {
    u64::try_from(ms / 1000).unwrap_or(0)
}
