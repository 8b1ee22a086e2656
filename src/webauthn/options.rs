//! WebAuthn Level 3 options JSON (`PublicKeyCredentialCreationOptionsJSON` and
//! `PublicKeyCredentialRequestOptionsJSON`), as `PublicKeyCredential.parseCreationOptionsFromJSON`
//! and @simplewebauthn/browser take them.

use serde::{Deserialize, Serialize};

use super::base64url;
use super::keys::CoseAlgorithm;

/// The algorithms offered by default, in order of preference: EdDSA, ES256, RS256.
pub const DEFAULT_ALGORITHMS: [i64; 3] = [CoseAlgorithm::EdDsa.id(), CoseAlgorithm::Es256.id(), CoseAlgorithm::Rs256.id()];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserVerification {
    Required,
    Preferred,
    Discouraged,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResidentKey {
    Required,
    Preferred,
    Discouraged,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttestationConveyance {
    None,
    Indirect,
    Direct,
    Enterprise,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthenticatorAttachment {
    Platform,
    CrossPlatform,
}

/// A credential to exclude (registration) or allow (authentication).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialDescriptor {
    pub id: Vec<u8>,
    pub transports: Vec<String>,
}

/// What the Relying Party decides for a registration.
#[derive(Clone, Debug)]
pub struct CreationOptionsInput<'a> {
    pub challenge: &'a [u8],
    pub rp_id: &'a str,
    pub rp_name: &'a str,
    /// The opaque user handle (random bytes, never the email).
    pub user_id: &'a [u8],
    pub user_name: &'a str,
    pub user_display_name: &'a str,
    /// COSE algorithms in order of preference (see [`DEFAULT_ALGORITHMS`]).
    pub algorithms: &'a [i64],
    pub timeout_ms: u32,
    pub exclude_credentials: &'a [CredentialDescriptor],
    pub resident_key: ResidentKey,
    pub user_verification: UserVerification,
    pub authenticator_attachment: Option<AuthenticatorAttachment>,
    pub attestation: AttestationConveyance,
    /// "security-key", "client-device", "hybrid"; empty for none.
    pub hints: &'a [String],
}

/// What the Relying Party decides for an authentication.
#[derive(Clone, Debug)]
pub struct RequestOptionsInput<'a> {
    pub challenge: &'a [u8],
    pub rp_id: &'a str,
    pub allow_credentials: &'a [CredentialDescriptor],
    pub user_verification: UserVerification,
    pub timeout_ms: u32,
    pub hints: &'a [String],
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreationOptionsJson {
    pub challenge: String,
    pub rp: RpJson,
    pub user: UserJson,
    pub pub_key_cred_params: Vec<CredentialParameterJson>,
    pub timeout: u32,
    pub exclude_credentials: Vec<CredentialDescriptorJson>,
    pub authenticator_selection: AuthenticatorSelectionJson,
    pub attestation: AttestationConveyance,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
    pub extensions: CreationExtensionsJson,
}

#[derive(Clone, Debug, Serialize)]
pub struct RpJson {
    pub id: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserJson {
    pub id: String,
    pub name: String,
    pub display_name: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct CredentialParameterJson {
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub alg: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct CredentialDescriptorJson {
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transports: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorSelectionJson {
    pub resident_key: ResidentKey,
    pub require_resident_key: bool,
    pub user_verification: UserVerification,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<AuthenticatorAttachment>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreationExtensionsJson {
    pub cred_props: bool,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestOptionsJson {
    pub challenge: String,
    pub rp_id: String,
    pub allow_credentials: Vec<CredentialDescriptorJson>,
    pub user_verification: UserVerification,
    pub timeout: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
}

fn descriptors(credentials: &[CredentialDescriptor]) -> Vec<CredentialDescriptorJson> {
    credentials
        .iter()
        .map(|c| CredentialDescriptorJson { type_: "public-key", id: base64url::encode(&c.id), transports: c.transports.clone() })
        .collect()
}

pub fn creation_options(input: &CreationOptionsInput) -> CreationOptionsJson {
    CreationOptionsJson {
        challenge: base64url::encode(input.challenge),
        rp: RpJson { id: input.rp_id.to_owned(), name: input.rp_name.to_owned() },
        user: UserJson { id: base64url::encode(input.user_id), name: input.user_name.to_owned(), display_name: input.user_display_name.to_owned() },
        pub_key_cred_params: input.algorithms.iter().map(|&alg| CredentialParameterJson { type_: "public-key", alg }).collect(),
        timeout: input.timeout_ms,
        exclude_credentials: descriptors(input.exclude_credentials),
        authenticator_selection: AuthenticatorSelectionJson {
            resident_key: input.resident_key,
            require_resident_key: input.resident_key == ResidentKey::Required,
            user_verification: input.user_verification,
            authenticator_attachment: input.authenticator_attachment,
        },
        attestation: input.attestation,
        hints: input.hints.to_vec(),
        extensions: CreationExtensionsJson { cred_props: true },
    }
}

pub fn request_options(input: &RequestOptionsInput) -> RequestOptionsJson {
    RequestOptionsJson {
        challenge: base64url::encode(input.challenge),
        rp_id: input.rp_id.to_owned(),
        allow_credentials: descriptors(input.allow_credentials),
        user_verification: input.user_verification,
        timeout: input.timeout_ms,
        hints: input.hints.to_vec(),
    }
}
