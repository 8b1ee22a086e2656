//! The pure WebAuthn core: options, parsing and verification of registrations and
//! authentications. No Worker or JS types; compiles natively and for wasm32.

pub mod asn1;
pub mod attestation;
pub mod attestation_object;
pub mod authentication;
pub mod authenticator_data;
pub mod base64url;
pub mod cbor;
pub mod certificate;
pub mod client_data;
pub mod error;
pub mod keys;
pub mod limits;
pub mod options;
pub mod registration;
pub mod response;
pub mod response_json;
#[cfg(feature = "rust-crypto")]
pub mod rust_crypto;
pub mod signature;
pub mod web_crypto;

pub use attestation::{AttestationOutcome, AttestationType};
#[cfg(feature = "rust-crypto")]
pub use authentication::verify_authentication;
pub use authentication::{verify_authentication_with, AuthenticationPolicy, VerifiedAuthentication};
pub use certificate::Certificate;
pub use error::{ErrorCode, VerifyError};
pub use keys::{CoseAlgorithm, CoseKey, KeyKind, PublicKey};
pub use options::{
    creation_options, request_options, AttestationConveyance, AuthenticatorAttachment, CreationOptionsInput, CredentialDescriptor,
    RequestOptionsInput, ResidentKey, UserVerification, DEFAULT_ALGORITHMS,
};
#[cfg(feature = "rust-crypto")]
pub use registration::verify_registration;
pub use registration::{verify_registration_with, RegistrationPolicy, VerifiedRegistration};
pub use response::{ParsedAuthentication, ParsedRegistration, ParsedResponse};
pub use response_json::{AuthenticationResponseJson, RegistrationResponseJson};
pub use signature::{Deferred, Pending, SignatureCheck, SignatureVerifier};
