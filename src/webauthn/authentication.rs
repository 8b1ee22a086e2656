//! Verifying an authentication assertion (WebAuthn L3 §7.2): every check of the response, in
//! the spec's order, then the signature by the stored credential key, handed to a
//! `SignatureVerifier` like every signature of a registration.

use super::authenticator_data::AuthenticatorData;
use super::base64url;
use super::client_data::{Ceremony, ClientDataExpectation};
use super::error::{ErrorCode, VerifyError};
use super::keys::CoseKey;
use super::limits::{MAX_AUTHENTICATOR_DATA, MAX_COSE_KEY, MAX_SIGNATURE, MAX_USER_HANDLE};
use super::options::UserVerification;
use super::response::ParsedAuthentication;
use super::signature::{SignatureCheck, SignatureVerifier};

/// What the Relying Party expects of an assertion, and what it stored at registration.
#[derive(Clone, Debug)]
pub struct AuthenticationPolicy<'a> {
    pub rp_id: &'a str,
    pub origins: &'a [String],
    pub allow_cross_origin: bool,
    pub top_origins: &'a [String],
    pub challenge: &'a [u8],
    pub user_verification: UserVerification,
    /// The stored credential public key (COSE_Key bytes).
    pub public_key_cose: &'a [u8],
    pub stored_sign_count: u32,
    /// The stored BE flag; when Some, the assertion's BE must equal it.
    pub backup_eligible: Option<bool>,
    /// The credential owner's user handle; when Some, a `userHandle` in the response must equal it.
    pub user_handle: Option<&'a [u8]>,
}

/// A verified authentication: what the Relying Party updates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedAuthentication {
    pub credential_id: Vec<u8>,
    pub sign_count: u32,
    pub user_verified: bool,
    pub backup_eligible: bool,
    pub backed_up: bool,
    /// The `userHandle` the authenticator returned, if any.
    pub user_handle: Option<Vec<u8>>,
}

/// [`verify_authentication_with`] of the JSON, checking the signature at once with the RustCrypto
/// crates.
#[cfg(feature = "rust-crypto")]
pub fn verify_authentication(
    resp: &super::response_json::AuthenticationResponseJson,
    policy: &AuthenticationPolicy,
) -> Result<VerifiedAuthentication, VerifyError> {
    verify_authentication_with(&ParsedAuthentication::parse(resp)?, policy, &super::rust_crypto::VerifyNow)
}

/// Verifies an assertion, handing its signature (the last check) to `verifier`: with a `Deferred`
/// verifier the result stands only once its pending check has passed.
pub fn verify_authentication_with(
    parsed: &ParsedAuthentication,
    policy: &AuthenticationPolicy,
    verifier: &dyn SignatureVerifier,
) -> Result<VerifiedAuthentication, VerifyError> {
    let resp = parsed.json();
    let credential_id = parsed.credential_id()?.to_vec();
    // 7.2 steps 7-9 (cData parsed) and 20 (its hash): `parsed`.
    let client_data = parsed.client_data();
    // 7.2 steps 10-14: type, challenge, origin, crossOrigin, topOrigin.
    client_data.check(&ClientDataExpectation {
        ceremony: Ceremony::Get,
        challenge: policy.challenge,
        origins: policy.origins,
        allow_cross_origin: policy.allow_cross_origin,
        top_origins: policy.top_origins,
    })?;
    let auth_data_raw = base64url::decode(&resp.response.authenticator_data, MAX_AUTHENTICATOR_DATA, "authenticatorData")?;
    let auth_data = AuthenticatorData::parse(&auth_data_raw)?;
    // 7.2 steps 15-18: rpIdHash, UP, UV, BS without BE.
    auth_data.check_rp_and_flags(policy.rp_id, policy.user_verification)?;
    // 7.2 step 19: BE as stored.
    check_backup_eligibility(&auth_data, policy.backup_eligible)?;
    // 7.2 step 6: the userHandle names the credential's owner.
    let user_handle = user_handle(resp.response.user_handle.as_deref(), policy.user_handle)?;
    // 7.2 step 22: signCount.
    check_sign_count(auth_data.sign_count, policy.stored_sign_count)?;
    if policy.public_key_cose.len() > MAX_COSE_KEY {
        return Err(VerifyError::new(ErrorCode::TooLarge, "stored public key too large"));
    }
    let key = CoseKey::from_cbor_exact(policy.public_key_cose)?;
    let signature = base64url::decode(&resp.response.signature, MAX_SIGNATURE, "signature")?;
    let mut signed_data = auth_data_raw;
    signed_data.extend_from_slice(&client_data.hash);
    // 7.2 step 21: sig over authData || hash, by the stored key.
    verifier.check(SignatureCheck::by_credential(&key, &signed_data, &signature))?;
    Ok(VerifiedAuthentication {
        credential_id,
        sign_count: auth_data.sign_count,
        user_verified: auth_data.flags.user_verified(),
        backup_eligible: auth_data.flags.backup_eligible(),
        backed_up: auth_data.flags.backed_up(),
        user_handle,
    })
}

/// A credential's backup eligibility never changes.
fn check_backup_eligibility(auth_data: &AuthenticatorData, stored: Option<bool>) -> Result<(), VerifyError> {
    match stored {
        Some(stored) if stored != auth_data.flags.backup_eligible() => Err(VerifyError::new(
            ErrorCode::BackupState,
            format!("BE flag is {}, the credential registered with {stored}", auth_data.flags.backup_eligible()),
        )),
        _ => Ok(()),
    }
}

/// The response's `userHandle` (an empty one counts as absent); when present and the owner is
/// known, it must be the owner's.
fn user_handle(received: Option<&str>, owner: Option<&[u8]>) -> Result<Option<Vec<u8>>, VerifyError> {
    let Some(text) = received.filter(|t| !t.is_empty()) else { return Ok(None) };
    let handle = base64url::decode(text, MAX_USER_HANDLE, "userHandle")?;
    if owner.is_some_and(|owner| owner != handle.as_slice()) {
        return Err(VerifyError::new(ErrorCode::UserHandle, "userHandle does not name the credential's owner"));
    }
    Ok(Some(handle))
}

/// When either counter is non-zero, the received one must be greater than the stored one
/// (WebAuthn L3 §7.2 step 22): a 0 after a counting authenticator's non-zero is a clone signal.
/// Both 0 means the authenticator does not count, as synced passkeys do.
fn check_sign_count(received: u32, stored: u32) -> Result<(), VerifyError> {
    if (received != 0 || stored != 0) && received <= stored {
        return Err(VerifyError::new(ErrorCode::SignCount, format!("signature counter {received} is not greater than the stored {stored}")));
    }
    Ok(())
}
