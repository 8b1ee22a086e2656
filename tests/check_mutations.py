#!/usr/bin/env python3
"""Mutation check of tests/checks.rs: turn each verification check off, one at a time, in a
copy of the committed tree (git archive HEAD) and confirm a test then fails.

    python3 tests/check_mutations.py [name ...]     # prints "<check>: caught by <tests>"

Uses its own target directory under the system temp dir; takes about a minute per check.
"""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(tempfile.gettempdir(), "authaz-check-mutations")
TREE = os.path.join(WORK, "tree")
# (name, file, the check's code, the same code with the check turned off)
mutations = [
 ("type", "src/webauthn/client_data.rs", "if data.type_ != expect.ceremony.type_name() {", "if false && data.type_ != expect.ceremony.type_name() {"),
 ("challenge", "src/webauthn/client_data.rs", "    let wrong = || VerifyError::new(ErrorCode::Challenge, \"challenge does not match\");", "    return Ok(()); #[allow(unreachable_code)] let wrong = || VerifyError::new(ErrorCode::Challenge, \"challenge does not match\");"),
 ("origin", "src/webauthn/client_data.rs", "if !expect.origins.iter().any(|origin| *origin == data.origin) {", "if false {"),
 ("cross_origin", "src/webauthn/client_data.rs", "        self.check_cross_origin(expect)\n", "        Ok(())\n"),
 ("rp_id_hash", "src/webauthn/authenticator_data.rs", "if self.rp_id_hash != <[u8; 32]>::from(Sha256::digest(rp_id.as_bytes())) {", "if false {"),
 ("user_present", "src/webauthn/authenticator_data.rs", "if !self.flags.user_present() {", "if false {"),
 ("user_verified", "src/webauthn/authenticator_data.rs", "if user_verification == UserVerification::Required && !self.flags.user_verified() {", "if false {"),
 ("bs_without_be", "src/webauthn/authenticator_data.rs", "if self.flags.backed_up() && !self.flags.backup_eligible() {", "if false {"),
 ("be_changed", "src/webauthn/authentication.rs", "Some(stored) if stored != auth_data.flags.backup_eligible() =>", "Some(stored) if false && stored != auth_data.flags.backup_eligible() =>"),
 ("credential_id_match", "src/webauthn/registration.rs", "if credential.credential_id != credential_id {", "if false {"),
 ("credential_id_length", "src/webauthn/response_json.rs", "if raw.len() > MAX_CREDENTIAL_ID {", "if false {"),
 ("id_raw_id", "src/webauthn/response_json.rs", "if raw != id {", "if false {"),
 ("algorithm", "src/webauthn/registration.rs", "if !policy.allowed_algorithms.contains(&credential.public_key.alg().id()) {", "if false {"),
 ("sign_count", "src/webauthn/authentication.rs", "if (received != 0 || stored != 0) && received <= stored {", "if false {"),
 ("sign_count_zero", "src/webauthn/authentication.rs", "if (received != 0 || stored != 0) && received <= stored {", "if received != 0 && received <= stored {"),
 ("user_handle", "src/webauthn/authentication.rs", "if owner.is_some_and(|owner| owner != handle.as_slice()) {", "if false {"),
 ("none_empty", "src/webauthn/attestation/none.rs", "Some(map) if map.is_empty() =>", "Some(_) =>"),
 ("self_alg", "src/webauthn/attestation/packed.rs", "if alg != input.credential_public_key.alg().id() {", "if false {"),
 ("self_sig", "src/webauthn/attestation/packed.rs", "    input.verifier.check(SignatureCheck::by_credential(input.credential_public_key, data, sig))?;\n", "    let _ = (data, sig);\n"),
 ("trust", "src/webauthn/registration.rs", "if policy.trust_anchors.is_empty() || policy.attestation == AttestationConveyance::None {", "if true {"),
 ("assertion_signature", "src/webauthn/authentication.rs", "    verifier.check(SignatureCheck::by_credential(&key, &signed_data, &signature))?;\n", "    let _ = (verifier, &key, &signature);\n"),
 ("credential_id_length_authdata", "src/webauthn/authenticator_data.rs", "if id_len > MAX_CREDENTIAL_ID {", "if false {"),
]
only = sys.argv[1:]
subprocess.run(["rm", "-rf", TREE], check=True)
os.makedirs(TREE)
archive = subprocess.run(["git", "-C", ROOT, "archive", "HEAD"], check=True, capture_output=True).stdout
subprocess.run(["tar", "-x", "-C", TREE], input=archive, check=True)
for name, path, old, new in mutations:
    if only and name not in only: continue
    full = os.path.join(TREE, path)
    orig = open(full).read()
    assert old in orig, (name, old)
    open(full,'w').write(orig.replace(old, new, 1))
    r = subprocess.run(['cargo','test','--test','checks','--test','software_authenticator'], cwd=TREE, env={**os.environ, 'CARGO_TARGET_DIR': os.path.join(WORK, 'target')}, capture_output=True, text=True)
    open(full,'w').write(orig)
    compiled = 'error[' not in r.stderr
    failed = [l for l in r.stdout.splitlines() if l.endswith('FAILED') and l.startswith('test ')]
    print(f"{name}: {'COMPILE ERROR' if not compiled else ('caught by ' + ', '.join(x.split()[1] for x in failed) if failed else 'NOT CAUGHT')}", flush=True)
