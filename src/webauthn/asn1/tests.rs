//! The reader's rules on hand-made encodings, and a walk over every value of the real
//! certificates in tests/vectors/certs, whole, truncated at every offset and with every octet
//! flipped (none may panic). Certificate-level checks against `x509-cert` are in
//! `certificate::differential`.

use super::reader::MAX_DEPTH;
use super::*;

fn read_one(input: &[u8]) -> Result<Tlv<'_>> {
    let mut reader = Reader::new(input);
    let tlv = reader.read_tlv()?;
    reader.finish()?;
    Ok(tlv)
}

#[test]
fn short_and_long_lengths() {
    let tlv = read_one(&[0x04, 0x02, 0xAA, 0xBB]).unwrap();
    assert_eq!((tlv.tag, tlv.value, tlv.raw.len()), (Tag::OCTET_STRING, &[0xAA, 0xBB][..], 4));
    let long = [&[0x04, 0x81, 0x80][..], &[7; 0x80]].concat();
    assert_eq!(read_one(&long).unwrap().value.len(), 0x80);
    let longer = [&[0x04, 0x82, 0x01, 0x00][..], &[7; 0x100]].concat();
    assert_eq!(read_one(&longer).unwrap().value.len(), 0x100);
    assert_eq!(read_one(&[0x04, 0x00]).unwrap().value, b"");
}

#[test]
fn rejects_non_minimal_indefinite_and_huge_lengths() {
    let non_minimal: [&[u8]; 4] = [
        &[0x04, 0x81, 0x01, 0xAA],       // 1 in long form
        &[0x04, 0x81, 0x7F],             // below 128 in long form
        &[0x04, 0x82, 0x00, 0x80],       // a leading zero length octet
        &[0x04, 0x83, 0x00, 0x01, 0x00], // same, three octets
    ];
    for input in non_minimal {
        assert_eq!(read_one(input).unwrap_err().to_string(), "DER length not minimally encoded", "{input:02x?}");
    }
    assert_eq!(read_one(&[0x30, 0x80, 0x00, 0x00]).unwrap_err().to_string(), "indefinite length is not DER");
    assert_eq!(read_one(&[0x04, 0x85, 1, 0, 0, 0, 0]).unwrap_err().to_string(), "DER length too large");
    assert_eq!(read_one(&[0x04, 0xFF]).unwrap_err().to_string(), "DER length too large");
    // lengths past the input, at every size of length
    for input in [&[0x04, 0x01][..], &[0x04, 0x81], &[0x04, 0x81, 0x80], &[0x04, 0x84, 0x7F, 0xFF, 0xFF, 0xFF], &[0x04]] {
        assert_eq!(read_one(input).unwrap_err().to_string(), "DER value is truncated", "{input:02x?}");
    }
}

#[test]
fn tags() {
    // Long form, as Android's key description has it: [600] and [702], constructed.
    let mut reader = Reader::new(&[0xBF, 0x84, 0x58, 0x02, 0x05, 0x00, 0xBF, 0x85, 0x3E, 0x00]);
    let tlv = reader.read_tlv().unwrap();
    assert!(tlv.tag.is_context_specific());
    assert_eq!((tlv.tag, tlv.tag.number()), (Tag::context_constructed(600), 600));
    assert_eq!(reader.read_tlv().unwrap().tag, Tag::context_constructed(702));
    assert!(reader.finish().is_ok());
    assert_eq!(read_one(&[0x9F, 0x1F, 0x00]).unwrap().tag, Tag::context(31));
    assert_eq!(read_one(&[0x9F, 0xFF, 0xFF, 0xFF, 0x7F, 0x00]).unwrap().tag.number(), (1 << 28) - 1);
    let bad: [&[u8]; 8] = [
        &[0x9F, 0x1E, 0x00],                   // 30 must use the short form
        &[0x9F, 0x80, 0x1F, 0x00],             // a leading 0x80 octet
        &[0x9F, 0x81, 0x80, 0x80, 0x80, 0x00], // 2^28 or more
        &[0x9F, 0x81],                         // unterminated
        &[0x1F, 0x1F, 0x00],                   // universal tags never use the long form
        &[0x24, 0x00],                         // constructed OCTET STRING (BER)
        &[0x10, 0x00],                         // primitive SEQUENCE
        &[0x07, 0x00],                         // a universal tag X.509 does not use
    ];
    for input in bad {
        assert!(read_one(input).is_err(), "{input:02x?}");
    }
    // A value with another tag is an error, an optional one is just absent.
    let mut reader = Reader::new(&[0x02, 0x01, 0x05]);
    assert_eq!(reader.read_optional(Tag::BOOLEAN), Ok(None));
    assert!(reader.clone().octet_string().is_err());
    assert_eq!(reader.u64(), Ok(5));
}

#[test]
fn trailing_bytes() {
    assert_eq!(read_one(&[0x05, 0x00, 0x00]).unwrap_err().to_string(), "trailing bytes after a DER value");
    assert!(single(&[0x05, 0x00, 0x05, 0x00], Tag::NULL).is_err());
    assert_eq!(single(&[0x04, 0x01, 0x09], Tag::OCTET_STRING), Ok(&[0x09][..]));
    // inside a SEQUENCE too: the caller's finish() on the child reader
    let mut outer = Reader::new(&[0x30, 0x05, 0x02, 0x01, 0x01, 0x05, 0x00]);
    let mut inner = outer.sequence().unwrap();
    assert_eq!(inner.u64(), Ok(1));
    assert!(inner.finish().is_err());
}

#[test]
fn nesting_is_bounded() {
    fn nest(depth: usize) -> Vec<u8> {
        let mut value = vec![0x05, 0x00];
        for _ in 0..depth {
            let mut outer = vec![0x30];
            match value.len() {
                len @ 0..=127 => outer.push(len as u8),
                len => outer.extend([0x82, (len >> 8) as u8, len as u8]),
            }
            outer.extend(value);
            value = outer;
        }
        value
    }
    /// Descends every SEQUENCE; the depth reached.
    fn descend(reader: &mut Reader<'_>) -> Result<usize> {
        match reader.peek_tag() {
            Some(Tag::SEQUENCE) => {
                let mut inner = reader.sequence()?;
                let depth = descend(&mut inner)?;
                inner.finish()?;
                Ok(depth + 1)
            }
            _ => reader.read(Tag::NULL).map(|_| 0),
        }
    }
    let max = usize::from(MAX_DEPTH);
    assert_eq!(descend(&mut Reader::new(&nest(max))), Ok(max));
    assert_eq!(descend(&mut Reader::new(&nest(max + 1))).unwrap_err().to_string(), "DER nested too deeply");
    assert!(descend(&mut Reader::new(&nest(1000))).is_err());
}

#[test]
fn integers() {
    assert_eq!(values::integer(&[0x00]), Ok(&[0x00][..]));
    assert_eq!(values::integer(&[0x00, 0x80]), Ok(&[0x00, 0x80][..]));
    assert_eq!(values::integer(&[0xFF, 0x7F]), Ok(&[0xFF, 0x7F][..]));
    for bad in [&[][..], &[0x00, 0x7F], &[0xFF, 0x80], &[0x00, 0x00]] {
        assert!(values::integer(bad).is_err(), "{bad:02x?}");
    }
    assert_eq!(values::unsigned(&[0x00]), Ok(&[0x00][..]));
    assert_eq!(values::unsigned(&[0x00, 0x80, 0x01]), Ok(&[0x80, 0x01][..]));
    assert!(values::unsigned(&[0x80]).is_err(), "negative");
    assert_eq!(values::u64(&[0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), Ok(u64::MAX));
    assert!(values::u64(&[0x01, 0, 0, 0, 0, 0, 0, 0, 0]).is_err(), "2^64");
}

#[test]
fn booleans_null_bit_strings_and_strings() {
    assert_eq!(values::boolean(&[0xFF]), Ok(true));
    assert_eq!(values::boolean(&[0x00]), Ok(false));
    for bad in [&[][..], &[0x01], &[0xFF, 0xFF]] {
        assert!(values::boolean(bad).is_err());
    }
    assert!(values::null(&[]).is_ok() && values::null(&[0]).is_err());
    let bits = values::bit_string(&[0x01, 0x86]).unwrap(); // 7 bits: 1000011
    assert_eq!((bits.bit_len(), bits.as_bytes()), (7, None));
    assert_eq!(values::bit_string(&[0x00, 0xAB]).unwrap().as_bytes(), Some(&[0xAB][..]));
    assert_eq!(values::bit_string(&[0x00]).unwrap().bit_len(), 0);
    for bad in [&[][..], &[0x08, 0x00], &[0x01], &[0x01, 0x01], &[0x03, 0x0C]] {
        assert!(values::bit_string(bad).is_err(), "{bad:02x?}"); // the last two: unused bits not zero
    }
    assert_eq!(values::printable_string(b"Yubico U2F Root CA Serial 457200631"), Ok("Yubico U2F Root CA Serial 457200631"));
    assert!(values::printable_string(b"a@b").is_err() && values::printable_string(b"a*").is_err());
    assert_eq!(values::ia5_string(b"attest.android.com"), Ok("attest.android.com"));
    assert!(values::ia5_string(&[0x80]).is_err());
    assert_eq!(values::utf8_string("Zürich".as_bytes()), Ok("Zürich"));
    assert!(values::utf8_string(&[0xC3]).is_err());
}

/// Reads every value of `input` and of every constructed value inside it; the count.
fn walk(reader: &mut Reader<'_>) -> Result<usize> {
    let mut count = 0;
    while !reader.is_empty() {
        let tlv = reader.read_tlv()?;
        count += 1;
        if tlv.raw.first().is_some_and(|first| first & 0x20 != 0) {
            count += walk(&mut reader.child(tlv.value)?)?;
        }
    }
    Ok(count)
}

macro_rules! certs {
    ($($name:literal),*) => { [$(&include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/certs/", $name))[..]),*] };
}

#[test]
fn walks_real_certificates_and_every_mutation() {
    for der in certs!("ec_leaf.der", "rsa_root.der", "ed_leaf.der", "aik_ok.der", "sn_leaf.der") {
        let count = walk(&mut Reader::new(der)).expect("a real certificate is DER");
        assert!(count > 20);
        for len in 1..der.len() {
            // Truncated: the outer SEQUENCE's length runs past the end.
            assert!(walk(&mut Reader::new(&der[..len])).is_err(), "truncated to {len}");
        }
        let mut flipped = der.to_vec();
        for index in 0..der.len() {
            for mask in [0x01, 0x80, 0xFF] {
                flipped[index] ^= mask;
                let _ = walk(&mut Reader::new(&flipped)); // never panics
                flipped[index] ^= mask;
            }
        }
    }
}
