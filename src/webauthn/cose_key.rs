//! COSE_Key (RFC 9052/9053) credential public keys: EC2 P-256/P-384, OKP Ed25519 and RSA,
//! and signature verification with them in WebAuthn's encoding (ECDSA signatures DER).

use ciborium::Value;
use p256::ecdsa::signature::Verifier;
use sha2::Digest;

use super::cbor;
use super::error::{ErrorCode, VerifyError};
use super::limits::{MAX_COSE_KEY, RSA_KEY_BITS};

/// COSE algorithm identifiers this module verifies.
pub mod alg {
    pub const ES256: i64 = -7;
    pub const ES384: i64 = -35;
    pub const EDDSA: i64 = -8;
    pub const RS256: i64 = -257;
    pub const RS384: i64 = -258;
    pub const RS512: i64 = -259;
    pub const PS256: i64 = -37;
    pub const RS1: i64 = -65535;
}

const KTY_OKP: i64 = 1;
const KTY_EC2: i64 = 2;
const KTY_RSA: i64 = 3;
/// COSE curves (RFC 9053 §7.1).
pub const CRV_P256: i64 = 1;
pub const CRV_P384: i64 = 2;
pub const CRV_ED25519: i64 = 6;

/// A credential public key: its COSE algorithm and key material.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoseKey {
    pub alg: i64,
    material: Material,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Material {
    Ec2 { crv: i64, x: Vec<u8>, y: Vec<u8> },
    Okp { crv: i64, x: Vec<u8> },
    Rsa { n: Vec<u8>, e: Vec<u8> },
}

/// A key ready to verify signatures.
enum VerifyingKey {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
    Rsa(rsa::PublicKey),
}

impl CoseKey {
    /// Parse the COSE_Key at the start of `bytes`; returns it and the bytes it took. The key
    /// must be complete and valid for its algorithm (points on the curve, RSA sizes in range).
    pub fn from_cbor(bytes: &[u8]) -> Result<(CoseKey, usize), VerifyError> {
        let (value, len) = cbor::decode_prefix(bytes)?;
        if len > MAX_COSE_KEY {
            return Err(VerifyError::new(ErrorCode::TooLarge, "COSE key too large"));
        }
        let key = CoseKey::from_value(&value)?;
        key.verifying_key()?;
        Ok((key, len))
    }

    /// Parse a COSE_Key that is the whole of `bytes` (a stored credential public key).
    pub fn from_cbor_exact(bytes: &[u8]) -> Result<CoseKey, VerifyError> {
        let (key, len) = CoseKey::from_cbor(bytes)?;
        if len != bytes.len() {
            return Err(VerifyError::malformed("trailing bytes after COSE key"));
        }
        Ok(key)
    }

    fn from_value(value: &Value) -> Result<CoseKey, VerifyError> {
        let map = value.as_map().ok_or_else(|| VerifyError::malformed("COSE key is not a map"))?;
        let int = |label| -> Result<i64, VerifyError> {
            cbor::map_get_int(map, label)?
                .and_then(cbor::as_i64)
                .ok_or_else(|| VerifyError::malformed(format!("COSE key parameter {label} missing or not an integer")))
        };
        let bytes = |label| -> Result<Vec<u8>, VerifyError> {
            cbor::map_get_int(map, label)?
                .and_then(Value::as_bytes)
                .cloned()
                .ok_or_else(|| VerifyError::malformed(format!("COSE key parameter {label} missing or not bytes")))
        };
        let kty = int(1)?;
        let alg = int(3)?;
        let material = match kty {
            KTY_EC2 => Material::Ec2 { crv: int(-1)?, x: bytes(-2)?, y: bytes(-3)? },
            KTY_OKP => Material::Okp { crv: int(-1)?, x: bytes(-2)? },
            KTY_RSA => Material::Rsa { n: bytes(-1)?, e: bytes(-2)? },
            other => return Err(VerifyError::new(ErrorCode::Algorithm, format!("unsupported COSE key type {other}"))),
        };
        Ok(CoseKey { alg, material })
    }

    /// The EC2 curve and coordinates: (crv, x, y).
    pub fn ec2_point(&self) -> Option<(i64, &[u8], &[u8])> {
        match &self.material {
            Material::Ec2 { crv, x, y } => Some((*crv, x, y)),
            _ => None,
        }
    }

    /// The RSA modulus and public exponent, big-endian.
    pub fn rsa_parts(&self) -> Option<(&[u8], &[u8])> {
        match &self.material {
            Material::Rsa { n, e } => Some((n, e)),
            _ => None,
        }
    }

    /// The OKP curve.
    pub fn okp_crv(&self) -> Option<i64> {
        match &self.material {
            Material::Okp { crv, .. } => Some(*crv),
            _ => None,
        }
    }

    /// The OKP public key (Ed25519: 32 bytes).
    pub fn okp_x(&self) -> Option<&[u8]> {
        match &self.material {
            Material::Okp { x, .. } => Some(x),
            _ => None,
        }
    }

    /// Verify `sig` over `data` (ECDSA signatures DER-encoded, as WebAuthn carries them).
    pub fn verify(&self, data: &[u8], sig: &[u8]) -> Result<(), VerifyError> {
        let bad = || VerifyError::new(ErrorCode::Signature, "signature does not verify");
        match self.verifying_key()? {
            VerifyingKey::P256(key) => {
                let sig = p256::ecdsa::Signature::from_der(sig).map_err(|_| bad())?;
                key.verify(data, &sig).map_err(|_| bad())
            }
            VerifyingKey::P384(key) => {
                let sig = p384::ecdsa::Signature::from_der(sig).map_err(|_| bad())?;
                key.verify(data, &sig).map_err(|_| bad())
            }
            VerifyingKey::Ed25519(key) => {
                let sig = ed25519_dalek::Signature::from_slice(sig).map_err(|_| bad())?;
                key.verify_strict(data, &sig).map_err(|_| bad())
            }
            VerifyingKey::Rsa(key) => verify_rsa(&key, self.alg, data, sig).map_err(|_| bad()),
        }
    }

    /// The key for this algorithm; an error when the material does not fit the algorithm.
    fn verifying_key(&self) -> Result<VerifyingKey, VerifyError> {
        let invalid = || VerifyError::malformed("invalid COSE public key");
        let unfit = || VerifyError::new(ErrorCode::Algorithm, format!("COSE key does not fit algorithm {}", self.alg));
        match (&self.material, self.alg) {
            (Material::Ec2 { crv: CRV_P256, x, y }, alg::ES256) => {
                p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1_point(x, y, 32).ok_or_else(invalid)?)
                    .map(VerifyingKey::P256)
                    .map_err(|_| invalid())
            }
            (Material::Ec2 { crv: CRV_P384, x, y }, alg::ES384) => {
                p384::ecdsa::VerifyingKey::from_sec1_bytes(&sec1_point(x, y, 48).ok_or_else(invalid)?)
                    .map(VerifyingKey::P384)
                    .map_err(|_| invalid())
            }
            (Material::Okp { crv: CRV_ED25519, x }, alg::EDDSA) => {
                let x: &[u8; 32] = x.as_slice().try_into().map_err(|_| invalid())?;
                ed25519_dalek::VerifyingKey::from_bytes(x).map(VerifyingKey::Ed25519).map_err(|_| invalid())
            }
            (Material::Rsa { n, e }, alg::RS256 | alg::RS384 | alg::RS512 | alg::PS256 | alg::RS1) => {
                let n = rsa::BoxedUint::from_be_slice_vartime(n);
                let e = rsa::BoxedUint::from_be_slice_vartime(e);
                rsa::PublicKey::new_with_size_limits(n, e, RSA_KEY_BITS)
                    .map(VerifyingKey::Rsa)
                    .map_err(|_| invalid())
            }
            (_, alg::ES256 | alg::ES384 | alg::EDDSA | alg::RS256 | alg::RS384 | alg::RS512 | alg::PS256 | alg::RS1) => {
                Err(unfit())
            }
            (_, other) => Err(VerifyError::new(ErrorCode::Algorithm, format!("unsupported algorithm {other}"))),
        }
    }
}

/// Uncompressed SEC1 point `04 || x || y` when both coordinates have the curve's size.
fn sec1_point(x: &[u8], y: &[u8], size: usize) -> Option<Vec<u8>> {
    if x.len() != size || y.len() != size {
        return None;
    }
    let mut point = Vec::with_capacity(1 + 2 * size);
    point.push(0x04);
    point.extend_from_slice(x);
    point.extend_from_slice(y);
    Some(point)
}

fn verify_rsa(key: &rsa::PublicKey, cose_alg: i64, data: &[u8], sig: &[u8]) -> rsa::Result<()> {
    match cose_alg {
        alg::RS256 => key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &sha2::Sha256::digest(data), sig),
        alg::RS384 => key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha384>(), &sha2::Sha384::digest(data), sig),
        alg::RS512 => key.verify(rsa::Pkcs1v15Sign::new::<sha2::Sha512>(), &sha2::Sha512::digest(data), sig),
        alg::RS1 => key.verify(rsa::Pkcs1v15Sign::new::<sha1::Sha1>(), &sha1::Sha1::digest(data), sig),
        alg::PS256 => key.verify(rsa::Pss::<sha2::Sha256>::new(), &sha2::Sha256::digest(data), sig),
        _ => Err(rsa::Error::Verification),
    }
}
