//! Ceremony challenges and the Durable Object that holds each: a challenge names its holder, and
//! proves it was issued here.
//!
//! A challenge is 32 bytes: the first two name the edge location that issued it (the first two
//! bytes of the SHA-256 of its IATA code, `request.cf.colo`), the last eight authenticate the
//! rest (a MAC keyed by the Worker's HMAC key), and the 22 between are random (176 bits; WebAuthn
//! asks for at least 128). The holder is one of `SHARDS_PER_LOCATION` Durable Objects of that
//! location, chosen by the (random) top four bits of the third byte: a Durable Object is placed
//! where it is first used, so each location's holders sit near it, and a complete finds its
//! start's holder from the signed challenge alone, wherever it arrives. A challenge this Worker
//! did not issue fails the MAC and reaches no holder: made-up challenges cannot crowd one.
//!
//! Why not one Durable Object per challenge: every new object costs its creation (measured by
//! `bench/op_costs.mjs`: a call to a new object about 3 ms of runtime CPU, to a live one 0.7 ms);
//! a location's holders stay live while it serves ceremonies.

use sha2::{Digest, Sha256};

use super::secrets::{constant_time_eq, hmac_sha256};

/// Bytes of a challenge (contract: 32 bytes).
pub const CHALLENGE_LEN: usize = 32;
/// Holders per edge location: the random top four bits of the challenge's third byte.
pub const SHARDS_PER_LOCATION: usize = 16;
/// A holder forgets its entries in sweeps at whole minutes: one alarm a minute at most.
const SWEEP_GRANULARITY_MS: i64 = 60_000;

/// Bytes of the MAC that ends a challenge.
const MAC_LEN: usize = 8;
const MAC_PURPOSE: &[u8] = b"authaz challenge v1";

/// A challenge made of `random` bytes: its first two name `location` (an edge location's code;
/// any text, "" when unknown), its last eight are the MAC of the rest under `hmac_key`.
pub fn issue(mut random: [u8; CHALLENGE_LEN], location: &str, hmac_key: &[u8]) -> [u8; CHALLENGE_LEN] {
    let tag = Sha256::digest(location.as_bytes());
    random[..2].copy_from_slice(&tag[..2]);
    let mac = mac(hmac_key, &random[..CHALLENGE_LEN - MAC_LEN]);
    random[CHALLENGE_LEN - MAC_LEN..].copy_from_slice(&mac);
    random
}

/// Whether `challenge` is one [`issue`] made with `hmac_key` (its MAC compared in constant time).
pub fn is_issued(challenge: &[u8], hmac_key: &[u8]) -> bool {
    challenge.len() == CHALLENGE_LEN && constant_time_eq(&mac(hmac_key, &challenge[..CHALLENGE_LEN - MAC_LEN]), &challenge[CHALLENGE_LEN - MAC_LEN..])
}

fn mac(hmac_key: &[u8], body: &[u8]) -> [u8; MAC_LEN] {
    let mut out = [0u8; MAC_LEN];
    out.copy_from_slice(&hmac_sha256(hmac_key, &[MAC_PURPOSE, body])[..MAC_LEN]);
    out
}

/// The name of the Durable Object that holds `challenge` (a holder of the location that issued
/// it); `None` when it is not a challenge's length. Five hex digits.
pub fn holder_name(challenge: &[u8]) -> Option<String> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match challenge {
        // Written out rather than `format!("{:02x}")`, whose padding code costs the wasm ~1 KiB.
        [a, b, c, ..] if challenge.len() == CHALLENGE_LEN => {
            Some([a >> 4, a & 15, b >> 4, b & 15, c >> 4].iter().map(|&n| char::from(HEX[usize::from(n)])).collect())
        }
        _ => None,
    }
}

/// When the sweep that forgets an entry due at `forget_at_ms` runs: the next whole minute.
pub fn sweep_at(forget_at_ms: i64) -> i64 {
    forget_at_ms.saturating_add(SWEEP_GRANULARITY_MS - 1).div_euclid(SWEEP_GRANULARITY_MS).saturating_mul(SWEEP_GRANULARITY_MS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn random(seed: u8) -> [u8; CHALLENGE_LEN] {
        let mut bytes = [0u8; CHALLENGE_LEN];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = seed.wrapping_mul(31).wrapping_add(i as u8).wrapping_mul(151);
        }
        bytes
    }

    const KEY: &[u8] = b"a test key of the worker, 32 chars";

    #[test]
    fn a_challenge_is_a_location_tag_random_bytes_and_a_mac() {
        let bytes = random(7);
        let challenge = issue(bytes, "FRA", KEY);
        assert_eq!(challenge.len(), CHALLENGE_LEN);
        assert_eq!(challenge[..2], Sha256::digest(b"FRA")[..2]);
        assert_eq!(challenge[2..24], bytes[2..24], "22 random bytes kept");
        assert_ne!(challenge[24..], bytes[24..], "the last 8 are the MAC");
        assert!(is_issued(&challenge, KEY));
    }

    #[test]
    fn only_challenges_issued_with_the_key_pass() {
        let challenge = issue(random(3), "FRA", KEY);
        assert!(!is_issued(&challenge, b"another key"), "another key");
        for i in 0..CHALLENGE_LEN {
            let mut flipped = challenge;
            flipped[i] ^= 1;
            assert!(!is_issued(&flipped, KEY), "byte {i} changed");
        }
        assert!(!is_issued(&challenge[..31], KEY), "too short");
        assert!(!is_issued(&[challenge.as_slice(), &[0]].concat(), KEY), "too long");
        assert!(!is_issued(&random(3), KEY), "random bytes");
    }

    #[test]
    fn one_location_has_its_own_sixteen_holders() {
        let names: HashSet<String> = (0..=255u8).map(|seed| holder_name(&issue(random(seed), "FRA", KEY)).unwrap()).collect();
        assert_eq!(names.len(), SHARDS_PER_LOCATION, "{names:?}");
        let prefix = &names.iter().next().unwrap()[..4];
        assert!(names.iter().all(|n| n.len() == 5 && n.starts_with(prefix)), "{names:?}");
        let elsewhere = holder_name(&issue(random(1), "SIN", KEY)).unwrap();
        assert_ne!(&elsewhere[..4], prefix, "another location, other holders");
    }

    #[test]
    fn the_holder_follows_from_the_challenge_alone() {
        let challenge = issue(random(9), "", KEY);
        assert_eq!(holder_name(&challenge), holder_name(&challenge[..]));
        let mut other_shard = challenge;
        other_shard[2] ^= 0x80;
        assert_ne!(holder_name(&challenge), holder_name(&other_shard));
        let mut same_shard = challenge;
        same_shard[2] ^= 0x0f;
        same_shard[31] ^= 1;
        assert_eq!(holder_name(&challenge), holder_name(&same_shard));
    }

    #[test]
    fn only_a_challenge_long_bytes_name_a_holder() {
        assert_eq!(holder_name(&[]), None);
        assert_eq!(holder_name(&[1, 2, 3]), None);
        assert_eq!(holder_name(&[0u8; CHALLENGE_LEN + 1]), None);
        assert_eq!(holder_name(&[0xab; CHALLENGE_LEN]).as_deref(), Some("ababa"));
    }

    #[test]
    fn sweeps_run_at_the_next_whole_minute() {
        assert_eq!(sweep_at(0), 0);
        assert_eq!(sweep_at(1), 60_000);
        assert_eq!(sweep_at(60_000), 60_000);
        assert_eq!(sweep_at(60_001), 120_000);
        assert_eq!(sweep_at(1_764_000_000_123), 1_764_000_060_000);
        assert!(sweep_at(i64::MAX) > i64::MAX - 60_000, "no overflow");
    }
}
