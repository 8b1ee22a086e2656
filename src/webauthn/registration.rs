//! Verifying a registration (WebAuthn L3 §7.1): every check of the response in the spec's order,
//! its signatures and new key handed to a `SignatureVerifier`.

use super::attestation::{self, AttestationInput, AttestationOutcome, AttestationType};
use super::attestation_object::AttestationObject;
use super::authenticator_data::{AttestedCredential, AuthenticatorData};
use super::base64url;
use super::certificate::{self, Certificate};
use super::client_data::{Ceremony, ClientDataExpectation};
use super::error::{ErrorCode, VerifyError};
use super::limits::{MAX_ATTESTATION_OBJECT, MAX_TRANSPORTS, MAX_TRANSPORT_NAME};
use super::options::{AttestationConveyance, UserVerification};
use super::response::ParsedRegistration;
use super::signature::SignatureVerifier;

/// What the Relying Party expects of a registration.
#[derive(Clone, Debug)]
pub struct RegistrationPolicy<'a> {
    pub rp_id: &'a str,
    /// Exact origins allowed in `clientDataJSON`.
    pub origins: &'a [String],
    /// Whether `crossOrigin: true` / a `topOrigin` may appear at all.
    pub allow_cross_origin: bool,
    /// Allowed `topOrigin` values (only with `allow_cross_origin`).
    pub top_origins: &'a [String],
    pub challenge: &'a [u8],
    pub user_verification: UserVerification,
    /// COSE algorithms accepted for the credential key.
    pub allowed_algorithms: &'a [i64],
    /// With `None` no trust is required; otherwise a chain must reach `trust_anchors` when any
    /// are given. The statement is always checked.
    pub attestation: AttestationConveyance,
    pub trust_anchors: &'a [Certificate],
    /// Certificate validity is checked at this time when Some.
    pub now_unix: Option<u64>,
}

/// A verified registration: what the Relying Party stores.
#[derive(Clone, Debug)]
pub struct VerifiedRegistration {
    pub credential_id: Vec<u8>,
    /// The credential public key, COSE_Key bytes as in the authenticator data.
    pub public_key_cose: Vec<u8>,
    pub alg: i64,
    pub fmt: String,
    pub aaguid: [u8; 16],
    pub sign_count: u32,
    pub user_present: bool,
    pub user_verified: bool,
    pub backup_eligible: bool,
    pub backed_up: bool,
    pub attestation_type: AttestationType,
    pub trust_path: Vec<Vec<u8>>,
    pub transports: Vec<String>,
}

/// [`verify_registration_with`] of the JSON, checking every signature at once with the RustCrypto
/// crates.
#[cfg(feature = "rust-crypto")]
pub fn verify_registration(
    resp: &super::response_json::RegistrationResponseJson,
    policy: &RegistrationPolicy,
) -> Result<VerifiedRegistration, VerifyError> {
    verify_registration_with(&ParsedRegistration::parse(resp)?, policy, &super::rust_crypto::VerifyNow)
}

/// Verifies a registration, handing every signature (and the new credential key) to `verifier`:
/// with a `Deferred` verifier the result stands only once all its pending checks have passed.
pub fn verify_registration_with(
    parsed: &ParsedRegistration,
    policy: &RegistrationPolicy,
    verifier: &dyn SignatureVerifier,
) -> Result<VerifiedRegistration, VerifyError> {
    let resp = parsed.json();
    let credential_id = parsed.credential_id()?.to_vec();
    // 7.1 steps 5-6 (C parsed) and 12 (its hash): `parsed`.
    let client_data = parsed.client_data();
    // 7.1 steps 7-11: type, challenge, origin, crossOrigin, topOrigin.
    client_data.check(&ClientDataExpectation {
        ceremony: Ceremony::Create,
        challenge: policy.challenge,
        origins: policy.origins,
        allow_cross_origin: policy.allow_cross_origin,
        top_origins: policy.top_origins,
    })?;
    let object_bytes = base64url::decode(&resp.response.attestation_object, MAX_ATTESTATION_OBJECT, "attestationObject")?;
    // 7.1 step 13: fmt, authData, attStmt.
    let object = AttestationObject::parse(&object_bytes)?;
    let auth_data = AuthenticatorData::parse(&object.auth_data)?;
    // 7.1 steps 14-17: rpIdHash, UP, UV, BS without BE.
    auth_data.check_rp_and_flags(policy.rp_id, policy.user_verification)?;
    let credential = attested_credential(&auth_data, &credential_id, policy)?;
    verifier.check_key(&credential.public_key)?;
    // 7.1 steps 21-22: the format, and its verification procedure.
    let outcome = attestation::verify(
        &object.fmt,
        &AttestationInput {
            att_stmt: &object.att_stmt,
            auth_data_raw: &object.auth_data,
            auth_data: &auth_data,
            client_data_hash: &client_data.hash,
            credential_public_key: &credential.public_key,
            now_unix: policy.now_unix,
            verifier,
        },
    )?;
    // 7.1 steps 23-24: trust anchors, trustworthiness.
    check_trust(&outcome, policy, verifier)?;
    Ok(VerifiedRegistration {
        credential_id,
        public_key_cose: credential.public_key_cbor.clone(),
        alg: credential.public_key.alg().id(),
        fmt: object.fmt,
        aaguid: credential.aaguid,
        sign_count: auth_data.sign_count,
        user_present: auth_data.flags.user_present(),
        user_verified: auth_data.flags.user_verified(),
        backup_eligible: auth_data.flags.backup_eligible(),
        backed_up: auth_data.flags.backed_up(),
        attestation_type: outcome.attestation_type,
        trust_path: outcome.trust_path,
        transports: transports(resp.response.transports.as_deref().unwrap_or_default()),
    })
}

/// The attested credential: present, with the response's credential id and an allowed algorithm.
fn attested_credential<'a>(
    auth_data: &'a AuthenticatorData,
    credential_id: &[u8],
    policy: &RegistrationPolicy,
) -> Result<&'a AttestedCredential, VerifyError> {
    // The parser reads attested credential data exactly when the AT flag is set.
    let credential = auth_data
        .attested_credential
        .as_ref()
        .ok_or_else(|| VerifyError::new(ErrorCode::AttestedCredentialData, "registration without attested credential data (AT flag)"))?;
    if credential.credential_id != credential_id {
        return Err(VerifyError::new(ErrorCode::CredentialId, "credential id differs from the authenticator data's"));
    }
    // 7.1 step 20: alg is one of pubKeyCredParams'.
    if !policy.allowed_algorithms.contains(&credential.public_key.alg().id()) {
        return Err(VerifyError::new(ErrorCode::Algorithm, format!("credential algorithm {} is not allowed", credential.public_key.alg().id())));
    }
    Ok(credential)
}

/// With trust anchors configured and attestation requested, the trust path must reach one.
fn check_trust(outcome: &AttestationOutcome, policy: &RegistrationPolicy, verifier: &dyn SignatureVerifier) -> Result<(), VerifyError> {
    if policy.trust_anchors.is_empty() || policy.attestation == AttestationConveyance::None {
        return Ok(());
    }
    if outcome.trust_path.is_empty() {
        return Err(VerifyError::new(
            ErrorCode::UntrustedAttestation,
            format!("{} attestation has no certificate chain to trust", outcome.attestation_type.as_str()),
        ));
    }
    let chain = certificate::parse_chain(outcome.trust_path.iter().map(Vec::as_slice))?;
    certificate::chains_to_anchor(&chain, policy.trust_anchors, policy.now_unix, verifier)
}

/// The transports the browser reported, bounded in number and length.
fn transports(reported: &[String]) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for transport in reported.iter().filter(|t| !t.is_empty() && t.len() <= MAX_TRANSPORT_NAME) {
        if kept.len() < MAX_TRANSPORTS && !kept.contains(transport) {
            kept.push(transport.clone());
        }
    }
    kept
}
