//! `android-key` attestation (WebAuthn L3 §8.4): the credential key is an Android Keystore
//! key; its certificate `x5c[0]` carries the Android key description extension, and the
//! credential key itself signs authenticatorData || clientDataHash.

use crate::webauthn::cbor::Value;
use der::asn1::AnyRef;
use der::{Decode, Reader, SliceReader, Tag, Tagged};

use super::{attestation_error, signed_data, AttestationInput, AttestationOutcome, AttestationType, Statement};
use crate::webauthn::certificate;
use crate::webauthn::error::VerifyError;

/// Android key attestation extension (KeyDescription).
const OID_ANDROID_KEY_DESCRIPTION: &str = "1.3.6.1.4.1.11129.2.1.17";
/// AuthorizationList tags (Android Keystore `Tag` numbers without their type bits).
const TAG_PURPOSE: u32 = 1;
const TAG_ALL_APPLICATIONS: u32 = 600;
const TAG_ORIGIN: u32 = 702;
const KM_ORIGIN_GENERATED: u64 = 0;
const KM_PURPOSE_SIGN: u64 = 2;
/// Most fields read from one AuthorizationList or one purpose set.
const MAX_LIST_ITEMS: usize = 128;

/// Verify an `android-key` attestation statement; the attestation type is Basic, the
/// trust path `x5c`. Keys are accepted from the TEE or from software (the union of both
/// authorization lists is used, as the specification allows).
pub fn verify(input: &AttestationInput) -> Result<AttestationOutcome, VerifyError> {
    let (alg, sig, x5c) = read_statement(input.att_stmt)?;
    let chain = certificate::parse_chain(x5c)?;
    let leaf = chain.first().ok_or_else(|| attestation_error("x5c is empty"))?;

    leaf.verify_signature(alg, &signed_data(input), sig, input.verifier)?;
    if !leaf.public_key_matches(input.credential_public_key) {
        return Err(attestation_error("attestation certificate key differs from the credential public key"));
    }

    let (_, extension) = leaf
        .extension(OID_ANDROID_KEY_DESCRIPTION)
        .ok_or_else(|| attestation_error("attestation certificate lacks the Android key description extension"))?;
    let description = KeyDescription::parse(extension).map_err(|e| attestation_error(format!("malformed Android key description: {e}")))?;
    check_key_description(&description, input.client_data_hash)?;

    certificate::verify_chain(&chain, input.now_unix, input.verifier)?;
    Ok(AttestationOutcome { attestation_type: AttestationType::Basic, trust_path: chain.iter().map(|cert| cert.der().to_vec()).collect() })
}

/// The key description checks of WebAuthn L3 §8.4 on the union of both authorization lists.
fn check_key_description(description: &KeyDescription, client_data_hash: &[u8]) -> Result<(), VerifyError> {
    if description.attestation_challenge != client_data_hash {
        return Err(attestation_error("attestationChallenge differs from clientDataHash"));
    }
    let lists = [&description.software_enforced, &description.tee_enforced];
    if lists.iter().any(|list| list.all_applications) {
        return Err(attestation_error("key is usable by all applications (allApplications present)"));
    }
    if lists.iter().flat_map(|list| list.origin).any(|origin| origin != KM_ORIGIN_GENERATED) {
        return Err(attestation_error("key origin is not KM_ORIGIN_GENERATED"));
    }
    let purposes: Vec<u64> = lists.iter().flat_map(|list| list.purposes.iter().copied()).collect();
    if !purposes.is_empty() && !purposes.contains(&KM_PURPOSE_SIGN) {
        return Err(attestation_error("key purpose does not include KM_PURPOSE_SIGN"));
    }
    Ok(())
}

/// `alg`, `sig` and the `x5c` certificates of the statement.
/// `alg`, `sig` and the `x5c` chain (leaf first).
type AndroidKeyStatement<'a> = (i64, &'a [u8], Vec<&'a [u8]>);

fn read_statement(att_stmt: &Value) -> Result<AndroidKeyStatement<'_>, VerifyError> {
    let stmt = Statement::new(att_stmt)?;
    stmt.only(&["alg", "sig", "x5c"])?;
    let x5c = stmt.x5c()?.ok_or_else(|| attestation_error("attStmt.x5c is missing"))?;
    Ok((stmt.alg()?, stmt.sig()?, x5c))
}

/// The parts of the KeyDescription SEQUENCE that WebAuthn checks:
/// `attestationVersion, attestationSecurityLevel, keymasterVersion, keymasterSecurityLevel,
/// attestationChallenge, uniqueId, softwareEnforced, teeEnforced, ...`.
struct KeyDescription<'a> {
    attestation_challenge: &'a [u8],
    software_enforced: AuthorizationList,
    tee_enforced: AuthorizationList,
}

impl<'a> KeyDescription<'a> {
    fn parse(der_bytes: &'a [u8]) -> der::Result<KeyDescription<'a>> {
        let mut reader = SliceReader::new(der_bytes)?;
        let description = reader.sequence(|r| {
            let _attestation_version = AnyRef::decode(r)?;
            let _attestation_security_level = AnyRef::decode(r)?;
            let _keymaster_version = AnyRef::decode(r)?;
            let _keymaster_security_level = AnyRef::decode(r)?;
            let attestation_challenge = <&der::asn1::OctetStringRef>::decode(r)?.as_bytes();
            let _unique_id = <&der::asn1::OctetStringRef>::decode(r)?;
            let software_enforced = AuthorizationList::parse(AnyRef::decode(r)?)?;
            let tee_enforced = AuthorizationList::parse(AnyRef::decode(r)?)?;
            // Later KeyDescription versions may append fields.
            let rest = r.remaining_len();
            r.drain(rest)?;
            Ok::<_, der::Error>(KeyDescription { attestation_challenge, software_enforced, tee_enforced })
        })?;
        reader.finish()?;
        Ok(description)
    }
}

/// The AuthorizationList fields WebAuthn checks; every field is EXPLICITly context-tagged.
#[derive(Default)]
struct AuthorizationList {
    purposes: Vec<u64>,
    all_applications: bool,
    origin: Option<u64>,
}

impl AuthorizationList {
    fn parse(list: AnyRef<'_>) -> der::Result<AuthorizationList> {
        if list.tag() != Tag::Sequence {
            return Err(der::ErrorKind::TagUnexpected { expected: Some(Tag::Sequence), actual: list.tag() }.into());
        }
        let mut parsed = AuthorizationList::default();
        let mut reader = SliceReader::new(list.value())?;
        let mut count = 0;
        while !reader.is_finished() {
            count += 1;
            if count > MAX_LIST_ITEMS {
                return Err(der::ErrorKind::Overlength.into());
            }
            let field = AnyRef::decode(&mut reader)?;
            let Tag::ContextSpecific { number, .. } = field.tag() else {
                return Err(der::ErrorKind::TagUnexpected { expected: None, actual: field.tag() }.into());
            };
            match number.value() {
                TAG_PURPOSE => parsed.purposes = parse_integer_set(field.value())?,
                TAG_ALL_APPLICATIONS => parsed.all_applications = true,
                TAG_ORIGIN => parsed.origin = Some(u64::from_der(field.value())?),
                _ => {}
            }
        }
        Ok(parsed)
    }
}

/// A DER `SET OF INTEGER` (non-negative), bounded.
fn parse_integer_set(der_bytes: &[u8]) -> der::Result<Vec<u64>> {
    let set = AnyRef::from_der(der_bytes)?;
    if set.tag() != Tag::Set {
        return Err(der::ErrorKind::TagUnexpected { expected: Some(Tag::Set), actual: set.tag() }.into());
    }
    let mut reader = SliceReader::new(set.value())?;
    let mut values = Vec::new();
    while !reader.is_finished() {
        if values.len() == MAX_LIST_ITEMS {
            return Err(der::ErrorKind::Overlength.into());
        }
        values.push(u64::decode(&mut reader)?);
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    //! KeyDescription parsing and checks on hand-built extensions; full statements are tested
    //! in tests/attestation_certs.rs.
    use super::*;
    use base64::Engine;

    fn tlv(tag: &[u8], content: &[u8]) -> Vec<u8> {
        let mut out = tag.to_vec();
        match content.len() {
            len @ 0..=127 => out.push(len as u8),
            len @ 128..=255 => out.extend_from_slice(&[0x81, len as u8]),
            len => out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]),
        }
        out.extend_from_slice(content);
        out
    }
    fn int(value: u8) -> Vec<u8> {
        tlv(&[0x02], &[value])
    }
    fn purposes(values: &[u8]) -> Vec<u8> {
        let set: Vec<u8> = values.iter().flat_map(|&v| int(v)).collect();
        tlv(&[0xa1], &tlv(&[0x31], &set))
    }
    fn all_applications() -> Vec<u8> {
        tlv(&[0xbf, 0x84, 0x58], &[0x05, 0x00]) // [600] EXPLICIT NULL
    }
    fn origin(value: u8) -> Vec<u8> {
        tlv(&[0xbf, 0x85, 0x3e], &int(value)) // [702] EXPLICIT INTEGER
    }
    fn algorithm_ec() -> Vec<u8> {
        tlv(&[0xa2], &int(3)) // [2] algorithm, not checked
    }
    fn key_description(challenge: &[u8], software: &[Vec<u8>], tee: &[Vec<u8>]) -> Vec<u8> {
        let mut fields = int(4);
        fields.extend(tlv(&[0x0a], &[1]));
        fields.extend(int(4));
        fields.extend(tlv(&[0x0a], &[1]));
        fields.extend(tlv(&[0x04], challenge));
        fields.extend(tlv(&[0x04], &[]));
        fields.extend(tlv(&[0x30], &software.concat()));
        fields.extend(tlv(&[0x30], &tee.concat()));
        tlv(&[0x30], &fields)
    }

    const HASH: [u8; 32] = [7; 32];

    fn check(extension: &[u8]) -> Result<(), VerifyError> {
        let description = KeyDescription::parse(extension).map_err(|e| attestation_error(e.to_string()))?;
        check_key_description(&description, &HASH)
    }

    fn refused(extension: &[u8], expected: &str) {
        let err = check(extension).expect_err("must be refused");
        assert!(err.message.contains(expected), "{}", err.message);
    }

    #[test]
    fn accepts_generated_signing_keys() {
        let tee = [purposes(&[2]), algorithm_ec(), origin(0)];
        assert!(check(&key_description(&HASH, &[], &tee)).is_ok());
        assert!(check(&key_description(&HASH, &[purposes(&[2, 3]), origin(0)], &[])).is_ok());
        // lists without purpose and origin, as in the WebAuthn L3 android-key test vector
        assert!(check(&key_description(&HASH, &[], &[])).is_ok());
    }

    #[test]
    fn refuses_each_failed_check() {
        let tee = [purposes(&[2]), origin(0)];
        refused(&key_description(&[8; 32], &[], &tee), "attestationChallenge");
        refused(&key_description(&HASH, &[all_applications()], &tee), "allApplications");
        refused(&key_description(&HASH, &[], &[purposes(&[2]), all_applications(), origin(0)]), "allApplications");
        refused(&key_description(&HASH, &[], &[purposes(&[2]), origin(2)]), "KM_ORIGIN_GENERATED");
        refused(&key_description(&HASH, &[origin(1)], &tee), "KM_ORIGIN_GENERATED");
        refused(&key_description(&HASH, &[], &[purposes(&[3]), origin(0)]), "KM_PURPOSE_SIGN");
    }

    #[test]
    fn tolerates_later_fields_and_refuses_malformed_input() {
        let mut description = key_description(&HASH, &[], &[purposes(&[2])]);
        // a later KeyDescription version with one more field
        let mut longer = description[2..].to_vec();
        longer.extend(int(1));
        assert!(check(&tlv(&[0x30], &longer)).is_ok());
        for len in 0..description.len() {
            assert!(KeyDescription::parse(&description[..len]).is_err());
        }
        description.push(0);
        assert!(KeyDescription::parse(&description).is_err());
        // a universal-tagged field inside an authorization list
        assert!(check(&key_description(&HASH, &[int(1)], &[])).is_err());
    }

    #[test]
    fn parses_a_recorded_pixel_key_description() {
        let vector: serde_json::Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/vectors/attestation/android_key_pixel8a_py_webauthn.json"
        )))
        .expect("vector JSON");
        let object = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(vector["credential"]["response"]["attestationObject"].as_str().expect("text"))
            .expect("base64url");
        let object: Value = crate::webauthn::cbor::decode_exact(&object).expect("CBOR");
        let stmt = object.as_map().and_then(|m| m.iter().find(|(k, _)| k.as_text() == Some("attStmt"))).expect("attStmt");
        let (_, _, x5c) = read_statement(&stmt.1).expect("statement");
        let leaf = certificate::Certificate::from_der(x5c[0]).expect("leaf");
        let (_, extension) = leaf.extension(OID_ANDROID_KEY_DESCRIPTION).expect("extension");
        let description = KeyDescription::parse(extension).expect("parses");
        assert_eq!(description.tee_enforced.origin, Some(KM_ORIGIN_GENERATED));
        assert!(description.tee_enforced.purposes.contains(&KM_PURPOSE_SIGN));
        assert!(!description.software_enforced.all_applications && !description.tee_enforced.all_applications);
        assert_eq!(description.attestation_challenge.len(), 32);
    }
}
