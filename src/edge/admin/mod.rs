//! The admin API: who calls it (operator or application key), the application keys, and the
//! endpoints that create and configure applications and rotate and revoke their keys.

pub mod api_keys;
pub mod caller;
pub mod endpoints;
pub mod key_rotation;
