//! The admin API: who calls it (operator or application key), the application keys, and the
//! endpoints that create and configure applications.

pub mod api_keys;
pub mod caller;
pub mod endpoints;
