//! Registrations and assertions from the software authenticator, for every key type and every
//! combination of the UP, UV, BE and BS flags, against the verdict the WebAuthn rules give.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

mod support;

use authaz::webauthn::{verify_authentication, verify_registration, ErrorCode, UserVerification};
use support::{Ceremony, Credential, Format, KeyKind, RelyingParty, AT, BE, BS, UP, UV};

/// The verdict WebAuthn L3 gives for these flags (first failing check), None when accepted.
fn expected(flags: u8, user_verification: UserVerification) -> Option<ErrorCode> {
    if flags & UP == 0 {
        Some(ErrorCode::UserPresent)
    } else if user_verification == UserVerification::Required && flags & UV == 0 {
        Some(ErrorCode::UserVerified)
    } else if flags & BS != 0 && flags & BE == 0 {
        Some(ErrorCode::BackupState)
    } else {
        None
    }
}

const POLICIES: [UserVerification; 3] = [UserVerification::Required, UserVerification::Preferred, UserVerification::Discouraged];

#[test]
fn registrations_for_every_key_format_and_flag_combination() {
    let mut checked = 0;
    for kind in KeyKind::ALL {
        let credential = Credential::new(kind, 1);
        for format in [Format::None, Format::PackedSelf] {
            for low_flags in 0u8..32 {
                let flags = AT | (low_flags & (UP | UV | BE | BS));
                let ceremony = Ceremony { flags, ..Ceremony::create() };
                let response = credential.register(&ceremony, format);
                for user_verification in POLICIES {
                    let rp = RelyingParty { user_verification, ..RelyingParty::default() };
                    let result = verify_registration(&response, &rp.registration(&ceremony.challenge));
                    match expected(flags, user_verification) {
                        None => {
                            let verified = result.unwrap_or_else(|e| panic!("{kind:?} {format:?} flags {flags:#x}: {e}"));
                            assert_eq!(verified.alg, kind.alg());
                            assert_eq!(verified.credential_id, credential.id);
                            assert_eq!(verified.public_key_cose, credential.cose_key());
                            assert_eq!(verified.user_verified, flags & UV != 0);
                            assert_eq!(verified.backup_eligible, flags & BE != 0);
                            assert_eq!(verified.backed_up, flags & BS != 0);
                            assert_eq!(verified.aaguid, [0x42; 16]);
                            assert_eq!(verified.transports, ["internal", "hybrid"]);
                        }
                        Some(code) => assert_eq!(result.unwrap_err().code, code, "{kind:?} {format:?} flags {flags:#x}"),
                    }
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, 4 * 2 * 32 * 3);
}

#[test]
fn assertions_for_every_key_and_flag_combination() {
    for kind in KeyKind::ALL {
        let credential = Credential::new(kind, 2);
        let public_key = credential.cose_key();
        for flags in 0u8..32 {
            let flags = flags & (UP | UV | BE | BS);
            let ceremony = Ceremony { flags, sign_count: 7, ..Ceremony::get() };
            let response = credential.assert(&ceremony, Some(b"user-1"));
            for user_verification in POLICIES {
                let rp = RelyingParty { user_verification, ..RelyingParty::default() };
                let mut policy = rp.authentication(&ceremony.challenge, &public_key);
                policy.stored_sign_count = 6;
                policy.backup_eligible = Some(flags & BE != 0);
                policy.user_handle = Some(b"user-1");
                let result = verify_authentication(&response, &policy);
                match expected(flags, user_verification) {
                    None => {
                        let verified = result.unwrap_or_else(|e| panic!("{kind:?} flags {flags:#x}: {e}"));
                        assert_eq!(verified.sign_count, 7);
                        assert_eq!(verified.user_verified, flags & UV != 0);
                        assert_eq!(verified.backed_up, flags & BS != 0);
                        assert_eq!(verified.user_handle.as_deref(), Some(b"user-1".as_slice()));
                        assert_eq!(verified.credential_id, credential.id);
                    }
                    Some(code) => assert_eq!(result.unwrap_err().code, code, "{kind:?} flags {flags:#x}"),
                }
            }
        }
    }
}

#[test]
fn extension_data_is_parsed_in_registrations_and_assertions() {
    let credential = Credential::new(KeyKind::Es256, 3);
    let extensions = ciborium::Value::Map(vec![(ciborium::Value::Text("credProtect".into()), ciborium::Value::Integer(2.into()))]);
    let create = Ceremony { flags: UP | UV | AT | support::ED, extensions: Some(extensions.clone()), ..Ceremony::create() };
    let rp = RelyingParty::default();
    let registered = verify_registration(&credential.register(&create, Format::PackedSelf), &rp.registration(&create.challenge)).unwrap();
    let get = Ceremony { flags: UP | UV | support::ED, extensions: Some(extensions), ..Ceremony::get() };
    let response = credential.assert(&get, None);
    verify_authentication(&response, &rp.authentication(&get.challenge, &registered.public_key_cose)).unwrap();
}

#[test]
fn a_zero_counter_is_accepted_only_while_the_stored_one_is_zero_and_a_growing_counter_is_required_otherwise() {
    let credential = Credential::new(KeyKind::EdDsa, 4);
    let public_key = credential.cose_key();
    let rp = RelyingParty::default();
    // (0, 9): a counting authenticator that sends 0 is a clone signal (WebAuthn L3 §7.2 step 22).
    for (received, stored, ok) in [(0, 0, true), (0, 9, false), (1, 0, true), (10, 9, true), (9, 9, false), (3, 9, false)] {
        let ceremony = Ceremony { sign_count: received, ..Ceremony::get() };
        let mut policy = rp.authentication(&ceremony.challenge, &public_key);
        policy.stored_sign_count = stored;
        let result = verify_authentication(&credential.assert(&ceremony, None), &policy);
        assert_eq!(result.is_ok(), ok, "received {received} stored {stored}");
        if !ok {
            assert_eq!(result.unwrap_err().code, ErrorCode::SignCount);
        }
    }
}
