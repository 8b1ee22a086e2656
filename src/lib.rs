//! Authaz Edge: a passkey (WebAuthn) sign-in provider that runs as one Cloudflare Worker.
//!
//! Two floors. The pure modules compile natively (tests, `authaz-verify`, the bench) and for
//! wasm32, and know nothing of the Worker: `webauthn` (the verification core), `contract` (the
//! HTTP contract's errors, routes and formats), `events` (the audit trail's event types), `tenancy` (applications and their users'
//! addresses), `tokens` (access tokens, hand-off codes, secrets), `mail` (the messages sent), `i18n` (languages and their catalogues),
//! `metadata` (what is known of authenticators), `webhooks` (signing and the rules of webhook endpoints), `hosted_pages` (the pages' HTML). The Worker
//! glue in `edge` exists only on wasm32 and owns every I/O: routing, D1, Durable Objects, mail.
//! No pure module imports `edge`.

pub mod contract;
pub mod events;
pub mod hosted_pages;
pub mod i18n;
pub mod mail;
pub mod metadata;
pub mod oidc;
pub mod tenancy;
pub mod tokens;
pub mod webauthn;
pub mod webhooks;

#[cfg(target_arch = "wasm32")]
mod edge;
