//! The files an application's rpId host serves about who may use its passkeys:
//! `/.well-known/webauthn` (WebAuthn Related Origin Requests: `{"origins": [...]}`) and
//! `/.well-known/apple-app-site-association` (Apple apps' `webcredentials`). Answered only on the
//! host that is an application's rpId (one of its `hostnames`), and only when it lists what the
//! file is about; else 404. Public, cached for five minutes.

use worker::{Env, Request, Response};

use crate::contract::error::ApiError;
use crate::edge::platform::http::{json, ApiResult};
use crate::edge::tenancy::app_lookup;
use crate::tenancy::application::Application;
use crate::tenancy::related_origins::{AppleAppSiteAssociation, AppleApps, WebauthnFile};

/// Five minutes.
const CACHE_CONTROL: &str = "public, max-age=300";

/// Which file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum File {
    Webauthn,
    AppleAppSiteAssociation,
}

pub async fn serve(req: &Request, env: &Env, file: File) -> ApiResult<Response> {
    let app = rp_app(req, env).await?;
    let config = &app.passkey;
    let mut resp = match file {
        File::Webauthn if config.enabled && !config.related_origins.is_empty() => json(200, &WebauthnFile::of(&app.origins, &config.related_origins)),
        File::AppleAppSiteAssociation if config.enabled && !config.apple_app_ids.is_empty() => {
            json(200, &AppleAppSiteAssociation { webcredentials: AppleApps { apps: &config.apple_app_ids } })
        }
        _ => return Err(ApiError::not_found("this application lists nothing of the kind here")),
    };
    let _ = resp.headers_mut().set("Cache-Control", CACHE_CONTROL);
    Ok(resp)
}

/// The application of the request's host, when that host is its rpId.
async fn rp_app(req: &Request, env: &Env) -> ApiResult<Application> {
    let host = app_lookup::request_host(req).unwrap_or_default();
    let app = app_lookup::for_request(req, env, None).await.map_err(|_| not_an_rp_id())?;
    // Found by its host (never by an X-Authaz-App header): the rpId must be one of its hostnames.
    if app.rp_id == host && app.hostnames.contains(&host) {
        Ok(app)
    } else {
        Err(not_an_rp_id())
    }
}

fn not_an_rp_id() -> ApiError {
    ApiError::not_found("this host is no application's rpId")
}
