//! X.509's names for keys and signatures: a [`PublicKey`] from a `SubjectPublicKeyInfo`, and the
//! [`SignatureScheme`] of a certificate's `signatureAlgorithm`. The one home of their OIDs, and
//! of the `AlgorithmIdentifier` and `SubjectPublicKeyInfo` structures (read with `asn1`).

use super::encoding::{rsa_components, rsa_key_acceptable};
use super::{HashAlg, KeyKind, PublicKey, SignatureScheme};
use crate::webauthn::asn1::{self, BitString, Oid, Reader, Tag, Tlv};
use crate::webauthn::error::{ErrorCode, VerifyError};
use crate::webauthn::limits::CERTIFICATE_RSA_BITS;

const OID_EC_PUBLIC_KEY: Oid = Oid::new("1.2.840.10045.2.1");
const OID_P256: Oid = Oid::new("1.2.840.10045.3.1.7");
const OID_P384: Oid = Oid::new("1.3.132.0.34");
const OID_RSA_ENCRYPTION: Oid = Oid::new("1.2.840.113549.1.1.1");
/// id-Ed25519: the key algorithm and the signature algorithm alike.
const OID_ED25519: Oid = Oid::new("1.3.101.112");

/// The signature algorithms of certificates, by OID.
const SIGNATURE_SCHEMES: [(Oid, SignatureScheme); 9] = [
    (Oid::new("1.2.840.10045.4.3.2"), SignatureScheme::Ecdsa(HashAlg::Sha256)),
    (Oid::new("1.2.840.10045.4.3.3"), SignatureScheme::Ecdsa(HashAlg::Sha384)),
    (Oid::new("1.2.840.10045.4.3.4"), SignatureScheme::Ecdsa(HashAlg::Sha512)),
    (Oid::new("1.2.840.10045.4.1"), SignatureScheme::Ecdsa(HashAlg::Sha1)),
    (Oid::new("1.2.840.113549.1.1.11"), SignatureScheme::RsaPkcs1(HashAlg::Sha256)),
    (Oid::new("1.2.840.113549.1.1.12"), SignatureScheme::RsaPkcs1(HashAlg::Sha384)),
    (Oid::new("1.2.840.113549.1.1.13"), SignatureScheme::RsaPkcs1(HashAlg::Sha512)),
    (Oid::new("1.2.840.113549.1.1.5"), SignatureScheme::RsaPkcs1(HashAlg::Sha1)),
    (OID_ED25519, SignatureScheme::Ed25519),
];

/// The scheme of an X.509 `signatureAlgorithm` (its OID's content octets), or None when
/// unsupported.
pub fn scheme_of_signature_oid(oid: &[u8]) -> Option<SignatureScheme> {
    SIGNATURE_SCHEMES.iter().find(|(known, _)| known.is(oid)).map(|&(_, scheme)| scheme)
}

/// `AlgorithmIdentifier ::= SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL }`:
/// the OID's content octets and the parameters.
pub fn algorithm_identifier<'a>(reader: &mut Reader<'a>) -> asn1::Result<(&'a [u8], Option<Tlv<'a>>)> {
    let mut sequence = reader.sequence()?;
    let oid = sequence.oid()?;
    let parameters = if sequence.is_empty() { None } else { Some(sequence.read_tlv()?) };
    sequence.finish()?;
    Ok((oid, parameters))
}

/// A `SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT
/// STRING }`, with its DER as received.
#[derive(Clone, Copy, Debug)]
pub struct Spki<'a> {
    der: &'a [u8],
    algorithm: &'a [u8],
    parameters: Option<Tlv<'a>>,
    key_bits: BitString<'a>,
}

impl<'a> Spki<'a> {
    /// Parse exactly one DER `SubjectPublicKeyInfo`.
    pub fn parse(der: &'a [u8]) -> asn1::Result<Spki<'a>> {
        let mut outer = Reader::new(der);
        let mut spki = outer.sequence()?;
        outer.finish()?;
        let (algorithm, parameters) = algorithm_identifier(&mut spki)?;
        let key_bits = spki.bit_string()?;
        spki.finish()?;
        Ok(Spki { der, algorithm, parameters, key_bits })
    }
}

/// The kind of key a `SubjectPublicKeyInfo` names (its algorithm and curve OIDs only; the key
/// bits are not read). None when unsupported.
pub fn kind_of(spki: &Spki<'_>) -> Option<KeyKind> {
    if OID_EC_PUBLIC_KEY.is(spki.algorithm) {
        let curve = spki.parameters.filter(|parameters| parameters.tag == Tag::OID)?.value;
        asn1::oid::check(curve).ok()?;
        return [(OID_P256, KeyKind::P256), (OID_P384, KeyKind::P384)].into_iter().find(|(oid, _)| oid.is(curve)).map(|(_, kind)| kind);
    }
    [(OID_ED25519, KeyKind::Ed25519), (OID_RSA_ENCRYPTION, KeyKind::Rsa)].into_iter().find(|(oid, _)| oid.is(spki.algorithm)).map(|(_, kind)| kind)
}

impl PublicKey {
    /// Reads a `SubjectPublicKeyInfo`: P-256, P-384, Ed25519 or RSA (1024 to 4096 bits).
    pub fn from_spki(spki: &Spki<'_>) -> Result<PublicKey, VerifyError> {
        let invalid = || VerifyError::new(ErrorCode::Certificate, "invalid certificate public key");
        let unsupported = || VerifyError::new(ErrorCode::Algorithm, "unsupported certificate public key");
        let key_bits = spki.key_bits.as_bytes().ok_or_else(invalid)?;
        let mut key = match kind_of(spki).ok_or_else(unsupported)? {
            kind @ (KeyKind::P256 | KeyKind::P384) => {
                let Some((&0x04, xy)) = key_bits.split_first() else { return Err(invalid()) };
                let size = kind.field_size().ok_or_else(invalid)?;
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
        key.spki_der = Some(spki.der.to_vec());
        Ok(key)
    }
}
