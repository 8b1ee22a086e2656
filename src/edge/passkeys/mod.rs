//! Passkey management: the `credentials` table, recovery codes, and the endpoints where users
//! list, rename and remove their passkeys, replace their recovery codes, and operators reset them.

pub mod credentials;
pub mod endpoints;
pub mod recovery_codes;
