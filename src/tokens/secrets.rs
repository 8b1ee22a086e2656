//! Secrets the service hands out or checks: API keys, email codes, recovery codes, tokens.
//!
//! They are stored only as keyed hashes (`keyed_hash`, HMAC-SHA256 keyed by the Worker secret
//! `AUTHAZ_HMAC_KEY` and separated by purpose, so a hash made for one use never matches another)
//! and compared in constant time. Random values come from a `RandomSource`: the system's
//! (`getrandom`) inside request handling, a fixed one in tests.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The system's random generator could not deliver bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RandomUnavailable;

/// Where random bytes come from.
pub trait RandomSource {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomUnavailable>;
}

/// The operating system's (or, on wasm32, the Web Crypto) cryptographic generator.
pub struct SystemRandom;

impl RandomSource for SystemRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomUnavailable> {
        getrandom::fill(buf).map_err(|_| RandomUnavailable)
    }
}

/// HMAC-SHA256 of `secret` keyed by `hmac_key`, as lowercase hex. The purpose (e.g. "api-key",
/// "email-code") is bound into the MAC input with its length, so equal secrets of different
/// purposes hash differently and no (purpose, secret) pair can imitate another.
pub fn keyed_hash(hmac_key: &[u8], purpose: &str, secret: &str) -> String {
    hex(&hmac_sha256(hmac_key, &[&(purpose.len() as u64).to_be_bytes(), purpose.as_bytes(), secret.as_bytes()]))
}

/// HMAC-SHA256 of `parts`, one after the other, keyed by `hmac_key` (compiled once for every
/// keyed hash of the Worker).
#[inline(never)]
pub fn hmac_sha256(hmac_key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes keys of any length: `new_from_slice` cannot fail for it.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(hmac_key) else { unreachable!("HMAC accepts keys of every length") };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Compares two secrets in time that depends on neither their contents nor where they differ.
/// Both sides are hashed first, so unequal lengths take the same path as unequal contents.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let da = Sha256::digest(a);
    let db = Sha256::digest(b);
    bool::from(da.as_slice().ct_eq(db.as_slice()))
}

/// `prefix` followed by `n_bytes` random bytes in base64url without padding.
pub fn random_token(rng: &mut impl RandomSource, prefix: &str, n_bytes: usize) -> Result<String, RandomUnavailable> {
    let mut bytes = vec![0u8; n_bytes];
    rng.fill(&mut bytes)?;
    Ok(format!("{prefix}{}", URL_SAFE_NO_PAD.encode(&bytes)))
}

/// A six-digit code ("004217"), uniform over 000000..=999999: values of the 32-bit draw at or
/// above the largest multiple of 10^6 are drawn again, so no code is more likely than another.
pub fn six_digit_code(rng: &mut impl RandomSource) -> Result<String, RandomUnavailable> {
    const RANGE: u32 = 1_000_000;
    const LIMIT: u32 = u32::MAX - (u32::MAX % RANGE) - 1; // 4_293_999_999: draws above it are redrawn
    loop {
        let mut buf = [0u8; 4];
        rng.fill(&mut buf)?;
        let draw = u32::from_be_bytes(buf);
        if draw <= LIMIT {
            return Ok(format!("{:06}", draw % RANGE));
        }
    }
}

/// Letters and digits that cannot be mistaken for one another (no 0/o, 1/l/i).
const RECOVERY_ALPHABET: &[u8; 31] = b"23456789abcdefghjkmnpqrstuvwxyz";
const RECOVERY_GROUPS: usize = 3;
const RECOVERY_GROUP_LEN: usize = 4;

/// A recovery code `xxxx-xxxx-xxxx` from `RECOVERY_ALPHABET` (about 59 bits), every character
/// drawn without bias (bytes at or above 248 = 8 * 31 are drawn again).
pub fn recovery_code(rng: &mut impl RandomSource) -> Result<String, RandomUnavailable> {
    let n = RECOVERY_ALPHABET.len();
    let limit = (256 / n * n) as u16;
    let mut chars = Vec::with_capacity(RECOVERY_GROUPS * RECOVERY_GROUP_LEN);
    let mut buf = [0u8; 16];
    while chars.len() < RECOVERY_GROUPS * RECOVERY_GROUP_LEN {
        rng.fill(&mut buf)?;
        for &b in &buf {
            if (b as u16) < limit && chars.len() < RECOVERY_GROUPS * RECOVERY_GROUP_LEN {
                chars.push(RECOVERY_ALPHABET[b as usize % n]);
            }
        }
    }
    Ok(group_recovery_code(&chars))
}

/// The canonical form of a recovery code a user typed: case, spaces and dashes do not matter.
/// `None` when it cannot be a recovery code (wrong length or a character outside the alphabet).
pub fn normalize_recovery_code(input: &str) -> Option<String> {
    let chars: Vec<u8> = input.bytes().filter(|b| !b.is_ascii_whitespace() && *b != b'-').map(|b| b.to_ascii_lowercase()).collect();
    if chars.len() != RECOVERY_GROUPS * RECOVERY_GROUP_LEN || !chars.iter().all(|c| RECOVERY_ALPHABET.contains(c)) {
        return None;
    }
    Some(group_recovery_code(&chars))
}

fn group_recovery_code(chars: &[u8]) -> String {
    chars.chunks(RECOVERY_GROUP_LEN).map(|group| group.iter().map(|&c| c as char).collect::<String>()).collect::<Vec<_>>().join("-")
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0x0f) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out the given bytes in order, then fails.
    struct Scripted(Vec<u8>);
    impl RandomSource for Scripted {
        fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomUnavailable> {
            if self.0.len() < buf.len() {
                return Err(RandomUnavailable);
            }
            let rest = self.0.split_off(buf.len());
            buf.copy_from_slice(&self.0);
            self.0 = rest;
            Ok(())
        }
    }

    #[test]
    fn keyed_hash_separates_purposes_and_keys() {
        // HMAC-SHA256 of (len(purpose) as u64 BE || purpose || secret) keyed by "key".
        let h = keyed_hash(b"key", "api-key", "s3cret");
        assert_eq!(h.len(), 64);
        assert!(h.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(h, keyed_hash(b"key", "api-key", "s3cret"));
        assert_ne!(h, keyed_hash(b"key", "email-code", "s3cret"));
        assert_ne!(h, keyed_hash(b"other key", "api-key", "s3cret"));
        // Moving bytes between purpose and secret changes the hash.
        assert_ne!(keyed_hash(b"k", "ab", "c"), keyed_hash(b"k", "a", "bc"));
    }

    #[test]
    fn keyed_hash_is_hmac_sha256() {
        // RFC 4231 test case 2 shape, computed over our framed input by an independent HMAC:
        let mut input = Vec::new();
        input.extend_from_slice(&3u64.to_be_bytes());
        input.extend_from_slice(b"abc");
        input.extend_from_slice(b"what do ya want for nothing?");
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"Jefe").unwrap();
        mac.update(&input);
        assert_eq!(keyed_hash(b"Jefe", "abc", "what do ya want for nothing?"), hex(&mac.finalize().into_bytes()));
        // And plain HMAC-SHA256 itself is the real one (RFC 4231, test case 2).
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(hex(&mac.finalize().into_bytes()), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn keyed_hash_takes_long_and_empty_keys() {
        assert_eq!(keyed_hash(&[7u8; 200], "p", "s").len(), 64);
        assert_eq!(keyed_hash(b"", "p", "s").len(), 64);
    }

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn random_token_is_prefix_plus_base64url() {
        let mut rng = Scripted(vec![0xfb, 0xff, 0x00]);
        assert_eq!(random_token(&mut rng, "ak_", 3).unwrap(), "ak_-_8A");
        let mut rng = Scripted(vec![]);
        assert_eq!(random_token(&mut rng, "ak_", 1), Err(RandomUnavailable));
    }

    #[test]
    fn system_random_fills() {
        let a = random_token(&mut SystemRandom, "", 32).unwrap();
        let b = random_token(&mut SystemRandom, "", 32).unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }

    #[test]
    fn six_digit_code_pads_and_redraws_the_biased_tail() {
        let mut rng = Scripted(42u32.to_be_bytes().to_vec());
        assert_eq!(six_digit_code(&mut rng).unwrap(), "000042");
        // 4_294_000_000 and above would favour 000000..=967295: redrawn.
        let mut bytes = 4_294_000_000u32.to_be_bytes().to_vec();
        bytes.extend_from_slice(&u32::MAX.to_be_bytes());
        bytes.extend_from_slice(&4_293_999_999u32.to_be_bytes());
        let mut rng = Scripted(bytes);
        assert_eq!(six_digit_code(&mut rng).unwrap(), "999999");
        assert_eq!(six_digit_code(&mut Scripted(vec![])), Err(RandomUnavailable));
    }

    #[test]
    fn six_digit_codes_look_right() {
        for _ in 0..200 {
            let code = six_digit_code(&mut SystemRandom).unwrap();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn recovery_code_format_and_bias_rejection() {
        // 248..=255 are skipped; 0 -> '2', 30 -> 'z', 31 -> '2' (31 % 31).
        let mut bytes = vec![248, 255, 0, 30, 31, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
        bytes.extend_from_slice(&[0u8; 16]);
        let code = recovery_code(&mut Scripted(bytes)).unwrap();
        assert_eq!(code, "2z23-4567-89ab");
        for _ in 0..50 {
            let code = recovery_code(&mut SystemRandom).unwrap();
            assert_eq!(normalize_recovery_code(&code).as_deref(), Some(code.as_str()));
        }
    }

    #[test]
    fn recovery_codes_normalize() {
        assert_eq!(normalize_recovery_code(" ABCD efgh-JKMN ").as_deref(), Some("abcd-efgh-jkmn"));
        assert_eq!(normalize_recovery_code("abcdefghjkmn").as_deref(), Some("abcd-efgh-jkmn"));
        assert_eq!(normalize_recovery_code("abcd-efgh-jkm"), None);
        assert_eq!(normalize_recovery_code("abcd-efgh-jkmno"), None);
        assert_eq!(normalize_recovery_code("abcd-efgh-jkm0"), None); // 0 is not in the alphabet
        assert_eq!(normalize_recovery_code("abcd-efgh-jkmé"), None);
        assert_eq!(normalize_recovery_code(""), None);
    }

    #[test]
    fn hex_encodes() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }
}
