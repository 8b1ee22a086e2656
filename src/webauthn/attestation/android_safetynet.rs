//! `android-safetynet` attestation (WebAuthn L3 §8.5, deprecated): `response` is a SafetyNet
//! JWS (compact serialization) signed by Google's `attest.android.com` certificate, whose
//! payload binds SHA-256(authenticatorData || clientDataHash) as its nonce.

use crate::webauthn::cbor::Value;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{attestation_error, signed_data, AttestationInput, AttestationOutcome, AttestationType, Statement};
use crate::webauthn::certificate::{self, Certificate};
use crate::webauthn::error::{ErrorCode, VerifyError};
use crate::webauthn::keys::{HashAlg, SignatureScheme};
use crate::webauthn::signature::SignatureVerifier;

/// The host name SafetyNet attestation certificates are issued to.
const SAFETYNET_HOSTNAME: &str = "attest.android.com";
/// Largest accepted JWS, in bytes.
const MAX_RESPONSE_LEN: usize = 64 * 1024;
/// A response may be this old (its `timestampMs` before now) ...
const MAX_AGE_MS: u64 = 60_000;
/// ... or this far in the future (clock skew).
const MAX_FUTURE_MS: u64 = 5_000;

#[derive(Deserialize)]
struct JwsHeader {
    alg: String,
    x5c: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SafetyNetPayload {
    nonce: String,
    timestamp_ms: u64,
    cts_profile_match: bool,
}

/// Verify an `android-safetynet` attestation statement; the attestation type is Basic, the
/// trust path the JWS `x5c`. The response timestamp is checked when `now_unix` is Some.
pub fn verify(input: &AttestationInput) -> Result<AttestationOutcome, VerifyError> {
    let response = read_statement(input.att_stmt)?;
    let response = core::str::from_utf8(response).map_err(|_| attestation_error("SafetyNet response is not UTF-8"))?;
    let mut parts = response.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(attestation_error("SafetyNet response is not a compact JWS"));
    };
    let header: JwsHeader = decode_json(header_b64, "header")?;
    let payload: SafetyNetPayload = decode_json(payload_b64, "payload")?;
    let signature = URL_SAFE_NO_PAD.decode(signature_b64).map_err(|_| attestation_error("JWS signature is not base64url"))?;

    let x5c = header
        .x5c
        .iter()
        .map(|cert| STANDARD.decode(cert).map_err(|_| attestation_error("JWS x5c entry is not base64")))
        .collect::<Result<Vec<_>, _>>()?;
    let chain = certificate::parse_chain(x5c.iter().map(Vec::as_slice))?;
    let leaf = chain.first().ok_or_else(|| attestation_error("JWS x5c is empty"))?;
    if !issued_to_safetynet(leaf) {
        return Err(VerifyError::new(ErrorCode::Certificate, format!("SafetyNet certificate is not issued to {SAFETYNET_HOSTNAME}")));
    }
    let signing_input = response
        .as_bytes()
        .get(..header_b64.len() + 1 + payload_b64.len())
        .ok_or_else(|| attestation_error("SafetyNet response is not a compact JWS"))?;
    verify_jws_signature(leaf, &header.alg, signing_input, &signature, input.verifier)?;

    if payload.nonce != STANDARD.encode(Sha256::digest(signed_data(input))) {
        return Err(attestation_error("SafetyNet nonce is not base64(SHA-256(authenticatorData || clientDataHash))"));
    }
    if !payload.cts_profile_match {
        return Err(attestation_error("SafetyNet ctsProfileMatch is false"));
    }
    if let Some(now) = input.now_unix {
        let now_ms = now.saturating_mul(1000);
        if payload.timestamp_ms > now_ms.saturating_add(MAX_FUTURE_MS) {
            return Err(attestation_error("SafetyNet timestampMs is in the future"));
        }
        if payload.timestamp_ms < now_ms.saturating_sub(MAX_AGE_MS) {
            return Err(attestation_error("SafetyNet response is too old (timestampMs)"));
        }
    }

    certificate::verify_chain(&chain, input.now_unix, input.verifier)?;
    Ok(AttestationOutcome { attestation_type: AttestationType::Basic, trust_path: x5c })
}

/// `response` of the statement (`ver` must be a non-empty text).
fn read_statement(att_stmt: &Value) -> Result<&[u8], VerifyError> {
    let stmt = Statement::new(att_stmt)?;
    stmt.only(&["ver", "response"])?;
    match stmt.get("ver")?.and_then(Value::as_text) {
        Some(ver) if !ver.is_empty() => {}
        _ => return Err(attestation_error("attStmt.ver missing or not a non-empty text")),
    }
    let response = stmt.get("response")?.and_then(Value::as_bytes).ok_or_else(|| attestation_error("attStmt.response missing or not bytes"))?;
    if response.len() > MAX_RESPONSE_LEN {
        return Err(VerifyError::new(ErrorCode::TooLarge, "SafetyNet response too large"));
    }
    Ok(response)
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str, what: &str) -> Result<T, VerifyError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| attestation_error(format!("JWS {what} is not base64url")))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| attestation_error(format!("JWS {what} is not UTF-8")))?;
    serde_json::from_str(text).map_err(|e| attestation_error(format!("JWS {what} is not the expected JSON: {e}")))
}

/// Whether the leaf names `attest.android.com`: as a SAN dNSName, or as the subject CN.
fn issued_to_safetynet(leaf: &Certificate) -> bool {
    use certificate::extensions::{subject_alt_names, GeneralName};
    let san_names = leaf.extension(certificate::oid::SUBJECT_ALT_NAME).and_then(|(_, value)| subject_alt_names(value).ok());
    let in_san = san_names.is_some_and(|names| names.contains(&GeneralName::Dns(SAFETYNET_HOSTNAME)));
    in_san || leaf.subject_attr(certificate::oid::COMMON_NAME).as_deref() == Some(SAFETYNET_HOSTNAME)
}

/// Verify the JWS signature (RS256 or ES256; an ES256 JWS signature is raw r || s).
fn verify_jws_signature(
    leaf: &Certificate,
    alg: &str,
    signing_input: &[u8],
    signature: &[u8],
    verifier: &dyn SignatureVerifier,
) -> Result<(), VerifyError> {
    match alg {
        "RS256" => leaf.verify_with_scheme(SignatureScheme::RsaPkcs1(HashAlg::Sha256), signing_input, signature, verifier),
        "ES256" => {
            if signature.len() != 64 {
                return Err(VerifyError::new(ErrorCode::Signature, "ES256 JWS signature is not 64 bytes"));
            }
            let (r, s) = signature.split_at(32);
            let der = crate::webauthn::keys::encoding::ecdsa_signature_der(r, s)?;
            leaf.verify_with_scheme(SignatureScheme::Ecdsa(HashAlg::Sha256), signing_input, &der, verifier)
        }
        other => Err(VerifyError::new(ErrorCode::Algorithm, format!("unsupported SafetyNet JWS algorithm {other}"))),
    }
}
