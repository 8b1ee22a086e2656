//! Signature checks, and who performs them.
//!
//! The core never takes a signature on trust: every signature it meets (attestation statements,
//! certificate chains, self attestation) becomes a [`SignatureCheck`] handed to a
//! [`SignatureVerifier`]. `rust_crypto::VerifyNow` (native builds, tests, the bench) checks at
//! once with the RustCrypto crates. [`Deferred`] records the checks; its owner must run them all
//! and refuse the registration unless every one passes: the Worker runs them through WebCrypto
//! (`edge::web_crypto`), which keeps RSA, P-384 and Ed25519 code out of the wasm.

use std::cell::RefCell;

use const_oid::ObjectIdentifier;
use der::{Decode, Encode};
use sha2::Digest;

use super::cose_key::CoseKey;
use super::error::{ErrorCode, VerifyError};

/// RSA modulus sizes accepted in certificates, in bits.
pub const CERTIFICATE_RSA_BITS: core::ops::RangeInclusive<usize> = 1024..=4096;

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");

/// A hash function used by a signature scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlg {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlg {
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlg::Sha1 => sha1::Sha1::digest(data).to_vec(),
            HashAlg::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashAlg::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashAlg::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    /// The digest's length in bytes.
    pub fn len(self) -> usize {
        match self {
            HashAlg::Sha1 => 20,
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
            HashAlg::Sha512 => 64,
        }
    }
}

/// A signature scheme: what a COSE algorithm or an X.509 signatureAlgorithm names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureScheme {
    /// ECDSA, signature DER-encoded (`Ecdsa-Sig-Value`); the curve is the key's.
    Ecdsa(HashAlg),
    /// RSASSA-PKCS1-v1_5.
    RsaPkcs1(HashAlg),
    /// RSASSA-PSS with MGF1 of the same hash and a salt as long as the hash.
    RsaPss(HashAlg),
    /// Ed25519 (pure EdDSA).
    Ed25519,
}

impl SignatureScheme {
    /// The scheme of a COSE algorithm identifier, or None when unsupported.
    pub fn from_cose_alg(alg: i64) -> Option<SignatureScheme> {
        use HashAlg::*;
        Some(match alg {
            -7 => SignatureScheme::Ecdsa(Sha256),
            -35 => SignatureScheme::Ecdsa(Sha384),
            -36 => SignatureScheme::Ecdsa(Sha512),
            -8 => SignatureScheme::Ed25519,
            -257 => SignatureScheme::RsaPkcs1(Sha256),
            -258 => SignatureScheme::RsaPkcs1(Sha384),
            -259 => SignatureScheme::RsaPkcs1(Sha512),
            -65535 => SignatureScheme::RsaPkcs1(Sha1),
            -37 => SignatureScheme::RsaPss(Sha256),
            -38 => SignatureScheme::RsaPss(Sha384),
            -39 => SignatureScheme::RsaPss(Sha512),
            _ => return None,
        })
    }

    /// The hash function the scheme signs with (None for Ed25519, which hashes internally).
    pub fn hash(self) -> Option<HashAlg> {
        match self {
            SignatureScheme::Ecdsa(hash) | SignatureScheme::RsaPkcs1(hash) | SignatureScheme::RsaPss(hash) => Some(hash),
            SignatureScheme::Ed25519 => None,
        }
    }
}

/// The kind of a certificate's public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    P256,
    P384,
    Ed25519,
    Rsa,
}

/// A certificate's public key, as far as can be known without doing curve arithmetic: its kind,
/// its DER `SubjectPublicKeyInfo`, and the key bits (SEC1 point, Ed25519 key or PKCS#1
/// `RSAPublicKey`). Whether an EC point lies on its curve is the verifier's to find out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpkiKey {
    pub kind: KeyKind,
    pub spki_der: Vec<u8>,
    pub key_bits: Vec<u8>,
}

impl SpkiKey {
    /// Reads a `SubjectPublicKeyInfo`: P-256, P-384, Ed25519 or RSA (1024 to 4096 bits).
    pub fn from_spki(spki: &spki::SubjectPublicKeyInfoOwned) -> Result<SpkiKey, VerifyError> {
        let invalid = || VerifyError::new(ErrorCode::Certificate, "invalid certificate public key");
        let unsupported = || VerifyError::new(ErrorCode::Algorithm, "unsupported certificate public key");
        let key_bits = spki.subject_public_key.as_bytes().ok_or_else(invalid)?.to_vec();
        let kind = match spki.algorithm.oid {
            OID_EC_PUBLIC_KEY => {
                let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
                let (kind, size) = match curve.ok_or_else(unsupported)? {
                    OID_P256 => (KeyKind::P256, 32),
                    OID_P384 => (KeyKind::P384, 48),
                    _ => return Err(unsupported()),
                };
                if key_bits.len() != 1 + 2 * size || key_bits.first() != Some(&0x04) {
                    return Err(invalid());
                }
                kind
            }
            OID_ED25519 => {
                if key_bits.len() != 32 {
                    return Err(invalid());
                }
                KeyKind::Ed25519
            }
            OID_RSA_ENCRYPTION => {
                let (n, e) = rsa_components(&key_bits).ok_or_else(invalid)?;
                if !rsa_key_acceptable(n, e, CERTIFICATE_RSA_BITS) {
                    return Err(invalid());
                }
                KeyKind::Rsa
            }
            _ => return Err(unsupported()),
        };
        let spki_der = spki.to_der().map_err(|_| invalid())?;
        Ok(SpkiKey { kind, spki_der, key_bits })
    }

    /// Whether `scheme` can be used with this kind of key.
    pub fn fits(&self, scheme: SignatureScheme) -> bool {
        matches!(
            (self.kind, scheme),
            (KeyKind::P256 | KeyKind::P384, SignatureScheme::Ecdsa(_))
                | (KeyKind::Ed25519, SignatureScheme::Ed25519)
                | (KeyKind::Rsa, SignatureScheme::RsaPkcs1(_) | SignatureScheme::RsaPss(_))
        )
    }
}

/// Who signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigningKey {
    /// A certificate's key (attestation statements, certificate chains).
    Certificate(SpkiKey),
    /// A credential key (self attestation), with its own COSE algorithm.
    Credential(CoseKey),
}

/// One signature to check: `signature` (WebAuthn/X.509 encoding: ECDSA DER) over `data`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureCheck {
    pub key: SigningKey,
    pub scheme: SignatureScheme,
    pub data: Vec<u8>,
    pub signature: Vec<u8>,
    /// The error to answer when the signature does not verify.
    pub failure: VerifyError,
}

impl SignatureCheck {
    /// A signature by a certificate's key; an `Algorithm` error when the scheme does not fit it.
    pub fn by_certificate(key: SpkiKey, scheme: SignatureScheme, data: &[u8], signature: &[u8]) -> Result<SignatureCheck, VerifyError> {
        if !key.fits(scheme) {
            return Err(VerifyError::new(ErrorCode::Algorithm, "signature algorithm does not fit the certificate's key"));
        }
        Ok(SignatureCheck {
            key: SigningKey::Certificate(key),
            scheme,
            data: data.to_vec(),
            signature: signature.to_vec(),
            failure: VerifyError::new(ErrorCode::Signature, "signature does not verify"),
        })
    }

    /// A signature by a credential key, with the key's algorithm.
    pub fn by_credential(key: &CoseKey, data: &[u8], signature: &[u8]) -> Result<SignatureCheck, VerifyError> {
        let scheme = SignatureScheme::from_cose_alg(key.alg)
            .ok_or_else(|| VerifyError::new(ErrorCode::Algorithm, format!("unsupported algorithm {}", key.alg)))?;
        Ok(SignatureCheck {
            key: SigningKey::Credential(key.clone()),
            scheme,
            data: data.to_vec(),
            signature: signature.to_vec(),
            failure: VerifyError::new(ErrorCode::Signature, "signature does not verify"),
        })
    }

    /// The same check answering `failure` when it fails.
    pub fn failing_with(mut self, failure: VerifyError) -> SignatureCheck {
        self.failure = failure;
        self
    }
}

/// Performs (or takes charge of) the core's signature checks.
pub trait SignatureVerifier {
    /// `check` must pass.
    fn check(&self, check: SignatureCheck) -> Result<(), VerifyError>;
    /// One of `checks` must pass (several trust anchors may carry the issuer's name), else `failure`.
    fn check_any(&self, checks: Vec<SignatureCheck>, failure: VerifyError) -> Result<(), VerifyError>;
    /// A new credential key must be one the verifier can use (its point on its curve, ...).
    fn check_key(&self, key: &CoseKey) -> Result<(), VerifyError>;
}

/// A check recorded by [`Deferred`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pending {
    One(SignatureCheck),
    /// Passes when any of the checks passes; else answers the error.
    Any(Vec<SignatureCheck>, VerifyError),
    /// The credential key must be importable.
    Key(CoseKey),
}

/// Records every check for its owner to run: a verification done with it is only a verification
/// once every [`Pending`] of [`Deferred::into_pending`] has passed.
#[derive(Default)]
pub struct Deferred {
    pending: RefCell<Vec<Pending>>,
}

impl Deferred {
    pub fn new() -> Deferred {
        Deferred::default()
    }

    /// The checks to run, in the order they were met.
    #[must_use = "deferred signature checks must be run"]
    pub fn into_pending(self) -> Vec<Pending> {
        self.pending.into_inner()
    }
}

impl SignatureVerifier for Deferred {
    fn check(&self, check: SignatureCheck) -> Result<(), VerifyError> {
        self.pending.borrow_mut().push(Pending::One(check));
        Ok(())
    }

    fn check_any(&self, checks: Vec<SignatureCheck>, failure: VerifyError) -> Result<(), VerifyError> {
        if checks.is_empty() {
            return Err(failure);
        }
        self.pending.borrow_mut().push(Pending::Any(checks, failure));
        Ok(())
    }

    fn check_key(&self, key: &CoseKey) -> Result<(), VerifyError> {
        self.pending.borrow_mut().push(Pending::Key(key.clone()));
        Ok(())
    }
}

#[derive(der::Sequence)]
struct EcdsaSigValue<'a> {
    r: der::asn1::UintRef<'a>,
    s: der::asn1::UintRef<'a>,
}

/// DER `Ecdsa-Sig-Value` from the two big-endian integers of a raw ECDSA signature
/// (as JWS ES256 and TPM signatures carry them).
pub fn ecdsa_signature_der(r: &[u8], s: &[u8]) -> Result<Vec<u8>, VerifyError> {
    let bad = |_| VerifyError::new(ErrorCode::Signature, "malformed ECDSA signature");
    let value = EcdsaSigValue { r: der::asn1::UintRef::new(r).map_err(bad)?, s: der::asn1::UintRef::new(s).map_err(bad)? };
    value.to_der().map_err(bad)
}

/// `r || s`, each left-padded to `size` bytes, from a DER `Ecdsa-Sig-Value` (strict DER, no
/// trailing bytes, neither integer zero nor longer than `size`).
pub fn ecdsa_signature_raw(der_sig: &[u8], size: usize) -> Result<Vec<u8>, VerifyError> {
    let bad = || VerifyError::new(ErrorCode::Signature, "signature does not verify");
    let value = EcdsaSigValue::from_der(der_sig).map_err(|_| bad())?;
    let mut raw = vec![0u8; 2 * size];
    for (int, half) in [value.r, value.s].iter().zip(raw.chunks_mut(size)) {
        let bytes = int.as_bytes();
        if bytes.is_empty() || bytes.iter().all(|&b| b == 0) || bytes.len() > size {
            return Err(bad());
        }
        half[size - bytes.len()..].copy_from_slice(bytes);
    }
    Ok(raw)
}

/// Modulus and exponent of a PKCS#1 `RSAPublicKey`, big-endian, leading zero stripped.
pub fn rsa_components(pkcs1_der: &[u8]) -> Option<(&[u8], &[u8])> {
    #[derive(der::Sequence)]
    struct RsaPublicKey<'a> {
        modulus: der::asn1::UintRef<'a>,
        public_exponent: der::asn1::UintRef<'a>,
    }
    let key = RsaPublicKey::from_der(pkcs1_der).ok()?;
    Some((key.modulus.as_bytes(), key.public_exponent.as_bytes()))
}

/// An RSA public key we accept: modulus odd and of `bits` size, exponent odd, at least 3 and
/// at most 2^33 - 1 (what the `rsa` crate accepts too).
pub fn rsa_key_acceptable(n: &[u8], e: &[u8], bits: core::ops::RangeInclusive<usize>) -> bool {
    let n = strip_leading_zeros(n);
    let e = strip_leading_zeros(e);
    let n_bits = n.first().map_or(0, |top| (n.len() - 1) * 8 + (8 - top.leading_zeros() as usize));
    let e_value = if e.len() > 8 { u64::MAX } else { e.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)) };
    bits.contains(&n_bits)
        && n.last().is_some_and(|b| b & 1 == 1)
        && e_value >= 3
        && e_value < (1 << 33)
        && e_value & 1 == 1
}

pub fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecdsa_der_and_raw_round_trip() {
        let der_sig = ecdsa_signature_der(&[0x80; 32], &[0x01]).unwrap();
        let raw = ecdsa_signature_raw(&der_sig, 32).unwrap();
        assert_eq!(&raw[..32], &[0x80; 32]);
        assert_eq!(raw[32..63], [0u8; 31]);
        assert_eq!(raw[63], 1);
        assert!(ecdsa_signature_raw(&der_sig, 16).is_err(), "r longer than the curve");
        let mut trailing = der_sig.clone();
        trailing.push(0);
        assert!(ecdsa_signature_raw(&trailing, 32).is_err());
        assert!(ecdsa_signature_raw(&[0x30, 0x02, 0x01], 32).is_err());
        let zero = ecdsa_signature_der(&[0], &[1]).unwrap();
        assert!(ecdsa_signature_raw(&zero, 32).is_err());
    }

    #[test]
    fn rsa_key_limits() {
        let n = [vec![0x00, 0xC5], vec![0xAB; 254], vec![0x01]].concat(); // 2048 bits, odd
        assert!(rsa_key_acceptable(&n, &[1, 0, 1], 1024..=4096));
        assert!(!rsa_key_acceptable(&n, &[1, 0, 1], 3072..=4096), "too short");
        let even = [&n[..n.len() - 1], &[0x02]].concat();
        assert!(!rsa_key_acceptable(&even, &[1, 0, 1], 1024..=4096), "even modulus");
        assert!(!rsa_key_acceptable(&n, &[1], 1024..=4096), "e = 1");
        assert!(!rsa_key_acceptable(&n, &[1, 0, 0], 1024..=4096), "even e");
        assert!(!rsa_key_acceptable(&n, &[2, 0, 0, 0, 1], 1024..=4096), "e >= 2^33");
    }

    #[test]
    fn deferred_records_and_refuses_an_empty_choice() {
        let deferred = Deferred::new();
        let failure = VerifyError::new(ErrorCode::UntrustedAttestation, "none");
        assert!(deferred.check_any(Vec::new(), failure.clone()).is_err());
        assert!(deferred.into_pending().is_empty());
    }
}
