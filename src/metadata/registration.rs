//! The AAGUID a registration response claims, read before it is verified so that its metadata
//! (attestation roots, status) can be looked up first. Only a lookup key: nothing is trusted
//! until the registration verifies.

use crate::webauthn::attestation_object::AttestationObject;
use crate::webauthn::authenticator_data::AuthenticatorData;
use crate::webauthn::base64url;
use crate::webauthn::limits::MAX_ATTESTATION_OBJECT;
use crate::webauthn::RegistrationResponseJson;

use super::provider_names::aaguid_string;

/// The hyphenated AAGUID of the response's attested credential; None when it does not parse
/// (verification will then refuse it anyway).
pub fn claimed_aaguid(response: &RegistrationResponseJson) -> Option<String> {
    let bytes = base64url::decode(&response.response.attestation_object, MAX_ATTESTATION_OBJECT, "attestationObject").ok()?;
    let object = AttestationObject::parse(&bytes).ok()?;
    let auth_data = AuthenticatorData::parse(&object.auth_data).ok()?;
    Some(aaguid_string(&auth_data.attested_credential?.aaguid))
}
