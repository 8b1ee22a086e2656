//! The catalogues of `crate::i18n` as the Worker reads them: static assets (`build/assets/i18n/`,
//! see scripts/build.sh) fetched once per isolate through the `ASSETS` binding and kept; and the
//! language of a request (`ui_locales` or `lang` in the query, else `Accept-Language`).

use std::cell::RefCell;
use std::rc::Rc;

use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{console_error, js_sys, web_sys, worker_sys, Env, Request};

use crate::contract::error::ApiError;
use crate::edge::platform::http::ApiResult;
use crate::edge::platform::request_url;
use crate::i18n::{Catalogue, Locale};

/// Who a catalogue's words are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Pages,
    Mail,
}

impl Audience {
    fn dir(self) -> &'static str {
        match self {
            Audience::Pages => "pages",
            Audience::Mail => "mail",
        }
    }
}

thread_local! {
    static LOADED: RefCell<Vec<(Audience, Locale, Rc<Catalogue>)>> = const { RefCell::new(Vec::new()) };
}

/// The catalogue of `audience` in `locale`, read from the static assets on first use.
pub async fn catalogue(env: &Env, audience: Audience, locale: Locale) -> ApiResult<Rc<Catalogue>> {
    let cached = LOADED.with(|l| l.borrow().iter().find(|(a, l, _)| *a == audience && *l == locale).map(|(_, _, c)| Rc::clone(c)));
    if let Some(catalogue) = cached {
        return Ok(catalogue);
    }
    let path = format!("https://assets.local/i18n/{}/{}.json", audience.dir(), locale.tag());
    let failed = |what: &str| {
        console_error!("i18n: {path}: {what}");
        ApiError::internal()
    };
    // Straight through the binding's `fetch(url)` and the body's `text()`: worker's Fetcher and
    // Response wrappers would bring their RequestInit and body conversions along (several KiB).
    let assets =
        js_sys::Reflect::get(env, &JsValue::from_str("ASSETS")).ok().filter(|b| !b.is_undefined()).ok_or_else(|| failed("no ASSETS binding"))?;
    let promise = assets.unchecked_into::<worker_sys::Fetcher>().fetch_with_str(&path).map_err(|_| failed("fetch failed"))?;
    let resp: web_sys::Response = JsFuture::from(promise).await.ok().and_then(|r| r.dyn_into().ok()).ok_or_else(|| failed("fetch failed"))?;
    if resp.status() != 200 {
        return Err(failed("not found"));
    }
    let body = resp.text().map_err(|_| failed("unreadable"))?;
    let text = JsFuture::from(body).await.ok().and_then(|t| t.as_string()).ok_or_else(|| failed("unreadable"))?;
    let catalogue = Rc::new(Catalogue::parse(text).ok_or_else(|| failed("not a JSON object of strings"))?);
    LOADED.with(|l| l.borrow_mut().push((audience, locale, Rc::clone(&catalogue))));
    Ok(catalogue)
}

/// The language a request asks for: `ui_locales` (OpenID Connect) or `lang` in its query, else
/// its `Accept-Language` header (the hosted pages' script sends the page's own language there).
pub fn of_request(req: &Request) -> Locale {
    let explicit = request_url::query_pairs(req).into_iter().find(|(name, _)| name == "ui_locales" || name == "lang").map(|(_, v)| v);
    let accept = req.headers().get("Accept-Language").ok().flatten();
    Locale::negotiate(explicit.as_deref(), accept.as_deref())
}
