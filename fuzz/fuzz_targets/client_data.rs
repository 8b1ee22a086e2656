//! clientDataJSON parsing and its checks.
#![no_main]
use authaz::webauthn::client_data::{Ceremony, ClientData, ClientDataExpectation};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(client_data) = ClientData::from_bytes(data) {
        let origins = ["https://example.org".to_owned()];
        let _ = client_data.check(&ClientDataExpectation {
            ceremony: Ceremony::Get,
            challenge: &[7; 32],
            origins: &origins,
            allow_cross_origin: true,
            top_origins: &origins,
        });
    }
});
