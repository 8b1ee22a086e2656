//! COSE_Key (RFC 9052/9053) credential public keys: EC2 P-256/P-384, OKP Ed25519 and RSA, each
//! with its COSE algorithm. Signatures with them are checked by a `signature::SignatureVerifier`.

use crate::webauthn::cbor::Value;

use super::encoding::rsa_key_acceptable;
use super::{CoseAlgorithm, KeyKind, PublicKey};
use crate::webauthn::cbor;
use crate::webauthn::error::{ErrorCode, VerifyError};
use crate::webauthn::limits::{MAX_COSE_KEY, RSA_KEY_BITS};

const KTY_OKP: i64 = 1;
const KTY_EC2: i64 = 2;
const KTY_RSA: i64 = 3;
/// COSE curves (RFC 9053 §7.1).
const CRV_P256: i64 = 1;
const CRV_P384: i64 = 2;
const CRV_ED25519: i64 = 6;

/// A credential public key: its COSE algorithm and the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoseKey {
    alg: CoseAlgorithm,
    key: PublicKey,
}

/// The key parameters of a COSE_Key, as read.
enum Parameters {
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
        Ok((CoseKey::from_value(&value)?, len))
    }

    /// Parse a COSE_Key that is the whole of `bytes` (a stored credential public key).
    pub fn from_cbor_exact(bytes: &[u8]) -> Result<CoseKey, VerifyError> {
        let (key, len) = CoseKey::from_cbor(bytes)?;
        if len != bytes.len() {
            return Err(VerifyError::malformed("trailing bytes after COSE key"));
        }
        Ok(key)
    }

    /// The credential's COSE algorithm.
    pub fn alg(&self) -> CoseAlgorithm {
        self.alg
    }

    /// The key itself.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
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
        let parameters = match kty {
            KTY_EC2 => Parameters::Ec2 { crv: int(-1)?, x: bytes(-2)?, y: bytes(-3)? },
            KTY_OKP => Parameters::Okp { crv: int(-1)?, x: bytes(-2)? },
            KTY_RSA => Parameters::Rsa { n: bytes(-1)?, e: bytes(-2)? },
            other => return Err(VerifyError::new(ErrorCode::Algorithm, format!("unsupported COSE key type {other}"))),
        };
        let alg = CoseAlgorithm::from_id(alg)
            .filter(|alg| CoseAlgorithm::CREDENTIAL.contains(alg))
            .ok_or_else(|| VerifyError::new(ErrorCode::Algorithm, format!("unsupported algorithm {alg}")))?;
        Ok(CoseKey { alg, key: key_for(alg, parameters)? })
    }
}

/// The key of `parameters` when it fits `alg` and is well formed: coordinates of the curve's size
/// (and, for P-256, a point on the curve), a 32-byte Ed25519 key, an RSA key of accepted size and
/// exponent. With `rust-crypto` the RustCrypto crates must accept it too; without, whether a
/// P-384 point is on its curve is left to the verifier (`SignatureVerifier::check_key`).
fn key_for(alg: CoseAlgorithm, parameters: Parameters) -> Result<PublicKey, VerifyError> {
    let invalid = || VerifyError::malformed("invalid COSE public key");
    let unfit = || VerifyError::new(ErrorCode::Algorithm, format!("COSE key does not fit algorithm {}", alg.id()));
    let key = match (parameters, alg.credential_key_kind()) {
        (Parameters::Ec2 { crv: CRV_P256, x, y }, Some(kind @ KeyKind::P256))
        | (Parameters::Ec2 { crv: CRV_P384, x, y }, Some(kind @ KeyKind::P384)) => PublicKey::ec(kind, &x, &y).ok_or_else(invalid)?,
        (Parameters::Okp { crv: CRV_ED25519, x }, Some(KeyKind::Ed25519)) => PublicKey::ed25519(&x).ok_or_else(invalid)?,
        (Parameters::Rsa { n, e }, Some(KeyKind::Rsa)) => {
            if !rsa_key_acceptable(&n, &e, RSA_KEY_BITS) {
                return Err(invalid());
            }
            PublicKey::rsa(&n, &e)
        }
        _ => return Err(unfit()),
    };
    if !crates_accept(&key) {
        return Err(invalid());
    }
    Ok(key)
}

/// Whether the curve crates take the key (with `rust-crypto`). Without them (the Worker) the
/// verifier's `check_key` decides: WebCrypto must import it.
fn crates_accept(key: &PublicKey) -> bool {
    match key.kind() {
        #[cfg(feature = "rust-crypto")]
        KeyKind::P256 => key.ec_point().is_some_and(|point| p256::PublicKey::from_sec1_bytes(point).is_ok()),
        #[cfg(feature = "rust-crypto")]
        KeyKind::P384 => key.ec_point().is_some_and(|point| p384::PublicKey::from_sec1_bytes(point).is_ok()),
        #[cfg(feature = "rust-crypto")]
        KeyKind::Ed25519 => key
            .ed25519_key()
            .and_then(|bytes| <&[u8; 32]>::try_from(bytes).ok())
            .is_some_and(|bytes| ed25519_dalek::VerifyingKey::from_bytes(bytes).is_ok()),
        #[cfg(feature = "rust-crypto")]
        KeyKind::Rsa => key.rsa_parts().is_some_and(|(n, e)| {
            let n = rsa::BoxedUint::from_be_slice_vartime(n);
            let e = rsa::BoxedUint::from_be_slice_vartime(e);
            rsa::PublicKey::new_with_size_limits(n, e, RSA_KEY_BITS).is_ok()
        }),
        #[cfg(not(feature = "rust-crypto"))]
        KeyKind::P256 | KeyKind::P384 | KeyKind::Ed25519 | KeyKind::Rsa => true,
    }
}
