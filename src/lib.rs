//! Authaz Edge: a passkey (WebAuthn) sign-in provider that runs as one Cloudflare Worker.
//!
//! The verification core and the other pure modules compile natively (tests, `authaz-verify`)
//! and for wasm32; the Worker glue in `edge` exists only on wasm32.

pub mod aaguid_names;
pub mod api_error;
pub mod application;
pub mod authorization_code;
pub mod email_address;
pub mod hosted_pages;
pub mod jwt;
pub mod mail_message;
pub mod secrets;
pub mod time_format;
pub mod verification_mail;
pub mod webauthn;

#[cfg(target_arch = "wasm32")]
mod edge;
