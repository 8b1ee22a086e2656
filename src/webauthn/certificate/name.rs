//! X.501 names as certificates carry them: `Name ::= SEQUENCE OF RelativeDistinguishedName`,
//! each `SET OF AttributeTypeAndValue { type OBJECT IDENTIFIER, value ANY }`; checking one,
//! finding an attribute, and reading directory strings as text. Names are compared as their
//! DER bytes (the issuer of one certificate against the subject of the next).

use crate::webauthn::asn1::{self, values, Reader, Tag, Tlv};

/// Reads one `Name` and checks its structure; the whole value (tag and length included).
pub fn read<'a>(reader: &mut Reader<'a>) -> asn1::Result<&'a [u8]> {
    let tlv = reader.read_tlv()?;
    if tlv.tag != Tag::SEQUENCE {
        return Err(asn1::Error::new("Name is not a SEQUENCE"));
    }
    for_each_attribute(&mut reader.child(tlv.value)?, |_, _| false)?;
    Ok(tlv.raw)
}

/// Calls `found` on every attribute (type OID content octets, value) of the RDNs `rdns`
/// reads, in order, until it returns true.
fn for_each_attribute<'a>(rdns: &mut Reader<'a>, mut found: impl FnMut(&'a [u8], Tlv<'a>) -> bool) -> asn1::Result<()> {
    while !rdns.is_empty() {
        let mut rdn = rdns.nested(Tag::SET)?;
        while !rdn.is_empty() {
            let mut attribute = rdn.sequence()?;
            let oid = attribute.oid()?;
            let value = attribute.read_tlv()?;
            attribute.finish()?;
            if found(oid, value) {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// The attributes of the whole `Name` `name` (tag and length included), in order; empty
/// when it does not parse.
pub fn attributes(name: &[u8]) -> Vec<(&[u8], Tlv<'_>)> {
    let mut all = Vec::new();
    let mut outer = Reader::new(name);
    let walked = outer.nested(Tag::SEQUENCE).and_then(|mut rdns| {
        for_each_attribute(&mut rdns, |oid, value| {
            all.push((oid, value));
            false
        })
    });
    match walked {
        Ok(()) => all,
        Err(_) => Vec::new(),
    }
}

/// Whether the whole `Name` `name` is empty: no RDN at all.
pub fn is_empty(name: &[u8]) -> bool {
    asn1::single(name, Tag::SEQUENCE).is_ok_and(|rdns| rdns.is_empty())
}

/// The text of a directory string value (UTF8String, PrintableString or IA5String).
pub fn text(value: &Tlv<'_>) -> Option<String> {
    let text = match value.tag {
        Tag::UTF8_STRING => values::utf8_string(value.value),
        Tag::PRINTABLE_STRING => values::printable_string(value.value),
        Tag::IA5_STRING => values::ia5_string(value.value),
        _ => return None,
    };
    text.ok().map(str::to_owned)
}
