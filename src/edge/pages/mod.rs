//! `GET /sign-in` and `GET /account` (their script and style sheet are static assets): the hosted
//! pages of the application found by Host, `X-Authaz-App` or the `app` query parameter. The HTML
//! is rendered by `crate::hosted_pages`; this module picks the application, checks a sign-in
//! link's hand-off parameters and writes the responses with their security headers.

use worker::{Env, Request, Response};

use crate::contract::error::{ApiError, ErrorCode};
use crate::edge::i18n::{self, Audience};
use crate::edge::platform::http::ApiResult;
use crate::edge::platform::request_url;
use crate::edge::tenancy::app_lookup;
use crate::hosted_pages::{self, content_security_policy, Page, PageApp, Words};
use crate::tenancy::application::Application;
use crate::tokens::hand_off::{check_hand_off, HandOff, HandOffError};

/// The hand-off parameters a sign-in link may carry.
const HAND_OFF_PARAMS: [&str; 4] = ["redirect_uri", "state", "code_challenge", "code_challenge_method"];

/// What a page shows instead of its forms: its status, a key of the pages' catalogue (its
/// `{app}` is the application's name) and the `{reason}`, if any.
pub struct Problem {
    pub status: u16,
    pub key: &'static str,
    pub reason: Reason,
}

/// The `{reason}` of a problem: none, a `reason.` key of the catalogue, or a text as is.
pub enum Reason {
    None,
    Key(&'static str),
    Text(String),
}

impl Problem {
    pub fn new(status: u16, key: &'static str) -> Problem {
        Problem { status, key, reason: Reason::None }
    }
}

/// What the sign-in page shows.
pub enum SignIn {
    /// The forms (with a checked sign-in link's hand-off, if any).
    Forms(Option<HandOff>),
    /// The UI of an OpenID Connect authorization request, which the handle names: after sign-in
    /// the page asks for the code at `POST /oidc/authorize/complete`.
    Authorization(String),
    Problem(Problem),
}

/// `GET /sign-in`.
pub async fn sign_in(req: &Request, env: &Env) -> ApiResult<Response> {
    let (app, shown) = match app_lookup::for_page(req, env).await {
        Ok(app) => {
            let shown = if !app.passkey.enabled {
                SignIn::Problem(Problem::new(403, "problem.passkey_off"))
            } else {
                match hand_off(req, &app) {
                    Ok(hand_off) => SignIn::Forms(hand_off),
                    Err(reason) => SignIn::Problem(Problem { status: 400, key: "problem.bad_link", reason: Reason::Key(reason) }),
                }
            };
            (Some(app), shown)
        }
        Err(err) if err.code == ErrorCode::AppNotFound => (None, SignIn::Problem(Problem::new(404, "problem.no_app"))),
        Err(err) => return Err(err),
    };
    show(req, env, app.as_ref(), Page::SignIn, shown).await
}

/// `GET /account`.
pub async fn account(req: &Request, env: &Env) -> ApiResult<Response> {
    let (app, shown) = match app_lookup::for_page(req, env).await {
        Ok(app) => (Some(app), SignIn::Forms(None)),
        Err(err) if err.code == ErrorCode::AppNotFound => (None, SignIn::Problem(Problem::new(404, "problem.no_app"))),
        Err(err) => return Err(err),
    };
    let page = if app.is_some() { Page::Account } else { Page::SignIn };
    show(req, env, app.as_ref(), page, shown).await
}

/// The page in the language the request asks for (`ui_locales` or `lang`, else
/// `Accept-Language`: an OpenID Connect authorization's `ui_locales`, Core 3.1.2.1, picks it).
pub async fn show(req: &Request, env: &Env, app: Option<&Application>, page: Page, shown: SignIn) -> ApiResult<Response> {
    let locale = i18n::of_request(req);
    let catalogue = i18n::catalogue(env, Audience::Pages, locale).await?;
    let words = Words { locale, catalogue: &catalogue };
    let page_app = app.map(|a| PageApp { id: &a.id, name: &a.name, rp_id: &a.rp_id, direct_signup: a.passkey.direct_signup, branding: &a.branding });
    let (status, body) = match &shown {
        SignIn::Forms(hand_off) => (200, hosted_pages::render(page, page_app.as_ref(), hand_off.as_ref(), None, words)),
        SignIn::Authorization(handle) => match &page_app {
            Some(page_app) => (200, hosted_pages::render_for_authorization(page_app, handle, words)),
            None => return Err(ApiError::internal()),
        },
        SignIn::Problem(problem) => {
            let reason = match &problem.reason {
                Reason::None => "",
                Reason::Key(key) => catalogue.text(key),
                Reason::Text(text) => text,
            };
            let text = catalogue.fill(problem.key, &[("app", app.map_or("", |a| a.name.as_str())), ("reason", reason)]);
            (problem.status, hosted_pages::render(Page::SignIn, page_app.as_ref(), None, Some(&text), words))
        }
    };
    html(status, &body, page_app.as_ref())
}

/// The checked hand-off of a sign-in link, `None` without `redirect_uri`, or why it is refused
/// (a key of the pages' catalogue).
fn hand_off(req: &Request, app: &Application) -> Result<Option<HandOff>, &'static str> {
    let mut values: [Option<String>; 4] = Default::default();
    for (name, value) in request_url::query_pairs(req) {
        if let Some(i) = HAND_OFF_PARAMS.iter().position(|p| *p == name) {
            if values[i].replace(value).is_some() {
                return Err("reason.repeated_parameter");
            }
        }
    }
    let [redirect_uri, state, code_challenge, method] = values;
    let Some(redirect_uri) = redirect_uri else {
        return if state.is_some() || code_challenge.is_some() || method.is_some() { Err("reason.no_redirect_uri") } else { Ok(None) };
    };
    check_hand_off(&app.redirect_uris, &redirect_uri, state.as_deref(), code_challenge.as_deref(), method.as_deref()).map(Some).map_err(|e| match e {
        HandOffError::RedirectUriNotAllowed => "reason.redirect_uri_not_allowed",
        HandOffError::ChallengeMethodUnsupported => "reason.challenge_method",
        HandOffError::ChallengeMalformed => "reason.challenge_malformed",
        HandOffError::StateTooLong => "reason.state_too_long",
    })
}

/// An HTML page: never cached, never framed, only our own script and style (and the logo of `app`).
fn html(status: u16, body: &str, app: Option<&PageApp>) -> ApiResult<Response> {
    let mut resp = Response::from_html(body).map_err(|_| ApiError::internal())?.with_status(status);
    let headers = resp.headers_mut();
    let csp = content_security_policy(app);
    let set = [
        ("Content-Security-Policy", csp.as_str()),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ];
    for (name, value) in set {
        headers.set(name, value).map_err(|_| ApiError::internal())?;
    }
    Ok(resp)
}
