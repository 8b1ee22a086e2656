//! The ID token (OIDC Core 2) and the userinfo answer (5.3): which claims a sign-in yields for
//! the granted scopes. `amr` (RFC 8176) describes the passkey ceremony: `pop` (proof of
//! possession of a key) always, and `mfa` when the application requires user verification, so
//! the authenticator checked a PIN or biometric on top of the key (two factors). Whether the
//! key is hardware- or software-held (`hwk`/`swk`) cannot be told from a passkey reliably
//! (synced passkeys live in software), so neither is claimed.

use serde::{Deserialize, Serialize};

/// Lifetime of an ID token.
pub const ID_TOKEN_TTL_SECS: u64 = 3600;

/// What is known of the person and the sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject<'a> {
    pub user_id: &'a str,
    pub email: &'a str,
    pub email_verified: bool,
    pub display_name: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: u64,
    pub iat: u64,
    pub auth_time: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default)]
    pub amr: Vec<String>,
    /// The session the token belongs to (used by RP-initiated logout).
    #[serde(default)]
    pub sid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_verified: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// RFC 8176 methods of a passkey sign-in (see the module's note).
pub fn amr(user_verification_required: bool) -> Vec<String> {
    let mut methods = vec!["pop".to_owned()];
    if user_verification_required {
        methods.push("mfa".to_owned());
    }
    methods
}

/// The granted scopes' claims of `subject`: `email` gives `email` and `email_verified`,
/// `profile` gives `name`.
pub fn scope_claims(scope: &str, subject: &Subject) -> (Option<String>, Option<bool>, Option<String>) {
    let has = |s: &str| scope.split(' ').any(|granted| granted == s);
    let name = (has("profile") && !subject.display_name.is_empty()).then(|| subject.display_name.to_owned());
    if has("email") {
        (Some(subject.email.to_owned()), Some(subject.email_verified), name)
    } else {
        (None, None, name)
    }
}

/// The userinfo answer: `sub` and the scopes' claims.
pub fn userinfo(scope: &str, subject: &Subject) -> serde_json::Value {
    let (email, email_verified, name) = scope_claims(scope, subject);
    let mut info = serde_json::json!({ "sub": subject.user_id });
    if let Some(email) = email {
        info["email"] = email.into();
        info["email_verified"] = email_verified.unwrap_or(false).into();
    }
    if let Some(name) = name {
        info["name"] = name.into();
    }
    info
}

/// What a sign-in yields, with `now` and `auth_time` in unix seconds.
pub struct Issued<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub session_id: &'a str,
    pub scope: &'a str,
    pub nonce: Option<&'a str>,
    pub amr: Vec<String>,
    pub auth_time: u64,
    pub now: u64,
}

pub fn claims(issued: &Issued, subject: &Subject) -> IdTokenClaims {
    let (email, email_verified, name) = scope_claims(issued.scope, subject);
    IdTokenClaims {
        iss: issued.issuer.to_owned(),
        sub: subject.user_id.to_owned(),
        aud: issued.client_id.to_owned(),
        exp: issued.now + ID_TOKEN_TTL_SECS,
        iat: issued.now,
        auth_time: issued.auth_time,
        nonce: issued.nonce.map(str::to_owned),
        amr: issued.amr.clone(),
        sid: issued.session_id.to_owned(),
        email,
        email_verified,
        name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject() -> Subject<'static> {
        Subject { user_id: "usr_1", email: "ada@example.com", email_verified: true, display_name: "Ada" }
    }

    #[test]
    fn claims_follow_the_scopes() {
        let issued = Issued {
            issuer: "https://id.example/oidc/app_1",
            client_id: "cli_1",
            session_id: "ses_1",
            scope: "openid email",
            nonce: Some("n1"),
            amr: amr(true),
            auth_time: 90,
            now: 100,
        };
        let c = claims(&issued, &subject());
        assert_eq!((c.aud.as_str(), c.sub.as_str(), c.exp, c.auth_time), ("cli_1", "usr_1", 3700, 90));
        assert_eq!((c.email.as_deref(), c.email_verified, c.name.as_deref()), (Some("ada@example.com"), Some(true), None));
        assert_eq!(c.amr, vec!["pop", "mfa"]);
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["nonce"], "n1");
        let bare = claims(&Issued { scope: "openid", nonce: None, amr: amr(false), ..issued }, &subject());
        let json = serde_json::to_value(&bare).unwrap();
        assert!(json.get("nonce").is_none() && json.get("email").is_none());
        assert_eq!(json["amr"], serde_json::json!(["pop"]));
    }

    #[test]
    fn userinfo_claims() {
        assert_eq!(userinfo("openid", &subject()), serde_json::json!({"sub": "usr_1"}));
        assert_eq!(
            userinfo("openid email profile", &subject()),
            serde_json::json!({"sub": "usr_1", "email": "ada@example.com", "email_verified": true, "name": "Ada"})
        );
    }
}
