//! Bounded CBOR decoding (RFC 8949) to [`Value`]: the attestation object, authenticator data
//! extensions, COSE keys and attestation statements.
//!
//! Hand-written to fit the Worker's 400 KiB gzip budget (ciborium and its serde visitor cost
//! about 7 KiB gzipped; it stays a dev-dependency, the differential test below compares the two).
//! One pass checks every header against the input while it builds the value: lengths and counts
//! must fit in the bytes that are left, nesting is at most [`MAX_CBOR_DEPTH`], the item count at
//! most [`MAX_CBOR_ITEMS`], text must be UTF-8, and indefinite lengths (never used by WebAuthn
//! authenticators), reserved additional information and unassigned simple values are refused.
//! So decoding cannot allocate more than a small multiple of the input, nor recurse or loop
//! without bound, and every malformed input is an error, never a panic.

use super::error::{ErrorCode, VerifyError};
use super::limits::{MAX_CBOR_DEPTH, MAX_CBOR_INPUT, MAX_CBOR_ITEMS};

/// A decoded CBOR data item.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Major types 0 and 1: -2^64 ..= 2^64 - 1.
    Integer(i128),
    Bytes(Vec<u8>),
    Text(String),
    Array(Vec<Value>),
    /// Entries in the order they were encoded (duplicates kept: see [`map_get`]).
    Map(Vec<(Value, Value)>),
    Tag(u64, Box<Value>),
    Bool(bool),
    Null,
    Undefined,
    Float(f64),
}

impl Value {
    pub fn as_integer(&self) -> Option<i128> {
        match self {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }
    pub fn as_bytes(&self) -> Option<&Vec<u8>> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&Vec<(Value, Value)>> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn is_map(&self) -> bool {
        matches!(self, Value::Map(_))
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Integer(i.into())
    }
}

/// Decode the CBOR item at the start of `bytes`; returns it and how many bytes it took.
pub fn decode_prefix(bytes: &[u8]) -> Result<(Value, usize), VerifyError> {
    if bytes.len() > MAX_CBOR_INPUT {
        return Err(VerifyError::new(ErrorCode::TooLarge, "CBOR input too large"));
    }
    let mut decoder = Decoder { bytes, pos: 0, items: 0 };
    let value = decoder.item(0)?;
    Ok((value, decoder.pos))
}
/// Decode `bytes` as exactly one CBOR item (no trailing bytes).
pub fn decode_exact(bytes: &[u8]) -> Result<Value, VerifyError> {
    let (value, len) = decode_prefix(bytes)?;
    if len != bytes.len() {
        return Err(VerifyError::malformed("trailing bytes after CBOR item"));
    }
    Ok(value)
}

/// The value of `key` in a CBOR map; None when absent. A key present twice is an error.
pub fn map_get<'a>(map: &'a [(Value, Value)], key: &Value) -> Result<Option<&'a Value>, VerifyError> {
    let mut found = map.iter().filter(|(k, _)| k == key).map(|(_, v)| v);
    let first = found.next();
    if found.next().is_some() {
        return Err(VerifyError::malformed("duplicate key in CBOR map"));
    }
    Ok(first)
}

/// The value of the text key `name` in a CBOR map (see [`map_get`]).
pub fn map_get_text<'a>(map: &'a [(Value, Value)], name: &str) -> Result<Option<&'a Value>, VerifyError> {
    map_get(map, &Value::Text(name.to_owned()))
}

/// The value of the integer key `label` in a CBOR map (see [`map_get`]).
pub fn map_get_int(map: &[(Value, Value)], label: i64) -> Result<Option<&Value>, VerifyError> {
    map_get(map, &Value::Integer(label.into()))
}

/// The CBOR value as an i64, if it is an integer in range.
pub fn as_i64(value: &Value) -> Option<i64> {
    value.as_integer().and_then(|i| i64::try_from(i).ok())
}

struct Decoder<'a> {
    bytes: &'a [u8],
    pos: usize,
    items: usize,
}

fn truncated() -> VerifyError {
    VerifyError::malformed("CBOR item truncated")
}

impl Decoder<'_> {
    fn byte(&mut self) -> Result<u8, VerifyError> {
        let byte = *self.bytes.get(self.pos).ok_or_else(truncated)?;
        self.pos += 1;
        Ok(byte)
    }

    fn take(&mut self, len: usize) -> Result<&[u8], VerifyError> {
        let end = self.pos.checked_add(len).ok_or_else(truncated)?;
        let slice = self.bytes.get(self.pos..end).ok_or_else(truncated)?;
        self.pos = end;
        Ok(slice)
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// Read a header: (major type, additional information, argument).
    fn header(&mut self) -> Result<(u8, u8, u64), VerifyError> {
        let initial = self.byte()?;
        let info = initial & 0x1f;
        let argument = match info {
            0..=23 => u64::from(info),
            24..=27 => self.take(1 << (info - 24))?.iter().fold(0u64, |value, b| (value << 8) | u64::from(*b)),
            31 => return Err(VerifyError::malformed("indefinite-length CBOR is not accepted")),
            _ => return Err(VerifyError::malformed("reserved CBOR additional information")),
        };
        Ok((initial >> 5, info, argument))
    }

    /// A count or length that must be at most the bytes left (each unit takes at least one).
    fn bounded(&self, argument: u64, per_unit: usize) -> Result<usize, VerifyError> {
        let count = usize::try_from(argument).map_err(|_| truncated())?;
        match count.checked_mul(per_unit) {
            Some(needed) if needed <= self.remaining() => Ok(count),
            _ => Err(truncated()),
        }
    }

    fn item(&mut self, depth: usize) -> Result<Value, VerifyError> {
        self.items += 1;
        if self.items > MAX_CBOR_ITEMS {
            return Err(VerifyError::new(ErrorCode::TooLarge, "too many CBOR items"));
        }
        let (major, info, argument) = self.header()?;
        Ok(match major {
            0 => Value::Integer(argument.into()),
            1 => Value::Integer(-1 - i128::from(argument)),
            2 => {
                let len = self.bounded(argument, 1)?;
                Value::Bytes(self.take(len)?.to_vec())
            }
            3 => {
                let len = self.bounded(argument, 1)?;
                let text = std::str::from_utf8(self.take(len)?).map_err(|_| VerifyError::malformed("CBOR text is not UTF-8"))?;
                Value::Text(text.to_owned())
            }
            4 => {
                let count = self.bounded(argument, 1)?;
                nested(depth)?;
                let mut items = Vec::with_capacity(count);
                for _ in 0..count {
                    items.push(self.item(depth + 1)?);
                }
                Value::Array(items)
            }
            5 => {
                let count = self.bounded(argument, 2)?;
                nested(depth)?;
                let mut entries = Vec::with_capacity(count);
                for _ in 0..count {
                    let key = self.item(depth + 1)?;
                    entries.push((key, self.item(depth + 1)?));
                }
                Value::Map(entries)
            }
            6 => {
                nested(depth)?;
                Value::Tag(argument, Box::new(self.item(depth + 1)?))
            }
            _ => simple(info, argument)?,
        })
    }
}

fn nested(depth: usize) -> Result<(), VerifyError> {
    if depth >= MAX_CBOR_DEPTH {
        return Err(VerifyError::new(ErrorCode::TooLarge, "CBOR nested too deeply"));
    }
    Ok(())
}

/// Major type 7: false, true, null, undefined and the three float sizes.
fn simple(info: u8, argument: u64) -> Result<Value, VerifyError> {
    Ok(match info {
        20 => Value::Bool(false),
        21 => Value::Bool(true),
        22 => Value::Null,
        23 => Value::Undefined,
        25 => Value::Float(half_to_f64(argument as u16)),
        26 => Value::Float(f64::from(f32::from_bits(argument as u32))),
        27 => Value::Float(f64::from_bits(argument)),
        _ => return Err(VerifyError::malformed("unassigned CBOR simple value")),
    })
}

/// An IEEE 754 half-precision float (RFC 8949 Appendix D).
fn half_to_f64(half: u16) -> f64 {
    let exponent = i32::from((half >> 10) & 0x1f);
    let mantissa = f64::from(half & 0x3ff);
    let magnitude = match exponent {
        0 => mantissa * 2f64.powi(-24),
        31 if mantissa == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (mantissa + 1024.0) * 2f64.powi(exponent - 25),
    };
    if half & 0x8000 != 0 {
        -magnitude
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_one_item_and_reports_its_length() {
        let bytes = [0xa1, 0x61, b'a', 0x01, 0xff];
        let (value, len) = decode_prefix(&bytes).unwrap();
        assert_eq!(len, 4);
        assert!(value.is_map());
        assert_eq!(decode_exact(&bytes).unwrap_err().code, ErrorCode::Malformed);
    }

    #[test]
    fn refuses_lengths_beyond_the_input() {
        // byte string claiming 2^32 bytes; array claiming 2^60 items
        assert!(decode_prefix(&[0x5a, 0xff, 0xff, 0xff, 0xff, 0x00]).is_err());
        assert!(decode_prefix(&[0x9b, 0x10, 0, 0, 0, 0, 0, 0, 0, 0x00]).is_err());
        assert!(decode_prefix(&[0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).is_err());
    }

    #[test]
    fn refuses_deep_nesting_and_indefinite_lengths() {
        let deep = vec![0x81u8; 64].into_iter().chain([0x00]).collect::<Vec<_>>();
        assert_eq!(decode_prefix(&deep).unwrap_err().code, ErrorCode::TooLarge);
        let tags = vec![0xc6u8; 64].into_iter().chain([0x00]).collect::<Vec<_>>();
        assert_eq!(decode_prefix(&tags).unwrap_err().code, ErrorCode::TooLarge);
        assert!(decode_prefix(&[0x9f, 0x01, 0xff]).is_err());
        assert!(decode_prefix(&[0x5f, 0x41, 0x00, 0xff]).is_err());
    }

    #[test]
    fn refuses_too_many_items() {
        let mut bytes = vec![0x99, 0x13, 0x88]; // array of 5000
        bytes.extend(std::iter::repeat_n(0x00, 5000));
        assert_eq!(decode_prefix(&bytes).unwrap_err().code, ErrorCode::TooLarge);
    }

    #[test]
    fn duplicate_keys_are_an_error() {
        let value = decode_exact(&[0xa2, 0x01, 0x02, 0x01, 0x03]).unwrap();
        let map = value.as_map().unwrap();
        assert!(map_get_int(map, 1).is_err());
        assert_eq!(map_get_int(map, 2).unwrap(), None);
    }

    /// ciborium's value in ours (its `Null` stands for both null and undefined).
    fn from_ciborium(value: ciborium::Value) -> Value {
        match value {
            ciborium::Value::Integer(i) => Value::Integer(i.into()),
            ciborium::Value::Bytes(b) => Value::Bytes(b),
            ciborium::Value::Text(t) => Value::Text(t),
            ciborium::Value::Array(a) => Value::Array(a.into_iter().map(from_ciborium).collect()),
            ciborium::Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (from_ciborium(k), from_ciborium(v))).collect()),
            ciborium::Value::Tag(t, v) => Value::Tag(t, Box::new(from_ciborium(*v))),
            ciborium::Value::Bool(b) => Value::Bool(b),
            ciborium::Value::Float(f) => Value::Float(f),
            _ => Value::Null,
        }
    }

    fn same(ours: &Value, theirs: &Value) -> bool {
        match (ours, theirs) {
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
            (Value::Undefined, Value::Null) => true,
            // ciborium turns a bignum (tags 2 and 3) that fits into an integer; we keep the tag
            (Value::Tag(tag @ (2 | 3), inner), Value::Integer(i)) => match inner.as_ref() {
                Value::Bytes(b) if b.len() <= 8 => {
                    let n = b.iter().fold(0i128, |n, byte| (n << 8) | i128::from(*byte));
                    *i == if *tag == 2 { n } else { -1 - n }
                }
                _ => false,
            },
            (Value::Array(a), Value::Array(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y)),
            (Value::Map(a), Value::Map(b)) => a.len() == b.len() && a.iter().zip(b).all(|((k, v), (l, w))| same(k, l) && same(v, w)),
            (Value::Tag(t, a), Value::Tag(u, b)) => t == u && same(a, b),
            _ => ours == theirs,
        }
    }

    /// Where the two may differ, by design: inputs this decoder refuses and ciborium takes.
    fn refused_by_design(err: &VerifyError) -> bool {
        err.code == ErrorCode::TooLarge
            || err.message.contains("indefinite-length")
            || err.message.contains("unassigned CBOR simple")
            || err.message.contains("reserved CBOR")
    }

    /// Decodes `bytes` with both: what this decoder accepts, ciborium decodes to the same value;
    /// what it refuses, ciborium refuses too unless refused by design.
    fn agree(bytes: &[u8]) {
        let theirs = ciborium::de::from_reader::<ciborium::Value, _>(bytes);
        match decode_prefix(bytes) {
            Ok((ours, len)) => {
                let theirs = ciborium::de::from_reader::<ciborium::Value, _>(&bytes[..len]).expect("ciborium takes what we take");
                assert!(same(&ours, &from_ciborium(theirs)), "{bytes:02x?}");
            }
            Err(err) => assert!(theirs.is_err() || refused_by_design(&err), "{err:?} on {bytes:02x?}"),
        }
    }

    fn attestation_objects() -> Vec<Vec<u8>> {
        use base64::Engine;
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/attestation");
        let mut objects = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let json: serde_json::Value = serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap();
            let b64 = json["credential"]["response"]["attestationObject"].as_str().unwrap();
            objects.push(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(b64.trim_end_matches('=')).unwrap());
        }
        assert!(objects.len() >= 10);
        objects
    }

    #[test]
    fn agrees_with_ciborium_on_real_attestation_objects_and_their_mutations() {
        for object in attestation_objects() {
            let (value, len) = decode_prefix(&object).unwrap();
            assert_eq!(len, object.len());
            assert!(value.is_map());
            agree(&object);
            for cut in 0..object.len() {
                agree(&object[..cut]);
            }
            // every offset of the first 600 bytes (the headers, authData, alg), three flips each
            for at in 0..object.len().min(600) {
                for flip in [0x01, 0x20, 0xff] {
                    let mut mutated = object.clone();
                    mutated[at] ^= flip;
                    agree(&mutated);
                }
            }
        }
    }

    #[test]
    fn agrees_with_ciborium_on_generated_items() {
        let mut fixed: Vec<Vec<u8>> = vec![
            vec![0x00],
            vec![0x17],
            vec![0x18, 0x18],
            vec![0x1b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            vec![0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            vec![0x20],
            vec![0x40],
            vec![0x60],
            vec![0x62, 0xc3, 0xa9],
            vec![0x62, 0xff, 0xfe],
            vec![0x80],
            vec![0xa0],
            vec![0xc1, 0x1a, 0, 0, 0, 1],
            vec![0xf4],
            vec![0xf5],
            vec![0xf6],
            vec![0xf7],
            vec![0xf0],
            vec![0xf8, 0x20],
            vec![0xf9, 0x3c, 0x00],
            vec![0xf9, 0x7c, 0x00],
            vec![0xf9, 0x00, 0x01],
            vec![0xf9, 0xfe, 0x00],
            vec![0xfa, 0x47, 0xc3, 0x50, 0x00],
            vec![0xfb, 0x3f, 0xf1, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a],
            vec![0x1c],
            vec![0xff],
            vec![0x82, 0x01, 0xa1, 0x61, b'k', 0x42, 1, 2],
        ];
        // pseudo-random short inputs (a fixed LCG, so a failure reproduces)
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            let len = (state >> 60) as usize + 1;
            let mut bytes = Vec::with_capacity(len);
            for _ in 0..len {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                bytes.push((state >> 33) as u8);
            }
            fixed.push(bytes);
        }
        for bytes in fixed {
            agree(&bytes);
        }
        assert_eq!(decode_exact(&[0xf9, 0x3c, 0x00]).unwrap(), Value::Float(1.0));
        assert_eq!(decode_exact(&[0xf9, 0x00, 0x01]).unwrap(), Value::Float(5.960464477539063e-8));
        assert_eq!(decode_exact(&[0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).unwrap(), Value::Integer(-(1i128 << 64)));
        assert!(decode_exact(&[0x62, 0xff, 0xfe]).is_err(), "text must be UTF-8");
        assert!(decode_exact(&[0xf0]).is_err(), "unassigned simple value");
    }
}
