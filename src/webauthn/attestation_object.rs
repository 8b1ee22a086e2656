//! The attestation object (WebAuthn L3 §6.5): `{fmt, attStmt, authData}` in CBOR.

use crate::webauthn::cbor::Value;

use super::cbor;
use super::error::VerifyError;

#[derive(Clone, Debug)]
pub struct AttestationObject {
    pub fmt: String,
    /// The `attStmt` map as decoded.
    pub att_stmt: Value,
    /// `authData` exactly as received.
    pub auth_data: Vec<u8>,
}

impl AttestationObject {
    pub fn parse(bytes: &[u8]) -> Result<AttestationObject, VerifyError> {
        let value = cbor::decode_exact(bytes)?;
        let map = value.as_map().ok_or_else(|| VerifyError::malformed("attestation object is not a map"))?;
        let field = |name: &str| cbor::map_get_text(map, name)?.ok_or_else(|| VerifyError::malformed(format!("attestation object has no {name}")));
        let fmt = field("fmt")?.as_text().ok_or_else(|| VerifyError::malformed("attestation object fmt is not text"))?.to_owned();
        let att_stmt = field("attStmt")?;
        if !att_stmt.is_map() {
            return Err(VerifyError::malformed("attestation object attStmt is not a map"));
        }
        let auth_data = field("authData")?.as_bytes().ok_or_else(|| VerifyError::malformed("attestation object authData is not bytes"))?.clone();
        Ok(AttestationObject { fmt, att_stmt: att_stmt.clone(), auth_data })
    }
}
