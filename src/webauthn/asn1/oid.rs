//! OBJECT IDENTIFIERs as their DER content octets: checked when read ([`check`]), compared byte
//! for byte with constants encoded from their dotted form by a `const fn` ([`Oid::new`]: an
//! invalid constant fails the build), and written dotted for messages ([`dotted`]).
//!
//! The limits are `const-oid`'s, which the crate used before: at most [`MAX_LEN`] octets, a
//! first octet that encodes arcs 0.0 to 2.39, every later arc below 2^32; DER adds that no arc
//! starts with a 0x80 octet.

use super::reader::{Error, Result};

/// Most content octets of an OID.
pub const MAX_LEN: usize = 39;

/// An OID's DER content octets, held inline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Oid {
    bytes: [u8; MAX_LEN],
    len: usize,
}

impl Oid {
    /// The OID of a dotted constant; an invalid one is a compile-time error in a `const` item.
    pub const fn new(dotted: &str) -> Oid {
        match Oid::from_dotted(dotted) {
            Some(oid) => oid,
            None => panic!("invalid OID constant"),
        }
    }

    /// The OID written `1.2.840.10045.2.1`; None unless every arc is a decimal number below
    /// 2^32, there are two or more, the first at most 2 and the second at most 39.
    pub const fn from_dotted(dotted: &str) -> Option<Oid> {
        let text = dotted.as_bytes();
        let mut oid = Oid { bytes: [0; MAX_LEN], len: 0 };
        let mut index = 0;
        let mut arc_count = 0;
        let mut first = 0;
        while index <= text.len() {
            // One arc: the digits up to the next dot or the end.
            let mut arc: u64 = 0;
            let mut digits = 0;
            while index < text.len() && text[index] != b'.' {
                let c = text[index];
                if !c.is_ascii_digit() || (digits > 0 && arc == 0) {
                    return None;
                }
                arc = arc * 10 + (c - b'0') as u64;
                if arc > u32::MAX as u64 {
                    return None;
                }
                digits += 1;
                index += 1;
            }
            if digits == 0 {
                return None;
            }
            index += 1; // past the dot (or the end)
            arc_count += 1;
            if arc_count == 1 {
                if arc > 2 {
                    return None;
                }
                first = arc;
                continue;
            }
            if arc_count == 2 {
                if arc > 39 {
                    return None;
                }
                arc += first * 40;
            }
            // Base 128, most significant group first, every group but the last with bit 8 set.
            let mut groups = 1;
            while groups < 5 && arc >> (7 * groups) != 0 {
                groups += 1;
            }
            if oid.len + groups > MAX_LEN {
                return None;
            }
            let mut group = groups;
            while group > 0 {
                group -= 1;
                let more = if group > 0 { 0x80 } else { 0 };
                oid.bytes[oid.len] = ((arc >> (7 * group)) & 0x7F) as u8 | more;
                oid.len += 1;
            }
        }
        if arc_count < 2 {
            return None;
        }
        Some(oid)
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// Whether `content` (an OID's content octets) is this OID.
    pub fn is(&self, content: &[u8]) -> bool {
        self.as_bytes() == content
    }
}

/// Checks an OID's content octets: 1 to [`MAX_LEN`] octets, the first below 120, the later
/// arcs minimal base 128, each below 2^32, the last octet ending an arc.
pub fn check(content: &[u8]) -> Result<()> {
    let bad = || Error::new("OBJECT IDENTIFIER is not valid");
    let (&first, rest) = content.split_first().ok_or_else(bad)?;
    if content.len() > MAX_LEN || first >= 120 {
        return Err(bad());
    }
    let mut arc: u32 = 0;
    let mut in_arc = false;
    for &octet in rest {
        if !in_arc && octet == 0x80 {
            return Err(bad());
        }
        arc = arc.checked_mul(0x80).and_then(|arc| arc.checked_add(u32::from(octet & 0x7F))).ok_or_else(bad)?;
        in_arc = octet & 0x80 != 0;
        if !in_arc {
            arc = 0;
        }
    }
    match in_arc {
        true => Err(bad()),
        false => Ok(()),
    }
}

/// The dotted form of checked content octets (for messages; `?` marks what does not decode).
pub fn dotted(content: &[u8]) -> String {
    use core::fmt::Write;
    let Some((&first, rest)) = content.split_first() else { return String::from("?") };
    let mut text = format!("{}.{}", (first / 40).min(2), first - 40 * (first / 40).min(2));
    let mut arc: u64 = 0;
    for &octet in rest {
        arc = (arc << 7) | u64::from(octet & 0x7F);
        if octet & 0x80 == 0 {
            let _ = write!(text, ".{arc}");
            arc = 0;
        }
        if arc > u64::from(u32::MAX) {
            text.push_str(".?");
            break;
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_dotted_constants() {
        assert_eq!(Oid::new("1.2.840.10045.2.1").as_bytes(), [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]);
        assert_eq!(Oid::new("2.5.29.19").as_bytes(), [0x55, 0x1D, 0x13]);
        assert_eq!(Oid::new("1.3.6.1.4.1.11129.2.1.17").as_bytes(), [0x2B, 0x06, 0x01, 0x04, 0x01, 0xD6, 0x79, 0x02, 0x01, 0x11]);
        assert_eq!(Oid::new("2.39.4294967295").as_bytes(), [0x77, 0x8F, 0xFF, 0xFF, 0xFF, 0x7F]);
        assert_eq!(Oid::new("0.0").as_bytes(), [0x00]);
        for bad in ["", "1", "1.", ".1", "1..2", "3.1", "1.40", "1.2.x", "1.2.4294967296", "1.02", "1.2.-3", "1.2.3."] {
            assert!(Oid::from_dotted(bad).is_none(), "{bad}");
        }
        let long = format!("1.2{}", ".1".repeat(MAX_LEN - 1));
        assert_eq!(Oid::from_dotted(&long).map(|oid| oid.as_bytes().len()), Some(MAX_LEN));
        assert!(Oid::from_dotted(&format!("{long}.1")).is_none(), "over MAX_LEN octets");
    }

    #[test]
    fn checks_content_octets() {
        for oid in ["1.2.840.113549.1.1.11", "2.23.133.8.3", "1.3.101.112", "2.39.4294967295", "0.0"] {
            let oid = Oid::new(oid);
            assert!(check(oid.as_bytes()).is_ok());
        }
        let bad: [&[u8]; 7] = [
            &[],
            &[0x2A, 0x86],                         // the last arc unterminated
            &[0x2A, 0x80, 0x01],                   // an arc with a leading 0x80 octet
            &[0x78],                               // 3.0: first octet 120
            &[0x88, 0x37],                         // 2.999 in two octets: const-oid does not take it either
            &[0x2A, 0x90, 0x80, 0x80, 0x80, 0x00], // an arc of 2^32
            &[0x2A; MAX_LEN + 1],
        ];
        for content in bad {
            assert!(check(content).is_err(), "{content:02x?}");
        }
    }

    #[test]
    fn writes_dotted() {
        for text in ["1.2.840.10045.4.3.2", "2.5.4.3", "2.39.4294967295", "0.0"] {
            assert_eq!(dotted(Oid::new(text).as_bytes()), text);
        }
    }
}
