//! The loop both benchmarks time: parse an AuthenticationResponseJSON and verify it against its
//! policy, `n` times. `Mode::Full` is `verify_authentication` (every check and the signature);
//! `Mode::Checks` is `verify_authentication_with` a `Deferred` verifier whose recorded signature
//! check is never run (every check but the signature), so the difference is the signature check
//! alone.

use authaz::webauthn::base64url;
use authaz::webauthn::options::UserVerification;
use authaz::webauthn::{
    verify_authentication, verify_authentication_with, AuthenticationPolicy, AuthenticationResponseJson, Deferred,
    ParsedAuthentication,
};
use serde::Deserialize;

/// One assertion made by bench/fixtures.mjs with its credential's stored data.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fixture {
    pub alg: String,
    pub rp_id: String,
    pub origin: String,
    pub challenge: String,
    pub public_key: String,
    pub user_handle: String,
    /// The AuthenticationResponseJSON as the Worker receives it (a JSON text).
    pub credential: String,
}

#[derive(Clone, Copy)]
pub enum Mode {
    Full,
    Checks,
}

impl Mode {
    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "full" => Some(Mode::Full),
            "checks" => Some(Mode::Checks),
            _ => None,
        }
    }
}

pub struct Prepared {
    origins: Vec<String>,
    rp_id: String,
    challenge: Vec<u8>,
    public_key: Vec<u8>,
    user_handle: Vec<u8>,
    credential: String,
}

impl Prepared {
    pub fn new(f: &Fixture) -> Result<Prepared, String> {
        let decode = |s: &str, what: &str| base64url::decode(s, 4096, "bench").map_err(|e| format!("{what}: {}", e.message));
        Ok(Prepared {
            origins: vec![f.origin.clone()],
            rp_id: f.rp_id.clone(),
            challenge: decode(&f.challenge, "challenge")?,
            public_key: decode(&f.public_key, "publicKey")?,
            user_handle: decode(&f.user_handle, "userHandle")?,
            credential: f.credential.clone(),
        })
    }

    /// One verification as the Worker does it: JSON text in, verdict out.
    pub fn verify_once(&self, mode: Mode) -> Result<u32, String> {
        let resp: AuthenticationResponseJson = serde_json::from_str(&self.credential).map_err(|e| e.to_string())?;
        let policy = AuthenticationPolicy {
            rp_id: &self.rp_id,
            origins: &self.origins,
            allow_cross_origin: false,
            top_origins: &[],
            challenge: &self.challenge,
            user_verification: UserVerification::Required,
            public_key_cose: &self.public_key,
            stored_sign_count: 0,
            backup_eligible: None,
            user_handle: Some(&self.user_handle),
        };
        let outcome = match mode {
            Mode::Full => verify_authentication(&resp, &policy),
            Mode::Checks => ParsedAuthentication::parse(&resp).and_then(|parsed| verify_authentication_with(&parsed, &policy, &Deferred::new())),
        };
        outcome.map(|o| o.sign_count).map_err(|e| format!("{}: {}", e.code.as_str(), e.message))
    }

    /// `n` verifications; fails on the first that does not verify.
    pub fn verify_loop(&self, mode: Mode, n: u32) -> Result<u32, String> {
        let mut last = 0;
        for _ in 0..n {
            last = self.verify_once(mode)?;
        }
        Ok(last)
    }
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::{Fixture, Mode, Prepared};
    use wasm_bindgen::prelude::*;

    /// Runs `n` verifications of the fixture (a JSON text) in mode "full" or "checks".
    #[wasm_bindgen]
    pub fn verify_loop(fixture: &str, mode: &str, n: u32) -> Result<u32, JsValue> {
        let fixture: Fixture = serde_json::from_str(fixture).map_err(|e| JsValue::from_str(&e.to_string()))?;
        let mode = Mode::parse(mode).ok_or_else(|| JsValue::from_str("mode is full or checks"))?;
        let prepared = Prepared::new(&fixture).map_err(|e| JsValue::from_str(&e))?;
        prepared.verify_loop(mode, n).map_err(|e| JsValue::from_str(&e))
    }
}
