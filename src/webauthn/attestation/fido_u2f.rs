//! `fido-u2f` attestation (WebAuthn L3 §8.6): a U2F registration signature by the key of a
//! single P-256 attestation certificate.

use super::{attestation_error, AttestationInput, AttestationOutcome, AttestationType, Statement};
use crate::webauthn::certificate::{self, Certificate};
use crate::webauthn::error::VerifyError;
use crate::webauthn::keys::{CoseAlgorithm, KeyKind};

pub fn verify(input: &AttestationInput) -> Result<AttestationOutcome, VerifyError> {
    let stmt = Statement::new(input.att_stmt)?;
    stmt.only(&["sig", "x5c"])?;
    let sig = stmt.sig()?;
    let x5c = stmt.x5c()?.ok_or_else(|| attestation_error("fido-u2f attStmt has no x5c"))?;
    let [cert_der] = x5c.as_slice() else {
        return Err(attestation_error("fido-u2f x5c must hold exactly one certificate"));
    };
    let cert = Certificate::from_der(cert_der)?;
    if cert.public_key_kind() != Some(KeyKind::P256) {
        return Err(attestation_error("fido-u2f attestation certificate key is not P-256"));
    }
    cert.verify_with_scheme(CoseAlgorithm::Es256.scheme(), &verification_data(input)?, sig, input.verifier)?;
    certificate::verify_chain(std::slice::from_ref(&cert), input.now_unix, input.verifier)?;
    Ok(AttestationOutcome { attestation_type: AttestationType::Basic, trust_path: vec![cert_der.to_vec()] })
}

/// `0x00 || rpIdHash || clientDataHash || credentialId || publicKeyU2F`.
fn verification_data(input: &AttestationInput) -> Result<Vec<u8>, VerifyError> {
    let credential = input.auth_data.attested_credential.as_ref().ok_or_else(|| attestation_error("no attested credential data"))?;
    let key = input.credential_public_key.public_key();
    let point = match key.ec_point() {
        Some(point) if key.kind() == KeyKind::P256 => point,
        _ => return Err(attestation_error("fido-u2f credential key is not an EC2 P-256 key")),
    };
    let mut data = Vec::with_capacity(1 + 32 + 32 + credential.credential_id.len() + 65);
    data.push(0x00);
    data.extend_from_slice(&input.auth_data.rp_id_hash);
    data.extend_from_slice(input.client_data_hash);
    data.extend_from_slice(&credential.credential_id);
    data.extend_from_slice(point);
    Ok(data)
}
