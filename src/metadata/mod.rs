//! What is known of authenticators by AAGUID: today the names of passkey providers compiled in
//! (the fallback for synced passkeys), and how far an attestation vouches for its authenticator.

pub mod attestation_trust;
pub mod provider_names;
