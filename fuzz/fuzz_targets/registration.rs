//! A whole registration: the input is `u16 length || clientDataJSON || attestationObject`.
#![no_main]
use authaz::webauthn::{base64url, verify_registration, AttestationConveyance, RegistrationPolicy, RegistrationResponseJson, UserVerification};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((head, rest)) = data.split_first_chunk::<2>() else { return };
    let split = usize::from(u16::from_be_bytes(*head)).min(rest.len());
    let (client_data_json, attestation_object) = rest.split_at(split);
    let response = serde_json::json!({
        "id": "AAAA", "rawId": "AAAA", "type": "public-key",
        "response": {
            "clientDataJSON": base64url::encode(client_data_json),
            "attestationObject": base64url::encode(attestation_object),
        },
        "clientExtensionResults": {},
    });
    let Ok(response) = serde_json::from_value::<RegistrationResponseJson>(response) else { return };
    let origins = ["https://example.org".to_owned()];
    let policy = RegistrationPolicy {
        rp_id: "example.org",
        origins: &origins,
        allow_cross_origin: false,
        top_origins: &[],
        challenge: &[7; 32],
        user_verification: UserVerification::Preferred,
        allowed_algorithms: &[-8, -7, -35, -257],
        attestation: AttestationConveyance::Direct,
        trust_anchors: &[],
        now_unix: Some(1_735_689_600),
    };
    let _ = verify_registration(&response, &policy);
});
