//! The hand-written parser against `x509-cert` (a dev-dependency now, with `der`, `spki` and
//! `const-oid`), natively: every certificate of tests/vectors (the generated ones, the MDS
//! ones, the anchor bundles and the `x5c` of every recorded attestation) parses to the same
//! fields, and of their truncations and one-octet mutations, and of mutations of the extension
//! values the core reads, the parser accepts nothing `x509-cert` refuses.
//!
//! Intentional differences, all refusals of input `x509-cert` took (counted, not failed): a BIT
//! STRING whose unused bits are not zero (DER requires them zero), an OID arc with a leading
//! 0x80 octet (not minimal), a long-form tag number of 2^28 or more. And one way it reads
//! differently: the RDNs of a name are kept in their received order (`x509-cert` sorts a SET
//! OF by DER), so `subject_attr` finds the first attribute in DER order and names are compared
//! as received; no recorded certificate has a multi-valued RDN.

use std::path::Path;

use base64::Engine;
use der::{Decode, Encode, Tagged};
use x509_cert::ext::pkix::{name::GeneralName as TheirName, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName};

use super::extensions::{self, GeneralName};
use super::{name, oid, x509, Certificate};
use crate::webauthn::asn1::Reader;

type Theirs = x509_cert::Certificate;

/// Every certificate of tests/vectors, named.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut certs = Vec::new();
    let files = |dir: &str, ext: &str| {
        let mut paths: Vec<_> =
            std::fs::read_dir(root.join(dir)).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == ext)).collect();
        paths.sort();
        paths
    };
    for dir in ["certs", "mds"] {
        for path in files(dir, "der") {
            certs.push((path.display().to_string(), std::fs::read(&path).unwrap()));
        }
    }
    for path in files("anchors", "pem") {
        for (index, cert) in Theirs::load_pem_chain(&std::fs::read(&path).unwrap()).unwrap().iter().enumerate() {
            certs.push((format!("{} #{index}", path.display()), cert.to_der().unwrap()));
        }
    }
    for path in files("attestation", "json") {
        let vector: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        for (index, der) in x5c_of(&vector["credential"]).into_iter().enumerate() {
            certs.push((format!("{} x5c[{index}]", path.display()), der));
        }
    }
    let recorded = std::fs::read_to_string(root.join("recorded/py_webauthn.jsonl")).unwrap();
    for (line, vector) in recorded.lines().enumerate() {
        let vector: serde_json::Value = serde_json::from_str(vector).unwrap();
        for (index, der) in x5c_of(&vector["credential"]).into_iter().enumerate() {
            certs.push((format!("py_webauthn.jsonl:{} x5c[{index}]", line + 1), der));
        }
    }
    certs
}

/// The `x5c` of a registration credential's attestation statement (in the JWS header for
/// android-safetynet).
fn x5c_of(credential: &serde_json::Value) -> Vec<Vec<u8>> {
    use ciborium::Value;
    let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let Some(object) = credential["response"]["attestationObject"].as_str() else { return Vec::new() };
    let object: Value = ciborium::from_reader(b64url.decode(object).unwrap().as_slice()).unwrap();
    let field = |map: &Value, key: &str| map.as_map().and_then(|m| m.iter().find(|(k, _)| k.as_text() == Some(key)).map(|(_, v)| v.clone()));
    let Some(stmt) = field(&object, "attStmt") else { return Vec::new() };
    if let Some(Value::Array(x5c)) = field(&stmt, "x5c") {
        return x5c.iter().filter_map(|der| der.as_bytes().cloned()).collect();
    }
    let Some(Value::Bytes(jws)) = field(&stmt, "response") else { return Vec::new() };
    let header = std::str::from_utf8(&jws).unwrap().split('.').next().unwrap();
    let header: serde_json::Value = serde_json::from_slice(&b64url.decode(header).unwrap()).unwrap();
    let std_b64 = base64::engine::general_purpose::STANDARD;
    header["x5c"].as_array().unwrap().iter().map(|der| std_b64.decode(der.as_str().unwrap()).unwrap()).collect()
}

/// The outcome of one input: parsed alike, refused alike, or refused by us only.
#[derive(PartialEq, Debug)]
enum Outcome {
    Same,
    BothRefuse,
    StricterHere,
}

/// Parses `der` both ways and compares; panics when only we accept, or on any field difference.
fn compare(label: &str, der: &[u8]) -> Outcome {
    match (Certificate::from_der(der), Theirs::from_der(der)) {
        (Ok(ours), Ok(theirs)) => {
            same_fields(label, &ours, &theirs);
            Outcome::Same
        }
        (Err(_), Err(_)) => Outcome::BothRefuse,
        (Err(_), Ok(_)) => Outcome::StricterHere,
        (Ok(_), Err(e)) => panic!("{label}: accepted what x509-cert refuses ({e})"),
    }
}

fn same_fields(label: &str, ours: &Certificate, theirs: &Theirs) {
    let tbs = theirs.tbs_certificate();
    let layout = &ours.layout;
    assert_eq!(ours.version(), tbs.version() as u8 + 1, "{label}: version");
    // x509-cert re-encodes (an explicit DEFAULT dropped, a GeneralizedTime before 2050 made a
    // UTCTime, SET OF sorted): the signed bytes are compared with der's framing of the input.
    assert_eq!(ours.bytes(&layout.tbs), their_tbs(&ours.der), "{label}: tbsCertificate");
    assert_eq!(sorted_name(ours.bytes(&layout.issuer)), tbs.issuer().to_der().unwrap(), "{label}: issuer");
    assert_eq!(sorted_name(ours.bytes(&layout.subject)), tbs.subject().to_der().unwrap(), "{label}: subject");
    assert_eq!(ours.subject_is_empty(), tbs.subject().is_empty(), "{label}: empty subject");
    let mut attributes: Vec<(Vec<u8>, Vec<u8>)> =
        name::attributes(ours.bytes(&layout.subject)).into_iter().map(|(oid, value)| (oid.to_vec(), value.raw.to_vec())).collect();
    let mut expected: Vec<(Vec<u8>, Vec<u8>)> = tbs.subject().iter().map(|atv| (atv.oid.as_bytes().to_vec(), atv.value.to_der().unwrap())).collect();
    attributes.sort();
    expected.sort();
    assert_eq!(attributes, expected, "{label}: subject attributes");
    for text_oid in [oid::COMMON_NAME, oid::COUNTRY, oid::ORGANIZATION, oid::ORGANIZATIONAL_UNIT] {
        if tbs.subject().iter().filter(|atv| atv.oid.to_string() == text_oid).count() > 1 {
            continue; // which one is first depends on the order (see the module comment)
        }
        let theirs = tbs.subject().iter().find(|atv| atv.oid.to_string() == text_oid).and_then(|atv| {
            use der::asn1::{Ia5StringRef, PrintableStringRef, Utf8StringRef};
            match atv.value.tag() {
                der::Tag::Utf8String => atv.value.decode_as::<Utf8StringRef<'_>>().ok().map(|s| s.to_string()),
                der::Tag::PrintableString => atv.value.decode_as::<PrintableStringRef<'_>>().ok().map(|s| s.to_string()),
                der::Tag::Ia5String => atv.value.decode_as::<Ia5StringRef<'_>>().ok().map(|s| s.to_string()),
                _ => None,
            }
        });
        assert_eq!(ours.subject_attr(text_oid), theirs, "{label}: subject attribute {text_oid}");
    }
    let validity = tbs.validity();
    assert_eq!(layout.not_before, validity.not_before.to_unix_duration().as_secs(), "{label}: notBefore");
    assert_eq!(layout.not_after, validity.not_after.to_unix_duration().as_secs(), "{label}: notAfter");
    let spki = tbs.subject_public_key_info();
    assert_eq!(ours.bytes(&layout.spki), spki.to_der().unwrap(), "{label}: subjectPublicKeyInfo");
    let key = ours.public_key();
    if let Ok(key) = &key {
        assert_eq!(key.spki_der(), Some(spki.to_der().unwrap().as_slice()), "{label}: key's SPKI");
    }
    assert_eq!(ours.bytes(&layout.signature_algorithm), theirs.signature_algorithm().oid.as_bytes(), "{label}: signatureAlgorithm");
    assert_eq!(ours.bytes(&layout.signature), theirs.signature().raw_bytes(), "{label}: signature");
    assert_eq!(layout.signature_whole_bytes, theirs.signature().as_bytes().is_some(), "{label}: signature bits");

    let their_extensions: Vec<_> =
        tbs.extensions().map(|e| e.iter().map(|e| (e.extn_id.as_bytes(), e.critical, e.extn_value.as_bytes())).collect()).unwrap_or_default();
    let mut our_extensions = Vec::new();
    if let Some(range) = &layout.extensions {
        let mut reader = Reader::new(ours.bytes(range));
        while !reader.is_empty() {
            our_extensions.push(x509::read_extension(&mut reader).unwrap());
        }
    }
    assert_eq!(layout.extensions.is_some(), tbs.extensions().is_some(), "{label}: extensions present");
    assert_eq!(our_extensions, their_extensions, "{label}: extensions");
    for (id, critical, value) in their_extensions {
        let dotted = crate::webauthn::asn1::oid::dotted(id);
        let once = tbs.extensions().into_iter().flatten().filter(|e| e.extn_id.as_bytes() == id).count() == 1;
        assert_eq!(ours.extension(&dotted), once.then_some((critical, value)), "{label}: extension {dotted}");
        same_extension_value(&format!("{label}: {dotted}"), &dotted, value);
    }
}

/// The `tbsCertificate` of `der`, as the crate took it before: der's framing, not re-encoded.
fn their_tbs(der: &[u8]) -> Vec<u8> {
    use der::Reader as _;
    let outer = der::asn1::AnyRef::from_der(der).unwrap();
    let mut reader = der::SliceReader::new(outer.value()).unwrap();
    reader.tlv_bytes().unwrap().to_vec()
}

/// A whole `Name` as x509-cert re-encodes it (each RDN's attributes sorted).
fn sorted_name(name: &[u8]) -> Vec<u8> {
    x509_cert::name::Name::from_der(name).unwrap().to_der().unwrap()
}

/// The extension values the core reads, parsed both ways alike (or refused by us only).
fn same_extension_value(label: &str, dotted: &str, value: &[u8]) -> Outcome {
    fn outcome<A, B>(label: &str, ours: &Result<A, crate::webauthn::asn1::Error>, theirs: &Result<B, der::Error>) -> Outcome {
        match (ours, theirs) {
            (Ok(_), Ok(_)) => Outcome::Same,
            (Err(_), Err(_)) => Outcome::BothRefuse,
            (Err(_), Ok(_)) => Outcome::StricterHere,
            (Ok(_), Err(e)) => panic!("{label}: accepted what x509-cert refuses ({e})"),
        }
    }
    match dotted {
        oid::BASIC_CONSTRAINTS => {
            let (ours, theirs) = (extensions::basic_constraints(value), BasicConstraints::from_der(value));
            if let (Ok(ours), Ok(theirs)) = (&ours, &theirs) {
                assert_eq!((ours.ca, ours.path_len_constraint), (theirs.ca, theirs.path_len_constraint), "{label}");
            }
            outcome(label, &ours, &theirs)
        }
        oid::KEY_USAGE => {
            let (ours, theirs) = (extensions::key_usage_allows_cert_sign(value), KeyUsage::from_der(value));
            if let (Ok(ours), Ok(theirs)) = (&ours, &theirs) {
                assert_eq!(*ours, theirs.0.contains(KeyUsages::KeyCertSign), "{label}");
            }
            outcome(label, &ours, &theirs)
        }
        oid::EXTENDED_KEY_USAGE => {
            let (ours, theirs) = (extensions::extended_key_usage(value), ExtendedKeyUsage::from_der(value));
            if let (Ok(ours), Ok(theirs)) = (&ours, &theirs) {
                assert_eq!(*ours, theirs.0.iter().map(|oid| oid.as_bytes()).collect::<Vec<_>>(), "{label}");
            }
            outcome(label, &ours, &theirs)
        }
        oid::SUBJECT_ALT_NAME => {
            let (ours, theirs) = (extensions::subject_alt_names(value), SubjectAltName::from_der(value));
            if let (Ok(ours), Ok(theirs)) = (&ours, &theirs) {
                let theirs: Vec<_> = theirs
                    .0
                    .iter()
                    .map(|name| match name {
                        TheirName::DnsName(dns) => Some((true, dns.as_bytes().to_vec())),
                        TheirName::DirectoryName(name) => Some((false, name.to_der().unwrap())),
                        _ => None,
                    })
                    .collect();
                let ours: Vec<_> = ours
                    .iter()
                    .map(|name| match name {
                        GeneralName::Dns(dns) => Some((true, dns.as_bytes().to_vec())),
                        GeneralName::Directory(name) => Some((false, sorted_name(name))),
                        GeneralName::Other => None,
                    })
                    .collect();
                assert_eq!(ours, theirs, "{label}");
            }
            outcome(label, &ours, &theirs)
        }
        _ => Outcome::Same,
    }
}

#[test]
fn same_fields_as_x509_cert_on_every_recorded_certificate() {
    let corpus = corpus();
    assert!(corpus.len() > 60, "{} certificates", corpus.len());
    for (label, der) in &corpus {
        assert_eq!(compare(label, der), Outcome::Same, "{label} must parse both ways");
    }
}

#[test]
fn never_accepts_a_mutation_x509_cert_refuses() {
    let mut counts = [0usize; 3];
    let mut tally = |outcome: Outcome| counts[outcome as usize] += 1;
    let corpus = corpus();
    let mut seen = std::collections::HashSet::new();
    for (label, der) in corpus.iter().filter(|(_, der)| seen.insert(der.clone())) {
        for len in 0..der.len() {
            assert!(Certificate::from_der(&der[..len]).is_err(), "{label} truncated to {len}");
        }
        let mut mutated = der.clone();
        for index in 0..der.len() {
            for mask in [0x01, 0x80, 0xFF] {
                mutated[index] ^= mask;
                tally(compare(&format!("{label} octet {index} ^ {mask:#x}"), &mutated));
                mutated[index] ^= mask;
            }
        }
    }
    let [same, both_refuse, stricter] = counts;
    eprintln!("certificate mutations: {same} parsed alike, {both_refuse} refused by both, {stricter} refused here only");
    assert!(same > 0 && both_refuse > 0);
}

#[test]
fn never_accepts_an_extension_value_x509_cert_refuses() {
    let mut counts = [0usize; 3];
    for (label, der) in corpus() {
        let cert = Certificate::from_der(&der).unwrap();
        for dotted in [oid::BASIC_CONSTRAINTS, oid::KEY_USAGE, oid::EXTENDED_KEY_USAGE, oid::SUBJECT_ALT_NAME] {
            let Some((_, value)) = cert.extension(dotted) else { continue };
            for len in 0..value.len() {
                counts[same_extension_value(&format!("{label}: {dotted} truncated to {len}"), dotted, &value[..len]) as usize] += 1;
            }
            let mut mutated = value.to_vec();
            for index in 0..value.len() {
                for mask in [0x01, 0x02, 0x04, 0x20, 0x80, 0xFF] {
                    mutated[index] ^= mask;
                    counts[same_extension_value(&format!("{label}: {dotted} octet {index} ^ {mask:#x}"), dotted, &mutated) as usize] += 1;
                    mutated[index] ^= mask;
                }
            }
        }
    }
    let [same, both_refuse, stricter] = counts;
    eprintln!("extension value mutations: {same} parsed alike, {both_refuse} refused by both, {stricter} refused here only");
    assert!(same > 0 && both_refuse > 0);
}

#[test]
fn ecdsa_signatures_decode_as_p256_decodes_them() {
    use crate::webauthn::keys::encoding::ecdsa_signature_raw;
    let sig = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/certs/es256.sig"));
    let mut mutated = sig.to_vec();
    for index in 0..sig.len() {
        for mask in [0x01, 0x80, 0xFF] {
            mutated[index] ^= mask;
            let ours = ecdsa_signature_raw(&mutated, 32).ok();
            let theirs = p256::ecdsa::Signature::from_der(&mutated).ok().map(|sig| sig.to_bytes().to_vec());
            if ours.is_some() {
                assert_eq!(ours, theirs, "octet {index} ^ {mask:#x}");
            }
            mutated[index] ^= mask;
        }
    }
    assert_eq!(ecdsa_signature_raw(sig, 32).ok(), p256::ecdsa::Signature::from_der(sig).ok().map(|sig| sig.to_bytes().to_vec()));
}
