#!/usr/bin/env python3
"""Turn the "Test Vectors" section of the WebAuthn Level 3 spec (index.bs) into JSON lines
for `authaz-verify` (tests/vectors/spec/webauthn_l3.jsonl).

    git -C <mirror of github.com/w3c/webauthn> show HEAD:index.bs > /tmp/index.bs
    python3 tests/vectors/spec/make_spec_vectors.py /tmp/index.bs > tests/vectors/spec/webauthn_l3.jsonl

Each line is an `authaz-verify` input line plus three fields the tool ignores:
`name`, `expect` ({"ok": true} or {"ok": false, "code": "<check>"}) and `format` (the
attestation format of the registration the line comes from). For every registration and
authentication of the spec there is one positive line and negative variants: a tampered
byte, a wrong challenge, a wrong origin, a wrong RP ID, user verification required when the
UV flag is not set, and more where the vector allows (cross-origin, trust, certificate time).
"""
import base64
import json
import re
import sys

SPEC_COMMIT = "146d0db03cb88e69a8f6f0c3c168221abe73504b"
RP_ID = "example.org"
ORIGIN = "https://example.org"
TOP_ORIGIN = "https://example.com"
NOW = 1735689600  # 2025-01-01; the spec's certificates are valid 2024-01-01 .. 3024-01-01
BEFORE_CERTS = 1672531200  # 2023-01-01
ANCHOR_FILE = "tests/vectors/anchors/webauthn_spec_test_vectors_ca.pem"

# What each format reports for a tampered registration: the last byte of attStmt.sig flipped,
# or, for formats without sig, a byte of the signature counter in authData.
TAMPERED_CODE = {
    "none": None,  # nothing is signed: a changed counter goes unnoticed
    "packed": "signature",
    "fido-u2f": "signature",
    "android-key": "signature",
    "tpm": "signature",
    "apple": "attestation",  # the nonce in the certificate no longer matches
}
# Credential algorithms the core does not verify: their vectors are expected to fail here.
UNSUPPORTED_ALGORITHMS = {-36: "ES512 (P-521)", -53: "Ed448", -47: "ES256K"}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def cbor_item(data, pos):
    """Minimal CBOR reader for the spec's attestation objects: (value, next position)."""
    initial = data[pos]
    major, info = initial >> 5, initial & 0x1F
    pos += 1
    if info < 24:
        arg = info
    else:
        size = 1 << (info - 24)
        arg = int.from_bytes(data[pos:pos + size], "big")
        pos += size
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major in (2, 3):
        raw = data[pos:pos + arg]
        return (raw if major == 2 else raw.decode()), pos + arg
    if major == 4:
        items = []
        for _ in range(arg):
            item, pos = cbor_item(data, pos)
            items.append(item)
        return items, pos
    if major == 5:
        entries = {}
        for _ in range(arg):
            key, pos = cbor_item(data, pos)
            value, pos = cbor_item(data, pos)
            entries[key] = value
        return entries, pos
    raise ValueError(f"unexpected CBOR major type {major}")


def sections(spec):
    """(anchor, title, registration fields, authentication fields) of each test vector."""
    start = spec.index("<!-- GENERATED CONTENT: Use test-vectors/webauthn-test-vectors.py -->")
    end = spec.index("<!-- END GENERATED CONTENT")
    body = spec[start:end]
    pattern = re.compile(r"^## (.+?) ## \{#(sctn-test-vectors-[\w-]+)\}$", re.M)
    heads = list(pattern.finditer(body))
    for index, head in enumerate(heads):
        text = body[head.end():heads[index + 1].start() if index + 1 < len(heads) else len(body)]
        blocks = re.findall(r"<xmp[^>]*>(.*?)</xmp>", text, re.S)
        if len(blocks) != 2:
            continue  # the attestation root certificate section
        yield head.group(2), head.group(1), fields(blocks[0]), fields(blocks[1])


def fields(block):
    return {m.group(1): bytes.fromhex(m.group(2)) for m in re.finditer(r"^(\w+) = (?:[^=\n]*= )?h'([0-9a-f]*)'", block, re.M)}


def parse_registration(reg):
    obj, _ = cbor_item(reg["attestationObject"], 0)
    auth_data = obj["authData"]
    flags = auth_data[32]
    assert flags & 0x40 and not flags & 0x80, "expected attested credential data and no extensions"
    id_len = int.from_bytes(auth_data[53:55], "big")
    credential_id = auth_data[55:55 + id_len]
    public_key = auth_data[55 + id_len:]
    cose, _ = cbor_item(public_key, 0)
    return obj, auth_data, flags, credential_id, public_key, cose[3]


def base_line(op, challenge, credential):
    return {
        "op": op,
        "rpId": RP_ID,
        "origins": [ORIGIN],
        "challenge": b64url(challenge),
        "userVerification": "preferred",
        "now": NOW,
        "credential": credential,
    }


def client_extras(client_data_json):
    client_data = json.loads(client_data_json)
    extras = {}
    if client_data.get("crossOrigin") or "topOrigin" in client_data:
        extras["allowCrossOrigin"] = True
    if "topOrigin" in client_data:
        extras["topOrigins"] = [client_data["topOrigin"]]
    return extras


def variants(line, uv_set, tamper):
    """The positive line and its negative variants: (name suffix, line, expected code)."""
    yield "", line, None
    yield " tampered byte", tamper(line), TAMPERED
    yield " wrong challenge", {**line, "challenge": b64url(b"not the challenge")}, "challenge"
    yield " wrong origin", {**line, "origins": ["https://evil.example"]}, "origin"
    yield " wrong rpId", {**line, "rpId": "example.com"}, "rp_id_hash"
    if not uv_set:
        yield " UV required", {**line, "userVerification": "required"}, "user_verified"
    if line.get("allowCrossOrigin"):
        stripped = {k: v for k, v in line.items() if k not in ("allowCrossOrigin", "topOrigins")}
        yield " cross-origin not allowed", stripped, "cross_origin"
    if line.get("topOrigins"):
        yield " topOrigin not listed", {**line, "topOrigins": ["https://other.example"]}, "cross_origin"


TAMPERED = object()  # placeholder: the expected code depends on the ceremony and format


def flip(data, index):
    changed = bytearray(data)
    changed[index] ^= 0x01
    return bytes(changed)


def registration_lines(anchor, reg):
    obj, auth_data, flags, credential_id, public_key, alg = parse_registration(reg)
    fmt = obj["fmt"]
    credential = {
        "id": b64url(credential_id),
        "rawId": b64url(credential_id),
        "type": "public-key",
        "response": {
            "clientDataJSON": b64url(reg["clientDataJSON"]),
            "attestationObject": b64url(reg["attestationObject"]),
        },
        "clientExtensionResults": {},
    }
    line = base_line("registration", reg["challenge"], credential)
    line.update(client_extras(reg["clientDataJSON"]))
    has_chain = "x5c" in obj["attStmt"]
    line["attestation"] = "direct" if has_chain else "none"
    if has_chain:
        line["trustAnchorFile"] = ANCHOR_FILE

    def tamper(base):
        sig = obj["attStmt"].get("sig")
        target = sig if sig else auth_data
        end_of_counter = 36
        index = len(sig) - 1 if sig else end_of_counter
        changed = flip(reg["attestationObject"], reg["attestationObject"].index(target) + index)
        response = {**base["credential"]["response"], "attestationObject": b64url(changed)}
        return {**base, "credential": {**base["credential"], "response": response}}

    name = f"{anchor} registration"
    lines = []
    for label, variant, code in variants(line, bool(flags & 0x04), tamper):
        if code is TAMPERED:
            code = TAMPERED_CODE[fmt]
        if alg in UNSUPPORTED_ALGORITHMS and code in (None, "signature", "attestation", "rp_id_hash", "user_verified"):
            code = "algorithm"  # the credential key is parsed with the authenticator data
        lines.append((f"{name}{label}", variant, code))
    if alg in UNSUPPORTED_ALGORITHMS:
        pass
    elif has_chain:
        lines.append((f"{name} certificates not yet valid", {**line, "now": BEFORE_CERTS}, "certificate"))
        untrusted = {**line, "trustAnchorFile": "tests/vectors/anchors/apple_webauthn_root_ca.pem"}
        lines.append((f"{name} untrusted anchor", untrusted, "untrusted_attestation"))
    else:
        trusted = {**line, "attestation": "direct", "trustAnchorFile": ANCHOR_FILE}
        lines.append((f"{name} direct attestation with anchors", trusted, "untrusted_attestation"))
    return fmt, lines, (credential_id, public_key, bool(flags & 0x08), alg)


def authentication_lines(anchor, registered, auth):
    credential_id, public_key, backup_eligible, alg = registered
    flags = auth["authenticatorData"][32]
    credential = {
        "id": b64url(credential_id),
        "rawId": b64url(credential_id),
        "type": "public-key",
        "response": {
            "clientDataJSON": b64url(auth["clientDataJSON"]),
            "authenticatorData": b64url(auth["authenticatorData"]),
            "signature": b64url(auth["signature"]),
        },
        "clientExtensionResults": {},
    }
    line = base_line("authentication", auth["challenge"], credential)
    line.update(client_extras(auth["clientDataJSON"]))
    line.update({"publicKey": b64url(public_key), "storedSignCount": 0, "backupEligible": backup_eligible})

    def tamper(base):
        signature = flip(auth["signature"], len(auth["signature"]) - 1)
        response = {**base["credential"]["response"], "signature": b64url(signature)}
        return {**base, "credential": {**base["credential"], "response": response}}

    name = f"{anchor} authentication"
    lines = []
    for label, variant, code in variants(line, bool(flags & 0x04), tamper):
        if code is TAMPERED:
            code = "signature"
        if alg in UNSUPPORTED_ALGORITHMS and code in (None, "signature"):
            code = "algorithm"
        lines.append((f"{name}{label}", variant, code))
    lines.append((f"{name} backup eligibility changed", {**line, "backupEligible": not backup_eligible}, "backup_state"))
    return lines


def main():
    spec = open(sys.argv[1], encoding="utf-8").read()
    for anchor, title, reg, auth in sections(spec):
        source = f"https://github.com/w3c/webauthn/blob/{SPEC_COMMIT}/index.bs#{anchor} ({title})"
        fmt, reg_lines, registered = registration_lines(anchor, reg)
        for name, line, code in reg_lines + authentication_lines(anchor, registered, auth):
            emit(name, fmt, source, line, code)


def emit(name, fmt, source, line, code):
    expect = {"ok": True} if code is None else {"ok": False, "code": code}
    print(json.dumps({"name": name, "format": fmt, "source": source, "expect": expect, **line}, separators=(",", ":")))


if __name__ == "__main__":
    main()
