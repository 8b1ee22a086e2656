//! How WebCrypto (`crypto.subtle`) checks a signature: the key to import, the algorithms to name,
//! and the signature in WebCrypto's encoding. Pure data: the Worker makes the calls (measured
//! there at 3-10x faster than the same check in wasm, and without RSA, P-384 or Ed25519 code in
//! the wasm), and this mapping is tested natively like the rest of the core. It covers every
//! check the core makes (`signature::SignatureCheck`): credential keys by their COSE algorithm,
//! certificate keys (imported as SPKI) by the scheme of the statement or certificate.

use super::base64url;
use super::error::{ErrorCode, VerifyError};
use super::keys::encoding::{ecdsa_signature_raw, strip_leading_zeros};
use super::keys::{CoseKey, HashAlg, KeyKind, PublicKey, SignatureScheme};
use super::signature::SignatureCheck;

/// The key as `crypto.subtle.importKey` takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyData {
    /// format "raw": an uncompressed SEC1 point, or an Ed25519 public key.
    Raw(Vec<u8>),
    /// format "jwk": an RSA public key (base64url n and e, minimal octets).
    RsaJwk { n: String, e: String },
    /// format "spki": a DER SubjectPublicKeyInfo (certificate keys).
    Spki(Vec<u8>),
}

/// An algorithm dictionary: `{name, namedCurve?, hash?, saltLength?}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Algorithm {
    pub name: &'static str,
    pub named_curve: Option<&'static str>,
    pub hash: Option<&'static str>,
    pub salt_length: Option<u32>,
}

/// A key to import: its data and the algorithm to import it for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubtleKey {
    pub data: KeyData,
    pub import: Algorithm,
}

/// One `importKey` + `verify`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubtleVerify {
    pub key: KeyData,
    pub import: Algorithm,
    pub verify: Algorithm,
    /// The signature as WebCrypto wants it (ECDSA: `r || s`, not DER).
    pub signature: Vec<u8>,
}

const fn named(name: &'static str) -> Algorithm {
    Algorithm { name, named_curve: None, hash: None, salt_length: None }
}

fn hash_name(hash: HashAlg) -> &'static str {
    match hash {
        HashAlg::Sha1 => "SHA-1",
        HashAlg::Sha256 => "SHA-256",
        HashAlg::Sha384 => "SHA-384",
        HashAlg::Sha512 => "SHA-512",
    }
}

/// The import and verify algorithms of a key of `kind` used with `scheme`: the one match on
/// (key kind, scheme). None when they do not fit.
fn algorithms(kind: KeyKind, scheme: SignatureScheme) -> Option<(Algorithm, Algorithm)> {
    Some(match (kind, scheme) {
        (KeyKind::P256, SignatureScheme::Ecdsa(hash)) => {
            (Algorithm { named_curve: Some("P-256"), ..named("ECDSA") }, Algorithm { hash: Some(hash_name(hash)), ..named("ECDSA") })
        }
        (KeyKind::P384, SignatureScheme::Ecdsa(hash)) => {
            (Algorithm { named_curve: Some("P-384"), ..named("ECDSA") }, Algorithm { hash: Some(hash_name(hash)), ..named("ECDSA") })
        }
        (KeyKind::Ed25519, SignatureScheme::Ed25519) => (named("Ed25519"), named("Ed25519")),
        (KeyKind::Rsa, SignatureScheme::RsaPkcs1(hash)) => {
            (Algorithm { hash: Some(hash_name(hash)), ..named("RSASSA-PKCS1-v1_5") }, named("RSASSA-PKCS1-v1_5"))
        }
        (KeyKind::Rsa, SignatureScheme::RsaPss(hash)) => {
            let salt = u32::try_from(hash.len()).unwrap_or(u32::MAX);
            (Algorithm { hash: Some(hash_name(hash)), ..named("RSA-PSS") }, Algorithm { salt_length: Some(salt), ..named("RSA-PSS") })
        }
        _ => return None,
    })
}

/// The key's data: a certificate's SPKI as read; a credential's raw point or key, or RSA JWK.
fn key_data(key: &PublicKey) -> KeyData {
    if let Some(spki) = key.spki_der() {
        return KeyData::Spki(spki.to_vec());
    }
    match key.rsa_parts() {
        Some((n, e)) => KeyData::RsaJwk { n: base64url::encode(strip_leading_zeros(n)), e: base64url::encode(strip_leading_zeros(e)) },
        None => KeyData::Raw(key.ec_point().or(key.ed25519_key()).unwrap_or_default().to_vec()),
    }
}

/// The import of a credential key for its COSE algorithm (None: WebCrypto has no algorithm).
pub fn credential_key(key: &CoseKey) -> Option<SubtleKey> {
    let (import, _) = algorithms(key.public_key().kind(), key.alg().scheme())?;
    Some(SubtleKey { data: key_data(key.public_key()), import })
}

/// The WebCrypto form of any check the core makes. A check WebCrypto cannot make, or whose
/// signature cannot even be decoded, is an error (the caller answers the check's failure).
pub fn subtle_check(check: &SignatureCheck) -> Result<SubtleVerify, VerifyError> {
    let kind = check.key.kind();
    let (import, verify) =
        algorithms(kind, check.scheme).ok_or_else(|| VerifyError::new(ErrorCode::Algorithm, "WebCrypto has no algorithm for this key"))?;
    let signature = match kind.field_size() {
        Some(size) => ecdsa_signature_raw(&check.signature, size)?,
        None => check.signature.clone(),
    };
    Ok(SubtleVerify { key: key_data(&check.key), import, verify, signature })
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::{signature::Signer, SigningKey};

    fn cose_ec2(alg: i64, crv: i64, x: &[u8], y: &[u8]) -> CoseKey {
        use ciborium::Value;
        let map = Value::Map(vec![
            (Value::from(1), Value::from(2)),
            (Value::from(3), Value::from(alg)),
            (Value::from(-1), Value::from(crv)),
            (Value::from(-2), Value::Bytes(x.to_vec())),
            (Value::from(-3), Value::Bytes(y.to_vec())),
        ]);
        let mut bytes = Vec::new();
        ciborium::into_writer(&map, &mut bytes).unwrap();
        CoseKey::from_cbor_exact(&bytes).unwrap()
    }

    #[test]
    fn es256_signature_becomes_r_and_s() {
        let signing = SigningKey::from_slice(&[7; 32]).unwrap();
        let point = signing.verifying_key().to_sec1_point(false);
        let key = cose_ec2(-7, 1, point.x().unwrap(), point.y().unwrap());
        let sig: p256::ecdsa::Signature = signing.sign(b"data");
        let check = subtle_check(&SignatureCheck::by_credential(&key, b"data", sig.to_der().as_bytes())).unwrap();
        assert_eq!(check.signature, sig.to_bytes().to_vec());
        assert_eq!(check.key, KeyData::Raw(point.as_bytes().to_vec()));
        assert_eq!((check.import.name, check.import.named_curve), ("ECDSA", Some("P-256")));
        assert_eq!((check.verify.name, check.verify.hash), ("ECDSA", Some("SHA-256")));
    }

    #[test]
    fn an_undecodable_ecdsa_signature_fails_here() {
        let signing = SigningKey::from_slice(&[7; 32]).unwrap();
        let point = signing.verifying_key().to_sec1_point(false);
        let key = cose_ec2(-7, 1, point.x().unwrap(), point.y().unwrap());
        let err = subtle_check(&SignatureCheck::by_credential(&key, b"data", &[0x30, 0x02, 0x01])).unwrap_err();
        assert_eq!(err.code, ErrorCode::Signature);
    }

    #[test]
    fn rsa_jwk_has_minimal_octets() {
        use ciborium::Value;
        // An odd 2048-bit modulus behind a leading zero octet (the key check wants no more).
        let mut n = vec![0u8];
        n.extend([0xC5; 256]);
        let map = Value::Map(vec![
            (Value::from(1), Value::from(3)),
            (Value::from(3), Value::from(-257)),
            (Value::from(-1), Value::Bytes(n)),
            (Value::from(-2), Value::Bytes(vec![0x00, 0x01, 0x00, 0x01])),
        ]);
        let mut bytes = Vec::new();
        ciborium::into_writer(&map, &mut bytes).unwrap();
        let key = CoseKey::from_cbor_exact(&bytes).unwrap();
        let check = subtle_check(&SignatureCheck::by_credential(&key, b"data", &[1; 256])).unwrap();
        assert_eq!(check.key, KeyData::RsaJwk { n: base64url::encode(&[0xC5; 256]), e: "AQAB".into() });
        assert_eq!((check.import.name, check.import.hash), ("RSASSA-PKCS1-v1_5", Some("SHA-256")));
        assert_eq!(check.signature, vec![1; 256]);
    }

    macro_rules! cert {
        ($name:literal) => {
            crate::webauthn::Certificate::from_der(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/certs/", $name))).unwrap()
        };
    }

    #[test]
    fn certificate_keys_are_imported_as_spki_for_their_scheme() {
        let ec = cert!("ec_leaf.der");
        let der_sig = crate::webauthn::keys::encoding::ecdsa_signature_der(&[3; 32], &[4; 32]).unwrap();
        let check = SignatureCheck::by_certificate(ec.public_key().unwrap(), SignatureScheme::Ecdsa(HashAlg::Sha1), b"d", &der_sig).unwrap();
        let subtle = subtle_check(&check).unwrap();
        let theirs = <x509_cert::Certificate as der::Decode>::from_der(ec.der()).unwrap();
        let spki = theirs.tbs_certificate().subject_public_key_info();
        assert_eq!(subtle.key, KeyData::Spki(der::Encode::to_der(spki).unwrap()));
        assert_eq!(subtle.import.name, "ECDSA");
        assert!(subtle.import.named_curve.is_some());
        assert_eq!(subtle.verify.hash, Some("SHA-1"));
        assert_eq!(subtle.signature, [[3; 32], [4; 32]].concat());

        let rsa = cert!("rsa_leaf.der");
        let pss = SignatureCheck::by_certificate(rsa.public_key().unwrap(), SignatureScheme::RsaPss(HashAlg::Sha384), b"d", &[9; 256]).unwrap();
        let subtle = subtle_check(&pss).unwrap();
        assert_eq!((subtle.import.name, subtle.import.hash), ("RSA-PSS", Some("SHA-384")));
        assert_eq!((subtle.verify.name, subtle.verify.salt_length), ("RSA-PSS", Some(48)));
        assert_eq!(subtle.signature, vec![9; 256]);

        let ed = cert!("ed_leaf.der");
        let check = SignatureCheck::by_certificate(ed.public_key().unwrap(), SignatureScheme::Ed25519, b"d", &[1; 64]).unwrap();
        assert_eq!(subtle_check(&check).unwrap().import.name, "Ed25519");
        // A scheme that does not fit the key never becomes a check.
        assert!(SignatureCheck::by_certificate(ed.public_key().unwrap(), SignatureScheme::Ecdsa(HashAlg::Sha256), b"d", &[1; 64]).is_err());
    }
}
