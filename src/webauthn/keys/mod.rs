//! The key vocabulary of the core: COSE algorithms, signature schemes and hashes, key kinds, and
//! the one [`PublicKey`] value every signature check uses, read once from a credential's COSE_Key
//! ([`cose`]) or a certificate's SubjectPublicKeyInfo ([`spki`]).
//!
//! Imports only the leaves below it (`encoding`, `error`, `limits`, `cbor`); the signature checks
//! and both crypto backends build on it.

pub mod cose;
pub mod encoding;
pub mod spki;

use sha2::Digest;

pub use cose::CoseKey;

/// A COSE algorithm identifier (IANA "COSE Algorithms") the core knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(i64)]
pub enum CoseAlgorithm {
    Es256 = -7,
    Es384 = -35,
    Es512 = -36,
    EdDsa = -8,
    Rs256 = -257,
    Rs384 = -258,
    Rs512 = -259,
    Rs1 = -65535,
    Ps256 = -37,
    Ps384 = -38,
    Ps512 = -39,
}

impl CoseAlgorithm {
    /// Every algorithm a credential key may have (attestation statements also use ES512, PS384
    /// and PS512).
    pub const CREDENTIAL: [CoseAlgorithm; 8] = [
        CoseAlgorithm::EdDsa,
        CoseAlgorithm::Es256,
        CoseAlgorithm::Es384,
        CoseAlgorithm::Rs256,
        CoseAlgorithm::Rs384,
        CoseAlgorithm::Rs512,
        CoseAlgorithm::Ps256,
        CoseAlgorithm::Rs1,
    ];

    /// The algorithm of a COSE identifier, or None when unsupported.
    pub fn from_id(id: i64) -> Option<CoseAlgorithm> {
        use CoseAlgorithm::*;
        [Es256, Es384, Es512, EdDsa, Rs256, Rs384, Rs512, Rs1, Ps256, Ps384, Ps512].into_iter().find(|alg| alg.id() == id)
    }

    /// The COSE identifier.
    pub const fn id(self) -> i64 {
        self as i64
    }

    /// The signature scheme the algorithm names.
    pub fn scheme(self) -> SignatureScheme {
        use HashAlg::*;
        match self {
            CoseAlgorithm::Es256 => SignatureScheme::Ecdsa(Sha256),
            CoseAlgorithm::Es384 => SignatureScheme::Ecdsa(Sha384),
            CoseAlgorithm::Es512 => SignatureScheme::Ecdsa(Sha512),
            CoseAlgorithm::EdDsa => SignatureScheme::Ed25519,
            CoseAlgorithm::Rs256 => SignatureScheme::RsaPkcs1(Sha256),
            CoseAlgorithm::Rs384 => SignatureScheme::RsaPkcs1(Sha384),
            CoseAlgorithm::Rs512 => SignatureScheme::RsaPkcs1(Sha512),
            CoseAlgorithm::Rs1 => SignatureScheme::RsaPkcs1(Sha1),
            CoseAlgorithm::Ps256 => SignatureScheme::RsaPss(Sha256),
            CoseAlgorithm::Ps384 => SignatureScheme::RsaPss(Sha384),
            CoseAlgorithm::Ps512 => SignatureScheme::RsaPss(Sha512),
        }
    }

    /// The kind of key a credential with this algorithm has (None: not a credential algorithm).
    pub fn credential_key_kind(self) -> Option<KeyKind> {
        match self {
            CoseAlgorithm::Es256 => Some(KeyKind::P256),
            CoseAlgorithm::Es384 => Some(KeyKind::P384),
            CoseAlgorithm::EdDsa => Some(KeyKind::Ed25519),
            CoseAlgorithm::Rs256 | CoseAlgorithm::Rs384 | CoseAlgorithm::Rs512 | CoseAlgorithm::Ps256 | CoseAlgorithm::Rs1 => Some(KeyKind::Rsa),
            CoseAlgorithm::Es512 | CoseAlgorithm::Ps384 | CoseAlgorithm::Ps512 => None,
        }
    }
}

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
    #[allow(clippy::len_without_is_empty)] // a digest length, never empty
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
    /// The hash function the scheme signs with (None for Ed25519, which hashes internally).
    pub fn hash(self) -> Option<HashAlg> {
        match self {
            SignatureScheme::Ecdsa(hash) | SignatureScheme::RsaPkcs1(hash) | SignatureScheme::RsaPss(hash) => Some(hash),
            SignatureScheme::Ed25519 => None,
        }
    }
}

/// The kind of a public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    P256,
    P384,
    Ed25519,
    Rsa,
}

impl KeyKind {
    /// The size of a coordinate (and of a scalar) of an EC curve, in bytes.
    pub fn field_size(self) -> Option<usize> {
        match self {
            KeyKind::P256 => Some(32),
            KeyKind::P384 => Some(48),
            KeyKind::Ed25519 | KeyKind::Rsa => None,
        }
    }

    /// Whether `scheme` can be used with this kind of key.
    pub fn fits(self, scheme: SignatureScheme) -> bool {
        matches!(
            (self, scheme),
            (KeyKind::P256 | KeyKind::P384, SignatureScheme::Ecdsa(_))
                | (KeyKind::Ed25519, SignatureScheme::Ed25519)
                | (KeyKind::Rsa, SignatureScheme::RsaPkcs1(_) | SignatureScheme::RsaPss(_))
        )
    }
}

/// A public key, as far as can be known without curve arithmetic: its kind and key bytes (EC: the
/// uncompressed SEC1 point; Ed25519: the 32-byte key; RSA: modulus and exponent, big-endian, as
/// received), and, when read from a certificate, its DER `SubjectPublicKeyInfo`. Whether an EC
/// point lies on its curve is the verifier's to find out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    kind: KeyKind,
    /// The SEC1 point, the Ed25519 key or the RSA modulus.
    key: Vec<u8>,
    /// The RSA public exponent (empty for other kinds).
    exponent: Vec<u8>,
    spki_der: Option<Vec<u8>>,
}

impl PublicKey {
    /// An EC key of `kind` (P-256 or P-384) from its coordinates, when they have the curve's size.
    pub fn ec(kind: KeyKind, x: &[u8], y: &[u8]) -> Option<PublicKey> {
        let point = encoding::sec1_point(x, y, kind.field_size()?)?;
        Some(PublicKey { kind, key: point, exponent: Vec::new(), spki_der: None })
    }

    /// An Ed25519 key, when it has 32 bytes.
    pub fn ed25519(key: &[u8]) -> Option<PublicKey> {
        (key.len() == 32).then(|| PublicKey { kind: KeyKind::Ed25519, key: key.to_vec(), exponent: Vec::new(), spki_der: None })
    }

    /// An RSA key from modulus and exponent (the caller checks their sizes).
    pub fn rsa(n: &[u8], e: &[u8]) -> PublicKey {
        PublicKey { kind: KeyKind::Rsa, key: n.to_vec(), exponent: e.to_vec(), spki_der: None }
    }

    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The uncompressed SEC1 point of an EC key.
    pub fn ec_point(&self) -> Option<&[u8]> {
        self.kind.field_size().map(|_| self.key.as_slice())
    }

    /// The x and y coordinates of an EC key.
    pub fn ec_coordinates(&self) -> Option<(&[u8], &[u8])> {
        let size = self.kind.field_size()?;
        let xy = self.key.get(1..)?;
        (xy.len() == 2 * size).then(|| xy.split_at(size))
    }

    /// The 32 bytes of an Ed25519 key.
    pub fn ed25519_key(&self) -> Option<&[u8]> {
        (self.kind == KeyKind::Ed25519).then_some(self.key.as_slice())
    }

    /// The modulus and public exponent of an RSA key, big-endian.
    pub fn rsa_parts(&self) -> Option<(&[u8], &[u8])> {
        (self.kind == KeyKind::Rsa).then_some((self.key.as_slice(), self.exponent.as_slice()))
    }

    /// The DER `SubjectPublicKeyInfo` of a key read from a certificate.
    pub fn spki_der(&self) -> Option<&[u8]> {
        self.spki_der.as_deref()
    }

    /// Whether `other` is the same key (RSA integers compared without leading zeros).
    pub fn same_key(&self, other: &PublicKey) -> bool {
        use encoding::strip_leading_zeros as minimal;
        self.kind == other.kind
            && match self.kind {
                KeyKind::Rsa => minimal(&self.key) == minimal(&other.key) && minimal(&self.exponent) == minimal(&other.exponent),
                _ => self.key == other.key,
            }
    }
}
