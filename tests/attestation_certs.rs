//! The certificate-based attestation formats `tpm`, `android-key`, `android-safetynet` and
//! `apple`: recorded public vectors (tests/vectors/attestation, cited in
//! tests/vectors/SOURCES.md) through the whole registration, with and without trust anchors,
//! and one negative test per check of each format.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use authaz::webauthn::attestation::{self, AttestationInput, AttestationOutcome, AttestationType};
use authaz::webauthn::attestation_object::AttestationObject;
use authaz::webauthn::authenticator_data::AuthenticatorData;
use authaz::webauthn::cbor::Value;
use authaz::webauthn::{
    base64url, verify_registration, AttestationConveyance, Certificate, CoseKey, ErrorCode, RegistrationPolicy, RegistrationResponseJson,
    UserVerification, VerifiedRegistration, VerifyError,
};
use base64::Engine;
use p256::ecdsa::signature::Signer;
use sha2::{Digest, Sha256};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");

/// One recorded registration with what its verification needs.
struct Vector {
    name: String,
    expect_accept: bool,
    now: u64,
    rp_id: String,
    origin: String,
    challenge: String,
    credential: RegistrationResponseJson,
}

fn load(name: &str) -> Vector {
    let path = format!("{VECTORS}/attestation/{name}.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let json: serde_json::Value = serde_json::from_str(&text).expect("vector JSON");
    let text_field = |field: &str| json[field].as_str().unwrap_or_else(|| panic!("{name}: no {field}")).to_owned();
    Vector {
        name: name.to_owned(),
        expect_accept: text_field("expect") == "accept",
        now: json["now"].as_u64().expect("now"),
        rp_id: text_field("rpId"),
        origin: text_field("origin"),
        challenge: text_field("challenge"),
        credential: serde_json::from_value(json["credential"].clone()).expect("RegistrationResponseJSON"),
    }
}

fn all_vectors() -> Vec<Vector> {
    let mut names: Vec<String> = std::fs::read_dir(format!("{VECTORS}/attestation"))
        .expect("vector directory")
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.strip_suffix(".json").map(str::to_owned))
        .collect();
    names.sort();
    names.iter().map(|name| load(name)).collect()
}

fn anchors(file: &str) -> Vec<Certificate> {
    let path = format!("{VECTORS}/anchors/{file}");
    Certificate::from_pem(&std::fs::read_to_string(&path).expect("PEM file")).expect("anchors parse")
}

fn register(vector: &Vector, anchors: &[Certificate], now: Option<u64>) -> Result<VerifiedRegistration, VerifyError> {
    let challenge = base64url::decode(&vector.challenge, 1024, "challenge").expect("challenge");
    let origins = [vector.origin.clone()];
    let policy = RegistrationPolicy {
        rp_id: &vector.rp_id,
        origins: &origins,
        allow_cross_origin: false,
        top_origins: &[],
        challenge: &challenge,
        user_verification: UserVerification::Preferred,
        allowed_algorithms: &[-8, -7, -35, -36, -37, -257, -258, -259, -65535],
        attestation: AttestationConveyance::Direct,
        trust_anchors: anchors,
        now_unix: now,
    };
    verify_registration(&vector.credential, &policy)
}

#[test]
fn recorded_vectors_verify_as_expected() {
    let vectors = all_vectors();
    assert!(vectors.len() >= 20, "vectors missing");
    for vector in &vectors {
        let result = register(vector, &[], Some(vector.now));
        match (vector.expect_accept, result) {
            (true, Ok(registration)) => {
                let expected = match registration.fmt.as_str() {
                    "tpm" => AttestationType::AttCa,
                    "android-key" | "android-safetynet" => AttestationType::Basic,
                    "apple" => AttestationType::AnonCa,
                    other => panic!("{}: unexpected fmt {other}", vector.name),
                };
                assert_eq!(registration.attestation_type, expected, "{}", vector.name);
                assert!(!registration.trust_path.is_empty(), "{}", vector.name);
                assert!(vector.name.starts_with(&registration.fmt.replace('-', "_").replace("android_safetynet", "safetynet")));
            }
            (false, Err(_)) => {}
            (true, Err(e)) => panic!("{} refused: {e}", vector.name),
            (false, Ok(_)) => panic!("{} accepted but must be refused", vector.name),
        }
    }
}

#[test]
fn recorded_vectors_chain_to_their_vendors_roots() {
    let cases = [
        ("apple_passkey_py_webauthn", "apple_webauthn_root_ca.pem"),
        ("apple_simplewebauthn", "apple_webauthn_root_ca.pem"),
        ("android_key_pixel8a_py_webauthn", "google_hardware_attestation_roots.pem"),
        ("safetynet_2021_py_webauthn", "globalsign_root_r1_r2.pem"),
        ("safetynet_gsr1_simplewebauthn", "globalsign_root_r1_r2.pem"),
        ("safetynet_2019_simplewebauthn", "globalsign_root_r1_r2.pem"),
        ("tpm_spec_es256", "webauthn_spec_test_vectors_ca.pem"),
        ("android_key_spec_es256", "webauthn_spec_test_vectors_ca.pem"),
        ("apple_spec_es256", "webauthn_spec_test_vectors_ca.pem"),
    ];
    for (name, anchor_file) in cases {
        let vector = load(name);
        register(&vector, &anchors(anchor_file), Some(vector.now)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let err = register(&vector, &anchors("google_hardware_attestation_roots.pem"), Some(vector.now));
        if anchor_file != "google_hardware_attestation_roots.pem" {
            assert_eq!(err.expect_err(name).code, ErrorCode::UntrustedAttestation, "{name}");
        }
    }
    let pixel = load("android_key_pixel8a_py_webauthn");
    let err = register(&pixel, &anchors("apple_webauthn_root_ca.pem"), Some(pixel.now)).expect_err("wrong root");
    assert_eq!(err.code, ErrorCode::UntrustedAttestation);
}

/// The pieces of a registration that `attestation::verify` takes, open to tampering.
struct Parts {
    fmt: String,
    att_stmt: Value,
    auth_data_raw: Vec<u8>,
    client_data_hash: [u8; 32],
    credential_key: CoseKey,
    now: Option<u64>,
}

impl Parts {
    fn of(name: &str) -> Parts {
        let vector = load(name);
        let object = base64url::decode(&vector.credential.response.attestation_object, 64 * 1024, "object").expect("b64");
        let object = AttestationObject::parse(&object).expect("attestation object");
        let client_data = base64url::decode(&vector.credential.response.client_data_json, 16 * 1024, "cd").expect("b64");
        let auth_data = AuthenticatorData::parse(&object.auth_data).expect("authenticator data");
        let credential_key = auth_data.attested_credential.expect("attested credential").public_key;
        Parts {
            fmt: object.fmt,
            att_stmt: object.att_stmt,
            auth_data_raw: object.auth_data,
            client_data_hash: Sha256::digest(&client_data).into(),
            credential_key,
            now: Some(vector.now),
        }
    }

    fn verify(&self) -> Result<AttestationOutcome, VerifyError> {
        let auth_data = AuthenticatorData::parse(&self.auth_data_raw).expect("authenticator data");
        attestation::verify(
            &self.fmt,
            &AttestationInput {
                att_stmt: &self.att_stmt,
                auth_data_raw: &self.auth_data_raw,
                auth_data: &auth_data,
                client_data_hash: &self.client_data_hash,
                credential_public_key: &self.credential_key,
                now_unix: self.now,
                verifier: &authaz::webauthn::rust_crypto::VerifyNow,
            },
        )
    }

    /// The statement field `name`, to tamper with.
    fn field(&mut self, name: &str) -> &mut Value {
        let Value::Map(map) = &mut self.att_stmt else { panic!("attStmt is a map") };
        &mut map.iter_mut().find(|(key, _)| key.as_text() == Some(name)).unwrap_or_else(|| panic!("no {name}")).1
    }

    fn bytes(&mut self, name: &str) -> &mut Vec<u8> {
        let Value::Bytes(bytes) = self.field(name) else { panic!("{name} is not bytes") };
        bytes
    }

    fn x5c(&mut self) -> &mut Vec<Value> {
        let Value::Array(certs) = self.field("x5c") else { panic!("x5c is not an array") };
        certs
    }

    fn x5c_cert(&mut self, index: usize) -> &mut Vec<u8> {
        let Value::Bytes(der) = &mut self.x5c()[index] else { panic!("x5c entry is not bytes") };
        der
    }

    fn add_field(&mut self, name: &str) {
        let Value::Map(map) = &mut self.att_stmt else { panic!("attStmt is a map") };
        map.push((Value::Text(name.to_owned()), Value::Null));
    }

    fn signed_data(&self) -> Vec<u8> {
        [self.auth_data_raw.as_slice(), &self.client_data_hash].concat()
    }
}

fn refused(parts: &Parts, code: ErrorCode, message: &str) {
    let err = parts.verify().expect_err("must be refused");
    assert_eq!(err.code, code, "{err}");
    assert!(err.message.contains(message), "expected {message:?} in {:?}", err.message);
}

fn credential_key_of(name: &str) -> CoseKey {
    Parts::of(name).credential_key
}

/// ES256 (DER) signature with a private key given in the WebAuthn L3 test vectors.
fn es256_sign(private_key_hex: &str, data: &[u8]) -> Vec<u8> {
    let key_bytes: Vec<u8> =
        (0..private_key_hex.len()).step_by(2).map(|i| u8::from_str_radix(&private_key_hex[i..i + 2], 16).expect("hex")).collect();
    let key = p256::ecdsa::SigningKey::from_slice(&key_bytes).expect("P-256 key");
    let signature: p256::ecdsa::Signature = key.sign(data);
    signature.to_der().as_bytes().to_vec()
}

/// Replace the only occurrence of `from` in `bytes` by `to` (same length).
fn patch(bytes: &mut [u8], from: &[u8], to: &[u8]) {
    let positions: Vec<usize> = bytes.windows(from.len()).enumerate().filter(|(_, w)| *w == from).map(|(i, _)| i).collect();
    assert_eq!(positions.len(), 1, "pattern must occur once");
    bytes[positions[0]..positions[0] + to.len()].copy_from_slice(to);
}

// ---------------------------------------------------------------------------------------------
// tpm (WebAuthn L3 §8.3). The spec vector's AIK private key lets certInfo be re-signed.

const TPM_AIK_KEY: &str = "6210f09e0ce7593e851a880a4bdde2d2192afeac46104abce1a890a5a71cf0c6";

fn tpm_resigned(edit: impl FnOnce(&mut Vec<u8>)) -> Parts {
    let mut parts = Parts::of("tpm_spec_es256");
    edit(parts.bytes("certInfo"));
    let cert_info = parts.bytes("certInfo").clone();
    *parts.bytes("sig") = es256_sign(TPM_AIK_KEY, &cert_info);
    parts
}

#[test]
fn tpm_resigned_certinfo_still_verifies() {
    assert!(tpm_resigned(|_| {}).verify().is_ok());
}

#[test]
fn tpm_refuses_other_versions() {
    let mut parts = Parts::of("tpm_spec_es256");
    *parts.field("ver") = Value::Text("1.2".into());
    refused(&parts, ErrorCode::Attestation, "unsupported TPM version");
}

#[test]
fn tpm_refuses_unsupported_algorithms() {
    let mut parts = Parts::of("tpm_spec_es256");
    *parts.field("alg") = Value::Integer((-8).into());
    refused(&parts, ErrorCode::Algorithm, "no hash");
    *parts.field("alg") = Value::Integer((-9999).into());
    refused(&parts, ErrorCode::Algorithm, "unsupported TPM attestation algorithm");
}

#[test]
fn tpm_refuses_a_pubarea_that_is_not_the_credential_key() {
    let mut parts = Parts::of("tpm_spec_es256");
    parts.credential_key = credential_key_of("apple_spec_es256");
    refused(&parts, ErrorCode::Attestation, "pubArea key differs");
    let mut parts = Parts::of("tpm_rs256_simplewebauthn"); // RSA pubArea
    parts.credential_key = credential_key_of("tpm_sha1_simplewebauthn");
    refused(&parts, ErrorCode::Attestation, "pubArea key differs");
}

#[test]
fn tpm_refuses_a_bad_signature() {
    let mut parts = Parts::of("tpm_spec_es256");
    let sig = parts.bytes("sig");
    let last = sig.len() - 1;
    sig[last] ^= 1;
    refused(&parts, ErrorCode::Signature, "signature");
    let mut parts = Parts::of("tpm_surface_pro4_py_webauthn"); // RS1
    parts.bytes("sig")[10] ^= 1;
    refused(&parts, ErrorCode::Signature, "signature");
}

#[test]
fn tpm_refuses_wrong_magic() {
    refused(&tpm_resigned(|info| info[3] ^= 1), ErrorCode::Attestation, "TPM_GENERATED_VALUE");
}

#[test]
fn tpm_refuses_wrong_attestation_type() {
    refused(&tpm_resigned(|info| info[5] = 0x18), ErrorCode::Attestation, "TPM_ST_ATTEST_CERTIFY");
}

#[test]
fn tpm_refuses_extra_data_that_is_not_the_hash_of_att_to_be_signed() {
    let mut parts = Parts::of("tpm_spec_es256");
    parts.client_data_hash[0] ^= 1;
    refused(&parts, ErrorCode::Attestation, "extraData");
    let mut parts = Parts::of("tpm_sha1_simplewebauthn"); // SHA-1 extraData
    parts.client_data_hash[0] ^= 1;
    refused(&parts, ErrorCode::Attestation, "extraData");
}

#[test]
fn tpm_refuses_an_attested_name_that_is_not_pubareas() {
    let mut parts = Parts::of("tpm_spec_es256");
    parts.bytes("pubArea")[7] ^= 0x40; // objectAttributes: same key, other Name
    refused(&parts, ErrorCode::Attestation, "Name of pubArea");
}

#[test]
fn tpm_refuses_an_aik_certificate_with_another_aaguid() {
    let vector = load("tpm_aaguid_mismatch_simplewebauthn");
    assert!(!vector.expect_accept);
    let mut parts = Parts::of("tpm_aaguid_mismatch_simplewebauthn");
    refused(&parts, ErrorCode::Certificate, "1.3.6.1.4.1.45724.1.1.4");
    parts.now = None;
    refused(&parts, ErrorCode::Certificate, "1.3.6.1.4.1.45724.1.1.4");
}

#[test]
fn tpm_refuses_an_aik_certificate_without_the_aik_key_usage() {
    // 2.23.133.8.3 -> 2.23.133.8.4 in the AIK certificate (its issuer signature then breaks
    // too, but the AIK requirement is checked first).
    let mut parts = Parts::of("tpm_spec_es256");
    patch(parts.x5c_cert(0), &[0x06, 0x05, 0x67, 0x81, 0x05, 0x08, 0x03], &[0x06, 0x05, 0x67, 0x81, 0x05, 0x08, 0x04]);
    refused(&parts, ErrorCode::Certificate, "2.23.133.8.3");
}

#[test]
fn tpm_checks_the_certificate_chain() {
    let mut parts = Parts::of("tpm_surface_pro4_py_webauthn");
    parts.now = Some(1_800_000_000); // AIK and intermediate expired in 2025
    refused(&parts, ErrorCode::Certificate, "expired");
    parts.now = Some(1_500_000_000);
    refused(&parts, ErrorCode::Certificate, "not valid before");
    let mut parts = Parts::of("tpm_surface_pro4_py_webauthn");
    let other = Parts::of("tpm_dell_xps13_py_webauthn").x5c()[1].clone();
    parts.x5c()[1] = other; // another vendor's intermediate
    refused(&parts, ErrorCode::Certificate, "issuer");
}

#[test]
fn tpm_statement_must_be_complete_and_closed() {
    let mut parts = Parts::of("tpm_spec_es256");
    parts.add_field("ecdaaKeyId");
    refused(&parts, ErrorCode::Attestation, "unexpected attStmt field");
    let mut parts = Parts::of("tpm_spec_es256");
    let Value::Map(map) = &mut parts.att_stmt else { unreachable!() };
    map.retain(|(key, _)| key.as_text() != Some("x5c"));
    refused(&parts, ErrorCode::Attestation, "x5c");
    let mut parts = Parts::of("tpm_spec_es256");
    parts.bytes("pubArea").push(0);
    refused(&parts, ErrorCode::Attestation, "trailing");
}

// ---------------------------------------------------------------------------------------------
// android-key (WebAuthn L3 §8.4). The spec vector's credential private key lets the statement
// be re-signed.

const ANDROID_CREDENTIAL_KEY: &str = "d4328d911acb0ebcc42aad29b29ffb55d5bc31d8af7ca9a16703d56c21abc7b4";

#[test]
fn android_key_refuses_a_bad_signature() {
    let mut parts = Parts::of("android_key_spec_es256");
    let sig = parts.bytes("sig");
    let last = sig.len() - 1;
    sig[last] ^= 1;
    refused(&parts, ErrorCode::Signature, "signature");
}

#[test]
fn android_key_refuses_a_certificate_that_is_not_the_credential_key() {
    let mut parts = Parts::of("android_key_spec_es256");
    parts.credential_key = credential_key_of("apple_spec_es256");
    refused(&parts, ErrorCode::Attestation, "differs from the credential public key");
}

#[test]
fn android_key_refuses_another_attestation_challenge() {
    let mut parts = Parts::of("android_key_spec_es256");
    parts.client_data_hash[0] ^= 1;
    refused(&parts, ErrorCode::Signature, "signature");
    // re-signed, so only the attestationChallenge check remains to catch it
    let signed = parts.signed_data();
    *parts.bytes("sig") = es256_sign(ANDROID_CREDENTIAL_KEY, &signed);
    refused(&parts, ErrorCode::Attestation, "attestationChallenge");
}

#[test]
fn android_key_requires_the_key_description_extension() {
    let mut parts = Parts::of("android_key_spec_es256");
    let oid = [0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x01, 0x11];
    let mut other = oid;
    other[11] = 0x12;
    patch(parts.x5c_cert(0), &oid, &other);
    refused(&parts, ErrorCode::Attestation, "lacks the Android key description");
}

#[test]
fn android_key_checks_the_certificate_chain() {
    let mut parts = Parts::of("android_key_pixel8a_py_webauthn");
    parts.now = Some(1_750_000_000); // the intermediates expired in February 2025
    refused(&parts, ErrorCode::Certificate, "expired");
    let mut parts = Parts::of("android_key_pixel8a_py_webauthn");
    parts.x5c().remove(2);
    refused(&parts, ErrorCode::Certificate, "issuer");
    let mut parts = Parts::of("android_key_pixel8a_py_webauthn");
    let extra = parts.x5c()[4].clone();
    parts.x5c().push(extra); // six certificates
    refused(&parts, ErrorCode::Certificate, "more than 5");
}

// ---------------------------------------------------------------------------------------------
// android-safetynet (WebAuthn L3 §8.5). Synthetic responses are signed with the test keys of
// tests/vectors/certs (sn_leaf for attest.android.com, sn_other_host for another host).

fn cert_file(name: &str) -> Vec<u8> {
    std::fs::read(format!("{VECTORS}/certs/{name}")).expect("certificate file")
}

/// A compact JWS signed with `signer`'s key, whose x5c is `signer`'s certificate and `issuer`.
fn safetynet_response(signer: &str, issuer: &str, payload: serde_json::Value) -> Vec<u8> {
    use p256::pkcs8::DecodePrivateKey;
    let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let b64 = base64::engine::general_purpose::STANDARD;
    let header = serde_json::json!({
        "alg": "ES256",
        "x5c": [b64.encode(cert_file(&format!("{signer}.der"))), b64.encode(cert_file(&format!("{issuer}.der")))],
    });
    let signing_input = format!("{}.{}", b64url.encode(header.to_string()), b64url.encode(payload.to_string()));
    let key = p256::ecdsa::SigningKey::from_pkcs8_der(&cert_file(&format!("{signer}.pk8"))).expect("PKCS#8 key");
    let signature: p256::ecdsa::Signature = key.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", b64url.encode(signature.to_bytes())).into_bytes()
}

const SYNTHETIC_NOW: u64 = 1_800_000_000;

fn synthetic_safetynet(signer: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Parts {
    synthetic_safetynet_issued_by(signer, "sn_root", edit)
}

fn synthetic_safetynet_issued_by(signer: &str, issuer: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Parts {
    let mut parts = Parts::of("safetynet_2021_py_webauthn");
    let nonce = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(parts.signed_data()));
    let mut payload = serde_json::json!({
        "nonce": nonce,
        "timestampMs": SYNTHETIC_NOW * 1000 - 2_000,
        "apkPackageName": "com.google.android.gms",
        "ctsProfileMatch": true,
        "basicIntegrity": true,
    });
    edit(&mut payload);
    *parts.bytes("response") = safetynet_response(signer, issuer, payload);
    parts.now = Some(SYNTHETIC_NOW);
    parts
}

#[test]
fn safetynet_accepts_an_es256_response() {
    let outcome = synthetic_safetynet("sn_leaf", |_| {}).verify().expect("valid synthetic response");
    assert_eq!(outcome.attestation_type, AttestationType::Basic);
    assert_eq!(outcome.trust_path.len(), 2);
}

#[test]
fn safetynet_refuses_another_nonce() {
    let mut parts = Parts::of("safetynet_2021_py_webauthn");
    parts.client_data_hash[0] ^= 1;
    refused(&parts, ErrorCode::Attestation, "nonce");
}

#[test]
fn safetynet_refuses_a_bad_jws_signature() {
    let mut parts = Parts::of("safetynet_2021_py_webauthn");
    let response = parts.bytes("response");
    let at = response.len() - 10;
    response[at] = if response[at] == b'A' { b'B' } else { b'A' };
    refused(&parts, ErrorCode::Signature, "signature");
    let mut parts = synthetic_safetynet("sn_leaf", |_| {});
    let response = parts.bytes("response");
    let at = response.len() - 10;
    response[at] = if response[at] == b'A' { b'B' } else { b'A' };
    refused(&parts, ErrorCode::Signature, "signature");
}

#[test]
fn safetynet_requires_the_attest_android_com_certificate() {
    refused(&synthetic_safetynet("sn_other_host", |_| {}), ErrorCode::Certificate, "attest.android.com");
}

#[test]
fn safetynet_requires_cts_profile_match() {
    let parts = synthetic_safetynet("sn_leaf", |payload| payload["ctsProfileMatch"] = false.into());
    refused(&parts, ErrorCode::Attestation, "ctsProfileMatch");
}

#[test]
fn safetynet_refuses_old_and_future_timestamps() {
    let mut parts = Parts::of("safetynet_2021_py_webauthn");
    let timestamp = 1_630_703_240; // timestampMs / 1000 of the recorded response
    parts.now = Some(timestamp + 120);
    refused(&parts, ErrorCode::Attestation, "too old");
    parts.now = Some(timestamp - 60);
    refused(&parts, ErrorCode::Attestation, "future");
    parts.now = None; // no clock: neither timestamp nor validity is checked
    assert!(parts.verify().is_ok());
}

#[test]
fn safetynet_checks_the_certificate_chain() {
    // test certificates expire in 2036; the response is fresh at that time
    let late = 2_200_000_000;
    let mut parts = synthetic_safetynet("sn_leaf", |payload| payload["timestampMs"] = (late * 1000).into());
    parts.now = Some(late);
    refused(&parts, ErrorCode::Certificate, "expired");
    // the leaf's issuer is not the next certificate
    refused(&synthetic_safetynet_issued_by("sn_leaf", "ec_root", |_| {}), ErrorCode::Certificate, "issuer");
}

#[test]
fn safetynet_refuses_malformed_responses() {
    let mut parts = Parts::of("safetynet_2021_py_webauthn");
    *parts.bytes("response") = b"e30.e30".to_vec();
    refused(&parts, ErrorCode::Attestation, "compact JWS");
    *parts.bytes("response") = b"e30.e30.e30.e30".to_vec();
    refused(&parts, ErrorCode::Attestation, "compact JWS");
    *parts.bytes("response") = b"!!.e30.AA".to_vec();
    refused(&parts, ErrorCode::Attestation, "base64url");
    *parts.bytes("response") = vec![0xff, 0xfe];
    refused(&parts, ErrorCode::Attestation, "UTF-8");
    let mut parts = Parts::of("safetynet_2021_py_webauthn");
    *parts.field("ver") = Value::Text(String::new());
    refused(&parts, ErrorCode::Attestation, "ver");
}

// ---------------------------------------------------------------------------------------------
// apple (WebAuthn L3 §8.8).

#[test]
fn apple_refuses_another_nonce() {
    let mut parts = Parts::of("apple_spec_es256");
    parts.client_data_hash[0] ^= 1;
    refused(&parts, ErrorCode::Attestation, "nonce");
    let mut parts = Parts::of("apple_passkey_py_webauthn");
    parts.client_data_hash[31] ^= 1;
    refused(&parts, ErrorCode::Attestation, "nonce");
}

#[test]
fn apple_refuses_a_certificate_that_is_not_the_credential_key() {
    let mut parts = Parts::of("apple_spec_es256");
    parts.credential_key = credential_key_of("android_key_spec_es256");
    refused(&parts, ErrorCode::Attestation, "differs from the credential public key");
}

#[test]
fn apple_requires_the_nonce_extension() {
    let mut parts = Parts::of("apple_spec_es256");
    let oid = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x63, 0x64, 0x08, 0x02];
    let mut other = oid;
    other[10] = 0x03;
    patch(parts.x5c_cert(0), &oid, &other);
    refused(&parts, ErrorCode::Attestation, "lacks the Apple nonce extension");
}

#[test]
fn apple_checks_the_certificate_chain() {
    let mut parts = Parts::of("apple_passkey_py_webauthn");
    parts.now = Some(1_640_000_000); // credential certificates live three days
    refused(&parts, ErrorCode::Certificate, "expired");
    let mut parts = Parts::of("apple_passkey_py_webauthn");
    parts.x5c().reverse();
    refused(&parts, ErrorCode::Attestation, "nonce"); // x5c[0] is now the CA certificate
    let mut parts = Parts::of("apple_passkey_py_webauthn");
    let other_intermediate = Parts::of("android_key_pixel8a_py_webauthn").x5c()[2].clone();
    parts.x5c()[1] = other_intermediate;
    parts.now = None;
    refused(&parts, ErrorCode::Certificate, "issuer");
}

#[test]
fn apple_statement_must_be_closed() {
    let mut parts = Parts::of("apple_spec_es256");
    parts.add_field("sig");
    refused(&parts, ErrorCode::Attestation, "unexpected attStmt field");
}
