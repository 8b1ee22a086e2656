//! Signature checks, and who performs them.
//!
//! The core never takes a signature on trust: every signature it meets (attestation statements,
//! certificate chains, self attestation, assertions) becomes a [`SignatureCheck`] handed to a
//! [`SignatureVerifier`]. `rust_crypto::VerifyNow` (native builds, tests, the bench) checks at
//! once with the RustCrypto crates. [`Deferred`] records the checks; its owner must run them all
//! and refuse the ceremony unless every one passes: the Worker runs them through WebCrypto
//! (`edge::web_crypto`), which keeps RSA, P-384 and Ed25519 code out of the wasm.

use std::cell::RefCell;

use super::error::{ErrorCode, VerifyError};
use super::keys::{CoseKey, PublicKey, SignatureScheme};

/// A check that `signature` (WebAuthn/X.509 encoding: ECDSA DER) by `key` over `data` verifies
/// with `scheme`, which fits the key's kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureCheck {
    pub key: PublicKey,
    pub scheme: SignatureScheme,
    pub data: Vec<u8>,
    pub signature: Vec<u8>,
    /// The error to answer when the signature does not verify.
    pub failure: VerifyError,
}

fn does_not_verify() -> VerifyError {
    VerifyError::new(ErrorCode::Signature, "signature does not verify")
}

impl SignatureCheck {
    /// A signature by a certificate's key; an `Algorithm` error when the scheme does not fit it.
    pub fn by_certificate(key: PublicKey, scheme: SignatureScheme, data: &[u8], signature: &[u8]) -> Result<SignatureCheck, VerifyError> {
        if !key.kind().fits(scheme) {
            return Err(VerifyError::new(ErrorCode::Algorithm, "signature algorithm does not fit the certificate's key"));
        }
        Ok(SignatureCheck { key, scheme, data: data.to_vec(), signature: signature.to_vec(), failure: does_not_verify() })
    }

    /// A signature by a credential key, with the key's algorithm.
    pub fn by_credential(key: &CoseKey, data: &[u8], signature: &[u8]) -> SignatureCheck {
        SignatureCheck {
            key: key.public_key().clone(),
            scheme: key.alg().scheme(),
            data: data.to_vec(),
            signature: signature.to_vec(),
            failure: does_not_verify(),
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deferred_records_and_refuses_an_empty_choice() {
        let deferred = Deferred::new();
        let failure = VerifyError::new(ErrorCode::UntrustedAttestation, "none");
        assert!(deferred.check_any(Vec::new(), failure.clone()).is_err());
        assert!(deferred.into_pending().is_empty());
    }
}
