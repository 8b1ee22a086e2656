//! Bounded CBOR decoding: never panics, never takes more than the input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((_, len)) = authaz::webauthn::cbor::decode_prefix(data) {
        assert!(len <= data.len());
    }
});
