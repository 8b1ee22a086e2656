//! Outgoing requests (to a Durable Object or to a URL), built directly on `web_sys`: worker's
//! `Request::new_with_init` carries the code of every `cf` property (about 11 KB of wasm) that
//! these requests never set.

use worker::wasm_bindgen::JsValue;
use worker::web_sys;

/// A `method` request to `url` with `headers` and `body`; `None` when `url` is not a URL.
pub fn request(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Option<worker::Request> {
    let init = web_sys::RequestInit::new();
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
    web_sys::Request::new_with_str_and_init(url, &init).ok().map(worker::Request::from)
}
