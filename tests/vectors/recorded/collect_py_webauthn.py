#!/usr/bin/env python3
"""Collect the recorded WebAuthn responses of py_webauthn's tests (real authenticators and
the FIDO conformance tool) as `authaz-verify` JSON lines (tests/vectors/recorded/py_webauthn.jsonl).

    git --git-dir=<mirror of github.com/duo-labs/py_webauthn> ... (see SOURCES.md)
    python3 tests/vectors/recorded/collect_py_webauthn.py <git dir> > tests/vectors/recorded/py_webauthn.jsonl

Each line: an `authaz-verify` input plus `name`, `source` (file and line at the pinned commit)
and `sourceVerdict` ("accept"/"reject": what py_webauthn's test expects). Tests that turn off
user presence are skipped (Authaz always requires it).
"""
import json
import re
import subprocess
import sys

COMMIT = "b4bf63ffe3332b70414cb7bf4a892ee6877e9f7f"
FILES = [
    "tests/test_verify_registration_response.py",
    "tests/test_verify_registration_response_packed.py",
    "tests/test_verify_registration_response_fido_u2f.py",
    "tests/test_verify_authentication_response.py",
]


def show(git_dir, path):
    return subprocess.run(["git", "--git-dir", git_dir, "show", f"{COMMIT}:{path}"], check=True, capture_output=True, text=True).stdout


def tests(text):
    """(name, first line number, body) of each test method."""
    starts = [(m.group(1), m.start()) for m in re.finditer(r"^    def (test_\w+)", text, re.M)]
    for index, (name, start) in enumerate(starts):
        end = starts[index + 1][1] if index + 1 < len(starts) else len(text)
        yield name, text.count("\n", 0, start) + 1, text[start:end]


def string_after(body, pattern):
    match = re.search(pattern + r"""\s*\(?\s*["']([^"']+)["']""", body)
    return match.group(1) if match else None


def line_for(path, name, line, body):
    credential_text = re.search(r'credential = """(.*?)"""', body, re.S)
    if not credential_text or "require_user_presence=False" in body:
        return None
    credential = json.loads(credential_text.group(1))
    origin_list = re.search(r"expected_origin = \[(.*?)\]", body, re.S)
    origins = re.findall(r'"([^"]+)"', origin_list.group(1)) if origin_list else [string_after(body, r"expected_origin =")]
    entry = {
        "name": f"py_webauthn {name}",
        "source": f"https://github.com/duo-labs/py_webauthn/blob/{COMMIT}/{path}#L{line}",
        "sourceVerdict": "reject" if "assertRaises" in body else "accept",
        "rpId": string_after(body, r"(?:expected_)?rp_id ="),
        "origins": origins,
        "challenge": string_after(body, r"challenge = base64url_to_bytes"),
        "userVerification": "required" if "require_user_verification=True" in body else "preferred",
    }
    if "attestationObject" in credential.get("response", {}):
        entry["op"] = "registration"
        entry["attestation"] = "none"
        if "pem_root_certs_bytes_by_fmt" in body:  # the test trusts the GlobalSign roots only
            entry["attestation"] = "direct"
            entry["trustAnchorFile"] = "tests/vectors/anchors/globalsign_root_r1_r2.pem"
    else:
        entry["op"] = "authentication"
        entry["publicKey"] = string_after(body, r"credential_public_key = base64url_to_bytes")
        count = re.search(r"sign_count = (\d+)", body)
        entry["storedSignCount"] = int(count.group(1)) if count else 0
    entry["credential"] = credential
    if None in (entry["rpId"], entry["challenge"]) or None in origins:
        return None
    return entry


def main():
    git_dir = sys.argv[1]
    for path in FILES:
        for name, line, body in tests(show(git_dir, path)):
            entry = line_for(path, name, line, body)
            if entry:
                print(json.dumps(entry, separators=(",", ":")))


if __name__ == "__main__":
    main()
