//! The browser's `PublicKeyCredential.toJSON()` shapes (WebAuthn L3 §5.1):
//! RegistrationResponseJSON and AuthenticationResponseJSON. Binary fields stay base64url
//! text here; the verifiers decode them with limits.

use serde::{Deserialize, Serialize};

use super::base64url;
use super::error::{quoted, ErrorCode, VerifyError};
use super::limits::MAX_CREDENTIAL_ID;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationResponseJson {
    pub id: String,
    pub raw_id: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub response: AttestationResponseJson,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<String>,
    #[serde(default)]
    pub client_extension_results: serde_json::Value,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationResponseJson {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    pub attestation_object: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transports: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_algorithm: Option<i64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationResponseJson {
    pub id: String,
    pub raw_id: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub response: AssertionResponseJson,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<String>,
    #[serde(default)]
    pub client_extension_results: serde_json::Value,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssertionResponseJson {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    pub authenticator_data: String,
    pub signature: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_handle: Option<String>,
}

/// Check `type` is "public-key" and `id` equals `rawId`; returns the credential id bytes.
pub fn credential_id(type_: &str, id: &str, raw_id: &str) -> Result<Vec<u8>, VerifyError> {
    if type_ != "public-key" {
        return Err(VerifyError::malformed(format!("credential type is {}, not \"public-key\"", quoted(type_))));
    }
    let raw = base64url::decode(raw_id, 2 * MAX_CREDENTIAL_ID, "rawId")?;
    let id = base64url::decode(id, 2 * MAX_CREDENTIAL_ID, "id")?;
    if raw != id {
        return Err(VerifyError::new(ErrorCode::CredentialId, "id and rawId differ"));
    }
    // 7.1 step 25: credentialId at most 1023 bytes.
    if raw.len() > MAX_CREDENTIAL_ID {
        return Err(VerifyError::new(ErrorCode::CredentialIdLength, format!("credential id is {} bytes, more than {MAX_CREDENTIAL_ID}", raw.len())));
    }
    Ok(raw)
}
