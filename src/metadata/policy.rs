//! An application's authenticator policy (part of its passkey config): which authenticators may
//! register, by AAGUID and by what the FIDO Metadata Service says of them, and whether an
//! attestation must chain to the MDS roots of its AAGUID. The decisions are pure: the caller
//! brings the AAGUID and the stored metadata entry.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::statement::{normalize_aaguid, Authenticator, CertificationLevel};
use crate::contract::error::ApiError;
use crate::contract::json_fields::{bool_field, enum_field, list_field, Fields};
use crate::webauthn::Certificate;

/// Most AAGUIDs in `allowedAaguids` or `deniedAaguids`.
pub const MAX_AAGUIDS: usize = 100;

/// Where attestation trust comes from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttestationTrust {
    /// No chain is required to reach anything (today's behaviour).
    #[default]
    None,
    /// With `attestation` other than "none", the chain must reach an MDS root of the AAGUID.
    Mds,
}

/// The policy, stored and shown inside the passkey config (flattened).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuthenticatorPolicy {
    /// When not empty, only these AAGUIDs may register.
    pub allowed_aaguids: Vec<String>,
    /// These AAGUIDs may not register.
    pub denied_aaguids: Vec<String>,
    /// The lowest FIDO certification level accepted (an authenticator MDS does not list has none).
    pub require_certified: Option<CertificationLevel>,
    /// Refuse authenticators whose MDS status reports a compromise or revocation.
    pub refuse_revoked: bool,
    pub attestation_trust: AttestationTrust,
}

impl Default for AuthenticatorPolicy {
    fn default() -> Self {
        Self {
            allowed_aaguids: Vec::new(),
            denied_aaguids: Vec::new(),
            require_certified: None,
            refuse_revoked: true,
            attestation_trust: AttestationTrust::None,
        }
    }
}

/// A policy refusal: the message names the policy field that refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal(pub String);

impl AuthenticatorPolicy {
    /// Whether `aaguid` (hyphenated lowercase), with its metadata entry if MDS lists it, may
    /// register.
    pub fn check(&self, aaguid: &str, entry: Option<&Authenticator>) -> Result<(), Refusal> {
        if self.denied_aaguids.iter().any(|a| a == aaguid) {
            return Err(Refusal(format!("deniedAaguids: authenticator {aaguid} is denied by this application")));
        }
        if !self.allowed_aaguids.is_empty() && !self.allowed_aaguids.iter().any(|a| a == aaguid) {
            return Err(Refusal(format!("allowedAaguids: authenticator {aaguid} is not one this application allows")));
        }
        if self.refuse_revoked {
            if let Some(status) = entry.and_then(|e| e.compromised.as_deref()) {
                return Err(Refusal(format!("refuseRevoked: the FIDO Metadata Service reports {status} for this authenticator")));
            }
        }
        if let Some(min) = self.require_certified {
            match entry.and_then(|e| e.certification) {
                Some(level) if level >= min => {}
                Some(level) => return Err(Refusal(format!("requireCertified: this authenticator is {}, below {}", level.as_str(), min.as_str()))),
                None => {
                    return Err(Refusal(format!(
                        "requireCertified: this authenticator is not FIDO certified ({} required){}",
                        min.as_str(),
                        if entry.is_none() { "; the FIDO Metadata Service does not list it" } else { "" }
                    )))
                }
            }
        }
        Ok(())
    }

    /// The trust anchors a registration's attestation must reach: none required (empty) unless
    /// `attestationTrust` is "mds" and attestation is requested; then the entry's roots, and an
    /// authenticator without any is refused.
    pub fn trust_anchors(&self, attestation_requested: bool, aaguid: &str, entry: Option<&Authenticator>) -> Result<Vec<Certificate>, Refusal> {
        if self.attestation_trust != AttestationTrust::Mds || !attestation_requested {
            return Ok(Vec::new());
        }
        let roots = entry.map(Authenticator::root_certificates).unwrap_or_default();
        if roots.is_empty() {
            return Err(Refusal(format!("attestationTrust: the FIDO Metadata Service has no attestation root for authenticator {aaguid}")));
        }
        Ok(roots)
    }
}

/// The policy fields of a `PUT .../auth/passkey` body: those given replace the current ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthenticatorPolicyPatch {
    pub allowed_aaguids: Option<Vec<String>>,
    pub denied_aaguids: Option<Vec<String>>,
    /// `Some(None)`: `requireCertified: null` (no requirement).
    pub require_certified: Option<Option<CertificationLevel>>,
    pub refuse_revoked: Option<bool>,
    pub attestation_trust: Option<AttestationTrust>,
}

impl AuthenticatorPolicyPatch {
    pub const FIELDS: [&'static str; 5] = ["allowedAaguids", "deniedAaguids", "requireCertified", "refuseRevoked", "attestationTrust"];

    /// Reads the policy fields of `fields` (other fields are the caller's to check).
    pub fn from_fields(fields: &Fields) -> Result<Self, ApiError> {
        let require_certified = match fields.get("requireCertified") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(v) => {
                let level = v.as_str().and_then(CertificationLevel::from_status).filter(|_| v.as_str() != Some("FIDO_CERTIFIED"));
                let Some(level) = level else {
                    let names: Vec<String> = CertificationLevel::ALL.iter().map(|l| format!("\"{}\"", l.as_str())).collect();
                    return Err(ApiError::invalid_request(format!("`requireCertified` must be null or one of {}", names.join(", "))));
                };
                Some(Some(level))
            }
        };
        let refuse_revoked = bool_field(fields, "refuseRevoked")?;
        let attestation_trust = enum_field(fields, "attestationTrust", &[("none", AttestationTrust::None), ("mds", AttestationTrust::Mds)])?;
        Ok(Self {
            allowed_aaguids: aaguid_list(fields, "allowedAaguids")?,
            denied_aaguids: aaguid_list(fields, "deniedAaguids")?,
            require_certified,
            refuse_revoked,
            attestation_trust,
        })
    }

    /// `current` with the fields of this patch put in.
    pub fn apply(&self, current: &AuthenticatorPolicy) -> AuthenticatorPolicy {
        AuthenticatorPolicy {
            allowed_aaguids: self.allowed_aaguids.clone().unwrap_or_else(|| current.allowed_aaguids.clone()),
            denied_aaguids: self.denied_aaguids.clone().unwrap_or_else(|| current.denied_aaguids.clone()),
            require_certified: self.require_certified.unwrap_or(current.require_certified),
            refuse_revoked: self.refuse_revoked.unwrap_or(current.refuse_revoked),
            attestation_trust: self.attestation_trust.unwrap_or(current.attestation_trust),
        }
    }
}

/// A list of AAGUIDs (any case in, hyphenated lowercase out, duplicates dropped).
fn aaguid_list(fields: &Fields, key: &str) -> Result<Option<Vec<String>>, ApiError> {
    list_field(fields, key, MAX_AAGUIDS, |s| normalize_aaguid(s).ok_or_else(|| "not an AAGUID (\"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\")".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KEY: &str = "cb69481e-8ff7-4039-93ec-0a2729a154a8";

    fn entry(certification: Option<CertificationLevel>, compromised: Option<&str>, roots: Vec<String>) -> Authenticator {
        Authenticator {
            aaguid: KEY.into(),
            description: "YubiKey 5 Series".into(),
            friendly_names: Default::default(),
            icon: None,
            attestation_roots: roots,
            key_protection: vec![],
            attachment_hint: vec!["external".into()],
            certification,
            compromised: compromised.map(str::to_owned),
            statuses: vec![],
        }
    }

    fn patch(body: Value) -> Result<AuthenticatorPolicy, String> {
        let fields = body.as_object().unwrap();
        AuthenticatorPolicyPatch::from_fields(fields).map(|p| p.apply(&AuthenticatorPolicy::default())).map_err(|e| e.message)
    }

    #[test]
    fn defaults_refuse_only_compromised_authenticators() {
        let policy = AuthenticatorPolicy::default();
        assert!(policy.refuse_revoked);
        assert!(policy.check(KEY, None).is_ok());
        assert!(policy.check(KEY, Some(&entry(None, None, vec![]))).is_ok());
        let err = policy.check(KEY, Some(&entry(Some(CertificationLevel::L2), Some("ATTESTATION_KEY_COMPROMISE"), vec![]))).unwrap_err();
        assert!(err.0.starts_with("refuseRevoked:") && err.0.contains("ATTESTATION_KEY_COMPROMISE"), "{}", err.0);
        let off = AuthenticatorPolicy { refuse_revoked: false, ..Default::default() };
        assert!(off.check(KEY, Some(&entry(None, Some("REVOKED"), vec![]))).is_ok());
        assert!(policy.trust_anchors(true, KEY, None).unwrap().is_empty());
    }

    #[test]
    fn aaguid_lists() {
        let allowed = patch(json!({"allowedAaguids": [KEY.to_uppercase()]})).unwrap();
        assert_eq!(allowed.allowed_aaguids, vec![KEY.to_owned()]);
        assert!(allowed.check(KEY, None).is_ok());
        assert!(allowed.check("00000000-0000-0000-0000-000000000000", None).unwrap_err().0.starts_with("allowedAaguids:"));
        let denied = patch(json!({"deniedAaguids": [KEY, KEY]})).unwrap();
        assert_eq!(denied.denied_aaguids.len(), 1);
        assert!(denied.check(KEY, None).unwrap_err().0.starts_with("deniedAaguids:"));
        assert!(denied.check("00000000-0000-0000-0000-000000000000", None).is_ok());
    }

    #[test]
    fn certification_levels() {
        let policy = patch(json!({"requireCertified": "FIDO_CERTIFIED_L2"})).unwrap();
        assert!(policy.check(KEY, Some(&entry(Some(CertificationLevel::L2), None, vec![]))).is_ok());
        assert!(policy.check(KEY, Some(&entry(Some(CertificationLevel::L3), None, vec![]))).is_ok());
        let low = policy.check(KEY, Some(&entry(Some(CertificationLevel::L1Plus), None, vec![]))).unwrap_err();
        assert!(low.0.starts_with("requireCertified:") && low.0.contains("below"), "{}", low.0);
        let unlisted = policy.check(KEY, None).unwrap_err();
        assert!(unlisted.0.contains("does not list it"), "{}", unlisted.0);
        assert!(policy.check(KEY, Some(&entry(None, None, vec![]))).is_err());
    }

    #[test]
    fn mds_trust_needs_roots() {
        let policy = patch(json!({"attestationTrust": "mds"})).unwrap();
        assert!(policy.trust_anchors(false, KEY, None).unwrap().is_empty(), "attestation none: nothing to trust");
        assert!(policy.trust_anchors(true, KEY, None).unwrap_err().0.starts_with("attestationTrust:"));
        assert!(policy.trust_anchors(true, KEY, Some(&entry(None, None, vec![]))).is_err());
        let root = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/certs/ec_root.der")),
        );
        assert_eq!(policy.trust_anchors(true, KEY, Some(&entry(None, None, vec![root]))).unwrap().len(), 1);
    }

    #[test]
    fn patches_are_strict_and_merge() {
        for (body, field) in [
            (json!({"allowedAaguids": "x"}), "`allowedAaguids`"),
            (json!({"allowedAaguids": ["not-an-aaguid"]}), "`allowedAaguids`"),
            (json!({"deniedAaguids": [1]}), "`deniedAaguids`"),
            (json!({"allowedAaguids": vec![KEY; MAX_AAGUIDS + 1]}), "at most"),
            (json!({"requireCertified": "L2"}), "`requireCertified`"),
            (json!({"requireCertified": "FIDO_CERTIFIED"}), "`requireCertified`"),
            (json!({"refuseRevoked": "yes"}), "`refuseRevoked`"),
            (json!({"attestationTrust": "roots"}), "`attestationTrust`"),
        ] {
            let err = patch(body.clone()).unwrap_err();
            assert!(err.contains(field), "{body}: {err}");
        }
        let current = patch(json!({"requireCertified": "FIDO_CERTIFIED_L1", "deniedAaguids": [KEY], "refuseRevoked": false})).unwrap();
        let next = AuthenticatorPolicyPatch::from_fields(json!({"requireCertified": null}).as_object().unwrap()).unwrap().apply(&current);
        assert_eq!(next.require_certified, None);
        assert_eq!(next.denied_aaguids, vec![KEY.to_owned()], "left out: kept");
        assert!(!next.refuse_revoked);
    }

    #[test]
    fn stored_json_shape_and_defaults() {
        let shown = serde_json::to_value(AuthenticatorPolicy::default()).unwrap();
        assert_eq!(
            shown,
            json!({"allowedAaguids": [], "deniedAaguids": [], "requireCertified": null, "refuseRevoked": true, "attestationTrust": "none"})
        );
        let old: AuthenticatorPolicy = serde_json::from_value(json!({})).unwrap();
        assert_eq!(old, AuthenticatorPolicy::default(), "configs stored before the policy existed take the defaults");
    }
}
