//! Attestation statements (WebAuthn L3 §8): one module per format, chosen by `fmt`.

mod android_key;
mod android_safetynet;
mod apple;
mod fido_u2f;
mod none;
mod packed;
mod tpm;

use crate::webauthn::cbor::Value;

use super::authenticator_data::AuthenticatorData;
use super::cbor;
use super::error::{quoted, ErrorCode, VerifyError};
use super::keys::CoseKey;
use super::signature::SignatureVerifier;

/// Everything a format needs to verify its statement.
pub struct AttestationInput<'a> {
    /// The `attStmt` map as decoded.
    pub att_stmt: &'a Value,
    /// Authenticator data bytes exactly as received.
    pub auth_data_raw: &'a [u8],
    /// The parsed authenticator data; `attested_credential` is Some.
    pub auth_data: &'a AuthenticatorData,
    pub client_data_hash: &'a [u8; 32],
    /// The credential public key from the authenticator data.
    pub credential_public_key: &'a CoseKey,
    /// Certificate validity is checked when Some.
    pub now_unix: Option<u64>,
    /// Checks (or takes charge of) every signature of the statement.
    pub verifier: &'a dyn SignatureVerifier,
}

/// WebAuthn attestation types (§6.5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttestationType {
    None,
    Self_,
    Basic,
    AttCa,
    AnonCa,
}

impl AttestationType {
    pub fn as_str(self) -> &'static str {
        match self {
            AttestationType::None => "none",
            AttestationType::Self_ => "self",
            AttestationType::Basic => "basic",
            AttestationType::AttCa => "attca",
            AttestationType::AnonCa => "anonca",
        }
    }
}

/// A verified statement: its type and trust path.
#[derive(Clone, Debug)]
pub struct AttestationOutcome {
    pub attestation_type: AttestationType,
    /// DER certificates, leaf first (empty for none and self attestation).
    pub trust_path: Vec<Vec<u8>>,
}

/// Verify the statement of format `fmt`.
pub fn verify(fmt: &str, input: &AttestationInput) -> Result<AttestationOutcome, VerifyError> {
    match fmt {
        "none" => none::verify(input),
        "packed" => packed::verify(input),
        "fido-u2f" => fido_u2f::verify(input),
        "tpm" => tpm::verify(input),
        "android-key" => android_key::verify(input),
        "android-safetynet" => android_safetynet::verify(input),
        "apple" => apple::verify(input),
        other => Err(VerifyError::new(ErrorCode::AttestationFormat, format!("unsupported attestation format {}", quoted(other)))),
    }
}

/// The fields of an `attStmt` map, read by name.
struct Statement<'a> {
    map: &'a [(Value, Value)],
}

impl<'a> Statement<'a> {
    fn new(att_stmt: &'a Value) -> Result<Statement<'a>, VerifyError> {
        let map = att_stmt.as_map().ok_or_else(|| attestation_error("attStmt is not a map"))?;
        Ok(Statement { map })
    }

    fn get(&self, name: &str) -> Result<Option<&'a Value>, VerifyError> {
        cbor::map_get_text(self.map, name).map_err(|_| attestation_error(format!("attStmt.{name} appears twice")))
    }

    fn alg(&self) -> Result<i64, VerifyError> {
        self.get("alg")?.and_then(cbor::as_i64).ok_or_else(|| attestation_error("attStmt.alg missing or not an integer"))
    }

    fn sig(&self) -> Result<&'a [u8], VerifyError> {
        self.get("sig")?.and_then(Value::as_bytes).map(Vec::as_slice).ok_or_else(|| attestation_error("attStmt.sig missing or not bytes"))
    }

    /// `x5c` when present: a non-empty array of byte strings.
    fn x5c(&self) -> Result<Option<Vec<&'a [u8]>>, VerifyError> {
        let Some(value) = self.get("x5c")? else { return Ok(None) };
        let bad = || attestation_error("attStmt.x5c is not a non-empty array of byte strings");
        let array = value.as_array().ok_or_else(bad)?;
        let certs = array.iter().map(|cert| cert.as_bytes().map(Vec::as_slice).ok_or_else(bad)).collect::<Result<Vec<_>, _>>()?;
        if certs.is_empty() {
            return Err(bad());
        }
        Ok(Some(certs))
    }

    /// Only these fields may be present.
    fn only(&self, allowed: &[&str]) -> Result<(), VerifyError> {
        for (key, _) in self.map {
            if !key.as_text().is_some_and(|name| allowed.contains(&name)) {
                return Err(attestation_error(format!(
                    "unexpected attStmt field {}",
                    key.as_text().map_or_else(|| String::from("(not a text key)"), quoted)
                )));
            }
        }
        Ok(())
    }
}

/// `authenticatorData || clientDataHash`: what packed and most formats sign.
fn signed_data(input: &AttestationInput) -> Vec<u8> {
    let mut data = Vec::with_capacity(input.auth_data_raw.len() + 32);
    data.extend_from_slice(input.auth_data_raw);
    data.extend_from_slice(input.client_data_hash);
    data
}

fn attestation_error(message: impl Into<String>) -> VerifyError {
    VerifyError::new(ErrorCode::Attestation, message)
}
