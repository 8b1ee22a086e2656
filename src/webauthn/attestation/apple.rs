//! `apple` anonymous attestation (WebAuthn L3 §8.8): Apple's anonymization CA certifies the
//! credential key in `x5c[0]`, binding it to SHA-256(authenticatorData || clientDataHash)
//! through a nonce extension.

use crate::webauthn::cbor::Value;
use sha2::{Digest, Sha256};

use super::{attestation_error, signed_data, AttestationInput, AttestationOutcome, AttestationType, Statement};
use crate::webauthn::asn1::{self, Reader, Tag};
use crate::webauthn::certificate;
use crate::webauthn::error::VerifyError;

/// Apple's nonce extension: `SEQUENCE { [1] EXPLICIT OCTET STRING nonce }`.
const OID_APPLE_NONCE: &str = "1.2.840.113635.100.8.2";

/// Verify an `apple` attestation statement; the attestation type is AnonCA, the trust
/// path `x5c`.
pub fn verify(input: &AttestationInput) -> Result<AttestationOutcome, VerifyError> {
    let chain = certificate::parse_chain(read_x5c(input.att_stmt)?)?;
    let cred_cert = chain.first().ok_or_else(|| attestation_error("x5c is empty"))?;

    let expected_nonce = Sha256::digest(signed_data(input));
    let (_, extension) =
        cred_cert.extension(OID_APPLE_NONCE).ok_or_else(|| attestation_error("credential certificate lacks the Apple nonce extension"))?;
    let nonce = parse_nonce(extension).map_err(|e| attestation_error(format!("malformed Apple nonce extension: {e}")))?;
    if nonce != expected_nonce.as_slice() {
        return Err(attestation_error("Apple nonce differs from SHA-256(authenticatorData || clientDataHash)"));
    }
    if !cred_cert.public_key_matches(input.credential_public_key) {
        return Err(attestation_error("credential certificate key differs from the credential public key"));
    }

    certificate::verify_chain(&chain, input.now_unix, input.verifier)?;
    Ok(AttestationOutcome { attestation_type: AttestationType::AnonCa, trust_path: chain.iter().map(|cert| cert.der().to_vec()).collect() })
}

/// The `x5c` certificates of the statement. Early iOS 14 responses also carried an `alg`
/// (see the recorded tests/vectors/attestation/apple_simplewebauthn.json); it is ignored.
fn read_x5c(att_stmt: &Value) -> Result<Vec<&[u8]>, VerifyError> {
    let stmt = Statement::new(att_stmt)?;
    stmt.only(&["x5c", "alg"])?;
    stmt.x5c()?.ok_or_else(|| attestation_error("attStmt.x5c is missing"))
}

/// The nonce of `SEQUENCE { [1] EXPLICIT OCTET STRING }`, exactly.
fn parse_nonce(extension: &[u8]) -> asn1::Result<&[u8]> {
    let mut sequence = Reader::new(asn1::single(extension, Tag::SEQUENCE)?);
    let nonce = asn1::single(sequence.read(Tag::context_constructed(1))?, Tag::OCTET_STRING)?;
    sequence.finish()?;
    Ok(nonce)
}
