//! The values of the certificate extensions the core reads (RFC 5280 §4.2.1): Basic
//! Constraints, Key Usage, Extended Key Usage and Subject Alternative Name. Each parser takes
//! the content of `extnValue` and reads exactly one value, strict DER, with the shapes
//! `x509-cert` accepted.

use super::name;
use crate::webauthn::asn1::{self, values, Error, Reader, Tag};

/// `BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER
/// (0..MAX) OPTIONAL }`; a path length over 255 is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BasicConstraints {
    pub ca: bool,
    pub path_len_constraint: Option<u8>,
}

pub fn basic_constraints(value: &[u8]) -> asn1::Result<BasicConstraints> {
    let mut outer = Reader::new(value);
    let mut sequence = outer.sequence()?;
    outer.finish()?;
    let ca = match sequence.peek_tag() {
        Some(Tag::BOOLEAN) => sequence.boolean()?,
        _ => false,
    };
    let path_len_constraint = match sequence.is_empty() {
        true => None,
        false => Some(u8::try_from(sequence.u64()?).map_err(|_| Error::new("path length constraint too large"))?),
    };
    sequence.finish()?;
    Ok(BasicConstraints { ca, path_len_constraint })
}

/// Whether `KeyUsage ::= BIT STRING` (at most 16 bits) has keyCertSign (bit 5).
pub fn key_usage_allows_cert_sign(value: &[u8]) -> asn1::Result<bool> {
    let bits = values::bit_string(asn1::single(value, Tag::BIT_STRING)?)?;
    if bits.bit_len() > 16 {
        return Err(Error::new("KeyUsage too long"));
    }
    Ok(bits.bytes.first().is_some_and(|&first| first & (0x80 >> 5) != 0))
}

/// `ExtKeyUsageSyntax ::= SEQUENCE OF KeyPurposeId`: the purposes' OID content octets.
pub fn extended_key_usage(value: &[u8]) -> asn1::Result<Vec<&[u8]>> {
    let mut outer = Reader::new(value);
    let mut sequence = outer.sequence()?;
    outer.finish()?;
    let mut purposes = Vec::new();
    while !sequence.is_empty() {
        purposes.push(sequence.oid()?);
    }
    Ok(purposes)
}

/// The `GeneralName`s the core looks at; the others are checked, then kept as `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeneralName<'a> {
    /// `dNSName [2] IMPLICIT IA5String`.
    Dns(&'a str),
    /// `directoryName [4] EXPLICIT Name`: the whole `Name`.
    Directory(&'a [u8]),
    Other,
}

/// `SubjectAltName ::= GeneralNames ::= SEQUENCE OF GeneralName`, each of the forms
/// `x509-cert` knew (x400Address [3] is refused, as it was).
pub fn subject_alt_names(value: &[u8]) -> asn1::Result<Vec<GeneralName<'_>>> {
    let mut outer = Reader::new(value);
    let mut sequence = outer.sequence()?;
    outer.finish()?;
    let mut names = Vec::new();
    while !sequence.is_empty() {
        names.push(general_name(&mut sequence)?);
    }
    Ok(names)
}

fn general_name<'a>(names: &mut Reader<'a>) -> asn1::Result<GeneralName<'a>> {
    let tlv = names.read_tlv()?;
    let bad = || Error::new("GeneralName is not valid");
    if !tlv.tag.is_context_specific() {
        return Err(bad());
    }
    match (tlv.tag.number(), tlv.tag == Tag::context(tlv.tag.number())) {
        // otherName [0] IMPLICIT SEQUENCE { type-id OBJECT IDENTIFIER, value [0] EXPLICIT ANY }
        (0, false) => {
            let mut other = names.child(tlv.value)?;
            other.oid()?;
            one_value(other.read(Tag::context_constructed(0))?)?;
            other.finish()?;
        }
        // rfc822Name [1], uniformResourceIdentifier [6]: IA5String
        (1 | 6, true) => {
            values::ia5_string(tlv.value)?;
        }
        (2, true) => return Ok(GeneralName::Dns(values::ia5_string(tlv.value)?)),
        (4, false) => {
            let mut explicit = names.child(tlv.value)?;
            let name = name::read(&mut explicit)?;
            explicit.finish()?;
            return Ok(GeneralName::Directory(name));
        }
        // ediPartyName [5] IMPLICIT SEQUENCE { nameAssigner [0] EXPLICIT DirectoryString
        // OPTIONAL, partyName [1] EXPLICIT DirectoryString } (the strings' types unchecked)
        (5, false) => {
            let mut party = names.child(tlv.value)?;
            for (number, optional) in [(0, true), (1, false)] {
                match party.read_optional(Tag::context_constructed(number))? {
                    Some(explicit) => one_value(explicit)?,
                    None if optional => {}
                    None => return Err(bad()),
                }
            }
            party.finish()?;
        }
        // iPAddress [7] IMPLICIT OCTET STRING
        (7, true) => {}
        // registeredID [8] IMPLICIT OBJECT IDENTIFIER
        (8, true) => asn1::oid::check(tlv.value)?,
        _ => return Err(bad()),
    }
    Ok(GeneralName::Other)
}

/// Checks that `content` (of an EXPLICIT wrapper) is exactly one value, of any type.
fn one_value(content: &[u8]) -> asn1::Result<()> {
    let mut reader = Reader::new(content);
    reader.read_tlv()?;
    reader.finish()
}
