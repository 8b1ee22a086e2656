//! `tpm` attestation (WebAuthn L3 §8.3): a TPM 2.0 certifies the credential key, given as
//! a TPMT_PUBLIC (`pubArea`), in a TPMS_ATTEST (`certInfo`) signed by its attestation
//! identity key (AIK), whose certificate is `x5c[0]`.

use crate::webauthn::cbor::Value;

use super::{attestation_error, signed_data, AttestationInput, AttestationOutcome, AttestationType, Statement};
use crate::webauthn::asn1::{self, Oid, Tag};
use crate::webauthn::certificate::extensions::{self, GeneralName};
use crate::webauthn::certificate::oid::{
    EXTENDED_KEY_USAGE as OID_EXTENDED_KEY_USAGE, FIDO_GEN_CE_AAGUID as OID_FIDO_GEN_CE_AAGUID, SUBJECT_ALT_NAME as OID_SUBJECT_ALT_NAME,
};
use crate::webauthn::certificate::{self, Certificate};
use crate::webauthn::error::{quoted, ErrorCode, VerifyError};
use crate::webauthn::keys::encoding::strip_leading_zeros as strip_zeros;
use crate::webauthn::keys::{CoseAlgorithm, CoseKey, HashAlg, KeyKind};

const TPM_GENERATED_VALUE: u32 = 0xff54_4347;
const TPM_ST_ATTEST_CERTIFY: u16 = 0x8017;

const TPM_ALG_RSA: u16 = 0x0001;
const TPM_ALG_SHA1: u16 = 0x0004;
const TPM_ALG_SHA256: u16 = 0x000b;
const TPM_ALG_SHA384: u16 = 0x000c;
const TPM_ALG_SHA512: u16 = 0x000d;
const TPM_ALG_NULL: u16 = 0x0010;
const TPM_ALG_ECDAA: u16 = 0x001a;
const TPM_ALG_ECC: u16 = 0x0023;

const TPM_ECC_NIST_P256: u16 = 0x0003;
const TPM_ECC_NIST_P384: u16 = 0x0004;

/// Default RSA public exponent, meant when TPMS_RSA_PARMS.exponent is 0.
const RSA_DEFAULT_EXPONENT: [u8; 3] = [0x01, 0x00, 0x01];

const OID_TCG_KP_AIK_CERTIFICATE: Oid = Oid::new("2.23.133.8.3");
const OID_TCG_AT_TPM_MANUFACTURER: Oid = Oid::new("2.23.133.2.1");
const OID_TCG_AT_TPM_MODEL: Oid = Oid::new("2.23.133.2.2");
const OID_TCG_AT_TPM_VERSION: Oid = Oid::new("2.23.133.2.3");

/// Verify a `tpm` attestation statement; the attestation type is AttCA, the trust path `x5c`.
pub fn verify(input: &AttestationInput) -> Result<AttestationOutcome, VerifyError> {
    let stmt = TpmStatement::read(input.att_stmt)?;
    if stmt.ver != "2.0" {
        return Err(attestation_error(format!("unsupported TPM version {}", quoted(stmt.ver))));
    }
    let scheme = CoseAlgorithm::from_id(stmt.alg)
        .map(CoseAlgorithm::scheme)
        .ok_or_else(|| VerifyError::new(ErrorCode::Algorithm, format!("unsupported TPM attestation algorithm {}", stmt.alg)))?;
    let hash = scheme.hash().ok_or_else(|| VerifyError::new(ErrorCode::Algorithm, "TPM attestation algorithm has no hash"))?;

    let pub_area = PubArea::parse(stmt.pub_area)?;
    if !pub_area.matches(input.credential_public_key) {
        return Err(attestation_error("pubArea key differs from the credential public key"));
    }

    let chain = certificate::parse_chain(stmt.x5c.iter().copied())?;
    let aik = chain.first().ok_or_else(|| attestation_error("x5c is empty"))?;
    let aaguid = input.auth_data.attested_credential.as_ref().map(|c| c.aaguid);
    check_aik_certificate(aik, aaguid)?;
    aik.verify_with_scheme(scheme, stmt.cert_info, stmt.sig, input.verifier)?;

    let cert_info = CertInfo::parse(stmt.cert_info)?;
    if cert_info.magic != TPM_GENERATED_VALUE {
        return Err(attestation_error("certInfo.magic is not TPM_GENERATED_VALUE"));
    }
    if cert_info.attest_type != TPM_ST_ATTEST_CERTIFY {
        return Err(attestation_error("certInfo.type is not TPM_ST_ATTEST_CERTIFY"));
    }
    if cert_info.extra_data != hash.digest(&signed_data(input)).as_slice() {
        return Err(attestation_error("certInfo.extraData is not the hash of authenticatorData || clientDataHash"));
    }
    if cert_info.attested_name != pub_area.name()?.as_slice() {
        return Err(attestation_error("certInfo.attested.name is not the Name of pubArea"));
    }

    certificate::verify_chain(&chain, input.now_unix, input.verifier)?;
    Ok(AttestationOutcome { attestation_type: AttestationType::AttCa, trust_path: chain.iter().map(|cert| cert.der().to_vec()).collect() })
}

/// The fields of a `tpm` attStmt.
struct TpmStatement<'a> {
    ver: &'a str,
    alg: i64,
    x5c: Vec<&'a [u8]>,
    sig: &'a [u8],
    cert_info: &'a [u8],
    pub_area: &'a [u8],
}

impl<'a> TpmStatement<'a> {
    fn read(att_stmt: &'a Value) -> Result<TpmStatement<'a>, VerifyError> {
        let stmt = Statement::new(att_stmt)?;
        stmt.only(&["ver", "alg", "x5c", "sig", "certInfo", "pubArea"])?;
        let bytes = |name: &str| -> Result<&'a [u8], VerifyError> {
            stmt.get(name)?
                .and_then(Value::as_bytes)
                .map(Vec::as_slice)
                .ok_or_else(|| attestation_error(format!("attStmt.{name} missing or not bytes")))
        };
        Ok(TpmStatement {
            ver: stmt.get("ver")?.and_then(Value::as_text).ok_or_else(|| attestation_error("attStmt.ver missing or not text"))?,
            alg: stmt.alg()?,
            x5c: stmt.x5c()?.ok_or_else(|| attestation_error("attStmt.x5c is missing"))?,
            sig: stmt.sig()?,
            cert_info: bytes("certInfo")?,
            pub_area: bytes("pubArea")?,
        })
    }
}

/// Checks of TPM attestation certificate requirements (WebAuthn L3 §8.3.1) on the AIK
/// certificate, and of the `id-fido-gen-ce-aaguid` extension when present.
fn check_aik_certificate(aik: &Certificate, aaguid: Option<[u8; 16]>) -> Result<(), VerifyError> {
    let cert_error = |message: &str| VerifyError::new(ErrorCode::Certificate, format!("AIK certificate: {message}"));
    if aik.version() != 3 {
        return Err(cert_error("version is not 3"));
    }
    if !aik.subject_is_empty() {
        return Err(cert_error("subject is not empty"));
    }
    let (_, san) = aik.extension(OID_SUBJECT_ALT_NAME).ok_or_else(|| cert_error("no Subject Alternative Name"))?;
    check_tpm_san(san).map_err(|_| cert_error("Subject Alternative Name lacks the TPM manufacturer, model and version"))?;
    let (_, eku) = aik.extension(OID_EXTENDED_KEY_USAGE).ok_or_else(|| cert_error("no Extended Key Usage"))?;
    let usages = extensions::extended_key_usage(eku).map_err(|_| cert_error("malformed Extended Key Usage"))?;
    if !usages.iter().any(|usage| OID_TCG_KP_AIK_CERTIFICATE.is(usage)) {
        return Err(cert_error("Extended Key Usage lacks tcg-kp-AIKCertificate (2.23.133.8.3)"));
    }
    if aik.is_ca() {
        return Err(cert_error("Basic Constraints say CA"));
    }
    if let Some((_, value)) = aik.extension(OID_FIDO_GEN_CE_AAGUID) {
        let cert_aaguid = asn1::single(value, Tag::OCTET_STRING).map_err(|_| cert_error("malformed id-fido-gen-ce-aaguid extension"))?;
        if Some(cert_aaguid) != aaguid.as_ref().map(|a| a.as_slice()) {
            return Err(cert_error("id-fido-gen-ce-aaguid (1.3.6.1.4.1.45724.1.1.4) differs from the authenticator data's AAGUID"));
        }
    }
    Ok(())
}

/// The SAN must hold a directoryName with the TPM manufacturer, model and version
/// attributes (TCG EK Credential Profile §3.2.9); they may share one RDN or use one RDN each.
fn check_tpm_san(san: &[u8]) -> Result<(), ()> {
    let names = extensions::subject_alt_names(san).map_err(|_| ())?;
    let has_all = |name: &[u8]| {
        let attributes = certificate::name_attributes(name);
        [OID_TCG_AT_TPM_MANUFACTURER, OID_TCG_AT_TPM_MODEL, OID_TCG_AT_TPM_VERSION].iter().all(|oid| attributes.iter().any(|(id, _)| oid.is(id)))
    };
    let found = names.iter().any(|general_name| match general_name {
        GeneralName::Directory(name) => has_all(name),
        _ => false,
    });
    if found {
        Ok(())
    } else {
        Err(())
    }
}

/// A bounded big-endian reader for TPM 2.0 structures (which are not ASN.1).
struct TpmReader<'a> {
    rest: &'a [u8],
    what: &'static str,
}

impl<'a> TpmReader<'a> {
    fn new(bytes: &'a [u8], what: &'static str) -> Self {
        TpmReader { rest: bytes, what }
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], VerifyError> {
        if self.rest.len() < len {
            return Err(attestation_error(format!("{} is truncated", self.what)));
        }
        let (head, tail) = self.rest.split_at(len);
        self.rest = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], VerifyError> {
        let what = self.what;
        self.take(N)?.try_into().map_err(|_| attestation_error(format!("{what} is truncated")))
    }

    fn u16(&mut self) -> Result<u16, VerifyError> {
        self.array().map(u16::from_be_bytes)
    }

    fn u32(&mut self) -> Result<u32, VerifyError> {
        self.array().map(u32::from_be_bytes)
    }

    /// A TPM2B: a u16 size followed by that many bytes.
    fn sized(&mut self) -> Result<&'a [u8], VerifyError> {
        let len = self.u16()?;
        self.take(usize::from(len))
    }

    fn finish(self) -> Result<(), VerifyError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(attestation_error(format!("{} has trailing bytes", self.what)))
        }
    }
}

/// The public key of a TPMT_PUBLIC.
enum TpmKey<'a> {
    Rsa { modulus: &'a [u8], exponent: u32 },
    Ecc { curve: u16, x: &'a [u8], y: &'a [u8] },
}

/// A parsed TPMT_PUBLIC (TPM 2.0 Part 2 §12.2.4), keeping its bytes for the Name.
struct PubArea<'a> {
    raw: &'a [u8],
    name_alg: u16,
    key: TpmKey<'a>,
}

impl<'a> PubArea<'a> {
    fn parse(raw: &'a [u8]) -> Result<PubArea<'a>, VerifyError> {
        let mut r = TpmReader::new(raw, "pubArea");
        let key_type = r.u16()?;
        let name_alg = r.u16()?;
        let _object_attributes = r.u32()?;
        let _auth_policy = r.sized()?;
        // TPMT_SYM_DEF_OBJECT: algorithm, then keyBits and mode unless TPM_ALG_NULL.
        if r.u16()? != TPM_ALG_NULL {
            r.take(4)?;
        }
        // Signing scheme: scheme, then its hash algorithm (and ECDAA's count) unless TPM_ALG_NULL.
        let scheme = r.u16()?;
        if scheme != TPM_ALG_NULL {
            r.u16()?;
            if scheme == TPM_ALG_ECDAA {
                r.u16()?;
            }
        }
        let key = match key_type {
            TPM_ALG_RSA => {
                let _key_bits = r.u16()?;
                let exponent = r.u32()?;
                let modulus = r.sized()?;
                TpmKey::Rsa { modulus, exponent }
            }
            TPM_ALG_ECC => {
                let curve = r.u16()?;
                // TPMT_KDF_SCHEME: scheme, then its hash algorithm unless TPM_ALG_NULL.
                if r.u16()? != TPM_ALG_NULL {
                    r.u16()?;
                }
                let x = r.sized()?;
                let y = r.sized()?;
                TpmKey::Ecc { curve, x, y }
            }
            other => return Err(attestation_error(format!("unsupported pubArea type 0x{other:04x}"))),
        };
        r.finish()?;
        Ok(PubArea { raw, name_alg, key })
    }

    /// Whether the key is the credential public key.
    fn matches(&self, key: &CoseKey) -> bool {
        match self.key {
            TpmKey::Rsa { modulus, exponent } => {
                let Some((n, e)) = key.public_key().rsa_parts() else { return false };
                let exponent_bytes = exponent.to_be_bytes();
                let tpm_e: &[u8] = if exponent == 0 { &RSA_DEFAULT_EXPONENT } else { &exponent_bytes };
                strip_zeros(modulus) == strip_zeros(n) && strip_zeros(tpm_e) == strip_zeros(e)
            }
            TpmKey::Ecc { curve, x, y } => {
                let Some((cose_x, cose_y)) = key.public_key().ec_coordinates() else { return false };
                let cose_curve = match key.public_key().kind() {
                    KeyKind::P256 => TPM_ECC_NIST_P256,
                    KeyKind::P384 => TPM_ECC_NIST_P384,
                    KeyKind::Ed25519 | KeyKind::Rsa => return false,
                };
                curve == cose_curve && strip_zeros(x) == strip_zeros(cose_x) && strip_zeros(y) == strip_zeros(cose_y)
            }
        }
    }

    /// The TPM Name of this object: nameAlg (big-endian) || H_nameAlg(TPMT_PUBLIC).
    fn name(&self) -> Result<Vec<u8>, VerifyError> {
        let hash = match self.name_alg {
            TPM_ALG_SHA1 => HashAlg::Sha1,
            TPM_ALG_SHA256 => HashAlg::Sha256,
            TPM_ALG_SHA384 => HashAlg::Sha384,
            TPM_ALG_SHA512 => HashAlg::Sha512,
            other => return Err(attestation_error(format!("unsupported pubArea nameAlg 0x{other:04x}"))),
        };
        let mut name = self.name_alg.to_be_bytes().to_vec();
        name.extend_from_slice(&hash.digest(self.raw));
        Ok(name)
    }
}

/// The fields of a TPMS_ATTEST (TPM 2.0 Part 2 §10.12.8) that WebAuthn checks.
struct CertInfo<'a> {
    magic: u32,
    attest_type: u16,
    extra_data: &'a [u8],
    attested_name: &'a [u8],
}

impl<'a> CertInfo<'a> {
    fn parse(raw: &'a [u8]) -> Result<CertInfo<'a>, VerifyError> {
        let mut r = TpmReader::new(raw, "certInfo");
        let magic = r.u32()?;
        let attest_type = r.u16()?;
        let _qualified_signer = r.sized()?;
        let extra_data = r.sized()?;
        // TPMS_CLOCK_INFO (clock u64, resetCount u32, restartCount u32, safe u8), firmwareVersion u64.
        r.take(8 + 4 + 4 + 1 + 8)?;
        // TPMS_CERTIFY_INFO: name, qualifiedName.
        let attested_name = r.sized()?;
        let _qualified_name = r.sized()?;
        r.finish()?;
        Ok(CertInfo { magic, attest_type, extra_data, attested_name })
    }
}

#[cfg(test)]
mod tests {
    //! AIK certificate requirements on certificates from tests/vectors/certs (generate.sh),
    //! and robustness of the TPM structure parsers. Full statements are tested in
    //! tests/attestation_certs.rs.
    use super::*;

    macro_rules! aik {
        ($name:literal) => {
            Certificate::from_der(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/certs/", $name, ".der")))
                .expect("test certificate parses")
        };
    }

    fn aik_error(cert: Certificate, aaguid: Option<[u8; 16]>) -> String {
        let err = check_aik_certificate(&cert, aaguid).expect_err("must be refused");
        assert_eq!(err.code, ErrorCode::Certificate);
        err.message
    }

    const AAGUID: [u8; 16] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

    #[test]
    fn accepts_a_conforming_aik_certificate() {
        assert!(check_aik_certificate(&aik!("aik_ok"), Some(AAGUID)).is_ok());
        assert!(check_aik_certificate(&aik!("aik_ok"), None).is_ok());
        assert!(check_aik_certificate(&aik!("aik_aaguid"), Some(AAGUID)).is_ok());
    }

    #[test]
    fn refuses_each_broken_requirement() {
        assert!(aik_error(aik!("aik_v1"), None).contains("version"));
        assert!(aik_error(aik!("aik_subject"), None).contains("subject"));
        assert!(aik_error(aik!("aik_no_san"), None).contains("no Subject Alternative Name"));
        assert!(aik_error(aik!("aik_san_no_model"), None).contains("lacks the TPM manufacturer, model and version"));
        assert!(aik_error(aik!("aik_no_eku"), None).contains("no Extended Key Usage"));
        assert!(aik_error(aik!("aik_wrong_eku"), None).contains("2.23.133.8.3"));
        assert!(aik_error(aik!("aik_ca"), None).contains("CA"));
        let mut other = AAGUID;
        other[0] ^= 1;
        assert!(aik_error(aik!("aik_aaguid"), Some(other)).contains("1.3.6.1.4.1.45724.1.1.4"));
        assert!(aik_error(aik!("aik_aaguid"), None).contains("1.3.6.1.4.1.45724.1.1.4"));
    }

    /// A TPMT_PUBLIC for an ECC P-256 key with a NULL symmetric and scheme, and a TPMS_ATTEST.
    fn ecc_pub_area() -> Vec<u8> {
        let mut area = vec![0x00, 0x23, 0x00, 0x0b, 0x00, 0x06, 0x04, 0x72, 0x00, 0x00];
        area.extend_from_slice(&[0x00, 0x10, 0x00, 0x10, 0x00, 0x03, 0x00, 0x10]);
        area.extend_from_slice(&[0x00, 0x20]);
        area.extend_from_slice(&[0x11; 32]);
        area.extend_from_slice(&[0x00, 0x20]);
        area.extend_from_slice(&[0x22; 32]);
        area
    }

    fn cert_info() -> Vec<u8> {
        let mut info = vec![0xff, 0x54, 0x43, 0x47, 0x80, 0x17, 0x00, 0x00, 0x00, 0x02, 0xaa, 0xbb];
        info.extend_from_slice(&[0; 25]);
        info.extend_from_slice(&[0x00, 0x03, 0x00, 0x0b, 0xcc, 0x00, 0x00]);
        info
    }

    #[test]
    fn parses_tpm_structures() {
        let area = ecc_pub_area();
        let parsed = PubArea::parse(&area).expect("pubArea parses");
        assert!(matches!(parsed.key, TpmKey::Ecc { curve: TPM_ECC_NIST_P256, x, y } if x == [0x11; 32] && y == [0x22; 32]));
        let name = parsed.name().expect("SHA-256 name");
        assert_eq!(name.len(), 2 + 32);
        let info = cert_info();
        let parsed = CertInfo::parse(&info).expect("certInfo parses");
        assert_eq!(parsed.magic, TPM_GENERATED_VALUE);
        assert_eq!(parsed.attest_type, TPM_ST_ATTEST_CERTIFY);
        assert_eq!(parsed.extra_data, [0xaa, 0xbb]);
        assert_eq!(parsed.attested_name, [0x00, 0x0b, 0xcc]);
    }

    #[test]
    fn refuses_truncated_or_padded_structures_without_panicking() {
        for bytes in [ecc_pub_area(), cert_info()] {
            for len in 0..bytes.len() {
                assert!(PubArea::parse(&bytes[..len]).is_err());
                assert!(CertInfo::parse(&bytes[..len]).is_err());
            }
        }
        let mut padded = ecc_pub_area();
        padded.push(0);
        assert!(PubArea::parse(&padded).err().is_some_and(|e| e.message.contains("trailing")));
        let mut padded = cert_info();
        padded.push(0);
        assert!(CertInfo::parse(&padded).err().is_some_and(|e| e.message.contains("trailing")));
        let mut unknown_type = ecc_pub_area();
        unknown_type[1] = 0x25;
        assert!(PubArea::parse(&unknown_type).is_err());
    }
}
