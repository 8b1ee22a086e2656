//! The one error type of the verification core: which check failed, and a human message.

use core::fmt;

/// The check that failed. `as_str()` names are stable: they appear in `authaz-verify` output
/// and in logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Input that does not parse (JSON, base64url, CBOR, authenticator data, COSE key, ...).
    Malformed,
    /// Input over a hard size or count limit.
    TooLarge,
    /// `clientDataJSON.type` is not the ceremony's.
    Type,
    /// `clientDataJSON.challenge` is not the expected challenge.
    Challenge,
    /// `clientDataJSON.origin` is not an allowed origin.
    Origin,
    /// `crossOrigin` or `topOrigin` present but not allowed.
    CrossOrigin,
    /// `rpIdHash` is not SHA-256 of the RP ID.
    RpIdHash,
    /// The UP flag is not set.
    UserPresent,
    /// User verification was required and the UV flag is not set.
    UserVerified,
    /// Algorithm not allowed or not supported, or a key that does not fit its algorithm.
    Algorithm,
    /// BS without BE, or BE differs from the stored credential's.
    BackupState,
    /// The signature counter did not grow.
    SignCount,
    /// A signature does not verify.
    Signature,
    /// AT flag missing or no attested credential data on registration.
    AttestedCredentialData,
    /// The attestation statement is not valid for its format.
    Attestation,
    /// Unknown or unsupported attestation statement format.
    AttestationFormat,
    /// A certificate is invalid (parse, validity period, chain).
    Certificate,
    /// Trust anchors are configured and the attestation does not chain to one.
    UntrustedAttestation,
    /// The credential id of the response differs from the one in the authenticator data
    /// (or `id` differs from `rawId`).
    CredentialId,
    /// The credential id is longer than 1023 bytes.
    CredentialIdLength,
    /// The assertion's `userHandle` does not name the credential's owner.
    UserHandle,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Malformed => "malformed",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::Type => "type",
            ErrorCode::Challenge => "challenge",
            ErrorCode::Origin => "origin",
            ErrorCode::CrossOrigin => "cross_origin",
            ErrorCode::RpIdHash => "rp_id_hash",
            ErrorCode::UserPresent => "user_present",
            ErrorCode::UserVerified => "user_verified",
            ErrorCode::Algorithm => "algorithm",
            ErrorCode::BackupState => "backup_state",
            ErrorCode::SignCount => "sign_count",
            ErrorCode::Signature => "signature",
            ErrorCode::AttestedCredentialData => "attested_credential_data",
            ErrorCode::Attestation => "attestation",
            ErrorCode::AttestationFormat => "attestation_format",
            ErrorCode::Certificate => "certificate",
            ErrorCode::UntrustedAttestation => "untrusted_attestation",
            ErrorCode::CredentialId => "credential_id",
            ErrorCode::CredentialIdLength => "credential_id_length",
            ErrorCode::UserHandle => "user_handle",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed verification: the check (`code`) and what exactly was wrong (`message`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    pub code: ErrorCode,
    pub message: String,
}

impl VerifyError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> VerifyError {
        VerifyError { code, message: message.into() }
    }

    pub fn malformed(message: impl Into<String>) -> VerifyError {
        VerifyError::new(ErrorCode::Malformed, message)
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for VerifyError {}

/// `text` in double quotes with JSON escapes, for naming a received value in a message (the same
/// as `{:?}` of a string, but without Debug formatting, which the Worker build compiles out).
pub fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| String::from("\"?\""))
}
