//! Bounded CBOR decoding to `ciborium::Value`.
//!
//! Before ciborium sees the bytes, a structural scan checks every header against the input:
//! lengths and counts must fit in the bytes that are left, nesting is at most
//! [`MAX_CBOR_DEPTH`], the item count at most [`MAX_CBOR_ITEMS`], and indefinite lengths
//! (never used by WebAuthn authenticators) are refused. So decoding cannot allocate more than a
//! small multiple of the input, nor recurse or loop without bound.

use ciborium::Value;

use super::error::{ErrorCode, VerifyError};
use super::limits::{MAX_CBOR_DEPTH, MAX_CBOR_INPUT, MAX_CBOR_ITEMS};

/// Decode the CBOR item at the start of `bytes`; returns it and how many bytes it took.
pub fn decode_prefix(bytes: &[u8]) -> Result<(Value, usize), VerifyError> {
    if bytes.len() > MAX_CBOR_INPUT {
        return Err(VerifyError::new(ErrorCode::TooLarge, "CBOR input too large"));
    }
    let mut scan = Scan { bytes, pos: 0, items: 0 };
    scan.item(0)?;
    let len = scan.pos;
    let item = bytes.get(..len).ok_or_else(|| VerifyError::malformed("CBOR item truncated"))?;
    let value: Value =
        ciborium::de::from_reader_with_recursion_limit(item, MAX_CBOR_DEPTH + 1).map_err(|e| VerifyError::malformed(format!("invalid CBOR: {e}")))?;
    Ok((value, len))
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

struct Scan<'a> {
    bytes: &'a [u8],
    pos: usize,
    items: usize,
}

impl Scan<'_> {
    fn truncated() -> VerifyError {
        VerifyError::malformed("CBOR item truncated")
    }

    fn byte(&mut self) -> Result<u8, VerifyError> {
        let byte = *self.bytes.get(self.pos).ok_or_else(Self::truncated)?;
        self.pos += 1;
        Ok(byte)
    }

    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// Read a header: (major type, argument).
    fn header(&mut self) -> Result<(u8, u64), VerifyError> {
        let initial = self.byte()?;
        let major = initial >> 5;
        let argument = match initial & 0x1f {
            info @ 0..=23 => u64::from(info),
            info @ 24..=27 => {
                let size = 1usize << (info - 24);
                let mut value = 0u64;
                for _ in 0..size {
                    value = (value << 8) | u64::from(self.byte()?);
                }
                value
            }
            31 => return Err(VerifyError::malformed("indefinite-length CBOR is not accepted")),
            _ => return Err(VerifyError::malformed("reserved CBOR additional information")),
        };
        Ok((major, argument))
    }

    /// A count or length that must be at most the bytes left (each item takes at least one).
    fn bounded(&self, argument: u64, per_unit: usize) -> Result<usize, VerifyError> {
        let count = usize::try_from(argument).map_err(|_| Self::truncated())?;
        match count.checked_mul(per_unit) {
            Some(needed) if needed <= self.remaining() => Ok(count),
            _ => Err(Self::truncated()),
        }
    }

    fn item(&mut self, depth: usize) -> Result<(), VerifyError> {
        self.items += 1;
        if self.items > MAX_CBOR_ITEMS {
            return Err(VerifyError::new(ErrorCode::TooLarge, "too many CBOR items"));
        }
        let (major, argument) = self.header()?;
        match major {
            0 | 1 | 7 => Ok(()),
            2 | 3 => {
                let len = self.bounded(argument, 1)?;
                self.pos += len;
                Ok(())
            }
            4 => self.children(self.bounded(argument, 1)?, depth),
            5 => self.children(self.bounded(argument, 2)?.saturating_mul(2), depth),
            _ => self.children(1, depth), // 6: a tag and the one item it tags
        }
    }

    fn children(&mut self, count: usize, depth: usize) -> Result<(), VerifyError> {
        if depth >= MAX_CBOR_DEPTH {
            return Err(VerifyError::new(ErrorCode::TooLarge, "CBOR nested too deeply"));
        }
        for _ in 0..count {
            self.item(depth + 1)?;
        }
        Ok(())
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
}
