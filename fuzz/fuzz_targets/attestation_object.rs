//! Attestation object parsing, then its authenticator data and statement (every format).
#![no_main]
use authaz::webauthn::attestation::{self, AttestationInput};
use authaz::webauthn::attestation_object::AttestationObject;
use authaz::webauthn::authenticator_data::AuthenticatorData;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(object) = AttestationObject::parse(data) else { return };
    let Ok(auth_data) = AuthenticatorData::parse(&object.auth_data) else { return };
    let Some(credential) = &auth_data.attested_credential else { return };
    let _ = attestation::verify(
        &object.fmt,
        &AttestationInput {
            att_stmt: &object.att_stmt,
            auth_data_raw: &object.auth_data,
            auth_data: &auth_data,
            client_data_hash: &[0; 32],
            credential_public_key: &credential.public_key,
            now_unix: Some(1_735_689_600),
            verifier: &authaz::webauthn::rust_crypto::VerifyNow,
        },
    );
});
