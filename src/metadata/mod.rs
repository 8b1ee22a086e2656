//! What is known of authenticators by AAGUID: today the names of passkey providers compiled in
//! (the fallback for synced passkeys).

pub mod provider_names;
