//! `none` attestation (WebAuthn L3 §8.7): an empty statement.

use super::{attestation_error, AttestationInput, AttestationOutcome, AttestationType};
use crate::webauthn::error::VerifyError;

pub fn verify(input: &AttestationInput) -> Result<AttestationOutcome, VerifyError> {
    match input.att_stmt.as_map() {
        Some(map) if map.is_empty() => Ok(AttestationOutcome { attestation_type: AttestationType::None, trust_path: Vec::new() }),
        _ => Err(attestation_error("attStmt of format none is not an empty map")),
    }
}
