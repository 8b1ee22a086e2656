//! COSE_Key (RFC 9052/9053) credential public keys: EC2 P-256/P-384, OKP Ed25519 and RSA.
//! Signatures with them are checked by a `signature::SignatureVerifier` (with the `rust-crypto`
//! feature, also directly by [`CoseKey::verify`]).

use ciborium::Value;

use super::cbor;
use super::error::{ErrorCode, VerifyError};
use super::limits::{MAX_COSE_KEY, RSA_KEY_BITS};
use super::signature::rsa_key_acceptable;

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

impl CoseKey {
    /// Parse the COSE_Key at the start of `bytes`; returns it and the bytes it took. The key
    /// must be complete and valid for its algorithm (points on the curve, RSA sizes in range).
    pub fn from_cbor(bytes: &[u8]) -> Result<(CoseKey, usize), VerifyError> {
        let (value, len) = cbor::decode_prefix(bytes)?;
        if len > MAX_COSE_KEY {
            return Err(VerifyError::new(ErrorCode::TooLarge, "COSE key too large"));
        }
        let key = CoseKey::from_value(&value)?;
        key.check()?;
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
    #[cfg(feature = "rust-crypto")]
    pub fn verify(&self, data: &[u8], sig: &[u8]) -> Result<(), VerifyError> {
        super::rust_crypto::verify_cose(self, data, sig)
    }

    /// The key fits its algorithm and is well formed: coordinates of the curve's size (and, for
    /// P-256, a point on the curve), a 32-byte Ed25519 key, an RSA key of accepted size and
    /// exponent. With `rust-crypto` the RustCrypto crates must accept it too; without, whether a
    /// P-384 point is on its curve is left to the verifier (`SignatureVerifier::check_key`).
    fn check(&self) -> Result<(), VerifyError> {
        let invalid = || VerifyError::malformed("invalid COSE public key");
        let unfit = || VerifyError::new(ErrorCode::Algorithm, format!("COSE key does not fit algorithm {}", self.alg));
        match (&self.material, self.alg) {
            (Material::Ec2 { crv: CRV_P256, x, y }, alg::ES256) => {
                let point = sec1_point(x, y, 32).ok_or_else(invalid)?;
                p256::PublicKey::from_sec1_bytes(&point).map_err(|_| invalid())?;
            }
            (Material::Ec2 { crv: CRV_P384, x, y }, alg::ES384) => {
                sec1_point(x, y, 48).ok_or_else(invalid)?;
            }
            (Material::Okp { crv: CRV_ED25519, x }, alg::EDDSA) => {
                if x.len() != 32 {
                    return Err(invalid());
                }
            }
            (Material::Rsa { n, e }, alg::RS256 | alg::RS384 | alg::RS512 | alg::PS256 | alg::RS1) => {
                if !rsa_key_acceptable(n, e, RSA_KEY_BITS) {
                    return Err(invalid());
                }
            }
            (_, alg::ES256 | alg::ES384 | alg::EDDSA | alg::RS256 | alg::RS384 | alg::RS512 | alg::PS256 | alg::RS1) => {
                return Err(unfit())
            }
            (_, other) => return Err(VerifyError::new(ErrorCode::Algorithm, format!("unsupported algorithm {other}"))),
        }
        #[cfg(feature = "rust-crypto")]
        super::rust_crypto::cose_verifying_key(self)?;
        Ok(())
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
