//! Signature checks with the RustCrypto crates (`p256`, `p384`, `ed25519-dalek`, `rsa`), done at
//! once: the [`SignatureVerifier`] of native builds, the tests and the bench (feature
//! `rust-crypto`, on by default; the Worker builds without it and checks through WebCrypto).

use p256::ecdsa::signature::hazmat::PrehashVerifier;

use super::cose_key::{alg, CoseKey, CRV_ED25519, CRV_P256, CRV_P384};
use super::error::{ErrorCode, VerifyError};
use super::limits::RSA_KEY_BITS;
use super::signature::{
    rsa_components, HashAlg, KeyKind, SignatureCheck, SignatureScheme, SignatureVerifier, SigningKey, SpkiKey,
    CERTIFICATE_RSA_BITS,
};

/// Checks every signature as it is met.
pub struct VerifyNow;

impl SignatureVerifier for VerifyNow {
    fn check(&self, check: SignatureCheck) -> Result<(), VerifyError> {
        verify(&check).map_err(|_| check.failure)
    }

    fn check_any(&self, checks: Vec<SignatureCheck>, failure: VerifyError) -> Result<(), VerifyError> {
        if checks.iter().any(|check| verify(check).is_ok()) {
            Ok(())
        } else {
            Err(failure)
        }
    }

    fn check_key(&self, key: &CoseKey) -> Result<(), VerifyError> {
        cose_verifying_key(key).map(|_| ())
    }
}

/// A key ready to verify signatures.
pub(crate) enum VerifyingKey {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
    Rsa(rsa::PublicKey),
}

/// Whether the check's signature verifies (any error means it does not).
fn verify(check: &SignatureCheck) -> Result<(), ()> {
    match &check.key {
        SigningKey::Credential(key) => verify_cose(key, &check.data, &check.signature).map_err(|_| ()),
        SigningKey::Certificate(key) => {
            let key = spki_verifying_key(key).map_err(|_| ())?;
            verify_prehashed(&key, check.scheme, &check.data, &check.signature)
        }
    }
}

/// `sig` over `data` by a credential key, by its COSE algorithm.
pub fn verify_cose(key: &CoseKey, data: &[u8], sig: &[u8]) -> Result<(), VerifyError> {
    let verifying_key = cose_verifying_key(key)?;
    let scheme = SignatureScheme::from_cose_alg(key.alg).ok_or_else(|| unfit(key.alg))?;
    verify_prehashed(&verifying_key, scheme, data, sig).map_err(|_| VerifyError::new(ErrorCode::Signature, "signature does not verify"))
}

/// The credential key for its algorithm; an error when the material does not fit the algorithm
/// or is not a valid key (an EC point off its curve, an RSA key of the wrong size).
pub(crate) fn cose_verifying_key(key: &CoseKey) -> Result<VerifyingKey, VerifyError> {
    let invalid = || VerifyError::malformed("invalid COSE public key");
    if let Some((crv, x, y)) = key.ec2_point() {
        let point = [&[0x04][..], x, y].concat();
        return match (crv, key.alg) {
            (CRV_P256, alg::ES256) => p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).map(VerifyingKey::P256).map_err(|_| invalid()),
            (CRV_P384, alg::ES384) => p384::ecdsa::VerifyingKey::from_sec1_bytes(&point).map(VerifyingKey::P384).map_err(|_| invalid()),
            _ => Err(unfit(key.alg)),
        };
    }
    if let Some(x) = key.okp_x() {
        if key.alg != alg::EDDSA || key.okp_crv() != Some(CRV_ED25519) {
            return Err(unfit(key.alg));
        }
        let x: &[u8; 32] = x.try_into().map_err(|_| invalid())?;
        return ed25519_dalek::VerifyingKey::from_bytes(x).map(VerifyingKey::Ed25519).map_err(|_| invalid());
    }
    let (n, e) = key.rsa_parts().ok_or_else(invalid)?;
    rsa_key(n, e, RSA_KEY_BITS).map(VerifyingKey::Rsa).map_err(|_| invalid())
}

fn unfit(cose_alg: i64) -> VerifyError {
    VerifyError::new(ErrorCode::Algorithm, format!("COSE key does not fit algorithm {cose_alg}"))
}

fn rsa_key(n: &[u8], e: &[u8], bits: core::ops::RangeInclusive<usize>) -> rsa::Result<rsa::PublicKey> {
    let n = rsa::BoxedUint::from_be_slice_vartime(n);
    let e = rsa::BoxedUint::from_be_slice_vartime(e);
    rsa::PublicKey::new_with_size_limits(n, e, bits)
}

fn spki_verifying_key(key: &SpkiKey) -> Result<VerifyingKey, ()> {
    Ok(match key.kind {
        KeyKind::P256 => VerifyingKey::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(&key.key_bits).map_err(|_| ())?),
        KeyKind::P384 => VerifyingKey::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(&key.key_bits).map_err(|_| ())?),
        KeyKind::Ed25519 => {
            let bytes: &[u8; 32] = key.key_bits.as_slice().try_into().map_err(|_| ())?;
            VerifyingKey::Ed25519(ed25519_dalek::VerifyingKey::from_bytes(bytes).map_err(|_| ())?)
        }
        KeyKind::Rsa => {
            let (n, e) = rsa_components(&key.key_bits).ok_or(())?;
            VerifyingKey::Rsa(rsa_key(n, e, CERTIFICATE_RSA_BITS).map_err(|_| ())?)
        }
    })
}

fn verify_prehashed(key: &VerifyingKey, scheme: SignatureScheme, data: &[u8], sig: &[u8]) -> Result<(), ()> {
    match (key, scheme) {
        (VerifyingKey::P256(key), SignatureScheme::Ecdsa(hash)) => {
            let sig = p256::ecdsa::Signature::from_der(sig).map_err(|_| ())?;
            key.verify_prehash(&hash.digest(data), &sig).map_err(|_| ())
        }
        (VerifyingKey::P384(key), SignatureScheme::Ecdsa(hash)) => {
            let sig = p384::ecdsa::Signature::from_der(sig).map_err(|_| ())?;
            key.verify_prehash(&hash.digest(data), &sig).map_err(|_| ())
        }
        (VerifyingKey::Ed25519(key), SignatureScheme::Ed25519) => {
            let sig = ed25519_dalek::Signature::from_slice(sig).map_err(|_| ())?;
            key.verify_strict(data, &sig).map_err(|_| ())
        }
        (VerifyingKey::Rsa(key), SignatureScheme::RsaPkcs1(hash)) => {
            let padding = match hash {
                HashAlg::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                HashAlg::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                HashAlg::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                HashAlg::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
            };
            key.verify(padding, &hash.digest(data), sig).map_err(|_| ())
        }
        (VerifyingKey::Rsa(key), SignatureScheme::RsaPss(hash)) => {
            let digest = hash.digest(data);
            let result = match hash {
                HashAlg::Sha1 => key.verify(rsa::Pss::<sha1::Sha1>::new(), &digest, sig),
                HashAlg::Sha256 => key.verify(rsa::Pss::<sha2::Sha256>::new(), &digest, sig),
                HashAlg::Sha384 => key.verify(rsa::Pss::<sha2::Sha384>::new(), &digest, sig),
                HashAlg::Sha512 => key.verify(rsa::Pss::<sha2::Sha512>::new(), &digest, sig),
            };
            result.map_err(|_| ())
        }
        _ => Err(()),
    }
}
