//! The two issuer forms of an application and its discovery document (OIDC Discovery 1.0
//! section 3, RFC 8414): `{origin}/oidc/{appId}` serves any application, `{origin}` itself an
//! application whose `hostnames` hold the request's host. The document's `issuer` is the URL it
//! was fetched under, minus `/.well-known/openid-configuration`.

use serde_json::{json, Value};

use crate::oidc::authorize::SUPPORTED_SCOPES;

/// Where an application's provider lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issuer {
    /// `{origin}/oidc/{appId}`: endpoints under it.
    Path { origin: String, app_id: String },
    /// `{origin}` of one of the application's hostnames: endpoints under `{origin}/oidc`.
    Host { origin: String },
}

impl Issuer {
    /// The `iss` of ID tokens and of the discovery document.
    pub fn url(&self) -> String {
        match self {
            Self::Path { origin, app_id } => format!("{origin}/oidc/{app_id}"),
            Self::Host { origin } => origin.clone(),
        }
    }

    fn origin(&self) -> &str {
        match self {
            Self::Path { origin, .. } | Self::Host { origin } => origin,
        }
    }

    /// The URL of endpoint `name` (`authorize`, `token`, `userinfo`, `logout`).
    pub fn endpoint(&self, name: &str) -> String {
        match self {
            Self::Path { .. } => format!("{}/{name}", self.url()),
            Self::Host { origin } => format!("{origin}/oidc/{name}"),
        }
    }
}

/// The claims an ID token or the userinfo endpoint may carry.
pub const CLAIMS_SUPPORTED: &[&str] = &["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "amr", "sid", "email", "email_verified", "name"];

/// The discovery document of `issuer`.
pub fn document(issuer: &Issuer) -> Value {
    json!({
        "issuer": issuer.url(),
        "authorization_endpoint": issuer.endpoint("authorize"),
        "token_endpoint": issuer.endpoint("token"),
        "userinfo_endpoint": issuer.endpoint("userinfo"),
        "end_session_endpoint": issuer.endpoint("logout"),
        "jwks_uri": format!("{}/.well-known/jwks.json", issuer.origin()),
        "scopes_supported": SUPPORTED_SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": CLAIMS_SUPPORTED,
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "authorization_response_iss_parameter_supported": true,
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms() {
        let path = Issuer::Path { origin: "https://id.example".into(), app_id: "app_1".into() };
        let doc = document(&path);
        assert_eq!(doc["issuer"], "https://id.example/oidc/app_1");
        assert_eq!(doc["authorization_endpoint"], "https://id.example/oidc/app_1/authorize");
        assert_eq!(doc["jwks_uri"], "https://id.example/.well-known/jwks.json");
        assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
        assert_eq!(doc["id_token_signing_alg_values_supported"], json!(["ES256"]));
        let host = Issuer::Host { origin: "https://login.shop.example".into() };
        let doc = document(&host);
        assert_eq!(doc["issuer"], "https://login.shop.example");
        assert_eq!(doc["token_endpoint"], "https://login.shop.example/oidc/token");
        assert_eq!(doc["end_session_endpoint"], "https://login.shop.example/oidc/logout");
        assert_eq!(doc["response_types_supported"], json!(["code"]));
    }
}
