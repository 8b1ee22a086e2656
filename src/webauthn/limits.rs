//! Hard limits on untrusted input. Everything the core parses is checked against these before
//! (or while) it is decoded, so hostile input cannot make it allocate or loop without bound.

/// Largest `clientDataJSON`, decoded, in bytes.
pub const MAX_CLIENT_DATA_JSON: usize = 16 * 1024;
/// Largest attestation object, decoded, in bytes.
pub const MAX_ATTESTATION_OBJECT: usize = 48 * 1024;
/// Largest authenticator data, decoded, in bytes.
pub const MAX_AUTHENTICATOR_DATA: usize = 16 * 1024;
/// Largest assertion signature, decoded, in bytes (RSA-4096 is 512).
pub const MAX_SIGNATURE: usize = 1024;
/// Largest `userHandle` (WebAuthn: at most 64 bytes).
pub const MAX_USER_HANDLE: usize = 64;
/// Largest credential id (WebAuthn: at most 1023 bytes).
pub const MAX_CREDENTIAL_ID: usize = 1023;
/// Largest stored COSE public key, in bytes.
pub const MAX_COSE_KEY: usize = 2048;

/// Largest CBOR input decoded at once, in bytes.
pub const MAX_CBOR_INPUT: usize = MAX_ATTESTATION_OBJECT;
/// Deepest nesting of CBOR arrays, maps and tags.
pub const MAX_CBOR_DEPTH: usize = 16;
/// Most CBOR data items (every key, value and element counts) in one input.
pub const MAX_CBOR_ITEMS: usize = 4096;

/// RSA credential key sizes accepted, in bits.
pub const RSA_KEY_BITS: core::ops::RangeInclusive<usize> = 2048..=4096;
/// RSA modulus sizes accepted in certificates, in bits (a superset of [`RSA_KEY_BITS`]).
pub const CERTIFICATE_RSA_BITS: core::ops::RangeInclusive<usize> = 1024..=4096;

/// Most transports kept from a registration response, and the longest name kept.
pub const MAX_TRANSPORTS: usize = 8;
pub const MAX_TRANSPORT_NAME: usize = 32;

/// The base64url text length that decodes to at most `bytes` bytes (padding allowed).
pub const fn base64url_len_for(bytes: usize) -> usize {
    bytes.div_ceil(3) * 4
}
