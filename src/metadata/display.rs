//! How an authenticator is shown with a passkey: the contract's `authenticator` object
//! `{name, icon?, certified?}`, from the metadata entry when MDS lists the AAGUID, else from the
//! compiled-in passkey-provider names (synced passkeys, which MDS does not list), else "Passkey".

use serde_json::{json, Value};

use super::provider_names::provider_name;
use super::statement::{icon_acceptable, Authenticator, CertificationLevel};

/// What a passkey is called when nothing names it.
pub const DEFAULT_NAME: &str = "Passkey";

/// What the passkey list needs of a metadata entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthenticatorSummary {
    pub description: String,
    pub icon: Option<String>,
    pub certification: Option<CertificationLevel>,
}

impl AuthenticatorSummary {
    pub fn of(entry: &Authenticator) -> Self {
        Self { description: entry.description.clone(), icon: entry.icon.clone(), certification: entry.certification }
    }

    /// From stored columns (icon re-checked, an unknown level read as none).
    pub fn from_columns(description: String, icon: Option<String>, certification: Option<&str>) -> Self {
        Self { description, icon: icon.filter(|i| icon_acceptable(i)), certification: certification.and_then(CertificationLevel::from_status) }
    }
}

/// The authenticator's model name: MDS's description, else the provider's, else "Passkey".
pub fn model_name<'a>(aaguid: &str, summary: Option<&'a AuthenticatorSummary>) -> &'a str {
    summary.map(|s| s.description.as_str()).or_else(|| provider_name(aaguid)).unwrap_or(DEFAULT_NAME)
}

/// `{name, icon?, certified?}`; `certified` is the FIDO certification level, when certified.
pub fn authenticator_json(aaguid: &str, summary: Option<&AuthenticatorSummary>) -> Value {
    let mut shown = json!({ "name": model_name(aaguid, summary) });
    if let Some(icon) = summary.and_then(|s| s.icon.as_deref()) {
        shown["icon"] = json!(icon);
    }
    if let Some(level) = summary.and_then(|s| s.certification) {
        shown["certified"] = json!(level.as_str());
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_mds_then_providers_then_default() {
        let yubikey = AuthenticatorSummary::from_columns(
            "YubiKey 5 Series with NFC".into(),
            Some("data:image/png;base64,iVBORw0KGgo=".into()),
            Some("FIDO_CERTIFIED_L1"),
        );
        let key = "fa2b99dc-9e39-4257-8f92-4a30d23c4118";
        assert_eq!(
            authenticator_json(key, Some(&yubikey)),
            json!({"name": "YubiKey 5 Series with NFC", "icon": "data:image/png;base64,iVBORw0KGgo=", "certified": "FIDO_CERTIFIED_L1"})
        );
        let google = "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4";
        assert_eq!(authenticator_json(google, None), json!({"name": "Google Password Manager"}));
        assert_eq!(authenticator_json("00000000-0000-0000-0000-000000000000", None), json!({"name": "Passkey"}));
    }

    #[test]
    fn stored_columns_are_rechecked() {
        let s = AuthenticatorSummary::from_columns("X".into(), Some("javascript:alert(1)".into()), Some("SOMETHING"));
        assert_eq!((s.icon, s.certification), (None, None));
    }
}
