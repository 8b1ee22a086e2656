#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ from the recorded WebAuthn responses in tests/vectors (one file per input)."""
import base64, hashlib, json, os, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), sys.argv[1] if len(sys.argv) > 1 else "corpus")

def b64u(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

def put(target, data):
    folder = os.path.join(OUT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)

for dirpath, _, files in os.walk(os.path.join(ROOT, "tests", "vectors")):
    for name in files:
        if not name.endswith(".jsonl"):
            continue
        for line in open(os.path.join(dirpath, name), encoding="utf8"):
            try:
                case = json.loads(line)
                cred = case["credential"]
                resp = cred["response"]
                cdj = b64u(resp["clientDataJSON"])
            except (ValueError, KeyError, TypeError):
                continue
            put("client_data", cdj)
            if "attestationObject" in resp:
                att = b64u(resp["attestationObject"])
                put("attestation_object", att)
                put("cbor", att)
                put("registration", len(cdj).to_bytes(2, "big") + cdj + att)
            if "authenticatorData" in resp:
                put("authenticator_data", b64u(resp["authenticatorData"]))
                put("authentication", json.dumps(cred).encode())
            if "publicKey" in case:
                put("cose_key", b64u(case["publicKey"]))
