//! The structure of an X.509 certificate (RFC 5280 §4.1), read with the strict DER reader of
//! `asn1`: every field is checked when the certificate is parsed, and [`Layout`] keeps where
//! the fields the core reads lie in the DER (byte ranges), with the version and validity
//! decoded. The certificate's accessors read those ranges; names are in [`super::name`],
//! extension values in [`super::extensions`].

use core::ops::Range;

use super::name;
use crate::webauthn::asn1::{self, time, values, Error, Reader, Tag};
use crate::webauthn::keys::spki::{algorithm_identifier, Spki};

/// Most octets of a serial number: RFC 5280's 20, plus the sign octet some issuers add
/// (`x509-cert` accepts as many).
const MAX_SERIAL_LEN: usize = 21;

/// Where the fields of a parsed certificate lie in its DER.
#[derive(Clone, Debug)]
pub struct Layout {
    /// `tbsCertificate`, whole: the bytes the issuer signed.
    pub tbs: Range<usize>,
    /// X.509 version: 1, 2 or 3.
    pub version: u8,
    /// `issuer` and `subject`, each a whole `Name` (tag and length included).
    pub issuer: Range<usize>,
    pub subject: Range<usize>,
    /// `notBefore` and `notAfter`, Unix seconds.
    pub not_before: u64,
    pub not_after: u64,
    /// `subjectPublicKeyInfo`, whole.
    pub spki: Range<usize>,
    /// The content of the `extensions` SEQUENCE, when present.
    pub extensions: Option<Range<usize>>,
    /// The content octets of the `signatureAlgorithm` OID.
    pub signature_algorithm: Range<usize>,
    /// The `signatureValue` octets, and whether it is a whole number of them.
    pub signature: Range<usize>,
    pub signature_whole_bytes: bool,
}

/// The range of `part`, a slice of `base`, inside `base`.
fn span(base: &[u8], part: &[u8]) -> Range<usize> {
    let start = (part.as_ptr() as usize).wrapping_sub(base.as_ptr() as usize);
    start..start.saturating_add(part.len())
}

/// Parse exactly one DER `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
/// signatureValue BIT STRING }`.
pub fn parse(der: &[u8]) -> asn1::Result<Layout> {
    let mut outer = Reader::new(der);
    let mut certificate = outer.sequence()?;
    outer.finish()?;
    let tbs = certificate.read_tlv()?;
    if tbs.tag != Tag::SEQUENCE {
        return Err(Error::new("tbsCertificate is not a SEQUENCE"));
    }
    let (signature_algorithm, _) = algorithm_identifier(&mut certificate)?;
    let signature = certificate.bit_string()?;
    certificate.finish()?;
    let mut layout = Layout {
        tbs: span(der, tbs.raw),
        version: 1,
        issuer: 0..0,
        subject: 0..0,
        not_before: 0,
        not_after: 0,
        spki: 0..0,
        extensions: None,
        signature_algorithm: span(der, signature_algorithm),
        signature: span(der, signature.bytes),
        signature_whole_bytes: signature.as_bytes().is_some(),
    };
    read_tbs(der, &mut certificate.child(tbs.value)?, &mut layout)?;
    Ok(layout)
}

/// The fields of `TBSCertificate` (RFC 5280 §4.1.2), in their order.
fn read_tbs(der: &[u8], tbs: &mut Reader<'_>, layout: &mut Layout) -> asn1::Result<()> {
    // version [0] EXPLICIT Version DEFAULT v1 (an explicit v1 is taken, as x509-cert did)
    if let Some(explicit) = tbs.read_optional(Tag::context_constructed(0))? {
        let mut version = tbs.child(explicit)?;
        layout.version = match version.integer()? {
            [0] => 1,
            [1] => 2,
            [2] => 3,
            _ => return Err(Error::new("unknown X.509 version")),
        };
        version.finish()?;
    }
    if tbs.integer()?.len() > MAX_SERIAL_LEN {
        return Err(Error::new("serial number too long"));
    }
    algorithm_identifier(tbs)?; // signature, the same as signatureAlgorithm
    layout.issuer = span(der, name::read(tbs)?);
    let mut validity = tbs.sequence()?;
    layout.not_before = unix_time(&mut validity)?;
    layout.not_after = unix_time(&mut validity)?;
    validity.finish()?;
    layout.subject = span(der, name::read(tbs)?);
    let spki = tbs.read_tlv()?;
    Spki::parse(spki.raw)?;
    layout.spki = span(der, spki.raw);
    // issuerUniqueID [1] IMPLICIT, subjectUniqueID [2] IMPLICIT: BIT STRINGs, unread
    for number in [1, 2] {
        if let Some(unique_id) = tbs.read_optional(Tag::context(number))? {
            values::bit_string(unique_id)?;
        }
    }
    // extensions [3] EXPLICIT SEQUENCE OF Extension
    if let Some(explicit) = tbs.read_optional(Tag::context_constructed(3))? {
        let mut explicit = tbs.child(explicit)?;
        let list = explicit.read(Tag::SEQUENCE)?;
        explicit.finish()?;
        let mut extensions = explicit.child(list)?;
        while !extensions.is_empty() {
            read_extension(&mut extensions)?;
        }
        layout.extensions = Some(span(der, list));
    }
    tbs.finish()
}

/// A `Time` in Unix seconds; before 1970 is refused (as `der` refused it).
fn unix_time(validity: &mut Reader<'_>) -> asn1::Result<u64> {
    u64::try_from(time::time(&validity.read_tlv()?)?).map_err(|_| Error::new("certificate time before 1970"))
}

/// One `Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE,
/// extnValue OCTET STRING }`: its OID, criticality and value.
pub fn read_extension<'a>(extensions: &mut Reader<'a>) -> asn1::Result<(&'a [u8], bool, &'a [u8])> {
    let mut extension = extensions.sequence()?;
    let oid = extension.oid()?;
    let critical = match extension.peek_tag() {
        Some(Tag::BOOLEAN) => extension.boolean()?,
        _ => false,
    };
    let value = extension.octet_string()?;
    extension.finish()?;
    Ok((oid, critical, value))
}
