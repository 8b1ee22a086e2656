//! Assertion signatures checked by the runtime's WebCrypto (`crypto.subtle`), which the bench
//! measured at 3-10x faster than the same check in wasm (ES256, EdDSA, RS256). What to import
//! and which algorithms to name comes from the pure core (`webauthn::web_crypto`); a key that
//! WebCrypto has no algorithm for is checked in Rust as before.

use js_sys::futures::JsFuture;
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::webauthn::web_crypto::{subtle_verify, Algorithm, KeyData};
use crate::webauthn::{CoseKey, ErrorCode, VerifyError};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["crypto", "subtle"], js_name = importKey)]
    fn import_key(format: &str, key_data: &JsValue, algorithm: &Object, extractable: bool, usages: &Array) -> Result<Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["crypto", "subtle"], js_name = verify)]
    fn subtle_verify_call(algorithm: &Object, key: &JsValue, signature: &Uint8Array, data: &Uint8Array) -> Result<Promise, JsValue>;
}

/// Checks `signature` over `data` with `key`: WebCrypto where it can, else the Rust check.
pub async fn verify(key: &CoseKey, data: &[u8], signature: &[u8]) -> Result<(), VerifyError> {
    let Some(check) = subtle_verify(key, signature)? else {
        return key.verify(data, signature);
    };
    let bad = || VerifyError::new(ErrorCode::Signature, "signature does not verify");
    let (format, key_data) = match &check.key {
        KeyData::Raw(bytes) => ("raw", JsValue::from(Uint8Array::from(bytes.as_slice()))),
        KeyData::RsaJwk { n, e } => ("jwk", JsValue::from(object(&[("kty", "RSA"), ("n", n), ("e", e)])?)),
    };
    let usages = Array::of1(&JsValue::from_str("verify"));
    let imported = import_key(format, &key_data, &algorithm(&check.import)?, false, &usages).map_err(|_| bad())?;
    // A key WebCrypto refuses was accepted by the core's key check at registration: refuse the
    // signature rather than guess.
    let crypto_key = JsFuture::from(imported).await.map_err(|_| bad())?;
    let verified = subtle_verify_call(
        &algorithm(&check.verify)?,
        &crypto_key,
        &Uint8Array::from(check.signature.as_slice()),
        &Uint8Array::from(data),
    )
    .map_err(|_| bad())?;
    match JsFuture::from(verified).await {
        Ok(answer) if answer.as_bool() == Some(true) => Ok(()),
        _ => Err(bad()),
    }
}

fn algorithm(alg: &Algorithm) -> Result<Object, VerifyError> {
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

fn object(fields: &[(&str, &str)]) -> Result<Object, VerifyError> {
    let obj = Object::new();
    for (name, value) in fields {
        set(&obj, name, &JsValue::from_str(value))?;
    }
    Ok(obj)
}

fn set(obj: &Object, name: &str, value: &JsValue) -> Result<(), VerifyError> {
    Reflect::set(obj, &JsValue::from_str(name), value)
        .map(|_| ())
        .map_err(|_| VerifyError::new(ErrorCode::Signature, "WebCrypto parameters could not be built"))
}
