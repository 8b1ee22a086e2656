//! Signature checks with the RustCrypto crates (`p256`, `p384`, `ed25519-dalek`, `rsa`), done at
//! once: the [`SignatureVerifier`] of native builds, the tests and the bench (feature
//! `rust-crypto`, on by default; the Worker builds without it and checks through WebCrypto).

use p256::ecdsa::signature::hazmat::PrehashVerifier;

use super::error::VerifyError;
use super::keys::{CoseKey, HashAlg, KeyKind, PublicKey, SignatureScheme};
use super::limits::CERTIFICATE_RSA_BITS;
use super::signature::{SignatureCheck, SignatureVerifier};

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
        verifying_key(key.public_key()).map(|_| ()).map_err(|_| VerifyError::malformed("invalid COSE public key"))
    }
}

/// A key ready to verify signatures.
enum VerifyingKey {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
    Rsa(rsa::PublicKey),
}

/// The crate's key for `key`; an error when it is not a valid key (an EC point off its curve).
/// Key sizes were checked for the key's use when it was read, so any RSA size read is taken.
fn verifying_key(key: &PublicKey) -> Result<VerifyingKey, ()> {
    Ok(match key.kind() {
        KeyKind::P256 => VerifyingKey::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(key.ec_point().ok_or(())?).map_err(|_| ())?),
        KeyKind::P384 => VerifyingKey::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(key.ec_point().ok_or(())?).map_err(|_| ())?),
        KeyKind::Ed25519 => {
            let bytes: &[u8; 32] = key.ed25519_key().ok_or(())?.try_into().map_err(|_| ())?;
            VerifyingKey::Ed25519(ed25519_dalek::VerifyingKey::from_bytes(bytes).map_err(|_| ())?)
        }
        KeyKind::Rsa => {
            let (n, e) = key.rsa_parts().ok_or(())?;
            let n = rsa::BoxedUint::from_be_slice_vartime(n);
            let e = rsa::BoxedUint::from_be_slice_vartime(e);
            VerifyingKey::Rsa(rsa::PublicKey::new_with_size_limits(n, e, CERTIFICATE_RSA_BITS).map_err(|_| ())?)
        }
    })
}

/// Whether the check's signature verifies (any error means it does not): the one match on
/// (key, scheme).
fn verify(check: &SignatureCheck) -> Result<(), ()> {
    let (data, sig) = (check.data.as_slice(), check.signature.as_slice());
    match (verifying_key(&check.key)?, check.scheme) {
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
