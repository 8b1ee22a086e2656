//! What is known of authenticators by AAGUID: the names of passkey providers compiled in (the
//! fallback for synced passkeys), how far an attestation vouches for its authenticator, and the
//! FIDO Metadata Service (MDS3): its signed BLOB, the entries kept of it, how they are shown, and
//! the applications' authenticator policies.

pub mod attestation_trust;
pub mod blob;
pub mod display;
pub mod policy;
pub mod provider_names;
pub mod registration;
pub mod statement;
