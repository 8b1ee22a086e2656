//! The catalogues of `crate::i18n` as the Worker reads them: static assets (`build/assets/i18n/`,
//! see scripts/build.sh) fetched once per isolate through the `ASSETS` binding and kept; and the
//! language of a request (`ui_locales` or `lang` in the query, else `Accept-Language`).

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::futures::JsFuture;
use js_sys::{Array, Object, Reflect, JSON};
use worker::wasm_bindgen::{prelude::wasm_bindgen, JsCast, JsValue};
use worker::{console_error, web_sys, Env, Request};

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

// The ASSETS binding's `fetch(url)`, bound directly: worker's `Fetcher::fetch` carries the code
// of every `RequestInit` property (several KB of wasm) that this plain GET never sets.
#[wasm_bindgen]
extern "C" {
    type Assets;
    #[wasm_bindgen(method, catch)]
    fn fetch(this: &Assets, url: &str) -> Result<js_sys::Promise, JsValue>;
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
    let catalogue = Rc::new(load(env, &path).await.map_err(|what| {
        console_error!("i18n: {path}: {what}");
        ApiError::internal()
    })?);
    LOADED.with(|l| l.borrow_mut().push((audience, locale, Rc::clone(&catalogue))));
    Ok(catalogue)
}

/// Fetches and parses one catalogue (with the JS engine's JSON parser: no serde code for it).
async fn load(env: &Env, path: &str) -> Result<Catalogue, &'static str> {
    let assets = Reflect::get(env, &JsValue::from_str("ASSETS")).ok().filter(|a| !a.is_undefined()).ok_or("no ASSETS binding")?;
    let promise = assets.unchecked_ref::<Assets>().fetch(path).map_err(|_| "fetch refused")?;
    let resp: web_sys::Response = JsFuture::from(promise).await.ok().and_then(|r| r.dyn_into().ok()).ok_or("fetch failed")?;
    if resp.status() != 200 {
        return Err("not found");
    }
    let text = JsFuture::from(resp.text().map_err(|_| "unreadable")?).await.ok().and_then(|t| t.as_string()).ok_or("unreadable")?;
    let object: Object = JSON::parse(&text).ok().and_then(|o| o.dyn_into().ok()).ok_or("not a JSON object")?;
    let mut texts = Vec::new();
    for entry in Object::entries(&object).iter() {
        let entry: Array = entry.unchecked_into();
        let (Some(key), Some(text)) = (entry.get(0).as_string(), entry.get(1).as_string()) else { return Err("a value is not a string") };
        texts.push((key, text));
    }
    Ok(Catalogue::from_entries(text, texts))
}

/// The language a request asks for: `ui_locales` (OpenID Connect) or `lang` in its query, else
/// its `Accept-Language` header (the hosted pages' script sends the page's own language there);
/// English when it names no supported one.
pub fn of_request(req: &Request) -> Locale {
    requested(req).unwrap_or(Locale::En)
}

/// The supported language a request names, `None` when it names none.
pub fn requested(req: &Request) -> Option<Locale> {
    let explicit = request_url::query_pairs(req).into_iter().find(|(name, _)| name == "ui_locales" || name == "lang").map(|(_, v)| v);
    let accept = req.headers().get("Accept-Language").ok().flatten();
    Locale::requested(explicit.as_deref(), accept.as_deref())
}
