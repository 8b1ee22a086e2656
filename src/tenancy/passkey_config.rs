//! An application's passkey configuration: the contract's JSON and defaults, how it is stored,
//! and the merge rules of `PUT /api/v1/applications/{appId}/auth/passkey`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::contract::error::ApiError;
use crate::contract::json_fields::{bool_field, enum_field, object, refuse_unknown, FieldResult};
use crate::metadata::policy::{AttestationTrust, AuthenticatorPolicy, AuthenticatorPolicyPatch};
use crate::metadata::statement::CertificationLevel;
use crate::tenancy::related_origins::{apple_app_ids_field, native_origins_field, related_origins_field};
use crate::webauthn::options::{AttestationConveyance, AuthenticatorAttachment, ResidentKey, UserVerification};

pub const MIN_TIMEOUT_MS: u64 = 10_000;
pub const MAX_TIMEOUT_MS: u64 = 600_000;
/// `maxPasskeysPerUser`: its default (as Hanko's) and its largest accepted value.
pub const DEFAULT_MAX_PASSKEYS_PER_USER: u32 = 10;
pub const MAX_PASSKEYS_PER_USER: u32 = 100;
/// `ceremonyStartsPerMinute` (per client IP): the default (the Rate Limiting binding's limit in
/// wrangler.toml) and the largest accepted value.
pub const DEFAULT_CEREMONY_STARTS_PER_MINUTE: u32 = 300;
pub const MAX_CEREMONY_STARTS_PER_MINUTE: u32 = 100_000;

/// An application's passkey configuration. Stored as this same JSON; fields missing from a
/// stored value take their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", from = "StoredPasskeyConfig")]
pub struct PasskeyConfig {
    pub enabled: bool,
    pub user_verification: UserVerification,
    pub resident_key: ResidentKey,
    /// `None`: platform and roaming authenticators both.
    pub authenticator_attachment: Option<AuthenticatorAttachment>,
    pub attestation: AttestationConveyance,
    pub direct_signup: bool,
    pub timeout_ms: u64,
    /// How many passkeys one user may have (register/start refuses more).
    pub max_passkeys_per_user: u32,
    /// Ceremony starts (signup, register, login) allowed per client IP and minute.
    pub ceremony_starts_per_minute: u32,
    /// Web origins of other sites whose pages may use the passkeys (`/.well-known/webauthn`).
    pub related_origins: Vec<String>,
    /// Android apps that may use them: their `android:apk-key-hash:` origins.
    pub native_origins: Vec<String>,
    /// Apple apps (`TEAMID.bundle.id`) that may use them.
    pub apple_app_ids: Vec<String>,
    /// Which authenticators may register (`allowedAaguids`, ..., `attestationTrust`).
    #[serde(flatten)]
    pub authenticators: AuthenticatorPolicy,
}

impl Default for PasskeyConfig {
    /// The contract's defaults.
    fn default() -> Self {
        Self {
            enabled: false,
            user_verification: UserVerification::Required,
            resident_key: ResidentKey::Required,
            authenticator_attachment: None,
            attestation: AttestationConveyance::None,
            direct_signup: false,
            timeout_ms: 300_000,
            max_passkeys_per_user: DEFAULT_MAX_PASSKEYS_PER_USER,
            ceremony_starts_per_minute: DEFAULT_CEREMONY_STARTS_PER_MINUTE,
            related_origins: Vec::new(),
            native_origins: Vec::new(),
            apple_app_ids: Vec::new(),
            authenticators: AuthenticatorPolicy::default(),
        }
    }
}

/// The stored JSON of a [`PasskeyConfig`], every field at the top level, read through this flat
/// struct: deserializing `#[serde(flatten)]` buffers the input, which costs the Worker about
/// 10 KiB of code (serializing it is cheap).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct StoredPasskeyConfig {
    enabled: bool,
    user_verification: UserVerification,
    resident_key: ResidentKey,
    authenticator_attachment: Option<AuthenticatorAttachment>,
    attestation: AttestationConveyance,
    direct_signup: bool,
    timeout_ms: u64,
    max_passkeys_per_user: u32,
    ceremony_starts_per_minute: u32,
    related_origins: Vec<String>,
    native_origins: Vec<String>,
    apple_app_ids: Vec<String>,
    allowed_aaguids: Vec<String>,
    denied_aaguids: Vec<String>,
    require_certified: Option<CertificationLevel>,
    refuse_revoked: bool,
    attestation_trust: AttestationTrust,
}

impl Default for StoredPasskeyConfig {
    fn default() -> Self {
        let PasskeyConfig {
            enabled,
            user_verification,
            resident_key,
            authenticator_attachment,
            attestation,
            direct_signup,
            timeout_ms,
            max_passkeys_per_user,
            ceremony_starts_per_minute,
            related_origins,
            native_origins,
            apple_app_ids,
            authenticators,
        } = PasskeyConfig::default();
        let AuthenticatorPolicy { allowed_aaguids, denied_aaguids, require_certified, refuse_revoked, attestation_trust } = authenticators;
        Self {
            enabled,
            user_verification,
            resident_key,
            authenticator_attachment,
            attestation,
            direct_signup,
            timeout_ms,
            max_passkeys_per_user,
            ceremony_starts_per_minute,
            related_origins,
            native_origins,
            apple_app_ids,
            allowed_aaguids,
            denied_aaguids,
            require_certified,
            refuse_revoked,
            attestation_trust,
        }
    }
}

impl From<StoredPasskeyConfig> for PasskeyConfig {
    fn from(s: StoredPasskeyConfig) -> Self {
        Self {
            enabled: s.enabled,
            user_verification: s.user_verification,
            resident_key: s.resident_key,
            authenticator_attachment: s.authenticator_attachment,
            attestation: s.attestation,
            direct_signup: s.direct_signup,
            timeout_ms: s.timeout_ms,
            max_passkeys_per_user: s.max_passkeys_per_user,
            ceremony_starts_per_minute: s.ceremony_starts_per_minute,
            related_origins: s.related_origins,
            native_origins: s.native_origins,
            apple_app_ids: s.apple_app_ids,
            authenticators: AuthenticatorPolicy {
                allowed_aaguids: s.allowed_aaguids,
                denied_aaguids: s.denied_aaguids,
                require_certified: s.require_certified,
                refuse_revoked: s.refuse_revoked,
                attestation_trust: s.attestation_trust,
            },
        }
    }
}

/// The body of `PUT .../auth/passkey`: the fields given replace the current ones, the others
/// keep their values (`authenticatorAttachment: null` means "both").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PasskeyConfigPatch {
    pub enabled: Option<bool>,
    pub user_verification: Option<UserVerification>,
    pub resident_key: Option<ResidentKey>,
    pub authenticator_attachment: Option<Option<AuthenticatorAttachment>>,
    pub attestation: Option<AttestationConveyance>,
    pub direct_signup: Option<bool>,
    pub timeout_ms: Option<u64>,
    pub max_passkeys_per_user: Option<u32>,
    pub ceremony_starts_per_minute: Option<u32>,
    pub related_origins: Option<Vec<String>>,
    pub native_origins: Option<Vec<String>>,
    pub apple_app_ids: Option<Vec<String>>,
    pub authenticators: AuthenticatorPolicyPatch,
}

impl PasskeyConfigPatch {
    const FIELDS: &'static [&'static str] = &[
        "enabled",
        "userVerification",
        "residentKey",
        "authenticatorAttachment",
        "attestation",
        "directSignup",
        "timeoutMs",
        "maxPasskeysPerUser",
        "ceremonyStartsPerMinute",
        "relatedOrigins",
        "nativeOrigins",
        "appleAppIds",
        "allowedAaguids",
        "deniedAaguids",
        "requireCertified",
        "refuseRevoked",
        "attestationTrust",
    ];

    /// The body of a PUT: `enabled` is required (the contract's), the other fields optional.
    pub fn from_json(body: &Value) -> FieldResult<Self> {
        let fields = object(body)?;
        refuse_unknown(fields, Self::FIELDS, |_| None)?;
        if !fields.contains_key("enabled") {
            return Err(ApiError::invalid_request("`enabled` is required (true or false)"));
        }
        let authenticator_attachment = match fields.get("authenticatorAttachment") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(_) => enum_field(
                fields,
                "authenticatorAttachment",
                &[("platform", AuthenticatorAttachment::Platform), ("cross-platform", AuthenticatorAttachment::CrossPlatform)],
            )?
            .map(Some),
        };
        let timeout_ms = match fields.get("timeoutMs") {
            None => None,
            Some(v) => match v.as_u64() {
                Some(ms) if (MIN_TIMEOUT_MS..=MAX_TIMEOUT_MS).contains(&ms) => Some(ms),
                _ => {
                    return Err(ApiError::invalid_request(format!(
                        "`timeoutMs` must be a whole number of milliseconds from {MIN_TIMEOUT_MS} to {MAX_TIMEOUT_MS}"
                    )))
                }
            },
        };
        let max_passkeys_per_user = count_field(fields, "maxPasskeysPerUser", MAX_PASSKEYS_PER_USER)?;
        let ceremony_starts_per_minute = count_field(fields, "ceremonyStartsPerMinute", MAX_CEREMONY_STARTS_PER_MINUTE)?;
        Ok(Self {
            enabled: bool_field(fields, "enabled")?,
            user_verification: enum_field(
                fields,
                "userVerification",
                &[
                    ("required", UserVerification::Required),
                    ("preferred", UserVerification::Preferred),
                    ("discouraged", UserVerification::Discouraged),
                ],
            )?,
            resident_key: enum_field(
                fields,
                "residentKey",
                &[("required", ResidentKey::Required), ("preferred", ResidentKey::Preferred), ("discouraged", ResidentKey::Discouraged)],
            )?,
            authenticator_attachment,
            attestation: enum_field(
                fields,
                "attestation",
                &[
                    ("none", AttestationConveyance::None),
                    ("indirect", AttestationConveyance::Indirect),
                    ("direct", AttestationConveyance::Direct),
                    ("enterprise", AttestationConveyance::Enterprise),
                ],
            )?,
            direct_signup: bool_field(fields, "directSignup")?,
            timeout_ms,
            max_passkeys_per_user,
            ceremony_starts_per_minute,
            related_origins: related_origins_field(fields)?,
            native_origins: native_origins_field(fields)?,
            apple_app_ids: apple_app_ids_field(fields)?,
            authenticators: AuthenticatorPolicyPatch::from_fields(fields)?,
        })
    }

    /// `current` with the fields of this patch put in.
    pub fn apply(&self, current: &PasskeyConfig) -> PasskeyConfig {
        PasskeyConfig {
            enabled: self.enabled.unwrap_or(current.enabled),
            user_verification: self.user_verification.unwrap_or(current.user_verification),
            resident_key: self.resident_key.unwrap_or(current.resident_key),
            authenticator_attachment: self.authenticator_attachment.unwrap_or(current.authenticator_attachment),
            attestation: self.attestation.unwrap_or(current.attestation),
            direct_signup: self.direct_signup.unwrap_or(current.direct_signup),
            timeout_ms: self.timeout_ms.unwrap_or(current.timeout_ms),
            max_passkeys_per_user: self.max_passkeys_per_user.unwrap_or(current.max_passkeys_per_user),
            ceremony_starts_per_minute: self.ceremony_starts_per_minute.unwrap_or(current.ceremony_starts_per_minute),
            related_origins: self.related_origins.clone().unwrap_or_else(|| current.related_origins.clone()),
            native_origins: self.native_origins.clone().unwrap_or_else(|| current.native_origins.clone()),
            apple_app_ids: self.apple_app_ids.clone().unwrap_or_else(|| current.apple_app_ids.clone()),
            authenticators: self.authenticators.apply(&current.authenticators),
        }
    }
}

/// An optional whole number from 1 to `max`.
fn count_field(fields: &serde_json::Map<String, Value>, name: &str, max: u32) -> FieldResult<Option<u32>> {
    match fields.get(name) {
        None => Ok(None),
        Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) if (1..=max).contains(&n) => Ok(Some(n)),
            _ => Err(ApiError::invalid_request(format!("`{name}` must be a whole number from 1 to {max}"))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn passkey_defaults_are_the_contracts() {
        assert_eq!(
            serde_json::to_value(PasskeyConfig::default()).unwrap(),
            json!({
                "enabled": false, "userVerification": "required", "residentKey": "required",
                "authenticatorAttachment": null, "attestation": "none", "directSignup": false,
                "timeoutMs": 300000, "maxPasskeysPerUser": 10, "ceremonyStartsPerMinute": 300,
                "relatedOrigins": [], "nativeOrigins": [], "appleAppIds": [], "allowedAaguids": [], "deniedAaguids": [], "requireCertified": null,
                "refuseRevoked": true, "attestationTrust": "none"
            })
        );
        // A stored value with fields missing takes the defaults for them.
        let stored: PasskeyConfig = serde_json::from_value(json!({"enabled": true})).unwrap();
        assert_eq!(stored, PasskeyConfig { enabled: true, ..PasskeyConfig::default() });
    }

    #[test]
    fn passkey_patch_merges() {
        let current = PasskeyConfig { enabled: true, authenticator_attachment: Some(AuthenticatorAttachment::Platform), ..PasskeyConfig::default() };
        let patch = PasskeyConfigPatch::from_json(&json!({"enabled": true, "directSignup": true, "timeoutMs": 60000})).unwrap();
        let merged = patch.apply(&current);
        assert_eq!(merged, PasskeyConfig { direct_signup: true, timeout_ms: 60_000, ..current.clone() });
        // `{enabled}` alone changes nothing else.
        assert_eq!(PasskeyConfigPatch::from_json(&json!({"enabled": true})).unwrap().apply(&current), current);
        // null attachment means both; left out keeps it.
        let both = PasskeyConfigPatch::from_json(&json!({"enabled": true, "authenticatorAttachment": null})).unwrap();
        assert_eq!(both.apply(&current).authenticator_attachment, None);
        let roaming = PasskeyConfigPatch::from_json(&json!({"enabled": true, "authenticatorAttachment": "cross-platform"})).unwrap();
        assert_eq!(roaming.apply(&current).authenticator_attachment, Some(AuthenticatorAttachment::CrossPlatform));
    }

    #[test]
    fn passkey_patch_takes_every_field() {
        let body = json!({
            "enabled": true, "userVerification": "preferred", "residentKey": "discouraged",
            "authenticatorAttachment": "platform", "attestation": "direct", "directSignup": true,
            "timeoutMs": 120000, "maxPasskeysPerUser": 3, "ceremonyStartsPerMinute": 5000,
            "relatedOrigins": ["https://example.de"], "appleAppIds": ["ABCDE12345.com.example.app"],
            "nativeOrigins": ["android:apk-key-hash:-sYXRdwJA3hvue3mKpYrOZ9zSPC7b4mbgzJmdZEDO5w"],
            "allowedAaguids": ["cb69481e-8ff7-4039-93ec-0a2729a154a8"],
            "deniedAaguids": ["00000000-0000-0000-0000-000000000000"], "requireCertified": "FIDO_CERTIFIED_L1",
            "refuseRevoked": false, "attestationTrust": "mds"
        });
        let config = PasskeyConfigPatch::from_json(&body).unwrap().apply(&PasskeyConfig::default());
        assert_eq!(serde_json::to_value(&config).unwrap(), body);
    }

    #[test]
    fn passkey_patch_refuses_bad_values() {
        let bad = |mut body: Value| {
            // `enabled` given, so that each case fails for its own field (`enabeld` and arrays aside).
            if let Some(fields) = body.as_object_mut() {
                fields.entry("enabled").or_insert(json!(true));
            }
            PasskeyConfigPatch::from_json(&body).unwrap_err().message
        };
        let without_enabled = |body: Value| PasskeyConfigPatch::from_json(&body).unwrap_err().message;
        assert!(without_enabled(json!({})).contains("`enabled` is required"));
        assert!(without_enabled(json!({"directSignup": true})).contains("`enabled` is required"));
        for n in [json!(0), json!(101), json!(2.5), json!(-1), json!("3"), json!(null), json!(4_294_967_297u64)] {
            assert!(bad(json!({"maxPasskeysPerUser": n})).contains("`maxPasskeysPerUser`"), "{n}");
        }
        for n in [json!(0), json!(100_001), json!(1.5), json!("300")] {
            assert!(bad(json!({"ceremonyStartsPerMinute": n})).contains("`ceremonyStartsPerMinute`"), "{n}");
        }
        for n in [1, 100] {
            assert!(PasskeyConfigPatch::from_json(&json!({"enabled": false, "maxPasskeysPerUser": n})).is_ok());
        }
        for n in [1, 100_000] {
            assert!(PasskeyConfigPatch::from_json(&json!({"enabled": false, "ceremonyStartsPerMinute": n})).is_ok());
        }
        assert!(bad(json!({"enabled": "yes"})).contains("`enabled` must be true or false"));
        assert!(bad(json!({"enabled": null})).contains("`enabled`"));
        assert!(bad(json!({"userVerification": "always"})).contains("\"required\", \"preferred\", \"discouraged\""));
        assert!(bad(json!({"residentKey": null})).contains("`residentKey`"));
        assert!(bad(json!({"authenticatorAttachment": "usb"})).contains("`authenticatorAttachment`"));
        assert!(bad(json!({"attestation": "full"})).contains("`attestation`"));
        assert!(bad(json!({"directSignup": 1})).contains("`directSignup`"));
        for t in [json!(9999), json!(600001), json!(30000.5), json!(-1), json!("60000"), json!(null)] {
            assert!(bad(json!({"timeoutMs": t})).contains("`timeoutMs`"), "{t}");
        }
        assert!(bad(json!({"enabeld": true})).contains("unknown field `enabeld`"));
        assert!(bad(json!([1])).contains("JSON object"));
        assert!(PasskeyConfigPatch::from_json(&json!({"enabled": true, "timeoutMs": 10000})).is_ok());
        assert!(PasskeyConfigPatch::from_json(&json!({"enabled": true, "timeoutMs": 600000})).is_ok());
    }
}
