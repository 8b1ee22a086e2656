//! `fido-u2f` attestation (WebAuthn L3 §8.6): a U2F registration signature by the key of a
//! single P-256 attestation certificate.

use const_oid::ObjectIdentifier;

use super::{attestation_error, AttestationInput, AttestationOutcome, AttestationType, Statement};
use crate::webauthn::certificate::{self, Certificate};
use crate::webauthn::cose_key::{alg, CRV_P256};
use crate::webauthn::error::VerifyError;

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

pub fn verify(input: &AttestationInput) -> Result<AttestationOutcome, VerifyError> {
    let stmt = Statement::new(input.att_stmt)?;
    stmt.only(&["sig", "x5c"])?;
    let sig = stmt.sig()?;
    let x5c = stmt.x5c()?.ok_or_else(|| attestation_error("fido-u2f attStmt has no x5c"))?;
    let [cert_der] = x5c.as_slice() else {
        return Err(attestation_error("fido-u2f x5c must hold exactly one certificate"));
    };
    let cert = Certificate::from_der(cert_der)?;
    if !has_p256_key(&cert) {
        return Err(attestation_error("fido-u2f attestation certificate key is not P-256"));
    }
    cert.verify_signature(alg::ES256, &verification_data(input)?, sig, input.verifier)?;
    certificate::verify_chain(std::slice::from_ref(&cert), input.now_unix, input.verifier)?;
    Ok(AttestationOutcome { attestation_type: AttestationType::Basic, trust_path: vec![cert_der.to_vec()] })
}

/// `0x00 || rpIdHash || clientDataHash || credentialId || publicKeyU2F`.
fn verification_data(input: &AttestationInput) -> Result<Vec<u8>, VerifyError> {
    let credential = input
        .auth_data
        .attested_credential
        .as_ref()
        .ok_or_else(|| attestation_error("no attested credential data"))?;
    let (x, y) = match input.credential_public_key.ec2_point() {
        Some((CRV_P256, x, y)) if x.len() == 32 && y.len() == 32 => (x, y),
        _ => return Err(attestation_error("fido-u2f credential key is not an EC2 P-256 key")),
    };
    let mut data = Vec::with_capacity(1 + 32 + 32 + credential.credential_id.len() + 65);
    data.push(0x00);
    data.extend_from_slice(&input.auth_data.rp_id_hash);
    data.extend_from_slice(input.client_data_hash);
    data.extend_from_slice(&credential.credential_id);
    data.push(0x04);
    data.extend_from_slice(x);
    data.extend_from_slice(y);
    Ok(data)
}

fn has_p256_key(cert: &Certificate) -> bool {
    let spki = cert.x509().tbs_certificate().subject_public_key_info();
    let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    spki.algorithm.oid == OID_EC_PUBLIC_KEY && curve == Some(OID_P256)
}
