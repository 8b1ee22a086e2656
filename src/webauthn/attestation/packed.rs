//! `packed` attestation (WebAuthn L3 §8.2): self attestation with the credential key, or
//! basic/AttCA attestation with a certificate chain in `x5c`.

use super::{attestation_error, signed_data, AttestationInput, AttestationOutcome, AttestationType, Statement};
use crate::webauthn::asn1::{self, Tag};
use crate::webauthn::certificate::oid::{
    COMMON_NAME as OID_COMMON_NAME, COUNTRY as OID_COUNTRY, FIDO_GEN_CE_AAGUID as OID_FIDO_GEN_CE_AAGUID, ORGANIZATION as OID_ORGANIZATION,
    ORGANIZATIONAL_UNIT as OID_ORGANIZATIONAL_UNIT,
};
use crate::webauthn::certificate::{self, Certificate};
use crate::webauthn::error::{ErrorCode, VerifyError};
use crate::webauthn::signature::SignatureCheck;

pub fn verify(input: &AttestationInput) -> Result<AttestationOutcome, VerifyError> {
    let stmt = Statement::new(input.att_stmt)?;
    if stmt.get("ecdaaKeyId")?.is_some() {
        return Err(attestation_error("ECDAA attestation is not supported"));
    }
    stmt.only(&["alg", "sig", "x5c"])?;
    let alg = stmt.alg()?;
    let sig = stmt.sig()?;
    let data = signed_data(input);
    match stmt.x5c()? {
        Some(x5c) => verify_certified(input, alg, sig, &data, &x5c),
        None => verify_self(input, alg, sig, &data),
    }
}

/// Self attestation: signed by the credential key itself, with its algorithm.
fn verify_self(input: &AttestationInput, alg: i64, sig: &[u8], data: &[u8]) -> Result<AttestationOutcome, VerifyError> {
    if alg != input.credential_public_key.alg().id() {
        return Err(VerifyError::new(
            ErrorCode::Attestation,
            format!("self attestation alg {alg} differs from the credential key's {}", input.credential_public_key.alg().id()),
        ));
    }
    input.verifier.check(SignatureCheck::by_credential(input.credential_public_key, data, sig))?;
    Ok(AttestationOutcome { attestation_type: AttestationType::Self_, trust_path: Vec::new() })
}

/// Basic or AttCA attestation: signed by the key of `x5c[0]`, a chain ordered leaf first.
fn verify_certified(input: &AttestationInput, alg: i64, sig: &[u8], data: &[u8], x5c: &[&[u8]]) -> Result<AttestationOutcome, VerifyError> {
    let chain = certificate::parse_chain(x5c.iter().copied())?;
    let leaf = chain.first().ok_or_else(|| attestation_error("x5c is empty"))?;
    leaf.verify_signature(alg, data, sig, input.verifier)?;
    let aaguid = input.auth_data.attested_credential.as_ref().map(|c| c.aaguid);
    check_attestation_certificate(leaf, aaguid)?;
    certificate::verify_chain(&chain, input.now_unix, input.verifier)?;
    Ok(AttestationOutcome { attestation_type: AttestationType::Basic, trust_path: x5c.iter().map(|der| der.to_vec()).collect() })
}

/// The requirements of §8.2.1 on a packed attestation certificate.
fn check_attestation_certificate(cert: &Certificate, aaguid: Option<[u8; 16]>) -> Result<(), VerifyError> {
    let bad = |what: &str| attestation_error(format!("attestation certificate: {what}"));
    if cert.version() != 3 {
        return Err(bad("not X.509 version 3"));
    }
    for (oid, name) in [(OID_COUNTRY, "C"), (OID_ORGANIZATION, "O"), (OID_COMMON_NAME, "CN")] {
        if cert.subject_attr(oid).is_none_or(|value| value.is_empty()) {
            return Err(bad(&format!("subject has no {name}")));
        }
    }
    if cert.subject_attr(OID_ORGANIZATIONAL_UNIT).as_deref() != Some("Authenticator Attestation") {
        return Err(bad("subject OU is not \"Authenticator Attestation\""));
    }
    if cert.is_ca() {
        return Err(bad("is a CA certificate"));
    }
    if let Some((critical, value)) = cert.extension(OID_FIDO_GEN_CE_AAGUID) {
        let ext_aaguid = asn1::single(value, Tag::OCTET_STRING).map_err(|_| bad("AAGUID extension is not an OCTET STRING"))?;
        if critical {
            return Err(bad("AAGUID extension is critical"));
        }
        if Some(ext_aaguid) != aaguid.as_ref().map(|a| a.as_slice()) {
            return Err(bad("AAGUID extension differs from the authenticator data's AAGUID"));
        }
    }
    Ok(())
}
