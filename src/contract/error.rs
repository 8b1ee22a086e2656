//! The contract's error model: an HTTP status, a stable snake_case code and a human message,
//! answered as `{"error": {"code": .., "message": ..}}`.

use serde::Serialize;

use crate::webauthn::{ErrorCode as Check, VerifyError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    VerificationFailed,
    InvalidCode,
    Unauthorized,
    ReauthenticationRequired,
    Forbidden,
    PasskeyDisabled,
    DirectSignupDisabled,
    NotFound,
    AppNotFound,
    MethodNotAllowed,
    EmailTaken,
    LastPasskey,
    /// The user has the application's `maxPasskeysPerUser` passkeys already.
    PasskeyLimitReached,
    /// The application has its 20 webhook endpoints already.
    WebhookLimitReached,
    ChallengeExpired,
    PayloadTooLarge,
    RateLimited,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::VerificationFailed => "verification_failed",
            Self::InvalidCode => "invalid_code",
            Self::Unauthorized => "unauthorized",
            Self::ReauthenticationRequired => "reauthentication_required",
            Self::Forbidden => "forbidden",
            Self::PasskeyDisabled => "passkey_disabled",
            Self::DirectSignupDisabled => "direct_signup_disabled",
            Self::NotFound => "not_found",
            Self::AppNotFound => "app_not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::EmailTaken => "email_taken",
            Self::LastPasskey => "last_passkey",
            Self::PasskeyLimitReached => "passkey_limit_reached",
            Self::WebhookLimitReached => "webhook_limit_reached",
            Self::ChallengeExpired => "challenge_expired",
            Self::PayloadTooLarge => "payload_too_large",
            Self::RateLimited => "rate_limited",
            Self::Internal => "internal",
        }
    }

    pub fn status(self) -> u16 {
        match self {
            Self::InvalidRequest | Self::VerificationFailed | Self::InvalidCode => 400,
            Self::Unauthorized | Self::ReauthenticationRequired => 401,
            Self::Forbidden | Self::PasskeyDisabled | Self::DirectSignupDisabled => 403,
            Self::NotFound | Self::AppNotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::EmailTaken | Self::LastPasskey | Self::PasskeyLimitReached | Self::WebhookLimitReached => 409,
            Self::ChallengeExpired => 410,
            Self::PayloadTooLarge => 413,
            Self::RateLimited => 429,
            Self::Internal => 500,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Seconds, sent as `Retry-After` with `rate_limited`.
    pub retry_after: Option<u64>,
    /// login/complete refused a credential the application does not know (never registered,
    /// removed, or its user deleted): answered as `"unknownCredential": true`, so that the page
    /// can tell the passkey provider (WebAuthn `signalUnknownCredential`).
    pub unknown_credential: bool,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), retry_after: None, unknown_credential: false }
    }
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }
    pub fn verification_failed(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::VerificationFailed, message)
    }
    /// A refused ceremony: `verification_failed`, its message led by the core's name of the check
    /// that failed (`challenge: ...`, `signature: ...`).
    pub fn check_failed(err: &VerifyError) -> Self {
        Self::verification_failed(format!("{}: {}", err.code.as_str(), err.message))
    }
    /// [`Self::check_failed`] for a check the glue makes itself (a challenge's owner, a stored
    /// credential, the counter's conditional update).
    pub fn check(check: Check, message: &str) -> Self {
        Self::check_failed(&VerifyError::new(check, message))
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }
    pub fn internal() -> Self {
        Self::new(ErrorCode::Internal, "internal error")
    }
    pub fn rate_limited(retry_after: u64) -> Self {
        Self { retry_after: Some(retry_after.max(1)), ..Self::new(ErrorCode::RateLimited, "too many requests, retry later") }
    }

    /// This error, marked as the refusal of a credential the application does not know.
    pub fn of_unknown_credential(self) -> Self {
        Self { unknown_credential: true, ..self }
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// The JSON body the contract prescribes.
    pub fn body(&self) -> serde_json::Value {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Inner<'a> {
            code: &'a str,
            message: &'a str,
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            unknown_credential: bool,
        }
        serde_json::json!({ "error": Inner { code: self.code.as_str(), message: &self.message, unknown_credential: self.unknown_credential } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_contract_shape() {
        let e = ApiError::new(ErrorCode::LastPasskey, "keep one");
        assert_eq!(e.status(), 409);
        assert_eq!(e.body(), serde_json::json!({"error": {"code": "last_passkey", "message": "keep one"}}));
    }

    #[test]
    fn an_unknown_credential_says_so_and_only_then() {
        let e = ApiError::verification_failed("credential_id: not registered").of_unknown_credential();
        assert_eq!(e.body()["error"]["unknownCredential"], serde_json::json!(true));
        assert!(ApiError::verification_failed("x").body()["error"].get("unknownCredential").is_none());
    }

    #[test]
    fn rate_limited_always_carries_retry_after() {
        assert_eq!(ApiError::rate_limited(0).retry_after, Some(1));
        assert_eq!(ApiError::rate_limited(0).status(), 429);
    }
}
