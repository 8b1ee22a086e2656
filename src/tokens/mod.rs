//! What the service hands out to prove something later: access tokens (JWTs), the hosted
//! sign-in page's hand-off codes, ceremony challenges, and the secrets (keys, codes, refresh tokens) stored only as
//! keyed hashes.

pub mod access_token;
pub mod challenge;
pub mod hand_off;
pub mod issuer;
pub mod secrets;
