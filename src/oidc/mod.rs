//! OpenID Connect provider, the pure part: the OAuth client model, the checks of authorization
//! and token requests, the discovery document and the ID token's claims. No Worker types; the
//! Worker glue in `edge::oidc` stores clients and codes in D1 and answers the HTTP endpoints.

pub mod authorize;
pub mod client;
pub mod discovery;
pub mod error;
pub mod id_token;
pub mod token_request;
