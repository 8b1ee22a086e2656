//! X.509 certificates of attestation statements: parsing (DER and PEM), fields and extensions,
//! validity periods, public keys and signatures by COSE algorithm; certificate paths are in
//! [`chain`]. Signatures are checked by the caller's `SignatureVerifier`.
//!
//! Parsing is the crate's own strict DER reader (`asn1`, in place of `x509-cert` and `der`, for
//! the Worker's size): [`x509`] reads the structure, [`name`] the names, [`extensions`] the
//! extension values. The signed bytes of a certificate (its `tbsCertificate`) are taken exactly
//! as received, never re-encoded.

#[cfg(test)]
#[macro_use]
mod test_vectors {
    //! What this module's tests and `chain`'s share: the certificates of tests/vectors/certs (made
    //! by its generate.sh, valid 2026-11-25 .. 2036-11-23) and a time inside their validity.

    use super::Certificate;
    use crate::webauthn::error::{ErrorCode, VerifyError};

    macro_rules! vector {
        ($name:literal) => {
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/certs/", $name))
        };
    }

    pub const NOW: u64 = 1_800_000_000; // 2027-01-15

    pub fn cert(der: &[u8]) -> Certificate {
        Certificate::from_der(der).expect("test certificate parses")
    }
    pub fn ec_root() -> Certificate {
        cert(vector!("ec_root.der"))
    }
    pub fn ec_inter() -> Certificate {
        cert(vector!("ec_inter.der"))
    }
    pub fn ec_leaf() -> Certificate {
        cert(vector!("ec_leaf.der"))
    }
    pub fn rsa_leaf() -> Certificate {
        cert(vector!("rsa_leaf.der"))
    }

    pub fn code(result: Result<(), VerifyError>) -> ErrorCode {
        result.expect_err("must fail").code
    }
}

mod chain;
#[cfg(test)]
mod differential;
pub mod extensions;
mod name;
mod x509;

use super::asn1::{self, Oid, Reader};
use super::error::{ErrorCode, VerifyError};
use super::keys::spki::{self, Spki};
use super::keys::{CoseAlgorithm, CoseKey, KeyKind, PublicKey, SignatureScheme};
use super::signature::{SignatureCheck, SignatureVerifier};
pub use chain::{chains_to_anchor, parse_chain, verify_chain};
use extensions::BasicConstraints;
pub use name::attributes as name_attributes;

/// The OIDs (dotted form) of the extensions and subject attributes the core reads.
pub mod oid {
    pub const BASIC_CONSTRAINTS: &str = "2.5.29.19";
    pub const KEY_USAGE: &str = "2.5.29.15";
    pub const SUBJECT_ALT_NAME: &str = "2.5.29.17";
    pub const EXTENDED_KEY_USAGE: &str = "2.5.29.37";
    /// id-fido-gen-ce-aaguid: the authenticator's AAGUID in an attestation certificate.
    pub const FIDO_GEN_CE_AAGUID: &str = "1.3.6.1.4.1.45724.1.1.4";
    pub const COUNTRY: &str = "2.5.4.6";
    pub const ORGANIZATION: &str = "2.5.4.10";
    pub const ORGANIZATIONAL_UNIT: &str = "2.5.4.11";
    pub const COMMON_NAME: &str = "2.5.4.3";
}

/// Largest accepted DER certificate, in bytes.
pub const MAX_CERTIFICATE_LEN: usize = 16 * 1024;
/// Most certificates accepted in one chain (`x5c`).
pub const MAX_CHAIN_LEN: usize = 5;
/// Largest accepted PEM text (a bundle of trust anchors), in bytes.
pub const MAX_PEM_LEN: usize = 256 * 1024;

/// A parsed X.509 certificate together with its DER encoding.
#[derive(Clone, Debug)]
pub struct Certificate {
    der: Vec<u8>,
    /// Where its fields lie in `der`.
    layout: x509::Layout,
}

fn cert_error(message: impl Into<String>) -> VerifyError {
    VerifyError::new(ErrorCode::Certificate, message)
}

impl Certificate {
    /// Parse one DER certificate (no trailing bytes).
    pub fn from_der(der: &[u8]) -> Result<Certificate, VerifyError> {
        if der.len() > MAX_CERTIFICATE_LEN {
            return Err(cert_error("certificate too large"));
        }
        let layout = x509::parse(der).map_err(|e| cert_error(format!("certificate is not valid DER X.509: {e}")))?;
        Ok(Certificate { der: der.to_vec(), layout })
    }

    /// Parse every `CERTIFICATE` block of a PEM text (for example a trust-anchor bundle).
    /// Text outside the blocks is ignored; a text without any block is an error.
    pub fn from_pem(pem: &str) -> Result<Vec<Certificate>, VerifyError> {
        const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
        const END: &str = "-----END CERTIFICATE-----";
        if pem.len() > MAX_PEM_LEN {
            return Err(cert_error("PEM text too large"));
        }
        let mut certs = Vec::new();
        let mut rest = pem;
        while let Some(start) = rest.find(BEGIN) {
            let body = &rest[start + BEGIN.len()..];
            let end = body.find(END).ok_or_else(|| cert_error("PEM certificate without END line"))?;
            certs.push(Certificate::from_der(&pem_body(&body[..end])?)?);
            rest = &body[end + END.len()..];
        }
        if certs.is_empty() {
            return Err(cert_error("no PEM certificate found"));
        }
        Ok(certs)
    }

    /// The DER encoding, exactly as received.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The bytes of `range`, a range of the layout (always inside `der`).
    fn bytes(&self, range: &core::ops::Range<usize>) -> &[u8] {
        self.der.get(range.clone()).unwrap_or_default()
    }

    /// X.509 version: 1, 2 or 3.
    pub fn version(&self) -> u8 {
        self.layout.version
    }

    /// Whether the subject name is empty (no attributes at all).
    pub fn subject_is_empty(&self) -> bool {
        name::is_empty(self.bytes(&self.layout.subject))
    }

    /// The first subject attribute with this OID (dotted form) as text, if it is a string.
    pub fn subject_attr(&self, oid: &str) -> Option<String> {
        let oid = Oid::from_dotted(oid)?;
        let (_, value) = name::attributes(self.bytes(&self.layout.subject)).into_iter().find(|(attr, _)| oid.is(attr))?;
        name::text(&value)
    }

    /// The extension with this OID (dotted form): its criticality and the content of its
    /// `extnValue` OCTET STRING. None when absent, or when present more than once.
    pub fn extension(&self, oid: &str) -> Option<(bool, &[u8])> {
        let oid = Oid::from_dotted(oid)?;
        let mut extensions = Reader::new(self.bytes(self.layout.extensions.as_ref()?));
        let mut found = None;
        while !extensions.is_empty() {
            let (id, critical, value) = x509::read_extension(&mut extensions).ok()?;
            if oid.is(id) {
                if found.is_some() {
                    return None;
                }
                found = Some((critical, value));
            }
        }
        found
    }

    /// Whether the Basic Constraints extension says this is a CA.
    pub fn is_ca(&self) -> bool {
        self.basic_constraints().is_some_and(|bc| bc.ca)
    }

    fn basic_constraints(&self) -> Option<BasicConstraints> {
        let (_, value) = self.extension(oid::BASIC_CONSTRAINTS)?;
        extensions::basic_constraints(value).ok()
    }

    /// Whether this certificate may sign certificates: a CA whose Key Usage, when present,
    /// includes keyCertSign.
    fn may_sign_certificates(&self) -> bool {
        if !self.is_ca() {
            return false;
        }
        match self.extension(oid::KEY_USAGE) {
            None => true,
            Some((_, value)) => extensions::key_usage_allows_cert_sign(value).unwrap_or(false),
        }
    }

    /// Check `notBefore <= now <= notAfter`.
    pub fn check_validity(&self, now_unix: u64) -> Result<(), VerifyError> {
        let (not_before, not_after) = (self.layout.not_before, self.layout.not_after);
        if now_unix < not_before {
            return Err(cert_error(format!("certificate not valid before {not_before} (now {now_unix})")));
        }
        if now_unix > not_after {
            return Err(cert_error(format!("certificate expired at {not_after} (now {now_unix})")));
        }
        Ok(())
    }

    /// The subject public key info (checked when the certificate was parsed).
    fn spki(&self) -> Result<Spki<'_>, VerifyError> {
        Spki::parse(self.bytes(&self.layout.spki)).map_err(|_| cert_error("invalid certificate public key"))
    }

    /// The subject public key (P-256, P-384, Ed25519 or RSA of 1024 to 4096 bits).
    pub fn public_key(&self) -> Result<PublicKey, VerifyError> {
        PublicKey::from_spki(&self.spki()?)
    }

    /// The kind of the subject public key as its OIDs name it (the key bits unread).
    pub fn public_key_kind(&self) -> Option<KeyKind> {
        spki::kind_of(&self.spki().ok()?)
    }

    /// Verify `sig` over `data` with this certificate's public key, by COSE algorithm
    /// (-7 ES256, -35 ES384, -36 ES512, -8 EdDSA, -257/-258/-259 RS256/384/512,
    /// -37/-38/-39 PS256/384/512, -65535 RS1). ECDSA signatures are DER-encoded.
    pub fn verify_signature(&self, cose_alg: i64, data: &[u8], sig: &[u8], verifier: &dyn SignatureVerifier) -> Result<(), VerifyError> {
        let scheme = CoseAlgorithm::from_id(cose_alg)
            .map(CoseAlgorithm::scheme)
            .ok_or_else(|| VerifyError::new(ErrorCode::Algorithm, format!("unsupported signature algorithm {cose_alg}")))?;
        self.verify_with_scheme(scheme, data, sig, verifier)
    }

    /// Verify `sig` over `data` with this certificate's public key and the given scheme.
    pub fn verify_with_scheme(&self, scheme: SignatureScheme, data: &[u8], sig: &[u8], verifier: &dyn SignatureVerifier) -> Result<(), VerifyError> {
        verifier.check(SignatureCheck::by_certificate(self.public_key()?, scheme, data, sig)?)
    }

    /// Whether this certificate's subject public key is the same key as `key`.
    pub fn public_key_matches(&self, key: &CoseKey) -> bool {
        self.public_key().is_ok_and(|own| own.same_key(key.public_key()))
    }

    /// Whether `issuer` issued this certificate: names chain and the signature verifies.
    fn check_issued_by(&self, issuer: &Certificate, verifier: &dyn SignatureVerifier) -> Result<(), VerifyError> {
        verifier.check(self.issued_by(issuer)?)
    }

    /// The check that `issuer` signed this certificate, once the names chain.
    fn issued_by(&self, issuer: &Certificate) -> Result<SignatureCheck, VerifyError> {
        if !self.names_issuer(issuer) {
            return Err(cert_error("certificate issuer does not match the next certificate's subject"));
        }
        let alg = self.bytes(&self.layout.signature_algorithm);
        let scheme = spki::scheme_of_signature_oid(alg)
            .ok_or_else(|| cert_error(format!("unsupported certificate signature algorithm {}", asn1::oid::dotted(alg))))?;
        if !self.layout.signature_whole_bytes {
            return Err(cert_error("certificate signature is not a whole number of bytes"));
        }
        let sig = self.bytes(&self.layout.signature);
        let tbs = self.bytes(&self.layout.tbs);
        let not_issued = || cert_error("certificate signature does not verify with its issuer's key");
        let key = issuer.public_key().map_err(|_| not_issued())?;
        Ok(SignatureCheck::by_certificate(key, scheme, tbs, sig).map_err(|_| not_issued())?.failing_with(not_issued()))
    }

    /// Whether this certificate's issuer name is `issuer`'s subject name (the same DER).
    fn names_issuer(&self, issuer: &Certificate) -> bool {
        self.bytes(&self.layout.issuer) == issuer.bytes(&issuer.layout.subject)
    }
}

/// The DER of a PEM block's body (between its BEGIN and END lines): base64 with padding,
/// whitespace ignored.
fn pem_body(body: &str) -> Result<Vec<u8>, VerifyError> {
    use base64::Engine;
    let text: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(text).map_err(|_| cert_error("PEM certificate is not valid base64"))
}

#[cfg(test)]
mod tests {
    //! Certificates and signatures from tests/vectors/certs (made by its generate.sh, valid
    //! 2026-11-25 .. 2036-11-23), plus the recorded real chains in tests/vectors/anchors.
    use super::test_vectors::*;
    use super::*;
    use crate::webauthn::rust_crypto::VerifyNow;

    const DATA: &[u8] = vector!("data.bin");

    #[test]
    fn parses_fields() {
        let leaf = ec_leaf();
        assert_eq!(leaf.version(), 3);
        assert!(!leaf.is_ca());
        assert!(ec_inter().is_ca());
        assert_eq!(leaf.subject_attr("2.5.4.3").as_deref(), Some("ec_leaf"));
        assert_eq!(leaf.subject_attr("2.5.4.10"), None);
        let (critical, value) = leaf.extension("2.5.29.19").expect("basic constraints");
        assert!(critical);
        assert_eq!(value, [0x30, 0x00]);
        assert!(leaf.extension("1.2.3.4").is_none());
        assert!(!leaf.subject_is_empty());
        assert_eq!(leaf.der(), vector!("ec_leaf.der"));
    }

    #[test]
    fn rejects_malformed_der() {
        let der = vector!("ec_leaf.der");
        assert_eq!(Certificate::from_der(&der[..der.len() - 1]).unwrap_err().code, ErrorCode::Certificate);
        let mut trailing = der.to_vec();
        trailing.push(0);
        assert!(Certificate::from_der(&trailing).is_err());
        assert!(Certificate::from_der(&[]).is_err());
        assert!(Certificate::from_der(&vec![0x30; MAX_CERTIFICATE_LEN + 1]).is_err());
        for len in 0..der.len() {
            let _ = Certificate::from_der(&der[..len]); // never panics
        }
    }

    #[test]
    fn reads_validity_and_refuses_times_der_refused() {
        let der = vector!("ec_leaf.der");
        let leaf = ec_leaf();
        assert_eq!((leaf.layout.not_before, leaf.layout.not_after), (1_795_616_100, 2_110_976_100)); // 2026-11-25 14:15 .. 2036-11-22
        let at = der.windows(15).position(|w| w == b"\x17\x0d261125141500Z").expect("notBefore") + 2;
        let with_time = |time: &[u8; 13]| [&der[..at], &time[..], &der[at + 13..]].concat();
        // A notBefore before 1970 (UTCTime 50-69), as x509-cert refused it; one in 2049 is fine.
        let err = Certificate::from_der(&with_time(b"691231235959Z")).unwrap_err();
        assert!(err.message.contains("before 1970"), "{}", err.message);
        assert_eq!(Certificate::from_der(&with_time(b"491231235959Z")).unwrap().layout.not_before, 2_524_607_999);
        assert!(Certificate::from_der(&with_time(b"261325141500Z")).is_err(), "month 13");
        assert!(Certificate::from_der(&with_time(b"2611251415001")).is_err(), "no Z");
    }

    #[test]
    fn signed_bytes_and_names_as_received() {
        let (leaf, inter) = (ec_leaf(), ec_inter());
        let tbs = leaf.bytes(&leaf.layout.tbs);
        assert_eq!(tbs.as_ptr(), leaf.der()[4..].as_ptr(), "tbsCertificate follows the outer header");
        assert_eq!(tbs.first(), Some(&0x30));
        assert!(leaf.names_issuer(&inter) && !leaf.names_issuer(&ec_root()));
        assert_eq!(leaf.public_key_kind(), Some(KeyKind::P256));
        assert_eq!(rsa_leaf().public_key_kind(), Some(KeyKind::Rsa));
        assert_eq!(cert(vector!("ed_leaf.der")).public_key_kind(), Some(KeyKind::Ed25519));
        assert_eq!(ec_root().public_key_kind(), Some(KeyKind::P384));
        assert_eq!(leaf.public_key().unwrap().spki_der(), Some(leaf.bytes(&leaf.layout.spki)));
        assert_eq!(leaf.subject_attr("not an OID"), None);
        assert_eq!(leaf.extension("2.5.29"), None, "an OID prefix is another OID");
    }

    #[test]
    fn parses_pem_bundles() {
        let one = Certificate::from_pem(include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/certs/ec_root.pem")))
            .expect("one PEM certificate");
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].der(), vector!("ec_root.der"));
        let google = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/anchors/google_hardware_attestation_roots.pem"));
        assert_eq!(Certificate::from_pem(google).expect("bundle").len(), 4);
        assert!(Certificate::from_pem("no certificate here").is_err());
        assert!(Certificate::from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n").is_err());
        assert!(Certificate::from_pem("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n").is_err());
    }

    #[test]
    fn validity_window() {
        let leaf = ec_leaf();
        assert!(leaf.check_validity(NOW).is_ok());
        assert_eq!(code(leaf.check_validity(1_700_000_000)), ErrorCode::Certificate); // not yet valid
        assert_eq!(code(leaf.check_validity(2_200_000_000)), ErrorCode::Certificate); // expired
        assert!(verify_chain(&[ec_leaf(), ec_inter()], Some(NOW), &VerifyNow).is_ok());
        assert!(verify_chain(&[ec_leaf(), ec_inter()], Some(2_200_000_000), &VerifyNow).is_err());
        assert!(verify_chain(&[ec_leaf(), ec_inter()], None, &VerifyNow).is_ok());
    }

    #[test]
    fn signatures_by_cose_algorithm() {
        let cases: [(Certificate, i64, &[u8]); 8] = [
            (ec_leaf(), -7, vector!("es256.sig")),
            (ec_root(), -35, vector!("es384.sig")),
            (cert(vector!("ed_leaf.der")), -8, vector!("eddsa.sig")),
            (rsa_leaf(), -257, vector!("rs256.sig")),
            (rsa_leaf(), -258, vector!("rs384.sig")),
            (rsa_leaf(), -259, vector!("rs512.sig")),
            (rsa_leaf(), -65535, vector!("rs1.sig")),
            (rsa_leaf(), -37, vector!("ps256.sig")),
        ];
        for (cert, alg, sig) in cases {
            assert!(cert.verify_signature(alg, DATA, sig, &VerifyNow).is_ok(), "alg {alg}");
            assert_eq!(code(cert.verify_signature(alg, b"other data", sig, &VerifyNow)), ErrorCode::Signature, "alg {alg}");
            let mut bad = sig.to_vec();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert!(cert.verify_signature(alg, DATA, &bad, &VerifyNow).is_err(), "alg {alg}");
        }
        // the algorithm must fit the key, and be known
        assert_eq!(code(rsa_leaf().verify_signature(-7, DATA, vector!("es256.sig"), &VerifyNow)), ErrorCode::Algorithm);
        assert_eq!(code(ec_leaf().verify_signature(-257, DATA, vector!("rs256.sig"), &VerifyNow)), ErrorCode::Algorithm);
        assert_eq!(code(ec_leaf().verify_signature(-9999, DATA, vector!("es256.sig"), &VerifyNow)), ErrorCode::Algorithm);
        // RS256 must not accept a PSS signature and vice versa
        assert!(rsa_leaf().verify_signature(-257, DATA, vector!("ps256.sig"), &VerifyNow).is_err());
        assert!(rsa_leaf().verify_signature(-37, DATA, vector!("rs256.sig"), &VerifyNow).is_err());
    }

    #[test]
    fn raw_ecdsa_signatures_convert_to_der() {
        let der_sig = p256::ecdsa::Signature::from_der(vector!("es256.sig")).expect("DER signature");
        let raw = der_sig.to_bytes();
        let (r, s) = raw.split_at(32);
        let rebuilt = crate::webauthn::keys::encoding::ecdsa_signature_der(r, s).expect("encodes");
        assert!(ec_leaf().verify_signature(-7, DATA, &rebuilt, &VerifyNow).is_ok());
    }
}
