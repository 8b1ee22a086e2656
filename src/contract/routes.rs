//! The route table: every endpoint of the contract by method and path, with the CORS it answers
//! and the name it is logged under. The one place a route is spelled; the Worker's router maps
//! each [`Endpoint`] to its handler.

/// Which CORS an endpoint answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CorsScope {
    /// Server-to-server only (the admin API, hosted pages, unknown paths): no CORS headers.
    None,
    /// Public data: any origin.
    Anyone,
    /// Called by the application's pages: its `origins` only.
    AppOrigins,
    /// Called by an OAuth client's pages (OpenID Connect token and userinfo): the `origins` of
    /// the application in the path (`/oidc/{appId}/...`), else of the host's.
    OidcAppOrigins,
}

/// Every endpoint the Worker serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Health,
    CreateApplication,
    GetApplication,
    PatchApplication,
    GetPasskeyConfig,
    PutPasskeyConfig,
    ListApiKeys,
    RotateApiKey,
    RevokeApiKey,
    VerifyEmailRequest,
    VerifyEmailConfirm,
    SignupStart,
    SignupComplete,
    RegisterStart,
    RegisterComplete,
    LoginStart,
    LoginComplete,
    RefreshToken,
    Logout,
    Jwks,
    ListPasskeys,
    RenamePasskey,
    DeletePasskey,
    NewRecoveryCodes,
    OperatorReset,
    SignInPage,
    AccountPage,
    Authorize,
    ExchangeCode,
    // OpenID Connect: the clients' admin API, then the provider in its two issuer forms.
    CreateClient,
    ListClients,
    GetClient,
    PatchClient,
    DeleteClient,
    RotateClientSecret,
    OidcDiscoveryHost,
    OidcAuthorizeHost,
    OidcAuthorizeComplete,
    OidcTokenHost,
    OidcUserinfoHost,
    OidcUserinfoHostPost,
    OidcLogoutHost,
    OidcDiscovery,
    OidcAuthorize,
    OidcToken,
    OidcUserinfo,
    OidcUserinfoPost,
    OidcLogout,
    // Audit events (admin API).
    ListEvents,
    // What the rpId's host says of the origins and apps that may use its passkeys.
    WellKnownWebauthn,
    WellKnownAppleAppSiteAssociation,
    // Users: the admin user API, then the account's self-service.
    ListUsers,
    GetUser,
    DeleteUser,
    EndUserSessions,
    ListMySessions,
    EndMySession,
    DeleteMe,
    ChangeEmail,
    ConfirmEmailChange,
    // Webhook endpoints and their delivery log (admin API).
    CreateWebhook,
    ListWebhooks,
    GetWebhook,
    PatchWebhook,
    DeleteWebhook,
    RotateWebhookSecret,
    ListWebhookDeliveries,
}

/// One row of the table: `"METHOD /path/{param}"`, the endpoint, its CORS scope.
struct Route {
    spec: &'static str,
    endpoint: Endpoint,
    cors: CorsScope,
}

const fn r(spec: &'static str, endpoint: Endpoint, cors: CorsScope) -> Route {
    Route { spec, endpoint, cors }
}

use CorsScope::{Anyone, AppOrigins, None as NoCors, OidcAppOrigins};
use Endpoint::*;

/// Earlier rows win: literal segments (`me`) come before a parameter in the same place.
const ROUTES: &[Route] = &[
    r("GET /healthz", Health, NoCors),
    // Applications (admin API).
    r("POST /api/v1/applications", CreateApplication, NoCors),
    r("GET /api/v1/applications/{appId}", GetApplication, NoCors),
    r("PATCH /api/v1/applications/{appId}", PatchApplication, NoCors),
    r("GET /api/v1/applications/{appId}/auth/passkey", GetPasskeyConfig, NoCors),
    r("PUT /api/v1/applications/{appId}/auth/passkey", PutPasskeyConfig, NoCors),
    r("GET /api/v1/applications/{appId}/api-keys", ListApiKeys, NoCors),
    r("POST /api/v1/applications/{appId}/api-keys", RotateApiKey, NoCors),
    r("DELETE /api/v1/applications/{appId}/api-keys/{keyId}", RevokeApiKey, NoCors),
    // Email verification and the ceremonies.
    r("POST /auth/passkey-provider/signup/verify-email/request", VerifyEmailRequest, AppOrigins),
    r("POST /auth/passkey-provider/signup/verify-email/confirm", VerifyEmailConfirm, AppOrigins),
    r("POST /auth/passkey-provider/signup/start", SignupStart, AppOrigins),
    r("POST /auth/passkey-provider/signup/complete", SignupComplete, AppOrigins),
    r("POST /auth/passkey-provider/register/start", RegisterStart, AppOrigins),
    r("POST /auth/passkey-provider/register/complete", RegisterComplete, AppOrigins),
    r("POST /auth/passkey-provider/login/start", LoginStart, AppOrigins),
    r("POST /auth/passkey-provider/login/complete", LoginComplete, AppOrigins),
    // Sessions.
    r("POST /auth/token/refresh", RefreshToken, AppOrigins),
    r("POST /auth/logout", Logout, AppOrigins),
    r("GET /.well-known/jwks.json", Jwks, Anyone),
    // Passkey management.
    r("GET /api/v1/users/me/passkeys", ListPasskeys, AppOrigins),
    r("PATCH /api/v1/users/me/passkeys/{id}", RenamePasskey, AppOrigins),
    r("DELETE /auth/passkey-provider/passkeys/{id}", DeletePasskey, AppOrigins),
    r("POST /api/v1/users/me/recovery-codes", NewRecoveryCodes, AppOrigins),
    r("DELETE /api/v1/users/{userId}/passkeys", OperatorReset, NoCors),
    // Hosted pages and the hand-off to the application.
    r("GET /sign-in", SignInPage, NoCors),
    r("GET /account", AccountPage, NoCors),
    r("POST /auth/authorize", Authorize, AppOrigins),
    r("POST /auth/token", ExchangeCode, AppOrigins),
    // OpenID Connect clients (admin API).
    r("POST /api/v1/applications/{appId}/clients", CreateClient, NoCors),
    r("GET /api/v1/applications/{appId}/clients", ListClients, NoCors),
    r("GET /api/v1/applications/{appId}/clients/{clientId}", GetClient, NoCors),
    r("PATCH /api/v1/applications/{appId}/clients/{clientId}", PatchClient, NoCors),
    r("DELETE /api/v1/applications/{appId}/clients/{clientId}", DeleteClient, NoCors),
    r("POST /api/v1/applications/{appId}/clients/{clientId}/secret", RotateClientSecret, NoCors),
    // The OpenID provider with issuer `{origin}` (a host of the application's `hostnames`).
    r("GET /.well-known/openid-configuration", OidcDiscoveryHost, Anyone),
    r("GET /oidc/authorize", OidcAuthorizeHost, NoCors),
    r("POST /oidc/authorize/complete", OidcAuthorizeComplete, NoCors),
    r("POST /oidc/token", OidcTokenHost, OidcAppOrigins),
    r("GET /oidc/userinfo", OidcUserinfoHost, OidcAppOrigins),
    r("POST /oidc/userinfo", OidcUserinfoHostPost, OidcAppOrigins),
    r("GET /oidc/logout", OidcLogoutHost, NoCors),
    // The OpenID provider with issuer `{origin}/oidc/{appId}`.
    r("GET /oidc/{appId}/.well-known/openid-configuration", OidcDiscovery, Anyone),
    r("GET /oidc/{appId}/authorize", OidcAuthorize, NoCors),
    r("POST /oidc/{appId}/token", OidcToken, OidcAppOrigins),
    r("GET /oidc/{appId}/userinfo", OidcUserinfo, OidcAppOrigins),
    r("POST /oidc/{appId}/userinfo", OidcUserinfoPost, OidcAppOrigins),
    r("GET /oidc/{appId}/logout", OidcLogout, NoCors),
    // Audit events (admin API).
    r("GET /api/v1/applications/{appId}/events", ListEvents, NoCors),
    // Related origins and native apps (served on the rpId's host).
    r("GET /.well-known/webauthn", WellKnownWebauthn, Anyone),
    r("GET /.well-known/apple-app-site-association", WellKnownAppleAppSiteAssociation, Anyone),
    // Users: self-service (`me`) before the admin API's `{userId}` at the same paths.
    r("DELETE /api/v1/users/me", DeleteMe, AppOrigins),
    r("GET /api/v1/users/me/sessions", ListMySessions, AppOrigins),
    r("DELETE /api/v1/users/me/sessions/{sessionId}", EndMySession, AppOrigins),
    r("POST /api/v1/users/me/email", ChangeEmail, AppOrigins),
    r("POST /api/v1/users/me/email/confirm", ConfirmEmailChange, AppOrigins),
    r("GET /api/v1/applications/{appId}/users", ListUsers, NoCors),
    r("GET /api/v1/users/{userId}", GetUser, NoCors),
    r("DELETE /api/v1/users/{userId}", DeleteUser, NoCors),
    r("DELETE /api/v1/users/{userId}/sessions", EndUserSessions, NoCors),
    // Webhooks (admin API).
    r("POST /api/v1/applications/{appId}/webhooks", CreateWebhook, NoCors),
    r("GET /api/v1/applications/{appId}/webhooks", ListWebhooks, NoCors),
    r("GET /api/v1/applications/{appId}/webhooks/{webhookId}", GetWebhook, NoCors),
    r("PATCH /api/v1/applications/{appId}/webhooks/{webhookId}", PatchWebhook, NoCors),
    r("DELETE /api/v1/applications/{appId}/webhooks/{webhookId}", DeleteWebhook, NoCors),
    r("POST /api/v1/applications/{appId}/webhooks/{webhookId}/secret", RotateWebhookSecret, NoCors),
    r("GET /api/v1/applications/{appId}/webhooks/{webhookId}/deliveries", ListWebhookDeliveries, NoCors),
];

/// What the table says of a request.
#[derive(Debug, PartialEq, Eq)]
pub enum Routing<'p> {
    /// The endpoint, with the path's `{param}` segments in order.
    Found(Endpoint, Vec<&'p str>),
    /// The path is served, but not with this method (`405`).
    MethodNotAllowed,
    /// No such path (`404`).
    NotFound,
}

impl Route {
    fn method(&self) -> &'static str {
        self.spec.split_once(' ').map_or("", |(method, _)| method)
    }

    fn path(&self) -> &'static str {
        self.spec.split_once(' ').map_or("", |(_, path)| path)
    }

    /// The path's parameters when `segments` is this route's path.
    fn matches<'p>(&self, segments: &[&'p str]) -> Option<Vec<&'p str>> {
        let pattern = self.path().trim_matches('/');
        let mut params = Vec::new();
        let mut given = segments.iter();
        for part in pattern.split('/') {
            let segment = *given.next()?;
            if part.starts_with('{') {
                if segment.is_empty() {
                    return None;
                }
                params.push(segment);
            } else if part != segment {
                return None;
            }
        }
        given.next().is_none().then_some(params)
    }
}

/// The path's segments: `/a/b/` is `["a", "b"]`, `/` is `[""]`.
pub fn segments(path: &str) -> Vec<&str> {
    path.trim_matches('/').split('/').collect()
}

/// Finds the endpoint for `method` (upper case, as HTTP spells it) and `path`.
pub fn route<'p>(method: &str, path: &'p str) -> Routing<'p> {
    let segments = segments(path);
    let mut path_served = false;
    for route in ROUTES {
        if let Some(params) = route.matches(&segments) {
            if route.method() == method {
                return Routing::Found(route.endpoint, params);
            }
            path_served = true;
        }
    }
    if path_served {
        Routing::MethodNotAllowed
    } else {
        Routing::NotFound
    }
}

/// The CORS a path answers, whatever the method (a preflight names none of the route's): the
/// scope of the first route at that path; none for unknown paths.
pub fn cors_scope(path: &str) -> CorsScope {
    let segments = segments(path);
    ROUTES.iter().find(|route| route.matches(&segments).is_some()).map_or(CorsScope::None, |route| route.cors)
}

impl Endpoint {
    /// The route as logged: `"POST /auth/passkey-provider/login/start"`.
    pub fn log_name(self) -> &'static str {
        ROUTES.iter().find(|route| route.endpoint == self).map_or("", |route| route.spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_events_list() {
        assert_eq!(route("GET", "/api/v1/applications/app_1/events"), Routing::Found(ListEvents, vec!["app_1"]));
        assert_eq!(route("POST", "/api/v1/applications/app_1/events"), Routing::MethodNotAllowed);
    }

    #[test]
    fn finds_each_endpoint_with_its_parameters() {
        assert_eq!(route("GET", "/healthz"), Routing::Found(Health, vec![]));
        assert_eq!(route("POST", "/api/v1/applications"), Routing::Found(CreateApplication, vec![]));
        assert_eq!(route("PATCH", "/api/v1/applications/app_1"), Routing::Found(PatchApplication, vec!["app_1"]));
        assert_eq!(route("PUT", "/api/v1/applications/app_1/auth/passkey"), Routing::Found(PutPasskeyConfig, vec!["app_1"]));
        assert_eq!(route("POST", "/auth/passkey-provider/login/complete"), Routing::Found(LoginComplete, vec![]));
        assert_eq!(route("PATCH", "/api/v1/users/me/passkeys/cred"), Routing::Found(RenamePasskey, vec!["cred"]));
        assert_eq!(route("DELETE", "/api/v1/users/usr_9/passkeys"), Routing::Found(OperatorReset, vec!["usr_9"]));
        assert_eq!(route("POST", "/auth/token"), Routing::Found(ExchangeCode, vec![]));
        assert_eq!(route("DELETE", "/api/v1/applications/app_1/api-keys/key_2"), Routing::Found(RevokeApiKey, vec!["app_1", "key_2"]));
        assert_eq!(route("POST", "/auth/token/refresh"), Routing::Found(RefreshToken, vec![]));
    }

    #[test]
    fn a_literal_segment_wins_over_a_parameter() {
        assert_eq!(route("GET", "/api/v1/users/me/passkeys"), Routing::Found(ListPasskeys, vec![]));
        // `me` is also a user id to the operator reset, as it was before the table.
        assert_eq!(route("DELETE", "/api/v1/users/me/passkeys"), Routing::Found(OperatorReset, vec!["me"]));
    }

    #[test]
    fn trailing_slashes_are_ignored() {
        assert_eq!(route("GET", "/healthz/"), Routing::Found(Health, vec![]));
        assert_eq!(route("GET", "/sign-in/"), Routing::Found(SignInPage, vec![]));
    }

    #[test]
    fn a_known_path_with_another_method_is_405() {
        assert_eq!(route("POST", "/healthz"), Routing::MethodNotAllowed);
        assert_eq!(route("GET", "/auth/passkey-provider/signup/start"), Routing::MethodNotAllowed);
        assert_eq!(route("DELETE", "/api/v1/applications"), Routing::MethodNotAllowed);
        assert_eq!(route("POST", "/api/v1/applications/app_1/auth/passkey"), Routing::MethodNotAllowed);
        assert_eq!(route("OPTIONS", "/auth/logout"), Routing::MethodNotAllowed);
    }

    #[test]
    fn unknown_paths_are_404() {
        assert_eq!(route("GET", "/"), Routing::NotFound);
        assert_eq!(route("POST", "/auth/passkey-provider/nope"), Routing::NotFound);
        assert_eq!(route("GET", "/api/v1/applications/a/b"), Routing::NotFound);
        assert_eq!(route("PATCH", "/api/v1/users/me/passkeys/"), Routing::MethodNotAllowed);
        assert_eq!(route("GET", "/api/v1/applications//auth/passkey"), Routing::NotFound);
    }

    #[test]
    fn cors_scopes() {
        assert_eq!(cors_scope("/.well-known/jwks.json"), CorsScope::Anyone);
        assert_eq!(cors_scope("/auth/passkey-provider/login/start"), CorsScope::AppOrigins);
        assert_eq!(cors_scope("/api/v1/users/me/recovery-codes"), CorsScope::AppOrigins);
        assert_eq!(cors_scope("/auth/token"), CorsScope::AppOrigins);
        assert_eq!(cors_scope("/api/v1/applications"), CorsScope::None);
        assert_eq!(cors_scope("/api/v1/users/usr_1/passkeys"), CorsScope::None);
        assert_eq!(cors_scope("/sign-in"), CorsScope::None);
        assert_eq!(cors_scope("/nowhere"), CorsScope::None);
    }

    #[test]
    fn oidc_routes_in_both_issuer_forms() {
        assert_eq!(route("POST", "/api/v1/applications/app_1/clients"), Routing::Found(CreateClient, vec!["app_1"]));
        assert_eq!(route("PATCH", "/api/v1/applications/app_1/webhooks/whk_2"), Routing::Found(PatchWebhook, vec!["app_1", "whk_2"]));
        assert_eq!(
            route("GET", "/api/v1/applications/app_1/webhooks/whk_2/deliveries"),
            Routing::Found(ListWebhookDeliveries, vec!["app_1", "whk_2"])
        );
        assert_eq!(route("PATCH", "/api/v1/applications/app_1/clients/cli_2"), Routing::Found(PatchClient, vec!["app_1", "cli_2"]));
        assert_eq!(route("POST", "/api/v1/applications/app_1/clients/cli_2/secret"), Routing::Found(RotateClientSecret, vec!["app_1", "cli_2"]));
        assert_eq!(route("GET", "/.well-known/openid-configuration"), Routing::Found(OidcDiscoveryHost, vec![]));
        assert_eq!(route("GET", "/oidc/app_1/.well-known/openid-configuration"), Routing::Found(OidcDiscovery, vec!["app_1"]));
        assert_eq!(route("GET", "/oidc/authorize"), Routing::Found(OidcAuthorizeHost, vec![]));
        assert_eq!(route("GET", "/oidc/app_1/authorize"), Routing::Found(OidcAuthorize, vec!["app_1"]));
        assert_eq!(route("POST", "/oidc/authorize/complete"), Routing::Found(OidcAuthorizeComplete, vec![]));
        assert_eq!(route("POST", "/oidc/app_1/token"), Routing::Found(OidcToken, vec!["app_1"]));
        assert_eq!(route("POST", "/oidc/token"), Routing::Found(OidcTokenHost, vec![]));
        assert_eq!(route("GET", "/oidc/app_1/userinfo"), Routing::Found(OidcUserinfo, vec!["app_1"]));
        assert_eq!(route("POST", "/oidc/app_1/userinfo"), Routing::Found(OidcUserinfoPost, vec!["app_1"]));
        assert_eq!(route("GET", "/oidc/app_1/logout"), Routing::Found(OidcLogout, vec!["app_1"]));
        assert_eq!(route("GET", "/oidc/app_1/token"), Routing::MethodNotAllowed);
        assert_eq!(route("GET", "/oidc/app_1/nothing"), Routing::NotFound);
        assert_eq!(cors_scope("/oidc/app_1/token"), CorsScope::OidcAppOrigins);
        assert_eq!(cors_scope("/oidc/userinfo"), CorsScope::OidcAppOrigins);
        assert_eq!(cors_scope("/oidc/app_1/.well-known/openid-configuration"), CorsScope::Anyone);
        assert_eq!(cors_scope("/oidc/app_1/authorize"), CorsScope::None);
        assert_eq!(cors_scope("/api/v1/applications/app_1/clients"), CorsScope::None);
    }

    #[test]
    fn user_routes_me_before_a_user_id() {
        assert_eq!(route("DELETE", "/api/v1/users/me"), Routing::Found(DeleteMe, vec![]));
        assert_eq!(route("DELETE", "/api/v1/users/usr_1"), Routing::Found(DeleteUser, vec!["usr_1"]));
        assert_eq!(route("GET", "/api/v1/users/usr_1"), Routing::Found(GetUser, vec!["usr_1"]));
        assert_eq!(route("GET", "/api/v1/users/me/sessions"), Routing::Found(ListMySessions, vec![]));
        assert_eq!(route("DELETE", "/api/v1/users/me/sessions/ses_1"), Routing::Found(EndMySession, vec!["ses_1"]));
        assert_eq!(route("DELETE", "/api/v1/users/usr_1/sessions"), Routing::Found(EndUserSessions, vec!["usr_1"]));
        assert_eq!(route("POST", "/api/v1/users/me/email/confirm"), Routing::Found(ConfirmEmailChange, vec![]));
        assert_eq!(route("GET", "/api/v1/applications/app_1/users"), Routing::Found(ListUsers, vec!["app_1"]));
        assert_eq!(cors_scope("/api/v1/users/me"), CorsScope::AppOrigins);
        assert_eq!(cors_scope("/api/v1/users/me/sessions"), CorsScope::AppOrigins);
        assert_eq!(cors_scope("/api/v1/users/me/email"), CorsScope::AppOrigins);
        assert_eq!(cors_scope("/api/v1/users/usr_1"), CorsScope::None);
        assert_eq!(cors_scope("/api/v1/users/usr_1/sessions"), CorsScope::None);
    }

    #[test]
    fn every_endpoint_has_one_route_and_a_log_name() {
        for route in ROUTES {
            assert_eq!(route.endpoint.log_name(), route.spec);
            assert_eq!(ROUTES.iter().filter(|other| other.endpoint == route.endpoint).count(), 1, "{}", route.spec);
            assert!(["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&route.method()), "{}", route.spec);
            assert!(route.path().starts_with('/'), "{}", route.spec);
        }
        assert_eq!(LoginStart.log_name(), "POST /auth/passkey-provider/login/start");
    }
}
