//! One negative test per verification check: each changes exactly what that check covers (the
//! software authenticator signs the changed data, so no other check notices) and expects that
//! check's error code. Removing a check makes its test fail.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod support;

use authaz::webauthn::response_json::RegistrationResponseJson;
use authaz::webauthn::{
    base64url, verify_authentication, verify_registration, AttestationConveyance, Certificate, ErrorCode, UserVerification, VerifyError,
};
use support::{Ceremony, Credential, Format, KeyKind, RelyingParty, AT, BE, BS, UP, UV};

fn register(ceremony: &Ceremony, format: Format, rp: &RelyingParty) -> Result<(), VerifyError> {
    let credential = Credential::new(KeyKind::Es256, 10);
    register_response(&credential.register(ceremony, format), &ceremony.challenge, rp)
}

fn register_response(response: &RegistrationResponseJson, challenge: &[u8], rp: &RelyingParty) -> Result<(), VerifyError> {
    verify_registration(response, &rp.registration(challenge)).map(|_| ())
}

fn assert_code(result: Result<(), VerifyError>, code: ErrorCode) {
    match result {
        Ok(()) => panic!("accepted, expected {code}"),
        Err(e) => assert_eq!(e.code, code, "{e}"),
    }
}

/// Registration with the none format: nothing is signed, so only the checks stand in the way.
fn none_registration(change: impl FnOnce(&mut Ceremony)) -> Result<(), VerifyError> {
    let mut ceremony = Ceremony::create();
    change(&mut ceremony);
    register(&ceremony, Format::None, &RelyingParty::default())
}

struct Login {
    ceremony: Ceremony,
    stored_sign_count: u32,
    backup_eligible: Option<bool>,
    owner: Option<Vec<u8>>,
    user_handle: Option<Vec<u8>>,
    rp: RelyingParty,
    expected_challenge: Option<Vec<u8>>,
}

impl Login {
    fn new() -> Login {
        let mut ceremony = Ceremony::get();
        ceremony.sign_count = 5;
        Login {
            ceremony,
            stored_sign_count: 4,
            backup_eligible: Some(false),
            owner: Some(b"owner".to_vec()),
            user_handle: Some(b"owner".to_vec()),
            rp: RelyingParty::default(),
            expected_challenge: None,
        }
    }

    fn run(self) -> Result<(), VerifyError> {
        let credential = Credential::new(KeyKind::Es256, 11);
        let key = credential.cose_key();
        let response = credential.assert(&self.ceremony, self.user_handle.as_deref());
        let challenge = self.expected_challenge.unwrap_or(self.ceremony.challenge.clone());
        let mut policy = self.rp.authentication(&challenge, &key);
        policy.stored_sign_count = self.stored_sign_count;
        policy.backup_eligible = self.backup_eligible;
        policy.user_handle = self.owner.as_deref();
        verify_authentication(&response, &policy).map(|_| ())
    }
}

fn login(change: impl FnOnce(&mut Login)) -> Result<(), VerifyError> {
    let mut login = Login::new();
    change(&mut login);
    login.run()
}

#[test]
fn the_unchanged_ceremonies_pass() {
    none_registration(|_| {}).unwrap();
    login(|_| {}).unwrap();
}

// --- clientDataJSON ---

#[test]
fn type_registration() {
    assert_code(none_registration(|c| c.client_data_type = "webauthn.get".into()), ErrorCode::Type);
}

#[test]
fn type_authentication() {
    assert_code(login(|l| l.ceremony.client_data_type = "webauthn.create".into()), ErrorCode::Type);
}

#[test]
fn challenge_registration() {
    let mut ceremony = Ceremony::create();
    let credential = Credential::new(KeyKind::Es256, 10);
    let response = credential.register(&ceremony, Format::None);
    ceremony.challenge[31] ^= 1;
    assert_code(register_response(&response, &ceremony.challenge, &RelyingParty::default()), ErrorCode::Challenge);
    assert_code(register_response(&response, &ceremony.challenge[..16], &RelyingParty::default()), ErrorCode::Challenge);
}

#[test]
fn challenge_authentication() {
    assert_code(login(|l| l.expected_challenge = Some(vec![0x9a; 31])), ErrorCode::Challenge);
    assert_code(login(|l| l.expected_challenge = Some(vec![0x9b; 32])), ErrorCode::Challenge);
}

#[test]
fn origin_registration() {
    for origin in ["https://evil.example", "https://sub.example.org", "http://example.org", "https://example.org:8443"] {
        assert_code(none_registration(|c| c.origin = origin.into()), ErrorCode::Origin);
    }
}

#[test]
fn origin_authentication() {
    assert_code(login(|l| l.ceremony.origin = "https://example.org.evil.example".into()), ErrorCode::Origin);
}

#[test]
fn cross_origin_registration() {
    assert_code(none_registration(|c| c.cross_origin = Some(true)), ErrorCode::CrossOrigin);
    assert_code(none_registration(|c| c.top_origin = Some("https://example.com".into())), ErrorCode::CrossOrigin);
}

#[test]
fn cross_origin_authentication() {
    assert_code(login(|l| l.ceremony.cross_origin = Some(true)), ErrorCode::CrossOrigin);
    // allowed, but the top origin is not one of the allowed top origins
    assert_code(
        login(|l| {
            l.ceremony.cross_origin = Some(true);
            l.ceremony.top_origin = Some("https://evil.example".into());
            l.rp.allow_cross_origin = true;
            l.rp.top_origins = vec!["https://example.com".into()];
        }),
        ErrorCode::CrossOrigin,
    );
    login(|l| {
        l.ceremony.cross_origin = Some(true);
        l.ceremony.top_origin = Some("https://example.com".into());
        l.rp.allow_cross_origin = true;
        l.rp.top_origins = vec!["https://example.com".into()];
    })
    .unwrap();
}

// --- authenticator data ---

#[test]
fn rp_id_hash_registration() {
    assert_code(none_registration(|c| c.rp_id = "example.com".into()), ErrorCode::RpIdHash);
}

#[test]
fn rp_id_hash_authentication() {
    assert_code(login(|l| l.ceremony.rp_id = "evil.example".into()), ErrorCode::RpIdHash);
}

#[test]
fn user_present_registration() {
    assert_code(none_registration(|c| c.flags = UV | AT), ErrorCode::UserPresent);
}

#[test]
fn user_present_authentication() {
    assert_code(login(|l| l.ceremony.flags = UV), ErrorCode::UserPresent);
}

#[test]
fn user_verified_registration() {
    assert_code(none_registration(|c| c.flags = UP | AT), ErrorCode::UserVerified);
}

#[test]
fn user_verified_authentication() {
    assert_code(login(|l| l.ceremony.flags = UP), ErrorCode::UserVerified);
    login(|l| {
        l.ceremony.flags = UP;
        l.rp.user_verification = UserVerification::Preferred;
    })
    .unwrap();
}

#[test]
fn backup_state_without_eligibility_registration() {
    assert_code(none_registration(|c| c.flags = UP | UV | AT | BS), ErrorCode::BackupState);
}

#[test]
fn backup_state_without_eligibility_authentication() {
    assert_code(
        login(|l| {
            l.ceremony.flags = UP | UV | BS;
            l.backup_eligible = None;
        }),
        ErrorCode::BackupState,
    );
}

#[test]
fn backup_eligibility_that_changes_fails_the_login() {
    assert_code(login(|l| l.ceremony.flags = UP | UV | BE), ErrorCode::BackupState);
    assert_code(
        login(|l| {
            l.ceremony.flags = UP | UV;
            l.backup_eligible = Some(true);
        }),
        ErrorCode::BackupState,
    );
}

#[test]
fn attested_credential_data_on_registration() {
    assert_code(none_registration(|c| c.flags = UP | UV), ErrorCode::AttestedCredentialData);
}

#[test]
fn sign_count() {
    assert_code(login(|l| l.ceremony.sign_count = 4), ErrorCode::SignCount);
    assert_code(login(|l| l.ceremony.sign_count = 2), ErrorCode::SignCount);
    login(|l| l.ceremony.sign_count = 5).unwrap();
}

#[test]
fn sign_count_zero_after_a_counting_authenticator() {
    // Stored 4, received 0: a clone that does not count (WebAuthn L3 §7.2 step 22).
    assert_code(login(|l| l.ceremony.sign_count = 0), ErrorCode::SignCount);
    // Neither counts (synced passkeys): fine.
    login(|l| {
        l.ceremony.sign_count = 0;
        l.stored_sign_count = 0;
    })
    .unwrap();
    login(|l| {
        l.ceremony.sign_count = 1;
        l.stored_sign_count = 0;
    })
    .unwrap();
}

// --- credential ---

#[test]
fn algorithm_not_allowed() {
    let credential = Credential::new(KeyKind::EdDsa, 12);
    let ceremony = Ceremony::create();
    let rp = RelyingParty { algorithms: vec![-7, -257], ..RelyingParty::default() };
    assert_code(register_response(&credential.register(&ceremony, Format::None), &ceremony.challenge, &rp), ErrorCode::Algorithm);
}

#[test]
fn credential_id_length() {
    let mut credential = Credential::new(KeyKind::Es256, 13);
    credential.id = vec![7; 1024];
    let ceremony = Ceremony::create();
    let response = credential.register(&ceremony, Format::None);
    assert_code(register_response(&response, &ceremony.challenge, &RelyingParty::default()), ErrorCode::CredentialIdLength);
    credential.id = vec![7; 1023];
    register_response(&credential.register(&ceremony, Format::None), &ceremony.challenge, &RelyingParty::default()).unwrap();
}

#[test]
fn credential_id_length_in_assertions() {
    let mut credential = Credential::new(KeyKind::Es256, 13);
    credential.id = vec![7; 1024];
    let ceremony = Ceremony::get();
    let key = credential.cose_key();
    let rp = RelyingParty::default();
    let result = verify_authentication(&credential.assert(&ceremony, None), &rp.authentication(&ceremony.challenge, &key));
    assert_eq!(result.unwrap_err().code, ErrorCode::CredentialIdLength);
}

#[test]
fn credential_id_length_in_authenticator_data() {
    let mut credential = Credential::new(KeyKind::Es256, 13);
    credential.id = vec![7; 1024];
    let auth_data = Ceremony::create().auth_data(&credential);
    let error = authaz::webauthn::authenticator_data::AuthenticatorData::parse(&auth_data).unwrap_err();
    assert_eq!(error.code, ErrorCode::CredentialIdLength);
}

#[test]
fn credential_id_differs_from_authenticator_data() {
    let credential = Credential::new(KeyKind::Es256, 14);
    let ceremony = Ceremony::create();
    let mut response = credential.register(&ceremony, Format::None);
    response.id = base64url::encode(b"another credential");
    response.raw_id = response.id.clone();
    assert_code(register_response(&response, &ceremony.challenge, &RelyingParty::default()), ErrorCode::CredentialId);
}

#[test]
fn id_and_raw_id_differ() {
    let credential = Credential::new(KeyKind::Es256, 15);
    let ceremony = Ceremony::get();
    let mut response = credential.assert(&ceremony, None);
    response.id = base64url::encode(b"another credential");
    let key = credential.cose_key();
    let rp = RelyingParty::default();
    let result = verify_authentication(&response, &rp.authentication(&ceremony.challenge, &key));
    assert_eq!(result.unwrap_err().code, ErrorCode::CredentialId);
}

#[test]
fn user_handle() {
    assert_code(login(|l| l.user_handle = Some(b"somebody else".to_vec())), ErrorCode::UserHandle);
    login(|l| l.user_handle = None).unwrap();
}

#[test]
fn signature() {
    let credential = Credential::new(KeyKind::Es256, 16);
    let other = Credential::new(KeyKind::Es256, 17);
    let ceremony = Ceremony::get();
    let response = other.assert(&ceremony, None);
    let key = credential.cose_key();
    let rp = RelyingParty::default();
    let mut policy = rp.authentication(&ceremony.challenge, &key);
    policy.user_handle = None;
    let mut response = response;
    response.id = base64url::encode(&credential.id);
    response.raw_id = response.id.clone();
    assert_eq!(verify_authentication(&response, &policy).unwrap_err().code, ErrorCode::Signature);
}

// --- attestation statements ---

#[test]
fn packed_self_attestation_signature() {
    let credential = Credential::new(KeyKind::Es256, 18);
    let ceremony = Ceremony::create();
    let client_data_json = ceremony.client_data_json();
    let auth_data = ceremony.auth_data(&credential);
    let mut sig = credential.sign(&support::signed_data(&auth_data, &client_data_json));
    let last = sig.len() - 1;
    sig[last] ^= 1;
    let att_stmt = ciborium::Value::Map(vec![
        (ciborium::Value::Text("alg".into()), ciborium::Value::Integer((-7).into())),
        (ciborium::Value::Text("sig".into()), ciborium::Value::Bytes(sig)),
    ]);
    let object = support::attestation_object("packed", att_stmt, &auth_data);
    let response = support::registration_json(&credential.id, &client_data_json, &object);
    assert_code(register_response(&response, &ceremony.challenge, &RelyingParty::default()), ErrorCode::Signature);
}

#[test]
fn packed_self_attestation_algorithm_must_be_the_credential_keys() {
    let credential = Credential::new(KeyKind::Es256, 19);
    let ceremony = Ceremony::create();
    let client_data_json = ceremony.client_data_json();
    let auth_data = ceremony.auth_data(&credential);
    let sig = credential.sign(&support::signed_data(&auth_data, &client_data_json));
    let att_stmt = ciborium::Value::Map(vec![
        (ciborium::Value::Text("alg".into()), ciborium::Value::Integer((-35).into())),
        (ciborium::Value::Text("sig".into()), ciborium::Value::Bytes(sig)),
    ]);
    let object = support::attestation_object("packed", att_stmt, &auth_data);
    let response = support::registration_json(&credential.id, &client_data_json, &object);
    assert_code(register_response(&response, &ceremony.challenge, &RelyingParty::default()), ErrorCode::Attestation);
}

#[test]
fn none_attestation_must_be_empty() {
    let credential = Credential::new(KeyKind::Es256, 20);
    let ceremony = Ceremony::create();
    let client_data_json = ceremony.client_data_json();
    let auth_data = ceremony.auth_data(&credential);
    let att_stmt = ciborium::Value::Map(vec![(ciborium::Value::Text("sig".into()), ciborium::Value::Bytes(vec![1]))]);
    let object = support::attestation_object("none", att_stmt, &auth_data);
    let response = support::registration_json(&credential.id, &client_data_json, &object);
    assert_code(register_response(&response, &ceremony.challenge, &RelyingParty::default()), ErrorCode::Attestation);
}

#[test]
fn unknown_attestation_format() {
    let credential = Credential::new(KeyKind::Es256, 21);
    let ceremony = Ceremony::create();
    let client_data_json = ceremony.client_data_json();
    let object = support::attestation_object("made-up", ciborium::Value::Map(Vec::new()), &ceremony.auth_data(&credential));
    let response = support::registration_json(&credential.id, &client_data_json, &object);
    assert_code(register_response(&response, &ceremony.challenge, &RelyingParty::default()), ErrorCode::AttestationFormat);
}

#[test]
fn untrusted_attestation_when_anchors_are_configured() {
    let pem = std::fs::read_to_string("tests/vectors/anchors/webauthn_spec_test_vectors_ca.pem").unwrap();
    let anchors = Certificate::from_pem(&pem).unwrap();
    let credential = Credential::new(KeyKind::Es256, 22);
    let ceremony = Ceremony::create();
    let response = credential.register(&ceremony, Format::PackedSelf);
    let rp = RelyingParty::default();
    let mut policy = rp.registration(&ceremony.challenge);
    policy.trust_anchors = &anchors;
    policy.attestation = AttestationConveyance::Direct;
    assert_eq!(verify_registration(&response, &policy).unwrap_err().code, ErrorCode::UntrustedAttestation);
    // conveyance "none": the statement is still checked, but no trust is required
    policy.attestation = AttestationConveyance::None;
    verify_registration(&response, &policy).unwrap();
}

// --- limits and malformed input ---

#[test]
fn oversized_and_malformed_fields() {
    let credential = Credential::new(KeyKind::Es256, 23);
    let ceremony = Ceremony::create();
    let rp = RelyingParty::default();
    let mut response = credential.register(&ceremony, Format::None);
    response.response.client_data_json = "A".repeat(40_000);
    assert_code(register_response(&response, &ceremony.challenge, &rp), ErrorCode::TooLarge);
    let mut response = credential.register(&ceremony, Format::None);
    response.response.attestation_object = "!!".into();
    assert_code(register_response(&response, &ceremony.challenge, &rp), ErrorCode::Malformed);
    let mut response = credential.register(&ceremony, Format::None);
    response.type_ = "password".into();
    assert_code(register_response(&response, &ceremony.challenge, &rp), ErrorCode::Malformed);
}
