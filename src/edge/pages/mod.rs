//! `GET /sign-in` and `GET /account` (their script and style sheet are static assets): the hosted
//! pages of the application found by Host, `X-Authaz-App` or the `app` query parameter. The HTML
//! is rendered by `crate::hosted_pages`; this module picks the application, checks a sign-in
//! link's hand-off parameters and writes the responses with their security headers.

use std::rc::Rc;

use worker::{Env, Request, Response};

use crate::contract::error::{ApiError, ErrorCode};
use crate::edge::i18n::{self, Audience};
use crate::edge::platform::http::ApiResult;
use crate::edge::platform::request_url;
use crate::edge::tenancy::app_lookup;
use crate::hosted_pages::{self, content_security_policy, Page, PageApp, Words};
use crate::i18n::{Catalogue, Locale};
use crate::tenancy::application::Application;
use crate::tenancy::branding::Branding;
use crate::tokens::hand_off::{check_hand_off, HandOff, HandOffError};

/// The hand-off parameters a sign-in link may carry.
const HAND_OFF_PARAMS: [&str; 4] = ["redirect_uri", "state", "code_challenge", "code_challenge_method"];

/// `GET /sign-in`.
pub async fn sign_in(req: &Request, env: &Env) -> ApiResult<Response> {
    let app = match find_app(req, env).await? {
        Ok(app) => app,
        Err(problem) => return Ok(problem),
    };
    let (locale, catalogue) = words(req, env).await?;
    let words = Words { locale, catalogue: &catalogue };
    let branding = &app.branding;
    let page_app = page_app(&app, branding);
    let problem_page =
        |status: u16, problem: &str| html(status, &hosted_pages::render(Page::SignIn, Some(&page_app), None, Some(problem), words), Some(&page_app));
    if !app.passkey.enabled {
        return problem_page(403, &catalogue.fill("problem.passkey_off", &[("app", &app.name)]));
    }
    let hand_off = match hand_off(req, &app) {
        Ok(hand_off) => hand_off,
        Err(reason) => return problem_page(400, &catalogue.fill("problem.bad_link", &[("reason", catalogue.text(reason)), ("app", &app.name)])),
    };
    html(200, &hosted_pages::render(Page::SignIn, Some(&page_app), hand_off.as_ref(), None, words), Some(&page_app))
}

/// `GET /account`.
pub async fn account(req: &Request, env: &Env) -> ApiResult<Response> {
    let app = match find_app(req, env).await? {
        Ok(app) => app,
        Err(problem) => return Ok(problem),
    };
    let (locale, catalogue) = words(req, env).await?;
    let page_app = page_app(&app, &app.branding);
    html(200, &hosted_pages::render(Page::Account, Some(&page_app), None, None, Words { locale, catalogue: &catalogue }), Some(&page_app))
}

/// The sign-in page as the UI of an OpenID Connect authorization request (`edge::oidc`), which
/// `handle` names: after sign-in the page asks for the code at `POST /oidc/authorize/complete`.
/// Its language is the request's `ui_locales` (OpenID Connect Core 3.1.2.1), else the browser's.
pub async fn oidc_sign_in(req: &Request, env: &Env, app: &Application, handle: &str) -> ApiResult<Response> {
    let (locale, catalogue) = words(req, env).await?;
    let page_app = page_app(app, &app.branding);
    html(200, &hosted_pages::render_for_authorization(&page_app, handle, Words { locale, catalogue: &catalogue }), Some(&page_app))
}

/// The sign-in page showing only the problem `key` of the pages' catalogue, filled with
/// `values` (an authorization or sign-out request that cannot be answered).
pub async fn problem(req: &Request, env: &Env, app: Option<&Application>, status: u16, key: &str, values: &[(&str, &str)]) -> ApiResult<Response> {
    let (locale, catalogue) = words(req, env).await?;
    let page_app = app.map(|a| page_app(a, &a.branding));
    let text = catalogue.fill(key, values);
    html(
        status,
        &hosted_pages::render(Page::SignIn, page_app.as_ref(), None, Some(&text), Words { locale, catalogue: &catalogue }),
        page_app.as_ref(),
    )
}

/// The sign-in page of `app` refusing a link: the problem `key` of the pages' catalogue with its
/// `{reason}` (a `reason.` key) and `{app}` filled in.
pub async fn refused(req: &Request, env: &Env, app: &Application, key: &str, reason: &str) -> ApiResult<Response> {
    let (_, catalogue) = words(req, env).await?;
    problem(req, env, Some(app), 400, key, &[("reason", catalogue.text(reason)), ("app", &app.name)]).await
}

/// The language the request asks for and the pages' catalogue in it.
async fn words(req: &Request, env: &Env) -> ApiResult<(Locale, Rc<Catalogue>)> {
    let locale = i18n::of_request(req);
    Ok((locale, i18n::catalogue(env, Audience::Pages, locale).await?))
}

/// The page's application, or the page that says there is none here.
async fn find_app(req: &Request, env: &Env) -> ApiResult<Result<Application, Response>> {
    match app_lookup::for_page(req, env).await {
        Ok(app) => Ok(Ok(app)),
        Err(err) if err.code == ErrorCode::AppNotFound => Ok(Err(problem(req, env, None, 404, "problem.no_app", &[]).await?)),
        Err(err) => Err(err),
    }
}

fn page_app<'a>(app: &'a Application, branding: &'a Branding) -> PageApp<'a> {
    PageApp { id: &app.id, name: &app.name, rp_id: &app.rp_id, direct_signup: app.passkey.direct_signup, branding }
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
