//! OAuth 2.0 errors (RFC 6749 4.1.2.1 and 5.2, RFC 6750 3.1): the `error` codes the OIDC
//! endpoints answer, with a human `error_description`.

use serde_json::{json, Value};

/// The error codes of RFC 6749, OIDC Core 3.1.2.6 and RFC 6750 that the provider uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    InvalidScope,
    AccessDenied,
    LoginRequired,
    ServerError,
    InvalidToken,
}

impl OAuthErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::LoginRequired => "login_required",
            Self::ServerError => "server_error",
            Self::InvalidToken => "invalid_token",
        }
    }

    /// The HTTP status of the error in a direct answer (token and userinfo endpoints).
    pub fn status(self) -> u16 {
        match self {
            Self::InvalidClient | Self::InvalidToken => 401,
            Self::ServerError => 500,
            _ => 400,
        }
    }
}

/// An OAuth error: its code and a description for the developer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub code: OAuthErrorCode,
    pub description: String,
}

impl OAuthError {
    pub fn new(code: OAuthErrorCode, description: impl Into<String>) -> Self {
        Self { code, description: description.into() }
    }
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidRequest, description)
    }
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidGrant, description)
    }
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidClient, description)
    }
    pub fn server_error() -> Self {
        Self::new(OAuthErrorCode::ServerError, "something went wrong on our side")
    }

    /// The JSON body of RFC 6749 5.2: `{"error", "error_description"}`.
    pub fn body(&self) -> Value {
        json!({ "error": self.code.as_str(), "error_description": self.description })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_statuses_and_body() {
        assert_eq!(OAuthError::invalid_client("x").code.status(), 401);
        assert_eq!(OAuthError::invalid_grant("x").code.status(), 400);
        assert_eq!(OAuthErrorCode::LoginRequired.as_str(), "login_required");
        assert_eq!(OAuthError::invalid_request("no").body(), json!({"error": "invalid_request", "error_description": "no"}));
    }
}
