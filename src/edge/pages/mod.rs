//! `GET /sign-in` and `GET /account` (their script and style sheet are static assets): the hosted
//! pages of the application found by Host, `X-Authaz-App` or the `app` query parameter. The HTML
//! is rendered by `crate::hosted_pages`; this module picks the application, checks a sign-in
//! link's hand-off parameters and writes the responses with their security headers.

use worker::{Env, Request, Response};

use crate::contract::error::{ApiError, ErrorCode};
use crate::edge::platform::http::ApiResult;
use crate::edge::platform::request_url;
use crate::edge::tenancy::app_lookup;
use crate::hosted_pages::{self, Page, PageApp, CONTENT_SECURITY_POLICY};
use crate::tenancy::application::Application;
use crate::tokens::hand_off::{check_hand_off, HandOff};

/// The hand-off parameters a sign-in link may carry.
const HAND_OFF_PARAMS: [&str; 4] = ["redirect_uri", "state", "code_challenge", "code_challenge_method"];

/// `GET /sign-in`.
pub async fn sign_in(req: &Request, env: &Env) -> ApiResult<Response> {
    let app = match find_app(req, env).await? {
        Ok(app) => app,
        Err(problem) => return Ok(problem),
    };
    let problem_page = |status: u16, problem: &str| html(status, &hosted_pages::render(Page::SignIn, Some(&page_app(&app)), None, Some(problem)));
    if !app.passkey.enabled {
        return problem_page(403, &format!("Passkey sign-in is not turned on for {} yet.", app.name));
    }
    let hand_off = match hand_off(req, &app) {
        Ok(hand_off) => hand_off,
        Err(message) => {
            return problem_page(400, &format!("This sign-in link cannot be used: {message}. Please go back to {} and try again.", app.name))
        }
    };
    html(200, &hosted_pages::render(Page::SignIn, Some(&page_app(&app)), hand_off.as_ref(), None))
}

/// `GET /account`.
pub async fn account(req: &Request, env: &Env) -> ApiResult<Response> {
    match find_app(req, env).await? {
        Ok(app) => html(200, &hosted_pages::render(Page::Account, Some(&page_app(&app)), None, None)),
        Err(problem) => Ok(problem),
    }
}

/// The sign-in page as the UI of an OpenID Connect authorization request (`edge::oidc`), which
/// `handle` names: after sign-in the page asks for the code at `POST /oidc/authorize/complete`.
pub fn oidc_sign_in(app: &Application, handle: &str) -> ApiResult<Response> {
    html(200, &hosted_pages::render_for_authorization(&page_app(app), handle))
}

/// The sign-in page showing only `problem` (an authorization request that cannot be answered).
pub fn problem(app: Option<&Application>, status: u16, problem: &str) -> ApiResult<Response> {
    let app = app.map(page_app);
    html(status, &hosted_pages::render(Page::SignIn, app.as_ref(), None, Some(problem)))
}

/// The page's application, or the page that says there is none here.
async fn find_app(req: &Request, env: &Env) -> ApiResult<Result<Application, Response>> {
    match app_lookup::for_page(req, env).await {
        Ok(app) => Ok(Ok(app)),
        Err(err) if err.code == ErrorCode::AppNotFound => {
            let problem = "No application is set up at this address. Check the link you followed.";
            Ok(Err(html(404, &hosted_pages::render(Page::SignIn, None, None, Some(problem)))?))
        }
        Err(err) => Err(err),
    }
}

fn page_app(app: &Application) -> PageApp<'_> {
    PageApp { id: &app.id, name: &app.name, rp_id: &app.rp_id, direct_signup: app.passkey.direct_signup }
}

/// The checked hand-off of a sign-in link, `None` without `redirect_uri`, or why it is refused.
fn hand_off(req: &Request, app: &Application) -> Result<Option<HandOff>, &'static str> {
    let mut values: [Option<String>; 4] = Default::default();
    for (name, value) in request_url::query_pairs(req) {
        if let Some(i) = HAND_OFF_PARAMS.iter().position(|p| *p == name) {
            if values[i].replace(value).is_some() {
                return Err("it repeats a parameter");
            }
        }
    }
    let [redirect_uri, state, code_challenge, method] = values;
    let Some(redirect_uri) = redirect_uri else {
        return if state.is_some() || code_challenge.is_some() || method.is_some() {
            Err("it has no return address (redirect_uri)")
        } else {
            Ok(None)
        };
    };
    check_hand_off(&app.redirect_uris, &redirect_uri, state.as_deref(), code_challenge.as_deref(), method.as_deref())
        .map(Some)
        .map_err(|e| e.message())
}

/// An HTML page: never cached, never framed, only our own script and style.
fn html(status: u16, body: &str) -> ApiResult<Response> {
    let mut resp = Response::from_html(body).map_err(|_| ApiError::internal())?.with_status(status);
    let headers = resp.headers_mut();
    let set = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
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
