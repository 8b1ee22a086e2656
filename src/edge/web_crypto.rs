//! The runtime's WebCrypto (`crypto.subtle`), which the bench measured at 3-10x faster than the
//! same work in wasm: credential signatures at login (what to import and which algorithms to name
//! comes from the pure core, `webauthn::web_crypto`; a key WebCrypto has no algorithm for is
//! checked in Rust as before), and the ES256 access tokens (signed and verified with the keys of
//! `AUTHAZ_SIGNING_KEYS`, imported once per isolate).

use std::cell::RefCell;
use std::collections::HashMap;

use js_sys::futures::JsFuture;
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::jwt::SigningKeys;
use crate::webauthn::web_crypto::{subtle_verify, Algorithm, KeyData};
use crate::webauthn::{CoseKey, ErrorCode, VerifyError};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["crypto", "subtle"], js_name = importKey)]
    fn import_key(format: &str, key_data: &JsValue, algorithm: &Object, extractable: bool, usages: &Array) -> Result<Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["crypto", "subtle"], js_name = verify)]
    fn subtle_verify_call(algorithm: &Object, key: &JsValue, signature: &Uint8Array, data: &Uint8Array) -> Result<Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["crypto", "subtle"], js_name = sign)]
    fn subtle_sign_call(algorithm: &Object, key: &JsValue, data: &Uint8Array) -> Result<Promise, JsValue>;
}

/// A WebCrypto call that failed (a refused key, a rejected promise).
#[derive(Debug)]
pub struct Failed;

/// Checks a credential's `signature` over `data`: WebCrypto where it can, else the Rust check.
pub async fn verify_credential_signature(key: &CoseKey, data: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
    let Some(check) = subtle_verify(key, signature)? else {
        return key.verify(data, signature);
    };
    let bad = || VerifyError::new(ErrorCode::Signature, "signature does not verify");
    let (format, key_data) = match &check.key {
        KeyData::Raw(bytes) => ("raw", JsValue::from(Uint8Array::from(bytes.as_slice()))),
        KeyData::RsaJwk { n, e } => ("jwk", JsValue::from(object(&[("kty", "RSA"), ("n", n), ("e", e)]).map_err(|_| bad())?)),
    };
    // A key WebCrypto refuses passed the core's key check at registration: refuse the signature
    // rather than guess.
    let crypto_key = import(format, &key_data, &check.import, "verify").await.map_err(|_| bad())?;
    match verify(&check.verify, &crypto_key, &check.signature, data).await {
        Ok(true) => Ok(()),
        _ => Err(bad()),
    }
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
