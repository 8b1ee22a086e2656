//! Outgoing requests (to a Durable Object or to a URL), built directly on `web_sys`: worker's
//! `Request::new_with_init` carries the code of every `cf` property (about 11 KB of wasm) that
//! these requests never set. Their answers' bodies are read by the runtime's `Response.text()`,
//! not worker's `Response::text` (its byte-stream reader costs the size budget some 4 KB).

use js_sys::futures::JsFuture;
use worker::wasm_bindgen::prelude::wasm_bindgen;
use worker::wasm_bindgen::JsValue;
use worker::web_sys;

#[wasm_bindgen]
extern "C" {
    /// `AbortSignal.timeout(ms)`: aborts the request it is given to after `ms`.
    #[wasm_bindgen(js_namespace = AbortSignal, js_name = timeout)]
    fn abort_after(ms: u32) -> web_sys::AbortSignal;
}

/// A `method` request to `url` with `headers` and `body`; `None` when `url` is not a URL.
pub fn request(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Option<worker::Request> {
    build(method, url, headers, body, None).map(worker::Request::from)
}

/// [`request`], abandoned after `timeout_ms` (the answer or its wait fails then), and answered
/// by a redirect itself rather than by where it points (`redirect: "manual"`).
pub fn request_within(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>, timeout_ms: u32) -> Option<web_sys::Request> {
    build(method, url, headers, body, Some(timeout_ms))
}

fn build(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>, timeout_ms: Option<u32>) -> Option<web_sys::Request> {
    let init = web_sys::RequestInit::new();
    if let Some(ms) = timeout_ms {
        init.set_signal(Some(&abort_after(ms)));
        init.set_redirect(web_sys::RequestRedirect::Manual);
    }
    init.set_method(method);
    if !headers.is_empty() {
        let set = web_sys::Headers::new().ok()?;
        for (name, value) in headers {
            set.set(name, value).ok()?;
        }
        init.set_headers(&set);
    }
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
    }
    web_sys::Request::new_with_str_and_init(url, &init).ok()
}

/// The body of `answer` as text; `None` when it cannot be read.
pub async fn text(answer: worker::Response) -> Option<String> {
    let answer = web_sys::Response::from(answer);
    JsFuture::from(answer.text().ok()?).await.ok()?.as_string()
}
