//! Certificate path validation: an `x5c` chain read leaf first, each certificate issued (named
//! and signed) by the next within its CA rights, and a chain that ends in a trust anchor.

use super::{cert_error, Certificate, MAX_CHAIN_LEN};
use crate::webauthn::error::{ErrorCode, VerifyError};
use crate::webauthn::signature::SignatureVerifier;

/// Parse an `x5c` list of DER certificates, leaf first: 1 to [`MAX_CHAIN_LEN`] of them.
pub fn parse_chain<'a>(ders: impl IntoIterator<Item = &'a [u8]>) -> Result<Vec<Certificate>, VerifyError> {
    let mut chain = Vec::new();
    for der in ders {
        if chain.len() == MAX_CHAIN_LEN {
            return Err(cert_error(format!("more than {MAX_CHAIN_LEN} certificates in x5c")));
        }
        chain.push(Certificate::from_der(der)?);
    }
    if chain.is_empty() {
        return Err(cert_error("x5c holds no certificate"));
    }
    Ok(chain)
}

/// Each certificate is issued (named and signed) by the next one, which must be a CA allowed
/// to sign certificates within its path length; validity is checked when `now_unix` is Some.
pub fn verify_chain(chain: &[Certificate], now_unix: Option<u64>, verifier: &dyn SignatureVerifier) -> Result<(), VerifyError> {
    if chain.is_empty() {
        return Err(cert_error("empty certificate chain"));
    }
    if chain.len() > MAX_CHAIN_LEN {
        return Err(cert_error(format!("certificate chain longer than {MAX_CHAIN_LEN}")));
    }
    if let Some(now) = now_unix {
        for cert in chain {
            cert.check_validity(now)?;
        }
    }
    for (index, pair) in chain.windows(2).enumerate() {
        let [subject, issuer] = pair else { continue };
        check_issuer_may_sign(issuer, index)?;
        subject.check_issued_by(issuer, verifier)?;
    }
    Ok(())
}

/// `issuer` signs a certificate that has `intermediates_below` CA certificates below it
/// (not counting the leaf).
fn check_issuer_may_sign(issuer: &Certificate, intermediates_below: usize) -> Result<(), VerifyError> {
    if !issuer.may_sign_certificates() {
        return Err(cert_error("issuing certificate is not a CA allowed to sign certificates"));
    }
    if let Some(max) = issuer.basic_constraints().and_then(|bc| bc.path_len_constraint) {
        if intermediates_below > usize::from(max) {
            return Err(cert_error("certificate chain exceeds a path length constraint"));
        }
    }
    Ok(())
}

/// The chain is valid (see [`verify_chain`]) and ends in one of the anchors: either a
/// certificate of the chain is an anchor, or the last certificate is issued by one (an anchor
/// that bears the issuer's name, is valid when `now_unix` is Some, may sign certificates this
/// deep, and whose signature verifies).
pub fn chains_to_anchor(
    chain: &[Certificate],
    anchors: &[Certificate],
    now_unix: Option<u64>,
    verifier: &dyn SignatureVerifier,
) -> Result<(), VerifyError> {
    verify_chain(chain, now_unix, verifier)?;
    let untrusted = || VerifyError::new(ErrorCode::UntrustedAttestation, "certificate chain does not lead to a trust anchor");
    if chain.iter().any(|cert| anchors.iter().any(|anchor| anchor.der == cert.der)) {
        return Ok(());
    }
    let last = chain.last().ok_or_else(untrusted)?;
    let intermediates_below = chain.len() - 1;
    let mut candidates = Vec::new();
    for anchor in anchors.iter().filter(|anchor| last.names_issuer(anchor)) {
        if let Some(now) = now_unix {
            anchor.check_validity(now)?;
        }
        check_issuer_may_sign(anchor, intermediates_below)?;
        if let Ok(check) = last.issued_by(anchor) {
            candidates.push(check);
        }
    }
    if candidates.is_empty() {
        return Err(untrusted());
    }
    verifier.check_any(candidates, untrusted())
}

#[cfg(test)]
mod tests {
    //! Chains of tests/vectors/certs (made by its generate.sh, valid 2026-11-25 .. 2036-11-23),
    //! plus the recorded real chains in tests/vectors/anchors.
    use super::super::test_vectors::*;
    use super::*;
    use crate::webauthn::rust_crypto::VerifyNow;

    #[test]
    fn verifies_chains_of_each_signature_algorithm() {
        // ecdsa-with-SHA384 by P-384, ecdsa-with-SHA256 by P-256
        assert!(verify_chain(&[ec_leaf(), ec_inter(), ec_root()], Some(NOW), &VerifyNow).is_ok());
        // sha1WithRSAEncryption
        assert!(verify_chain(&[rsa_leaf(), cert(vector!("rsa_root.der"))], Some(NOW), &VerifyNow).is_ok());
        // Ed25519
        assert!(verify_chain(&[cert(vector!("ed_leaf.der")), cert(vector!("ed_root.der"))], Some(NOW), &VerifyNow).is_ok());
        // sha256WithRSAEncryption and RSA 4096 (a recorded Pixel 8a chain ends in Google's root)
        let google = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/anchors/google_hardware_attestation_roots.pem"));
        for root in Certificate::from_pem(google).expect("bundle") {
            assert!(verify_chain(&[root.clone(), root], None, &VerifyNow).is_ok(), "self-signed root verifies itself");
        }
    }

    #[test]
    fn rejects_broken_chains() {
        assert!(verify_chain(&[], None, &VerifyNow).is_err());
        // issuer name differs from the next subject
        assert_eq!(code(verify_chain(&[ec_leaf(), ec_root()], None, &VerifyNow)), ErrorCode::Certificate);
        // same names, but the signature is not the issuer's: a chain to another root named alike
        let mut forged = vector!("ec_leaf.der").to_vec();
        let last = forged.len() - 2;
        forged[last] ^= 1;
        let forged = cert(&forged);
        let err = verify_chain(&[forged, ec_inter()], None, &VerifyNow).unwrap_err();
        assert!(err.message.contains("signature"), "{}", err.message);
        // issued by a certificate that is not a CA
        let err = verify_chain(&[cert(vector!("ec_below_leaf.der")), ec_leaf()], None, &VerifyNow).unwrap_err();
        assert!(err.message.contains("not a CA"), "{}", err.message);
        // issued by a CA whose key usage lacks keyCertSign
        let err = verify_chain(&[cert(vector!("ec_under_no_certsign.der")), cert(vector!("ec_no_certsign.der"))], None, &VerifyNow).unwrap_err();
        assert!(err.message.contains("not a CA"), "{}", err.message);
        // ec_inter has pathlen 0 but another CA sits below it
        let long = [cert(vector!("ec_leaf2.der")), cert(vector!("ec_inter2.der")), ec_inter(), ec_root()];
        assert!(verify_chain(&long[..2], None, &VerifyNow).is_ok());
        let err = verify_chain(&long, None, &VerifyNow).unwrap_err();
        assert!(err.message.contains("path length"), "{}", err.message);
        // more than MAX_CHAIN_LEN certificates
        let six = vec![ec_root(); MAX_CHAIN_LEN + 1];
        assert!(verify_chain(&six, None, &VerifyNow).is_err());
        assert!(verify_chain(&six[..MAX_CHAIN_LEN], None, &VerifyNow).is_ok());
    }

    #[test]
    fn anchors() {
        let root = ec_root();
        assert!(chains_to_anchor(&[ec_leaf(), ec_inter()], std::slice::from_ref(&root), Some(NOW), &VerifyNow).is_ok());
        assert!(chains_to_anchor(&[ec_leaf(), ec_inter(), root.clone()], std::slice::from_ref(&root), Some(NOW), &VerifyNow).is_ok());
        assert!(chains_to_anchor(&[ec_leaf()], &[ec_leaf()], Some(NOW), &VerifyNow).is_ok());
        let other = cert(vector!("rsa_root.der"));
        let err = chains_to_anchor(&[ec_leaf(), ec_inter()], &[other], Some(NOW), &VerifyNow).unwrap_err();
        assert_eq!(err.code, ErrorCode::UntrustedAttestation);
        assert_eq!(chains_to_anchor(&[ec_leaf(), ec_inter()], &[], None, &VerifyNow).unwrap_err().code, ErrorCode::UntrustedAttestation);
        // the anchor's validity counts too
        assert!(chains_to_anchor(&[ec_leaf(), ec_inter()], std::slice::from_ref(&root), Some(2_200_000_000), &VerifyNow).is_err());
        // an anchor that may not sign certificates does not anchor what it signed
        let err = chains_to_anchor(&[cert(vector!("ec_below_leaf.der"))], &[ec_leaf()], None, &VerifyNow).unwrap_err();
        assert!(err.message.contains("not a CA"), "{}", err.message);
        // pathlen of the anchor
        let err = chains_to_anchor(&[cert(vector!("ec_leaf2.der")), cert(vector!("ec_inter2.der"))], &[ec_inter()], None, &VerifyNow).unwrap_err();
        assert!(err.message.contains("path length"), "{}", err.message);
    }
}
