//! Authenticator data parsing (flags, counter, attested credential data, extensions).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(auth_data) = authaz::webauthn::authenticator_data::AuthenticatorData::parse(data) {
        let _ = auth_data.check_backup_flags();
    }
});
