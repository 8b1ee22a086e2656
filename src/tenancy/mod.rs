//! Tenancy: applications (tenants), the recent lookups an isolate keeps of them, their passkey configuration and the web addresses they
//! own (and the hosts none may claim), and the one canonical form of their users' email addresses.

pub mod app_cache;
pub mod application;
pub mod branding;
pub mod email_address;
pub mod passkey_config;
pub mod related_origins;
pub mod reserved_hosts;
pub mod web_address;
