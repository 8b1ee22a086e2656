//! The catalogues of `crate::i18n` as the Worker reads them: static assets (`build/assets/i18n/`,
//! see scripts/build.sh) fetched once per isolate through the `ASSETS` binding and kept; and the
//! language of a request (`ui_locales` or `lang` in the query, else `Accept-Language`).

use std::cell::RefCell;
use std::rc::Rc;

use worker::{console_error, Env, Request};

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
    let assets = env.assets("ASSETS").map_err(|_| failed("no ASSETS binding"))?;
    let mut resp = assets.fetch(path.as_str(), None).await.map_err(|_| failed("fetch failed"))?;
    if resp.status_code() != 200 {
        return Err(failed("not found"));
    }
    let text = resp.text().await.map_err(|_| failed("unreadable"))?;
    let catalogue = Rc::new(Catalogue::parse(text).ok_or_else(|| failed("not a JSON object of strings"))?);
    LOADED.with(|l| l.borrow_mut().push((audience, locale, Rc::clone(&catalogue))));
    Ok(catalogue)
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
