//! `CollectedClientData` (WebAuthn L3 §5.8.1): the JSON the browser signs over.

use serde::Deserialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::base64url;
use super::error::{quoted, ErrorCode, VerifyError};
use super::limits::MAX_CLIENT_DATA_JSON;

/// Longest challenge decoded from `clientDataJSON`, in bytes.
const MAX_CHALLENGE: usize = 1024;

/// The ceremony a `clientDataJSON` belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ceremony {
    Create,
    Get,
}

impl Ceremony {
    fn type_name(self) -> &'static str {
        match self {
            Ceremony::Create => "webauthn.create",
            Ceremony::Get => "webauthn.get",
        }
    }
}

/// What the client data must say: the parts of the policy it is checked against.
#[derive(Clone, Copy, Debug)]
pub struct ClientDataExpectation<'a> {
    pub ceremony: Ceremony,
    pub challenge: &'a [u8],
    pub origins: &'a [String],
    pub allow_cross_origin: bool,
    pub top_origins: &'a [String],
}

/// The fields of `clientDataJSON` the Relying Party checks; others are ignored.
#[derive(Clone, Debug, Deserialize)]
pub struct CollectedClientData {
    #[serde(rename = "type")]
    pub type_: String,
    pub challenge: String,
    pub origin: String,
    #[serde(rename = "crossOrigin", default)]
    pub cross_origin: Option<bool>,
    #[serde(rename = "topOrigin", default)]
    pub top_origin: Option<String>,
}

/// Parsed client data together with the hash the authenticator signed over.
#[derive(Clone, Debug)]
pub struct ClientData {
    pub collected: CollectedClientData,
    pub hash: [u8; 32],
    /// The challenge decoded (None when it is not base64url of at most 1024 bytes).
    challenge: Option<Vec<u8>>,
}

impl ClientData {
    /// Decode the base64url `clientDataJSON` of a response and parse it.
    pub fn from_base64url(text: &str) -> Result<ClientData, VerifyError> {
        let bytes = base64url::decode(text, MAX_CLIENT_DATA_JSON, "clientDataJSON")?;
        ClientData::from_bytes(&bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<ClientData, VerifyError> {
        // Parsed as text: the Worker's JSON parses all read a `&str` (one serde_json reader in its binary).
        let text = std::str::from_utf8(bytes).map_err(|_| VerifyError::malformed("clientDataJSON is not valid: not UTF-8"))?;
        let collected: CollectedClientData =
            serde_json::from_str(text).map_err(|e| VerifyError::malformed(format!("clientDataJSON is not valid: {e}")))?;
        // 7.1 step 12 / 7.2 step 20: hash (below); the challenge decoded once.
        let challenge = base64url::decode(&collected.challenge, MAX_CHALLENGE, "challenge").ok();
        Ok(ClientData { collected, hash: Sha256::digest(bytes).into(), challenge })
    }

    /// The challenge the credential signed, decoded; None when it is not base64url (no challenge
    /// the Relying Party issued).
    pub fn challenge(&self) -> Option<&[u8]> {
        self.challenge.as_deref()
    }

    /// Check type, challenge (constant time), origin and cross-origin use, in that order.
    pub fn check(&self, expect: &ClientDataExpectation) -> Result<(), VerifyError> {
        let data = &self.collected;
        // 7.1 step 7 / 7.2 step 10: type.
        if data.type_ != expect.ceremony.type_name() {
            return Err(VerifyError::new(
                ErrorCode::Type,
                format!("clientDataJSON.type is {}, expected {}", quoted(&data.type_), quoted(expect.ceremony.type_name())),
            ));
        }
        // 7.1 step 8 / 7.2 step 11: challenge.
        check_challenge(self.challenge(), expect.challenge)?;
        // 7.1 step 9 / 7.2 step 12: origin.
        if !expect.origins.contains(&data.origin) {
            return Err(VerifyError::new(ErrorCode::Origin, format!("origin {} is not allowed", quoted(&data.origin))));
        }
        self.check_cross_origin(expect)
    }

    /// `crossOrigin: true` and `topOrigin` need `allow_cross_origin`; a `topOrigin` must
    /// also be one of `top_origins`.
    fn check_cross_origin(&self, expect: &ClientDataExpectation) -> Result<(), VerifyError> {
        let data = &self.collected;
        let refused = |what: String| Err(VerifyError::new(ErrorCode::CrossOrigin, what));
        // 7.1 step 10 / 7.2 step 13: crossOrigin.
        if data.cross_origin == Some(true) && !expect.allow_cross_origin {
            return refused("cross-origin use is not allowed".into());
        }
        // 7.1 step 11 / 7.2 step 14: topOrigin.
        match &data.top_origin {
            Some(top) if !expect.allow_cross_origin => refused(format!("topOrigin {} is not allowed", quoted(top))),
            Some(top) if !expect.top_origins.iter().any(|allowed| allowed == top) => {
                refused(format!("topOrigin {} is not an allowed top origin", quoted(top)))
            }
            _ => Ok(()),
        }
    }
}

fn check_challenge(received: Option<&[u8]>, expected: &[u8]) -> Result<(), VerifyError> {
    let wrong = || VerifyError::new(ErrorCode::Challenge, "challenge does not match");
    let received = received.ok_or_else(wrong)?;
    if received.len() != expected.len() || !bool::from(received.ct_eq(expected)) {
        return Err(wrong());
    }
    Ok(())
}
