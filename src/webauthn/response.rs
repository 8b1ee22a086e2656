//! A response read once, before any check: its credential id and its `clientDataJSON` decoded,
//! so that the Relying Party finds the challenge and the credential from them (and the core does
//! not decode them again when it verifies).

use super::client_data::ClientData;
use super::error::VerifyError;
use super::response_json::{self, AuthenticationResponseJson, RegistrationResponseJson};

/// A parsed registration or authentication response (`R`: its JSON shape).
#[derive(Clone, Debug)]
pub struct ParsedResponse<'a, R> {
    json: &'a R,
    /// The outcome of the credential id's checks (`type`, `id` = `rawId`, length), kept for the
    /// verification to answer first.
    credential_id: Result<Vec<u8>, VerifyError>,
    client_data: ClientData,
}

/// A parsed `RegistrationResponseJSON`.
pub type ParsedRegistration<'a> = ParsedResponse<'a, RegistrationResponseJson>;
/// A parsed `AuthenticationResponseJSON`.
pub type ParsedAuthentication<'a> = ParsedResponse<'a, AuthenticationResponseJson>;

impl<'a> ParsedRegistration<'a> {
    /// Reads the credential id and decodes `clientDataJSON` (7.1 steps 5-6 and 12).
    pub fn parse(json: &'a RegistrationResponseJson) -> Result<ParsedRegistration<'a>, VerifyError> {
        ParsedResponse::read(json, &json.type_, &json.id, &json.raw_id, &json.response.client_data_json)
    }
}

impl<'a> ParsedAuthentication<'a> {
    /// Reads the credential id and decodes `clientDataJSON` (7.2 steps 7-9 and 20).
    pub fn parse(json: &'a AuthenticationResponseJson) -> Result<ParsedAuthentication<'a>, VerifyError> {
        ParsedResponse::read(json, &json.type_, &json.id, &json.raw_id, &json.response.client_data_json)
    }
}

impl<'a, R> ParsedResponse<'a, R> {
    /// Fails only when `clientDataJSON` does not parse (answering the credential id's error
    /// first, when it has one too): a bad credential id is answered by [`Self::credential_id`],
    /// once the Relying Party has taken the challenge.
    fn read(json: &'a R, type_: &str, id: &str, raw_id: &str, client_data_json: &str) -> Result<ParsedResponse<'a, R>, VerifyError> {
        let credential_id = response_json::credential_id(type_, id, raw_id);
        let client_data = match ClientData::from_base64url(client_data_json) {
            Ok(client_data) => client_data,
            Err(err) => return Err(credential_id.err().unwrap_or(err)),
        };
        Ok(ParsedResponse { json, credential_id, client_data })
    }

    /// The response as received.
    pub fn json(&self) -> &'a R {
        self.json
    }

    /// The challenge the credential signed (`clientDataJSON.challenge` decoded); None when it is
    /// not base64url.
    pub fn challenge(&self) -> Option<&[u8]> {
        self.client_data.challenge()
    }

    /// The credential id, once `type` is "public-key", `id` equals `rawId` and it is at most 1023
    /// bytes long (7.1 step 25).
    pub fn credential_id(&self) -> Result<&[u8], VerifyError> {
        self.credential_id.as_deref().map_err(Clone::clone)
    }

    /// The parsed client data and its hash.
    pub fn client_data(&self) -> &ClientData {
        &self.client_data
    }
}
