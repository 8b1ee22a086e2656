//! `GET {issuer}/.well-known/openid-configuration`: the provider's metadata, readable from any
//! origin (public data, like the JWKS).

use worker::{Env, Request, Response};

use crate::edge::oidc::{provider, Form};
use crate::edge::platform::http::{json, ApiResult};
use crate::oidc::discovery::document;
use crate::tenancy::application::Application;

const MAX_AGE_SECS: u32 = 300;

pub async fn serve(req: &Request, env: &Env, known: Option<&Application>, form: Form<'_>) -> ApiResult<Response> {
    let (_, issuer) = provider(req, env, known, form).await?;
    let mut resp = json(200, &document(&issuer));
    let _ = resp.headers_mut().set("Cache-Control", &format!("public, max-age={MAX_AGE_SECS}"));
    Ok(resp)
}
