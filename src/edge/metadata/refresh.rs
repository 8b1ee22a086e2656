//! The daily refresh of authenticator metadata (a Cron Trigger): downloads the MDS3 BLOB from
//! `AUTHAZ_MDS_URL` (default the FIDO Alliance's), verifies it against the FIDO root
//! (`AUTHAZ_MDS_ROOT`, base64 DER; default GlobalSign Root CA - R3, which the FIDO
//! Alliance's BLOB chains to) with its signatures checked by WebCrypto, and replaces the stored
//! metadata in one D1 batch. A failed download or a BLOB that does not verify changes nothing;
//! every run prints one JSON line `{"event":"mds_refresh","result",...}`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{console_log, web_sys, Env};

use super::store;
use crate::edge::platform::db::{database, error_text, D1Batch};
use crate::edge::platform::{outgoing, web_crypto};
use crate::metadata::blob::{verify_blob, BlobExpectation, MAX_BLOB_LEN};
use crate::webauthn::{Certificate, Deferred};

/// The Cron Trigger of the refresh (wrangler.toml `[triggers] crons`): daily at 03:17 UTC.
pub const CRON: &str = "17 3 * * *";
/// Where the FIDO Alliance publishes the BLOB.
const DEFAULT_URL: &str = "https://mds3.fidoalliance.org/";
/// The root the FIDO Alliance's BLOB chains to (DER: no PEM decoder in the Worker).
const DEFAULT_ROOT: &[u8] = include_bytes!("../../../data/fido_mds_root_globalsign_r3.der");

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Line<'a> {
    event: &'static str,
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    no: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entries: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    duration_ms: u64,
}

/// Runs one refresh and logs its outcome.
pub async fn run(env: &Env) {
    let started = js_sys::Date::now();
    let outcome = refresh(env, started as i64).await;
    let (result, no, entries, error) = match &outcome {
        Ok((no, entries)) => ("ok", Some(*no), Some(*entries), None),
        Err(why) => ("error", None, None, Some(why.as_str())),
    };
    let line = Line { event: "mds_refresh", result, no, entries, error, duration_ms: (js_sys::Date::now() - started).max(0.0) as u64 };
    if let Ok(text) = serde_json::to_string(&line) {
        console_log!("{text}");
    }
}

/// Downloads, verifies and stores; answers the new serial number and entry count, or why not.
async fn refresh(env: &Env, now_ms: i64) -> Result<(u64, usize), String> {
    let url = var(env, "AUTHAZ_MDS_URL").unwrap_or_else(|| DEFAULT_URL.to_owned());
    let roots = roots(env)?;
    let blob = download(&url).await?;
    let db = database(env).map_err(|e| e.message)?;
    let stored_no = store::stored_no(&db).await.map_err(|_| "could not read the stored serial number".to_owned())?;
    let signatures = Deferred::new();
    let now_unix = u64::try_from(now_ms / 1000).map_err(|_| "bad clock".to_owned())?;
    let payload = verify_blob(&blob, &BlobExpectation { roots: &roots, stored_no, now_unix }, &signatures).map_err(|e| e.0)?;
    web_crypto::run_pending(signatures.into_pending()).await.map_err(|e| format!("BLOB signature or chain: {}", e.message))?;
    let statements = store::replace_stmts(&db, &payload, &url, now_ms).map_err(|e| e.message)?;
    db.run_batch(statements).await.map_err(|e| format!("storing the metadata failed: {}", error_text(&e)))?;
    Ok((payload.no, payload.authenticators.len()))
}

/// The configured FIDO root certificate.
fn roots(env: &Env) -> Result<Vec<Certificate>, String> {
    let der = match var(env, "AUTHAZ_MDS_ROOT") {
        Some(text) => STANDARD.decode(text).map_err(|_| "AUTHAZ_MDS_ROOT is not base64 DER".to_owned())?,
        None => DEFAULT_ROOT.to_vec(),
    };
    Certificate::from_der(&der).map(|c| vec![c]).map_err(|e| format!("AUTHAZ_MDS_ROOT: {}", e.message))
}

/// The fetch and the body read go straight through web_sys (worker's `Fetch` and
/// `Response::bytes`, a stream reader, are code the Worker needs nowhere else).
async fn download(url: &str) -> Result<Vec<u8>, String> {
    let request = outgoing::request("GET", url, &[], None).ok_or_else(|| format!("AUTHAZ_MDS_URL {url:?} is not a URL"))?;
    let failed = |e: JsValue| format!("download failed: {}", worker::Error::from(e));
    let scope: web_sys::WorkerGlobalScope = js_sys::global().unchecked_into();
    let response: web_sys::Response = JsFuture::from(scope.fetch_with_request(request.inner())).await.and_then(|r| r.dyn_into()).map_err(failed)?;
    if response.status() != 200 {
        return Err(format!("download answered HTTP {}", response.status()));
    }
    let body = JsFuture::from(response.array_buffer().map_err(failed)?).await.map_err(failed)?;
    let bytes = js_sys::Uint8Array::new(&body).to_vec();
    if bytes.len() > MAX_BLOB_LEN {
        return Err("the BLOB is too large".to_owned());
    }
    Ok(bytes)
}

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().and_then(|v| v.as_ref().as_string()).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}
