//! Serves a request: the route table (`contract::routes`) names its endpoint, the CORS check runs
//! first, and each endpoint is mapped here to the handler of its capability. Every error becomes
//! the contract's JSON.

use worker::{Env, Request, Response};

use super::admin::endpoints as admin;
use super::admin::key_rotation;
use super::ceremonies;
use super::oidc::{self, Form};
use super::passkeys::endpoints as passkeys;
use super::platform::cors::{self, Decision};
use super::platform::http::{error_response, json, refuse_declared_oversize, separately, ApiResult};
use super::sessions::endpoints as sessions;
use super::well_known::{self, File};
use super::{events, hand_off, pages, users, webhooks};
use crate::contract::error::{ApiError, ErrorCode};
use crate::contract::routes::{self, Endpoint, Routing};
use crate::tenancy::application::Application;

pub async fn handle(req: Request, env: Env) -> Response {
    let path = req.path();
    let (allowed_origin, known_app) = match cors::decide(&req, &env, routes::cors_scope(&path)).await {
        Decision::Answer(resp) => return resp,
        Decision::Plain => (None, None),
        Decision::Allow(origin, app) => (Some(origin), app),
    };
    let resp = serve(req, env, &path, known_app.as_ref()).await.unwrap_or_else(|err| error_response(&err));
    match allowed_origin {
        Some(origin) => cors::allow(resp, &origin),
        None => resp,
    }
}

/// `known` is the application the CORS check found, if it looked one up.
async fn serve(req: Request, env: Env, path: &str, known: Option<&Application>) -> ApiResult<Response> {
    // Bodies over 64 KiB are refused before anything else, also where the body is never read.
    refuse_declared_oversize(&req)?;
    let method = req.method().to_string();
    let (endpoint, params) = match routes::route(&method, path) {
        Routing::Found(endpoint, params) => (endpoint, params),
        Routing::MethodNotAllowed => return Err(ApiError::new(ErrorCode::MethodNotAllowed, "method not allowed")),
        Routing::NotFound => return Err(ApiError::not_found("no such endpoint")),
    };
    let param = params.first().copied().unwrap_or_default();
    let param2 = params.get(1).copied().unwrap_or_default();
    let env = &env;
    let now = now_ms();
    use Endpoint::*;
    match endpoint {
        Health => Ok(json(200, &health())),

        CreateApplication => separately(admin::create_application(req, env)).await,
        GetApplication => separately(admin::get_application(&req, env, param)).await,
        PatchApplication => separately(admin::patch_application(req, env, param)).await,
        GetPasskeyConfig => separately(admin::get_passkey_config(&req, env, param)).await,
        PutPasskeyConfig => separately(admin::put_passkey_config(req, env, param)).await,
        ListApiKeys => separately(key_rotation::list(&req, env, param)).await,
        RotateApiKey => separately(key_rotation::rotate(req, env, param)).await,
        RevokeApiKey => separately(key_rotation::revoke(&req, env, param, params.get(1).copied().unwrap_or_default())).await,

        VerifyEmailRequest | VerifyEmailConfirm | SignupStart | SignupComplete | RegisterStart | RegisterComplete | LoginStart | LoginComplete => {
            separately(ceremonies::serve(endpoint, req, env, known, now)).await
        }

        RefreshToken => separately(sessions::refresh(req, env, known, now)).await,
        Logout => separately(sessions::logout(req, env, known, now)).await,
        Jwks => separately(sessions::jwks(env)).await,

        ListPasskeys => separately(passkeys::list(req, env, known, now)).await,
        RenamePasskey => separately(passkeys::rename(req, env, known, param, now)).await,
        DeletePasskey => separately(passkeys::delete(req, env, known, param, now)).await,
        NewRecoveryCodes => separately(passkeys::new_recovery_codes(req, env, known, now)).await,
        OperatorReset => separately(passkeys::operator_reset(req, env, param, now)).await,

        SignInPage => separately(pages::sign_in(&req, env)).await,
        AccountPage => separately(pages::account(&req, env)).await,
        Authorize => separately(hand_off::authorize(req, env, known, now)).await,
        ExchangeCode => separately(hand_off::exchange(req, env, known, now)).await,

        CreateClient => separately(oidc::clients::create(req, env, param, now)).await,
        ListClients => separately(oidc::clients::list(&req, env, param)).await,
        GetClient => separately(oidc::clients::get(&req, env, param, param2)).await,
        PatchClient => separately(oidc::clients::patch(req, env, param, param2, now)).await,
        DeleteClient => separately(oidc::clients::delete(&req, env, param, param2, now)).await,
        RotateClientSecret => separately(oidc::clients::rotate_secret(&req, env, param, param2, now)).await,
        OidcAuthorizeComplete => separately(oidc::authorize::complete(req, env, known, now)).await,
        // The OpenID provider in its two issuer forms; each endpoint boxed on its own.
        OidcDiscovery => separately(oidc::discovery::serve(&req, env, known, Form::Path(param))).await,
        OidcDiscoveryHost => separately(oidc::discovery::serve(&req, env, known, Form::Host)).await,
        OidcAuthorize => separately(oidc::authorize::authorize(&req, env, known, Form::Path(param), now)).await,
        OidcAuthorizeHost => separately(oidc::authorize::authorize(&req, env, known, Form::Host, now)).await,
        OidcToken => separately(oidc::token::token(req, env, known, Form::Path(param), now)).await,
        OidcTokenHost => separately(oidc::token::token(req, env, known, Form::Host, now)).await,
        OidcUserinfo | OidcUserinfoPost => separately(oidc::userinfo::serve(&req, env, known, Form::Path(param), now)).await,
        OidcUserinfoHost | OidcUserinfoHostPost => separately(oidc::userinfo::serve(&req, env, known, Form::Host, now)).await,
        OidcLogout => separately(oidc::logout::serve(&req, env, known, Form::Path(param), now)).await,
        OidcLogoutHost => separately(oidc::logout::serve(&req, env, known, Form::Host, now)).await,

        // Audit events.
        ListEvents => separately(events::endpoints::list(&req, env, param)).await,
        WellKnownWebauthn => separately(well_known::serve(&req, env, File::Webauthn)).await,
        WellKnownAppleAppSiteAssociation => separately(well_known::serve(&req, env, File::AppleAppSiteAssociation)).await,
        ListUsers | GetUser | DeleteUser | EndUserSessions => separately(users::admin_endpoints::serve(endpoint, &req, env, param, now)).await,
        ListMySessions | EndMySession | DeleteMe | ChangeEmail | ConfirmEmailChange => {
            separately(users::self_service::serve(endpoint, req, env, known, param, now)).await
        }
        CreateWebhook | ListWebhooks | GetWebhook | PatchWebhook | DeleteWebhook | RotateWebhookSecret | ListWebhookDeliveries => {
            separately(webhooks::endpoints::serve(endpoint, req, env, param, param2, now)).await
        }
    }
}

fn health() -> serde_json::Value {
    serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
        "commit": option_env!("AUTHAZ_BUILD_COMMIT").unwrap_or("unknown"),
    })
}

/// The time of this request, unix milliseconds (handlers get it passed in).
fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}
