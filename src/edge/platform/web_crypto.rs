//! The runtime's WebCrypto (`crypto.subtle`), which the bench measured at 3-10x faster than the
//! same work in wasm, and which keeps RSA, P-384 and Ed25519 code out of the wasm: every
//! signature check of the core, as `signature::Deferred` recorded them (the assertion's signature
//! at login; attestation statements, certificate chains and new credential keys at registration;
//! what to import and which algorithms to name comes from the pure `webauthn::web_crypto`),
//! and the ES256 access tokens (signed and verified with the keys of `AUTHAZ_SIGNING_KEYS`,
//! imported once per isolate).

use std::cell::RefCell;
use std::collections::HashMap;

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use js_sys::futures::JsFuture;
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::tokens::access_token::SigningKeys;
use crate::webauthn::signature::{Pending, SignatureCheck};
use crate::webauthn::web_crypto::{credential_key, subtle_check, Algorithm, KeyData, SubtleVerify};
use crate::webauthn::VerifyError;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["crypto", "subtle"], js_name = importKey)]
    fn import_key(format: &str, key_data: &JsValue, algorithm: &Object, extractable: bool, usages: &Array) -> Result<Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["crypto", "subtle"], js_name = verify)]
    fn subtle_verify_call(algorithm: &Object, key: &JsValue, signature: &Uint8Array, data: &Uint8Array) -> Result<Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["crypto", "subtle"], js_name = exportKey)]
    fn export_key(format: &str, key: &JsValue) -> Result<Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["crypto", "subtle"], js_name = sign)]
    fn subtle_sign_call(algorithm: &Object, key: &JsValue, data: &Uint8Array) -> Result<Promise, JsValue>;
}

/// A WebCrypto call that failed (a refused key, a rejected promise).
#[derive(Debug)]
pub struct Failed;

/// Runs the checks a `signature::Deferred` recorded: every one must pass, else the first
/// failure's error (a check that cannot even be made fails: a key WebCrypto refuses passed the
/// core's key check at registration, so its signature is refused rather than guessed at).
pub async fn run_pending(pending: Vec<Pending>) -> Result<(), VerifyError> {
    for item in pending {
        match item {
            Pending::One(check) => {
                if !passes(&check).await {
                    return Err(check.failure);
                }
            }
            Pending::Any(checks, failure) => {
                let mut any = false;
                for check in &checks {
                    if passes(check).await {
                        any = true;
                        break;
                    }
                }
                if !any {
                    return Err(failure);
                }
            }
            Pending::Key(key) => {
                let invalid = || VerifyError::malformed("invalid COSE public key");
                let subtle = credential_key(&key).ok_or_else(invalid)?;
                let data = key_data(&subtle.data).map_err(|_| invalid())?;
                import(format_of(&subtle.data), &data, &subtle.import, "verify").await.map_err(|_| invalid())?;
            }
        }
    }
    Ok(())
}

/// Whether a check of the core verifies through WebCrypto (a check it cannot make does not).
async fn passes(check: &SignatureCheck) -> bool {
    match subtle_check(check) {
        Ok(subtle) => verifies(&subtle, &check.data).await,
        Err(_) => false,
    }
}

/// importKey + verify; false for a key WebCrypto refuses or a rejected promise.
async fn verifies(check: &SubtleVerify, data: &[u8]) -> bool {
    let Ok(key_data) = key_data(&check.key) else { return false };
    let Ok(crypto_key) = import(format_of(&check.key), &key_data, &check.import, "verify").await else { return false };
    matches!(verify(&check.verify, &crypto_key, &check.signature, data).await, Ok(true))
}

fn format_of(key: &KeyData) -> &'static str {
    match key {
        KeyData::Raw(_) => "raw",
        KeyData::RsaJwk { .. } => "jwk",
        KeyData::Spki(_) => "spki",
    }
}

fn key_data(key: &KeyData) -> Result<JsValue, Failed> {
    Ok(match key {
        KeyData::Raw(bytes) | KeyData::Spki(bytes) => Uint8Array::from(bytes.as_slice()).into(),
        KeyData::RsaJwk { n, e } => object(&[("kty", "RSA"), ("n", n), ("e", e)])?.into(),
    })
}

const ES256_KEY: Algorithm = Algorithm { name: "ECDSA", named_curve: Some("P-256"), hash: None, salt_length: None };
const ES256_SIG: Algorithm = Algorithm { name: "ECDSA", named_curve: None, hash: Some("SHA-256"), salt_length: None };

thread_local! {
    /// Access-token keys imported into WebCrypto, by kid and usage ("sign": the private key,
    /// "verify": the public one). A kid is a hash of the public key, so an entry stays right
    /// whatever the secret holds next.
    static TOKEN_KEYS: RefCell<HashMap<(String, &'static str), JsValue>> = RefCell::new(HashMap::new());
}

/// Access-token key `index` for `usage` ("sign" or "verify"), imported once per isolate.
async fn token_key(keys: &SigningKeys, index: usize, usage: &'static str) -> Result<JsValue, Failed> {
    let slot = (keys.kid(index).ok_or(Failed)?.to_owned(), usage);
    if let Some(key) = TOKEN_KEYS.with(|c| c.borrow().get(&slot).cloned()) {
        return Ok(key);
    }
    let key = if usage == "sign" {
        let (d, x, y) = keys.private_jwk(index).ok_or(Failed)?;
        let jwk = object(&[("kty", "EC"), ("crv", "P-256"), ("d", &d), ("x", &x), ("y", &y)])?;
        import("jwk", &jwk.into(), &ES256_KEY, usage).await?
    } else {
        let point = keys.public_point(index).ok_or(Failed)?;
        import("raw", &Uint8Array::from(point.as_slice()).into(), &ES256_KEY, usage).await?
    };
    TOKEN_KEYS.with(|c| c.borrow_mut().insert(slot, key.clone()));
    Ok(key)
}

/// DER PrivateKeyInfo (RFC 5208) of a P-256 private key, its scalar appended: version 0,
/// id-ecPublicKey with prime256v1, an ECPrivateKey (RFC 5915) of version 1 without the optional
/// public key, which WebCrypto derives on import.
const P256_PKCS8_PREFIX: [u8; 35] = [
    0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
    0x01, 0x07, 0x04, 0x27, 0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20,
];

/// The public point (uncompressed SEC1) of a P-256 private scalar: WebCrypto imports the scalar
/// (refusing 0 and anything not below the group order) and exports the key as a JWK with x, y.
pub async fn p256_public_point(scalar: &[u8; 32]) -> Result<[u8; 65], Failed> {
    let mut pkcs8 = P256_PKCS8_PREFIX.to_vec();
    pkcs8.extend_from_slice(scalar);
    let usages = Array::of1(&JsValue::from_str("sign"));
    let promise = import_key("pkcs8", &Uint8Array::from(pkcs8.as_slice()).into(), &algorithm(&ES256_KEY)?, true, &usages).map_err(|_| Failed)?;
    let key = JsFuture::from(promise).await.map_err(|_| Failed)?;
    let jwk = JsFuture::from(export_key("jwk", &key).map_err(|_| Failed)?).await.map_err(|_| Failed)?;
    let mut point = [4u8; 65];
    for (name, range) in [("x", 1..33), ("y", 33..65)] {
        let coordinate = Reflect::get(&jwk, &JsValue::from_str(name)).ok().and_then(|v| v.as_string()).ok_or(Failed)?;
        let bytes = URL_SAFE_NO_PAD.decode(coordinate).map_err(|_| Failed)?;
        if bytes.len() != 32 {
            return Err(Failed);
        }
        point[range].copy_from_slice(&bytes);
    }
    Ok(point)
}

/// ES256 signature (`r || s`, as a JWS wants it) of `data` by access-token key `index`.
pub async fn sign_es256(keys: &SigningKeys, index: usize, data: &[u8]) -> Result<Vec<u8>, Failed> {
    let key = token_key(keys, index, "sign").await?;
    let promise = subtle_sign_call(&algorithm(&ES256_SIG)?, &key, &Uint8Array::from(data)).map_err(|_| Failed)?;
    let signature = JsFuture::from(promise).await.map_err(|_| Failed)?;
    Ok(Uint8Array::new(&signature).to_vec())
}

/// Whether `signature` (`r || s`) is access-token key `index`'s over `data`.
pub async fn verify_es256(keys: &SigningKeys, index: usize, data: &[u8], signature: &[u8]) -> Result<bool, Failed> {
    let key = token_key(keys, index, "verify").await?;
    verify(&ES256_SIG, &key, signature, data).await
}

async fn import(format: &str, key_data: &JsValue, alg: &Algorithm, usage: &str) -> Result<JsValue, Failed> {
    let usages = Array::of1(&JsValue::from_str(usage));
    let promise = import_key(format, key_data, &algorithm(alg)?, false, &usages).map_err(|_| Failed)?;
    JsFuture::from(promise).await.map_err(|_| Failed)
}

async fn verify(alg: &Algorithm, key: &JsValue, signature: &[u8], data: &[u8]) -> Result<bool, Failed> {
    let promise = subtle_verify_call(&algorithm(alg)?, key, &Uint8Array::from(signature), &Uint8Array::from(data)).map_err(|_| Failed)?;
    let answer = JsFuture::from(promise).await.map_err(|_| Failed)?;
    Ok(answer.as_bool() == Some(true))
}

fn algorithm(alg: &Algorithm) -> Result<Object, Failed> {
    let obj = object(&[("name", alg.name)])?;
    if let Some(curve) = alg.named_curve {
        set(&obj, "namedCurve", &JsValue::from_str(curve))?;
    }
    if let Some(hash) = alg.hash {
        set(&obj, "hash", &JsValue::from_str(hash))?;
    }
    if let Some(salt) = alg.salt_length {
        set(&obj, "saltLength", &JsValue::from(salt))?;
    }
    Ok(obj)
}

fn object(fields: &[(&str, &str)]) -> Result<Object, Failed> {
    let obj = Object::new();
    for (name, value) in fields {
        set(&obj, name, &JsValue::from_str(value))?;
    }
    Ok(obj)
}

fn set(obj: &Object, name: &str, value: &JsValue) -> Result<(), Failed> {
    Reflect::set(obj, &JsValue::from_str(name), value).map(|_| ()).map_err(|_| Failed)
}
