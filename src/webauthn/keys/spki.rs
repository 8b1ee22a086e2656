//! X.509's names for keys and signatures: a [`PublicKey`] from a `SubjectPublicKeyInfo`, and the
//! [`SignatureScheme`] of a certificate's `signatureAlgorithm`. The one home of their OIDs.

use const_oid::ObjectIdentifier;
use der::Encode;

use super::encoding::{rsa_components, rsa_key_acceptable};
use super::{HashAlg, KeyKind, PublicKey, SignatureScheme};
use crate::webauthn::error::{ErrorCode, VerifyError};
use crate::webauthn::limits::CERTIFICATE_RSA_BITS;

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// id-Ed25519: the key algorithm and the signature algorithm alike.
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

const OID_ECDSA_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.1");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_ECDSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
const OID_ECDSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.4");
const OID_RSA_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.5");
const OID_RSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const OID_RSA_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.12");
const OID_RSA_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.13");

/// The scheme of an X.509 `signatureAlgorithm`, or None when unsupported.
pub fn scheme_of_signature_oid(oid: &ObjectIdentifier) -> Option<SignatureScheme> {
    use HashAlg::*;
    Some(match *oid {
        OID_ECDSA_SHA256 => SignatureScheme::Ecdsa(Sha256),
        OID_ECDSA_SHA384 => SignatureScheme::Ecdsa(Sha384),
        OID_ECDSA_SHA512 => SignatureScheme::Ecdsa(Sha512),
        OID_ECDSA_SHA1 => SignatureScheme::Ecdsa(Sha1),
        OID_RSA_SHA256 => SignatureScheme::RsaPkcs1(Sha256),
        OID_RSA_SHA384 => SignatureScheme::RsaPkcs1(Sha384),
        OID_RSA_SHA512 => SignatureScheme::RsaPkcs1(Sha512),
        OID_RSA_SHA1 => SignatureScheme::RsaPkcs1(Sha1),
        OID_ED25519 => SignatureScheme::Ed25519,
        _ => return None,
    })
}

/// The kind of key a `SubjectPublicKeyInfo` names (its algorithm and curve OIDs only; the key
/// bits are not read). None when unsupported.
pub fn kind_of(spki: &spki::SubjectPublicKeyInfoOwned) -> Option<KeyKind> {
    match spki.algorithm.oid {
        OID_EC_PUBLIC_KEY => match spki.algorithm.parameters.as_ref()?.decode_as::<ObjectIdentifier>().ok()? {
            OID_P256 => Some(KeyKind::P256),
            OID_P384 => Some(KeyKind::P384),
            _ => None,
        },
        OID_ED25519 => Some(KeyKind::Ed25519),
        OID_RSA_ENCRYPTION => Some(KeyKind::Rsa),
        _ => None,
    }
}

impl PublicKey {
    /// Reads a `SubjectPublicKeyInfo`: P-256, P-384, Ed25519 or RSA (1024 to 4096 bits).
    pub fn from_spki(spki: &spki::SubjectPublicKeyInfoOwned) -> Result<PublicKey, VerifyError> {
        let invalid = || VerifyError::new(ErrorCode::Certificate, "invalid certificate public key");
        let unsupported = || VerifyError::new(ErrorCode::Algorithm, "unsupported certificate public key");
        let key_bits = spki.subject_public_key.as_bytes().ok_or_else(invalid)?;
        let mut key = match kind_of(spki).ok_or_else(unsupported)? {
            kind @ (KeyKind::P256 | KeyKind::P384) => {
                if key_bits.first() != Some(&0x04) {
                    return Err(invalid());
                }
                let size = kind.field_size().ok_or_else(invalid)?;
                let xy = &key_bits[1..];
                if xy.len() != 2 * size {
                    return Err(invalid());
                }
                let (x, y) = xy.split_at(size);
                PublicKey::ec(kind, x, y).ok_or_else(invalid)?
            }
            KeyKind::Ed25519 => PublicKey::ed25519(key_bits).ok_or_else(invalid)?,
            KeyKind::Rsa => {
                let (n, e) = rsa_components(key_bits).ok_or_else(invalid)?;
                if !rsa_key_acceptable(n, e, CERTIFICATE_RSA_BITS) {
                    return Err(invalid());
                }
                PublicKey::rsa(n, e)
            }
        };
        key.spki_der = Some(spki.to_der().map_err(|_| invalid())?);
        Ok(key)
    }
}
