//! The audit trail's vocabulary (docs/API.md, "Audit events"): every type of security-relevant
//! event the Worker records, by the name the API and webhooks spell it, and the events list's query (`list`).

pub mod list;

/// A type of audit event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventType {
    /// A user was created (signup, direct or after email verification).
    UserCreated,
    /// An email address was proven by its code.
    EmailVerified,
    /// A user's email address was replaced (after the new one was proven).
    EmailChanged,
    PasskeyAdded,
    PasskeyRenamed,
    PasskeyRemoved,
    /// An operator or the application removed all of a user's passkeys.
    PasskeysReset,
    LoginSucceeded,
    /// A login/complete was refused; `detail.check` names the check that failed.
    LoginRefused,
    RecoveryCodeUsed,
    RecoveryCodesRegenerated,
    /// One or more sessions ended (logout, by the user, by support); `detail.reason` says why.
    SessionsEnded,
    /// A used refresh token was presented again: its session was revoked.
    RefreshTokenReused,
    UserDeleted,
    /// The application's settings or its passkey config changed.
    ApplicationUpdated,
    /// An API key was created, rotated or revoked.
    ApiKeyChanged,
    /// An OAuth client was created, changed, deleted or had its secret rotated.
    OidcClientChanged,
    /// A webhook endpoint was created, changed or deleted.
    WebhookEndpointChanged,
}

impl EventType {
    pub const ALL: [EventType; 18] = [
        Self::UserCreated,
        Self::EmailVerified,
        Self::EmailChanged,
        Self::PasskeyAdded,
        Self::PasskeyRenamed,
        Self::PasskeyRemoved,
        Self::PasskeysReset,
        Self::LoginSucceeded,
        Self::LoginRefused,
        Self::RecoveryCodeUsed,
        Self::RecoveryCodesRegenerated,
        Self::SessionsEnded,
        Self::RefreshTokenReused,
        Self::UserDeleted,
        Self::ApplicationUpdated,
        Self::ApiKeyChanged,
        Self::OidcClientChanged,
        Self::WebhookEndpointChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserCreated => "user.created",
            Self::EmailVerified => "email.verified",
            Self::EmailChanged => "email.changed",
            Self::PasskeyAdded => "passkey.added",
            Self::PasskeyRenamed => "passkey.renamed",
            Self::PasskeyRemoved => "passkey.removed",
            Self::PasskeysReset => "passkeys.reset",
            Self::LoginSucceeded => "login.succeeded",
            Self::LoginRefused => "login.refused",
            Self::RecoveryCodeUsed => "recovery_code.used",
            Self::RecoveryCodesRegenerated => "recovery_codes.regenerated",
            Self::SessionsEnded => "sessions.ended",
            Self::RefreshTokenReused => "refresh_token.reused",
            Self::UserDeleted => "user.deleted",
            Self::ApplicationUpdated => "application.updated",
            Self::ApiKeyChanged => "api_key.changed",
            Self::OidcClientChanged => "oidc_client.changed",
            Self::WebhookEndpointChanged => "webhook_endpoint.changed",
        }
    }

    /// The type this name spells, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::EventType;

    #[test]
    fn names_are_distinct_and_parse_back() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
            assert_eq!(EventType::ALL.iter().filter(|o| o.as_str() == t.as_str()).count(), 1);
        }
        assert_eq!(EventType::parse("passkey.added "), None);
        assert_eq!(EventType::parse(""), None);
    }
}
