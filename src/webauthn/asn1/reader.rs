//! The DER reader, hand-written to keep the Worker within its 400 KiB gzip budget (it replaces
//! the `der`, `x509-cert`, `spki` and `const-oid` crates in the build). It accepts strict DER
//! only: definite lengths in their minimal encoding (no indefinite length, no leading zero
//! length octet, the short form below 128), at most 4 length octets; tags in their minimal form
//! (a long-form tag number only when it is 31 or more, as Android's key description uses, and
//! below 2^28); of the universal tags only those X.509 uses, each in its one right form (the
//! set `der` accepts); no bytes left over where a value must end ([`Reader::finish`]); nesting
//! bounded by [`MAX_DEPTH`]. Every read returns an [`Error`]; none panics or unwraps on input.

use core::fmt;

use super::values::{self, BitString};

/// Deepest nesting of constructed values below a reader made by [`Reader::new`].
pub const MAX_DEPTH: u8 = 16;

/// Why input is not the DER expected: a fixed description (the reader keeps no positions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error(&'static str);

impl Error {
    pub const fn new(what: &'static str) -> Error {
        Error(what)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

pub type Result<T> = core::result::Result<T, Error>;

const TRUNCATED: Error = Error::new("DER value is truncated");

const CLASS_MASK: u8 = 0xC0;
const CONTEXT_SPECIFIC: u8 = 0x80;
const CONSTRUCTED: u8 = 0x20;
const LONG_FORM: u8 = 0x1F;

/// The identifier octets of a DER value: class, constructed bit and tag number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag {
    /// The class and constructed bits of the first identifier octet.
    bits: u8,
    number: u32,
}

impl Tag {
    pub const BOOLEAN: Tag = Tag::universal(0x01);
    pub const INTEGER: Tag = Tag::universal(0x02);
    pub const BIT_STRING: Tag = Tag::universal(0x03);
    pub const OCTET_STRING: Tag = Tag::universal(0x04);
    pub const NULL: Tag = Tag::universal(0x05);
    pub const OID: Tag = Tag::universal(0x06);
    pub const UTF8_STRING: Tag = Tag::universal(0x0C);
    pub const PRINTABLE_STRING: Tag = Tag::universal(0x13);
    pub const IA5_STRING: Tag = Tag::universal(0x16);
    pub const UTC_TIME: Tag = Tag::universal(0x17);
    pub const GENERALIZED_TIME: Tag = Tag::universal(0x18);
    pub const SEQUENCE: Tag = Tag::universal(0x30);
    pub const SET: Tag = Tag::universal(0x31);

    const fn universal(octet: u8) -> Tag {
        Tag { bits: octet & !LONG_FORM, number: (octet & LONG_FORM) as u32 }
    }

    /// `[number]` of a primitive value (IMPLICIT tagging of a primitive type).
    pub const fn context(number: u32) -> Tag {
        Tag { bits: CONTEXT_SPECIFIC, number }
    }

    /// `[number]` of a constructed value (EXPLICIT tagging, or IMPLICIT of a SEQUENCE).
    pub const fn context_constructed(number: u32) -> Tag {
        Tag { bits: CONTEXT_SPECIFIC | CONSTRUCTED, number }
    }

    pub fn is_context_specific(self) -> bool {
        self.bits & CLASS_MASK == CONTEXT_SPECIFIC
    }

    pub fn number(self) -> u32 {
        self.number
    }
}

/// The universal identifier octets accepted: the primitive types `der` knows and the
/// constructed SEQUENCE and SET.
const UNIVERSAL: [u8; 22] =
    [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x09, 0x0A, 0x0C, 0x0D, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x1A, 0x1B, 0x1E, 0x30, 0x31];

/// The tag at the start of `input`, and the bytes after it.
fn read_tag(input: &[u8]) -> Result<(Tag, &[u8])> {
    let (&first, mut rest) = input.split_first().ok_or(TRUNCATED)?;
    let bits = first & !LONG_FORM;
    if bits & CLASS_MASK == 0 {
        return match UNIVERSAL.contains(&first) {
            true => Ok((Tag::universal(first), rest)),
            false => Err(Error::new("unknown or ill-formed universal DER tag")),
        };
    }
    if first & LONG_FORM != LONG_FORM {
        return Ok((Tag { bits, number: u32::from(first & LONG_FORM) }, rest));
    }
    let mut number = 0u32;
    for index in 0..4 {
        let (&octet, tail) = rest.split_first().ok_or(TRUNCATED)?;
        rest = tail;
        if index == 0 && octet == 0x80 {
            return Err(Error::new("DER tag number not minimally encoded"));
        }
        number = (number << 7) | u32::from(octet & 0x7F);
        if octet & 0x80 == 0 {
            if number < u32::from(LONG_FORM) {
                return Err(Error::new("DER tag number not minimally encoded"));
            }
            return Ok((Tag { bits, number }, rest));
        }
    }
    Err(Error::new("DER tag number too large"))
}

/// The definite length at the start of `input`, and the bytes after it.
fn read_length(input: &[u8]) -> Result<(usize, &[u8])> {
    let (&first, rest) = input.split_first().ok_or(TRUNCATED)?;
    match first {
        0x00..=0x7F => Ok((usize::from(first), rest)),
        0x80 => Err(Error::new("indefinite length is not DER")),
        0x81..=0x84 => {
            let (octets, rest) = rest.split_at_checked(usize::from(first & 0x7F)).ok_or(TRUNCATED)?;
            if octets.first() == Some(&0) {
                return Err(Error::new("DER length not minimally encoded"));
            }
            let length = octets.iter().fold(0u32, |acc, &octet| (acc << 8) | u32::from(octet));
            if length < 0x80 {
                return Err(Error::new("DER length not minimally encoded"));
            }
            Ok((usize::try_from(length).map_err(|_| TRUNCATED)?, rest))
        }
        _ => Err(Error::new("DER length too large")),
    }
}

/// One value: its tag, its content octets, and its whole encoding (identifier to content).
#[derive(Clone, Copy, Debug)]
pub struct Tlv<'a> {
    pub tag: Tag,
    pub value: &'a [u8],
    pub raw: &'a [u8],
}

/// Reads consecutive DER values from a slice; a constructed value's content is read by a child
/// reader one level deeper ([`Reader::child`]).
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    rest: &'a [u8],
    depth: u8,
}

impl<'a> Reader<'a> {
    /// A reader of `input` at depth 0.
    pub fn new(input: &'a [u8]) -> Reader<'a> {
        Reader { rest: input, depth: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// Everything has been read.
    pub fn finish(&self) -> Result<()> {
        match self.rest.is_empty() {
            true => Ok(()),
            false => Err(Error::new("trailing bytes after a DER value")),
        }
    }

    /// The bytes not read yet, consumed unchecked (fields a later version may add).
    pub fn skip_rest(&mut self) {
        self.rest = &[];
    }

    /// The tag of the next value, if it has a valid one.
    pub fn peek_tag(&self) -> Option<Tag> {
        read_tag(self.rest).ok().map(|(tag, _)| tag)
    }

    /// The next value, whatever its tag.
    pub fn read_tlv(&mut self) -> Result<Tlv<'a>> {
        let input = self.rest;
        let (tag, rest) = read_tag(input)?;
        let (length, rest) = read_length(rest)?;
        let (value, rest) = rest.split_at_checked(length).ok_or(TRUNCATED)?;
        let raw = input.get(..input.len() - rest.len()).ok_or(TRUNCATED)?;
        self.rest = rest;
        Ok(Tlv { tag, value, raw })
    }

    /// The content of the next value, which must have `tag`.
    pub fn read(&mut self, tag: Tag) -> Result<&'a [u8]> {
        let tlv = self.read_tlv()?;
        match tlv.tag == tag {
            true => Ok(tlv.value),
            false => Err(Error::new("unexpected DER tag")),
        }
    }

    /// The content of the next value if it has `tag`; None (nothing read) otherwise.
    pub fn read_optional(&mut self, tag: Tag) -> Result<Option<&'a [u8]>> {
        match self.peek_tag() == Some(tag) {
            true => self.read(tag).map(Some),
            false => Ok(None),
        }
    }

    /// A reader of `content` (a value read by this reader) one level deeper.
    pub fn child(&self, content: &'a [u8]) -> Result<Reader<'a>> {
        match self.depth < MAX_DEPTH {
            true => Ok(Reader { rest: content, depth: self.depth + 1 }),
            false => Err(Error::new("DER nested too deeply")),
        }
    }

    /// A reader of the content of the next value, which must have `tag`.
    pub fn nested(&mut self, tag: Tag) -> Result<Reader<'a>> {
        let content = self.read(tag)?;
        self.child(content)
    }

    /// A reader of the content of the next value, which must be a SEQUENCE.
    pub fn sequence(&mut self) -> Result<Reader<'a>> {
        self.nested(Tag::SEQUENCE)
    }

    pub fn boolean(&mut self) -> Result<bool> {
        values::boolean(self.read(Tag::BOOLEAN)?)
    }

    /// An INTEGER's content octets (two's complement, minimal).
    pub fn integer(&mut self) -> Result<&'a [u8]> {
        values::integer(self.read(Tag::INTEGER)?)
    }

    /// A non-negative INTEGER, big-endian without its sign octet.
    pub fn unsigned(&mut self) -> Result<&'a [u8]> {
        values::unsigned(self.read(Tag::INTEGER)?)
    }

    /// A non-negative INTEGER that fits in 64 bits.
    pub fn u64(&mut self) -> Result<u64> {
        values::u64(self.read(Tag::INTEGER)?)
    }

    pub fn octet_string(&mut self) -> Result<&'a [u8]> {
        self.read(Tag::OCTET_STRING)
    }

    pub fn bit_string(&mut self) -> Result<BitString<'a>> {
        values::bit_string(self.read(Tag::BIT_STRING)?)
    }

    /// An OBJECT IDENTIFIER's content octets, checked ([`super::oid::check`]).
    pub fn oid(&mut self) -> Result<&'a [u8]> {
        let content = self.read(Tag::OID)?;
        super::oid::check(content)?;
        Ok(content)
    }
}

/// The content of the one value `input` holds, which must have `tag` (nothing after it).
pub fn single(input: &[u8], tag: Tag) -> Result<&[u8]> {
    let mut reader = Reader::new(input);
    let content = reader.read(tag)?;
    reader.finish()?;
    Ok(content)
}
