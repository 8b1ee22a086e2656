//! Ceremony challenges and the Durable Object that holds each: a challenge names its holder.
//!
//! A challenge is 32 bytes, random but for its first 16 bits, which name the edge location that
//! issued it (the first two bytes of the SHA-256 of its IATA code, `request.cf.colo`). The holder
//! is one of `SHARDS_PER_LOCATION` Durable Objects of that location, chosen by the next four
//! (random) bits: a Durable Object is placed where it is first used, so each location's holders
//! sit near it, and a complete finds its start's holder from the signed challenge alone,
//! wherever it arrives. 240 bits stay random (WebAuthn asks for at least 128).
//!
//! Why not one Durable Object per challenge: every new object costs its creation (measured by
//! `bench/op_costs.mjs`: a call to a new object about 3 ms of runtime CPU, to a live one 0.7 ms);
//! a location's holders stay live while it serves ceremonies.

use sha2::{Digest, Sha256};

/// Bytes of a challenge (contract: 32 bytes).
pub const CHALLENGE_LEN: usize = 32;
/// Holders per edge location: the random top four bits of the challenge's third byte.
pub const SHARDS_PER_LOCATION: usize = 16;
/// A holder forgets its entries in sweeps at whole minutes: one alarm a minute at most.
const SWEEP_GRANULARITY_MS: i64 = 60_000;

/// A challenge made of `random` bytes, its first two naming `location` (an edge location's
/// code; any text, "" when unknown).
pub fn issue(mut random: [u8; CHALLENGE_LEN], location: &str) -> [u8; CHALLENGE_LEN] {
    let tag = Sha256::digest(location.as_bytes());
    random[..2].copy_from_slice(&tag[..2]);
    random
}

/// The name of the Durable Object that holds `challenge` (a holder of the location that issued
/// it); `None` when it is not a challenge's length. Five hex digits: at most 2^20 holders,
/// however many made-up challenges are presented.
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

    #[test]
    fn a_challenge_keeps_all_but_its_first_two_bytes_random() {
        let bytes = random(7);
        let challenge = issue(bytes, "FRA");
        assert_eq!(challenge.len(), CHALLENGE_LEN);
        assert_eq!(challenge[2..], bytes[2..]);
        assert_eq!(challenge[..2], Sha256::digest(b"FRA")[..2]);
    }

    #[test]
    fn one_location_has_its_own_sixteen_holders() {
        let names: HashSet<String> = (0..=255u8).map(|seed| holder_name(&issue(random(seed), "FRA")).unwrap()).collect();
        assert_eq!(names.len(), SHARDS_PER_LOCATION, "{names:?}");
        let prefix = &names.iter().next().unwrap()[..4];
        assert!(names.iter().all(|n| n.len() == 5 && n.starts_with(prefix)), "{names:?}");
        let elsewhere = holder_name(&issue(random(1), "SIN")).unwrap();
        assert_ne!(&elsewhere[..4], prefix, "another location, other holders");
    }

    #[test]
    fn the_holder_follows_from_the_challenge_alone() {
        let challenge = issue(random(9), "");
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
