//! The MDS3 BLOB: a JWS (compact serialization) whose payload is the metadata. Verified as the
//! MDS3 spec (§3.2) asks: the signature by the leaf certificate of the header's `x5c`, that
//! chain leading to the configured FIDO root, every certificate valid now, and a serial number
//! `no` greater than the one stored. Signatures go to the caller's `SignatureVerifier` (in the
//! Worker: WebCrypto, after `Deferred`), so the payload stands only once they all passed.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

use super::statement::{payload_from_value, MetadataError, Payload, MAX_PAYLOAD_LEN};
use crate::webauthn::base64url;
use crate::webauthn::certificate::{self, Certificate};
use crate::webauthn::keys::encoding::ecdsa_signature_der;
use crate::webauthn::keys::{HashAlg, SignatureScheme};
use crate::webauthn::signature::SignatureVerifier;

/// Largest BLOB accepted, in bytes (base64url of the largest payload, and its header).
pub const MAX_BLOB_LEN: usize = MAX_PAYLOAD_LEN / 3 * 4 + 64 * 1024;
/// Largest JWS header, in bytes (it carries the certificate chain).
const MAX_HEADER_LEN: usize = 48 * 1024;

/// What a BLOB is checked against.
pub struct BlobExpectation<'a> {
    /// The FIDO root certificate(s) the chain must lead to.
    pub roots: &'a [Certificate],
    /// The serial number stored now, if any: the BLOB's must be greater.
    pub stored_no: Option<u64>,
    /// Unix seconds, for the certificates' validity.
    pub now_unix: u64,
}

fn bad(message: impl Into<String>) -> MetadataError {
    MetadataError(message.into())
}

/// Verifies a BLOB and answers its payload. With a deferring verifier the answer stands only
/// once every recorded check passed.
pub fn verify_blob(blob: &[u8], expect: &BlobExpectation, verifier: &dyn SignatureVerifier) -> Result<Payload, MetadataError> {
    if blob.len() > MAX_BLOB_LEN {
        return Err(bad("BLOB is too large"));
    }
    let text = std::str::from_utf8(blob).map_err(|_| bad("BLOB is not text"))?.trim();
    let mut parts = text.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad("BLOB is not a JWS in compact serialization (three parts)"));
    };
    let header = base64url::decode(header_b64, MAX_HEADER_LEN, "JWS header").map_err(|e| bad(e.message))?;
    let header: Value = json(&header).ok_or_else(|| bad("JWS header is not JSON"))?;
    let scheme = header_scheme(&header)?;
    let chain = header_chain(&header)?;
    let signature = base64url::decode(signature_b64, 1024, "JWS signature").map_err(|e| bad(e.message))?;
    let signature = match scheme {
        SignatureScheme::Ecdsa(_) => {
            if signature.len() % 2 != 0 || signature.is_empty() {
                return Err(bad("JWS ECDSA signature is not r || s"));
            }
            let (r, s) = signature.split_at(signature.len() / 2);
            ecdsa_signature_der(r, s).map_err(|e| bad(e.message))?
        }
        _ => signature,
    };
    let payload = base64url::decode(payload_b64, MAX_PAYLOAD_LEN, "JWS payload").map_err(|e| bad(e.message))?;
    let payload: Value = json(&payload).ok_or_else(|| bad("JWS payload is not JSON"))?;
    let payload = payload_from_value(&payload)?;
    if let Some(stored) = expect.stored_no {
        if payload.no <= stored {
            return Err(bad(format!("BLOB serial number {} is not greater than the stored {stored}", payload.no)));
        }
    }
    let leaf = chain.first().ok_or_else(|| bad("x5c holds no certificate"))?;
    let signing_input = &text.as_bytes()[..header_b64.len() + 1 + payload_b64.len()];
    leaf.verify_with_scheme(scheme, signing_input, &signature, verifier).map_err(|e| bad(format!("JWS signature: {}", e.message)))?;
    certificate::chains_to_anchor(&chain, expect.roots, Some(expect.now_unix), verifier)
        .map_err(|e| bad(format!("BLOB certificate chain: {}", e.message)))?;
    Ok(payload)
}

/// JSON text as a value (through `&str`: the reader the rest of the Worker uses too).
fn json(bytes: &[u8]) -> Option<Value> {
    serde_json::from_str(std::str::from_utf8(bytes).ok()?).ok()
}

/// The signature scheme of the header's `alg` (the JWS algorithms MDS3 signers use).
fn header_scheme(header: &Value) -> Result<SignatureScheme, MetadataError> {
    use HashAlg::*;
    let alg = header.get("alg").and_then(Value::as_str).ok_or_else(|| bad("JWS header has no `alg`"))?;
    Ok(match alg {
        "ES256" => SignatureScheme::Ecdsa(Sha256),
        "ES384" => SignatureScheme::Ecdsa(Sha384),
        "ES512" => SignatureScheme::Ecdsa(Sha512),
        "RS256" => SignatureScheme::RsaPkcs1(Sha256),
        "RS384" => SignatureScheme::RsaPkcs1(Sha384),
        "RS512" => SignatureScheme::RsaPkcs1(Sha512),
        "PS256" => SignatureScheme::RsaPss(Sha256),
        other => return Err(bad(format!("JWS algorithm {other:?} is not supported"))),
    })
}

/// The header's `x5c` (standard base64 DER, leaf first). MDS3 also allows `x5u`; this
/// project requires `x5c` (the FIDO Alliance's BLOB carries it).
fn header_chain(header: &Value) -> Result<Vec<Certificate>, MetadataError> {
    let x5c = header.get("x5c").and_then(Value::as_array).ok_or_else(|| bad("JWS header has no `x5c` chain"))?;
    let ders = x5c
        .iter()
        .map(|c| c.as_str().and_then(|b64| STANDARD.decode(b64).ok()).ok_or_else(|| bad("x5c entry is not base64")))
        .collect::<Result<Vec<_>, _>>()?;
    certificate::parse_chain(ders.iter().map(Vec::as_slice)).map_err(|e| bad(format!("x5c: {}", e.message)))
}

#[cfg(all(test, feature = "rust-crypto"))]
mod tests {
    use super::*;
    use crate::webauthn::rust_crypto::VerifyNow;
    use p256::ecdsa::{signature::Signer, Signature, SigningKey};
    use serde_json::json;

    macro_rules! vector {
        ($name:literal) => {
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/mds/", $name))
        };
    }

    const NOW: u64 = 1_830_000_000; // 2027-12-27

    #[allow(clippy::unwrap_used)] // test helper: a panic is a failed test
    fn signer() -> SigningKey {
        let hex = std::str::from_utf8(vector!("signer.scalar")).unwrap().trim();
        let bytes: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
        SigningKey::from_slice(&bytes).unwrap()
    }

    #[allow(clippy::unwrap_used)] // test helper: a panic is a failed test
    fn root() -> Certificate {
        Certificate::from_der(vector!("root.der")).unwrap()
    }

    fn payload(no: u64) -> Value {
        json!({"legalHeader": "test", "no": no, "nextUpdate": "2027-01-01", "entries": [{
            "aaguid": "00000000-0000-0000-0000-0000000000aa",
            "metadataStatement": {"description": "Test Key", "attachmentHint": ["external"]},
            "statusReports": [{"status": "FIDO_CERTIFIED_L1"}],
        }]})
    }

    /// A BLOB of `payload`, signed ES256 by the test signer, `x5c` = the given chain.
    fn blob(payload: &Value, chain: &[&[u8]]) -> String {
        let header = json!({"alg": "ES256", "typ": "JWT", "x5c": chain.iter().map(|c| STANDARD.encode(c)).collect::<Vec<_>>()});
        let input = format!("{}.{}", base64url::encode(header.to_string().as_bytes()), base64url::encode(payload.to_string().as_bytes()));
        let signature: Signature = signer().sign(input.as_bytes());
        format!("{input}.{}", base64url::encode(&signature.to_bytes()))
    }

    fn verify(blob: &str, roots: &[Certificate], stored_no: Option<u64>, now_unix: u64) -> Result<Payload, MetadataError> {
        verify_blob(blob.as_bytes(), &BlobExpectation { roots, stored_no, now_unix }, &VerifyNow)
    }

    #[test]
    fn accepts_a_blob_signed_under_the_root() {
        let good = blob(&payload(12), &[vector!("signer.der")]);
        let p = verify(&good, &[root()], Some(11), NOW).unwrap();
        assert_eq!((p.no, p.authenticators.len()), (12, 1));
        assert_eq!(p.authenticators[0].description, "Test Key");
        // the chain may carry the root itself too
        let with_root = blob(&payload(12), &[vector!("signer.der"), vector!("root.der")]);
        assert!(verify(&with_root, &[root()], None, NOW).is_ok());
    }

    #[test]
    fn refuses_a_bad_signature() {
        let good = blob(&payload(12), &[vector!("signer.der")]);
        // the payload changed after signing
        let (input, sig) = good.rsplit_once('.').unwrap();
        let (header, _) = input.split_once('.').unwrap();
        let other = format!("{header}.{}.{sig}", base64url::encode(payload(13).to_string().as_bytes()));
        let err = verify(&other, &[root()], None, NOW).unwrap_err();
        assert!(err.0.contains("JWS signature"), "{err}");
        // a flipped signature byte
        let mut bytes = base64url::decode(sig, 64, "sig").unwrap();
        bytes[10] ^= 1;
        let flipped = format!("{input}.{}", base64url::encode(&bytes));
        assert!(verify(&flipped, &[root()], None, NOW).is_err());
    }

    #[test]
    fn refuses_the_wrong_root_and_expired_certificates() {
        let good = blob(&payload(12), &[vector!("signer.der")]);
        let other = Certificate::from_der(vector!("other_root.der")).unwrap();
        let err = verify(&good, &[other], None, NOW).unwrap_err();
        assert!(err.0.contains("certificate chain"), "{err}");
        assert!(verify(&good, &[], None, NOW).is_err());
        assert!(verify(&good, &[root()], None, 2_200_000_000).is_err(), "signer expired");
        assert!(verify(&good, &[root()], None, 1_700_000_000).is_err(), "signer not yet valid");
        // a chain whose leaf is the root: the root did not sign the BLOB
        let root_leaf = blob(&payload(12), &[vector!("root.der")]);
        assert!(verify(&root_leaf, &[root()], None, NOW).is_err());
    }

    #[test]
    fn refuses_an_older_or_equal_serial_number() {
        let good = blob(&payload(12), &[vector!("signer.der")]);
        assert!(verify(&good, &[root()], Some(12), NOW).unwrap_err().0.contains("not greater"));
        assert!(verify(&good, &[root()], Some(40), NOW).is_err());
    }

    #[test]
    fn refuses_malformed_blobs() {
        let good = blob(&payload(12), &[vector!("signer.der")]);
        let (header, rest) = good.split_once('.').unwrap();
        for broken in [
            "".to_owned(),
            "a.b".to_owned(),
            format!("{good}.x"),
            format!("!!.{rest}"),
            format!("{}.{rest}", base64url::encode(b"not json")),
            format!("{}.{rest}", base64url::encode(json!({"alg": "none", "x5c": []}).to_string().as_bytes())),
            format!("{}.{rest}", base64url::encode(json!({"alg": "ES256"}).to_string().as_bytes())),
            format!("{}.{rest}", base64url::encode(json!({"alg": "ES256", "x5c": ["%%%"]}).to_string().as_bytes())),
            format!("{}.{rest}", base64url::encode(json!({"alg": "ES256", "x5c": []}).to_string().as_bytes())),
            format!("{header}.{}.AAAA", base64url::encode(b"[1,2]")),
            blob(&json!({"no": 12}), &[vector!("signer.der")]),
        ] {
            assert!(verify(&broken, &[root()], None, NOW).is_err(), "{broken:.80}");
        }
        assert!(verify_blob(&[0xff, 0xfe], &BlobExpectation { roots: &[root()], stored_no: None, now_unix: NOW }, &VerifyNow).is_err());
        for len in 0..good.len().min(600) {
            let _ = verify(&good[..len], &[root()], None, NOW); // never panics
        }
    }
}
