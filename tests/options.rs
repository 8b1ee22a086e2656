//! Creation and request options as WebAuthn L3 JSON (PublicKeyCredentialCreationOptionsJSON /
//! PublicKeyCredentialRequestOptionsJSON), the shape parseCreationOptionsFromJSON and
//! @simplewebauthn/browser take.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use authaz::webauthn::{
    creation_options, request_options, AttestationConveyance, AuthenticatorAttachment, CreationOptionsInput, CredentialDescriptor,
    RequestOptionsInput, ResidentKey, UserVerification, DEFAULT_ALGORITHMS,
};
use serde_json::json;

fn credentials() -> Vec<CredentialDescriptor> {
    vec![
        CredentialDescriptor { id: vec![1, 2, 3], transports: vec!["usb".into(), "nfc".into()] },
        CredentialDescriptor { id: vec![0xff; 4], transports: vec![] },
    ]
}

#[test]
fn creation_options_json() {
    let exclude = credentials();
    let hints = vec!["security-key".to_owned()];
    let options = creation_options(&CreationOptionsInput {
        challenge: &[0xfb; 32],
        rp_id: "example.org",
        rp_name: "Example",
        user_id: &[9; 16],
        user_name: "ada@example.org",
        user_display_name: "Ada",
        algorithms: &DEFAULT_ALGORITHMS,
        timeout_ms: 300_000,
        exclude_credentials: &exclude,
        resident_key: ResidentKey::Required,
        user_verification: UserVerification::Required,
        authenticator_attachment: Some(AuthenticatorAttachment::CrossPlatform),
        attestation: AttestationConveyance::None,
        hints: &hints,
    });
    assert_eq!(
        serde_json::to_value(&options).unwrap(),
        json!({
            "challenge": "-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_v7-_s",
            "rp": {"id": "example.org", "name": "Example"},
            "user": {"id": "CQkJCQkJCQkJCQkJCQkJCQ", "name": "ada@example.org", "displayName": "Ada"},
            "pubKeyCredParams": [
                {"type": "public-key", "alg": -8},
                {"type": "public-key", "alg": -7},
                {"type": "public-key", "alg": -257}
            ],
            "timeout": 300000,
            "excludeCredentials": [
                {"type": "public-key", "id": "AQID", "transports": ["usb", "nfc"]},
                {"type": "public-key", "id": "_____w"}
            ],
            "authenticatorSelection": {
                "residentKey": "required",
                "requireResidentKey": true,
                "userVerification": "required",
                "authenticatorAttachment": "cross-platform"
            },
            "attestation": "none",
            "hints": ["security-key"],
            "extensions": {"credProps": true}
        })
    );
}

#[test]
fn creation_options_leave_out_what_is_not_set() {
    let options = creation_options(&CreationOptionsInput {
        challenge: &[1; 32],
        rp_id: "example.org",
        rp_name: "Example",
        user_id: &[2; 32],
        user_name: "bob",
        user_display_name: "Bob",
        algorithms: &DEFAULT_ALGORITHMS,
        timeout_ms: 60_000,
        exclude_credentials: &[],
        resident_key: ResidentKey::Preferred,
        user_verification: UserVerification::Preferred,
        authenticator_attachment: None,
        attestation: AttestationConveyance::Direct,
        hints: &[],
    });
    let value = serde_json::to_value(&options).unwrap();
    assert!(value.get("hints").is_none());
    assert_eq!(value["excludeCredentials"], json!([]));
    assert_eq!(value["authenticatorSelection"], json!({"residentKey": "preferred", "requireResidentKey": false, "userVerification": "preferred"}));
    assert_eq!(value["attestation"], "direct");
}

#[test]
fn request_options_json() {
    let allow = credentials();
    let options = request_options(&RequestOptionsInput {
        challenge: &[0; 32],
        rp_id: "example.org",
        allow_credentials: &allow,
        user_verification: UserVerification::Discouraged,
        timeout_ms: 120_000,
        hints: &["client-device".to_owned()],
    });
    assert_eq!(
        serde_json::to_value(&options).unwrap(),
        json!({
            "challenge": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "rpId": "example.org",
            "allowCredentials": [
                {"type": "public-key", "id": "AQID", "transports": ["usb", "nfc"]},
                {"type": "public-key", "id": "_____w"}
            ],
            "userVerification": "discouraged",
            "timeout": 120000,
            "hints": ["client-device"]
        })
    );
}

#[test]
fn policy_enums_parse_from_config_strings() {
    assert_eq!(serde_json::from_value::<UserVerification>(json!("required")).unwrap(), UserVerification::Required);
    assert_eq!(serde_json::from_value::<ResidentKey>(json!("discouraged")).unwrap(), ResidentKey::Discouraged);
    assert_eq!(serde_json::from_value::<AttestationConveyance>(json!("enterprise")).unwrap(), AttestationConveyance::Enterprise);
    assert_eq!(serde_json::from_value::<AuthenticatorAttachment>(json!("platform")).unwrap(), AuthenticatorAttachment::Platform);
    assert!(serde_json::from_value::<UserVerification>(json!("always")).is_err());
}
