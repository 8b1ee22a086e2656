//! The WebAuthn Level 3 "Test Vectors" (tests/vectors/spec/webauthn_l3.jsonl, made by
//! make_spec_vectors.py from the spec source): every line replayed through the `authaz-verify`
//! binary and through the library, each with its expected verdict.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

const VECTORS: &str = "tests/vectors/spec/webauthn_l3.jsonl";

fn vectors() -> Vec<Value> {
    let text = std::fs::read_to_string(VECTORS).unwrap();
    text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// Whether a verdict line is what the vector expects; a description of the difference if not.
fn check(vector: &Value, verdict: &Value) -> Result<(), String> {
    let expect = &vector["expect"];
    let matches = verdict["ok"] == expect["ok"] && (expect["ok"] == true || verdict["error"]["code"] == expect["code"]);
    if matches {
        Ok(())
    } else {
        Err(format!("{}: expected {expect}, got {verdict}", vector["name"]))
    }
}

fn run_cli(input: &str, args: &[&str]) -> Vec<Value> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_authaz-verify")).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn every_spec_vector_gets_its_expected_verdict_from_authaz_verify() {
    let vectors = vectors();
    let input = std::fs::read_to_string(VECTORS).unwrap();
    let verdicts = run_cli(&input, &[]);
    assert_eq!(verdicts.len(), vectors.len());
    let mut per_format: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for (vector, verdict) in vectors.iter().zip(&verdicts) {
        let entry = per_format.entry(vector["format"].as_str().unwrap().to_owned()).or_default();
        entry.1 += 1;
        match check(vector, verdict) {
            Ok(()) => entry.0 += 1,
            Err(e) => failures.push(e),
        }
    }
    for (format, (passed, total)) in &per_format {
        println!("{format}: {passed}/{total} lines with the expected verdict");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // every attestation format of the spec is present, positive and negative
    let formats: Vec<&str> = per_format.keys().map(String::as_str).collect();
    assert_eq!(formats, ["android-key", "apple", "fido-u2f", "none", "packed", "tpm"]);
}

#[test]
fn the_positive_spec_vectors_are_accepted() {
    let accepted: Vec<String> = vectors().iter().filter(|v| v["expect"]["ok"] == true).map(|v| v["name"].as_str().unwrap().to_owned()).collect();
    // 12 of the 14 spec credentials, registration and authentication; ES512 and Ed448 are not
    // supported (their lines expect "algorithm"). The none registrations also accept a changed
    // counter (nothing signs them).
    for anchor in [
        "none-es256",
        "packed-self-es256",
        "none-es256-crossOrigin",
        "none-es256-topOrigin",
        "none-es256-long-credential-id",
        "packed-es256",
        "packed-es384",
        "packed-rs256",
        "packed-eddsa",
        "tpm-es256",
        "android-key-es256",
        "apple-es256",
        "fido-u2f-es256",
    ] {
        for ceremony in ["registration", "authentication"] {
            let name = format!("sctn-test-vectors-{anchor} {ceremony}");
            assert!(accepted.contains(&name), "{name} is not expected to pass");
        }
    }
}

#[test]
fn bad_input_lines_get_error_lines_and_never_stop_the_tool() {
    let input = "not json\n{\"op\":\"registration\"}\n\n{\"op\":\"nothing\"}\n[1,2]\n\u{0}\u{ff}\n";
    let verdicts = run_cli(input, &["--now", "1735689600"]);
    assert_eq!(verdicts.len(), 5);
    for verdict in verdicts {
        assert_eq!(verdict["ok"], false);
        assert_eq!(verdict["error"]["code"], "malformed");
    }
}

#[test]
fn global_trust_anchors_apply_to_lines_without_their_own() {
    let vectors = vectors();
    let packed = vectors.iter().find(|v| v["name"] == "sctn-test-vectors-packed-es256 registration").unwrap();
    let mut line = packed.clone();
    line.as_object_mut().unwrap().remove("trustAnchorFile");
    let input = format!("{line}\n");
    let trusted = run_cli(&input, &["--trust-anchor", "tests/vectors/anchors/webauthn_spec_test_vectors_ca.pem"]);
    assert_eq!(trusted[0]["ok"], true, "{}", trusted[0]);
    assert_eq!(trusted[0]["attestationType"], "basic");
    let untrusted = run_cli(&input, &["--trust-anchor", "tests/vectors/anchors/apple_webauthn_root_ca.pem"]);
    assert_eq!(untrusted[0]["error"]["code"], "untrusted_attestation");
    let no_anchor = run_cli(&input, &[]);
    assert_eq!(no_anchor[0]["ok"], true);
}

/// The recorded responses of real authenticators from py_webauthn's tests
/// (tests/vectors/recorded/py_webauthn.jsonl, sources in tests/vectors/SOURCES.md) get the verdict
/// py_webauthn expects, except where Authaz decides otherwise on purpose.
#[test]
fn recorded_py_webauthn_responses_get_the_source_verdict_from_authaz_verify() {
    // py_webauthn refuses tokenBinding.status "not-supported"; Token Binding is gone from L3 and
    // Authaz ignores the member (as webauthn-rs does).
    const DIFFERENT_ON_PURPOSE: [&str; 1] = ["py_webauthn test_verify_attestation_with_unsupported_token_binding_status"];
    let input = std::fs::read_to_string("tests/vectors/recorded/py_webauthn.jsonl").unwrap();
    let lines: Vec<Value> = input.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let verdicts = run_cli(&input, &[]);
    assert_eq!(verdicts.len(), lines.len());
    for (line, verdict) in lines.iter().zip(&verdicts) {
        let expected_ok = line["sourceVerdict"] == "accept";
        let name = line["name"].as_str().unwrap();
        let agrees = verdict["ok"] == expected_ok;
        assert_eq!(agrees, !DIFFERENT_ON_PURPOSE.contains(&name), "{name}: {verdict}");
    }
}
