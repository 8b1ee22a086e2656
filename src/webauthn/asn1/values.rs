//! The content rules of DER's primitive values (X.690 §8 and §11): BOOLEAN, INTEGER (signed,
//! unsigned, u64), BIT STRING, NULL and the three string types X.509 names use. Each takes a
//! value's content octets, so it serves IMPLICIT tagged values too, and returns an error,
//! never panics.

use super::reader::{Error, Result};

/// A BIT STRING: its content octets after the unused-bits octet, and that count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BitString<'a> {
    pub unused_bits: u8,
    pub bytes: &'a [u8],
}

impl<'a> BitString<'a> {
    /// The octets when the string is a whole number of them.
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        (self.unused_bits == 0).then_some(self.bytes)
    }

    /// The number of bits.
    pub fn bit_len(&self) -> usize {
        self.bytes.len() * 8 - usize::from(self.unused_bits)
    }
}

/// DER's BOOLEAN: one octet, 0x00 or 0xFF.
pub fn boolean(content: &[u8]) -> Result<bool> {
    match content {
        [0x00] => Ok(false),
        [0xFF] => Ok(true),
        _ => Err(Error::new("BOOLEAN is not DER")),
    }
}

/// An INTEGER's content: at least one octet, no redundant leading 0x00 or 0xFF octet.
pub fn integer(content: &[u8]) -> Result<&[u8]> {
    match content {
        [] => Err(Error::new("INTEGER is empty")),
        [0x00, next, ..] if *next < 0x80 => Err(Error::new("INTEGER not minimally encoded")),
        [0xFF, next, ..] if *next >= 0x80 => Err(Error::new("INTEGER not minimally encoded")),
        _ => Ok(content),
    }
}

/// A non-negative INTEGER's magnitude: the content without its leading 0x00 sign octet (zero
/// stays one 0x00 octet).
pub fn unsigned(content: &[u8]) -> Result<&[u8]> {
    match integer(content)? {
        [first, ..] if *first >= 0x80 => Err(Error::new("INTEGER is negative")),
        [0x00, rest @ ..] if !rest.is_empty() => Ok(rest),
        magnitude => Ok(magnitude),
    }
}

/// A non-negative INTEGER that fits in 64 bits.
pub fn u64(content: &[u8]) -> Result<u64> {
    let magnitude = unsigned(content)?;
    if magnitude.len() > 8 {
        return Err(Error::new("INTEGER too large"));
    }
    Ok(magnitude.iter().fold(0u64, |acc, &octet| (acc << 8) | u64::from(octet)))
}

/// A BIT STRING's content: the unused-bits count (0 to 7, 0 when there are no octets), then
/// the octets, whose unused bits must be zero.
pub fn bit_string(content: &[u8]) -> Result<BitString<'_>> {
    let bad = || Error::new("BIT STRING is not DER");
    let (&unused_bits, bytes) = content.split_first().ok_or_else(bad)?;
    let padding_clear = bytes.last().is_none_or(|&last| last & ((1u8 << unused_bits.min(7)) - 1) == 0);
    if unused_bits > 7 || (bytes.is_empty() && unused_bits != 0) || !padding_clear {
        return Err(bad());
    }
    Ok(BitString { unused_bits, bytes })
}

/// NULL: no content.
pub fn null(content: &[u8]) -> Result<()> {
    match content.is_empty() {
        true => Ok(()),
        false => Err(Error::new("NULL has content")),
    }
}

/// A UTF8String's text.
pub fn utf8_string(content: &[u8]) -> Result<&str> {
    core::str::from_utf8(content).map_err(|_| Error::new("UTF8String is not UTF-8"))
}

/// A PrintableString's text: letters, digits, space and `'()+,-./:=?`.
pub fn printable_string(content: &[u8]) -> Result<&str> {
    let printable = |c: &u8| c.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(c);
    match content.iter().all(printable) {
        true => ascii(content),
        false => Err(Error::new("PrintableString has a character outside its set")),
    }
}

/// An IA5String's text: ASCII.
pub fn ia5_string(content: &[u8]) -> Result<&str> {
    match content.is_ascii() {
        true => ascii(content),
        false => Err(Error::new("IA5String is not ASCII")),
    }
}

fn ascii(content: &[u8]) -> Result<&str> {
    core::str::from_utf8(content).map_err(|_| Error::new("string is not ASCII"))
}
