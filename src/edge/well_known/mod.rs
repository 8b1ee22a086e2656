//! The files an application's rpId host serves about who may use its passkeys:
//! `/.well-known/webauthn` (WebAuthn Related Origin Requests: `{"origins": [...]}`),
//! `/.well-known/assetlinks.json` (Android apps, Digital Asset Links) and
//! `/.well-known/apple-app-site-association` (Apple apps' `webcredentials`). Answered only on the
//! host that is an application's rpId (one of its `hostnames`), and only when it lists what the
//! file is about; else 404. Public, cached for five minutes.

use worker::{Env, Request, Response};

use crate::contract::error::ApiError;
use crate::edge::platform::db::database;
use crate::edge::platform::http::{json, ApiResult};
use crate::edge::tenancy::{app_lookup, applications};
use crate::tenancy::application::Application;
use crate::tenancy::related_origins::{apple_app_site_association, asset_links, webauthn_document};

const MAX_AGE_SECS: u32 = 300;

/// Which file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum File {
    Webauthn,
    AssetLinks,
    AppleAppSiteAssociation,
}

pub async fn serve(req: &Request, env: &Env, file: File) -> ApiResult<Response> {
    let app = rp_app(req, env).await?;
    let config = &app.passkey;
    let body = match file {
        File::Webauthn if config.enabled && !config.related_origins.is_empty() => webauthn_document(&app.origins, &config.related_origins),
        File::AssetLinks if config.enabled && !config.android_apps.is_empty() => asset_links(&config.android_apps),
        File::AppleAppSiteAssociation if config.enabled && !config.apple_app_ids.is_empty() => apple_app_site_association(&config.apple_app_ids),
        _ => return Err(ApiError::not_found("this application lists nothing of the kind here")),
    };
    let mut resp = json(200, &body);
    let _ = resp.headers_mut().set("Cache-Control", &format!("public, max-age={MAX_AGE_SECS}"));
    Ok(resp)
}

/// The application whose rpId is the request's host.
async fn rp_app(req: &Request, env: &Env) -> ApiResult<Application> {
    let host = app_lookup::request_host(req).ok_or_else(|| ApiError::not_found("no host"))?;
    let app = applications::find_by_hostname_or_id(&database(env)?, Some(&host), None).await?;
    app.filter(|a| a.rp_id == host).ok_or_else(|| ApiError::not_found("this host is no application's rpId"))
}
