//! `android-key` attestation (WebAuthn L3 §8.4): the credential key is an Android Keystore
//! key; its certificate `x5c[0]` carries the Android key description extension, and the
//! credential key itself signs authenticatorData || clientDataHash.

use crate::webauthn::cbor::Value;

use super::{attestation_error, signed_data, AttestationInput, AttestationOutcome, AttestationType, Statement};
use crate::webauthn::asn1::{self, Reader, Tag};
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
    fn parse(der_bytes: &'a [u8]) -> asn1::Result<KeyDescription<'a>> {
        let mut outer = Reader::new(der_bytes);
        let mut r = outer.sequence()?;
        outer.finish()?;
        // attestationVersion, attestationSecurityLevel, keymasterVersion, keymasterSecurityLevel
        for _ in 0..4 {
            r.read_tlv()?;
        }
        let attestation_challenge = r.octet_string()?;
        let _unique_id = r.octet_string()?;
        let software_enforced = AuthorizationList::parse(&mut r)?;
        let tee_enforced = AuthorizationList::parse(&mut r)?;
        // Later KeyDescription versions may append fields.
        r.skip_rest();
        Ok(KeyDescription { attestation_challenge, software_enforced, tee_enforced })
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
    /// Reads the next value of `description`, an AuthorizationList SEQUENCE.
    fn parse(description: &mut Reader<'_>) -> asn1::Result<AuthorizationList> {
        let mut parsed = AuthorizationList::default();
        let mut reader = description.sequence()?;
        let mut count = 0;
        while !reader.is_empty() {
            count += 1;
            if count > MAX_LIST_ITEMS {
                return Err(asn1::Error::new("too many AuthorizationList fields"));
            }
            let field = reader.read_tlv()?;
            if !field.tag.is_context_specific() {
                return Err(asn1::Error::new("AuthorizationList field is not context-specific"));
            }
            match field.tag.number() {
                TAG_PURPOSE => parsed.purposes = parse_integer_set(field.value)?,
                TAG_ALL_APPLICATIONS => parsed.all_applications = true,
                TAG_ORIGIN => parsed.origin = Some(asn1::values::u64(asn1::single(field.value, Tag::INTEGER)?)?),
                _ => {}
            }
        }
        Ok(parsed)
    }
}

/// A DER `SET OF INTEGER` (non-negative), bounded.
fn parse_integer_set(der_bytes: &[u8]) -> asn1::Result<Vec<u64>> {
    let mut reader = Reader::new(asn1::single(der_bytes, Tag::SET)?);
    let mut values = Vec::new();
    while !reader.is_empty() {
        if values.len() == MAX_LIST_ITEMS {
            return Err(asn1::Error::new("too many purposes"));
        }
        values.push(reader.u64()?);
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
