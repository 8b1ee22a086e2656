//! COSE key parsing, and verification with whatever key parses.
#![no_main]
use authaz::webauthn::rust_crypto::VerifyNow;
use authaz::webauthn::{SignatureCheck, SignatureVerifier};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((key, len)) = authaz::webauthn::CoseKey::from_cbor(data) {
        let rest = data.get(len..).unwrap_or_default();
        let _ = VerifyNow.check(SignatureCheck::by_credential(&key, rest, rest));
    }
});
