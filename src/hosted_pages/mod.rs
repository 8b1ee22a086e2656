//! The hosted pages every application gets: `/sign-in` and `/account`. Plain HTML rendered from
//! the templates in `assets/` with the application's values filled in (HTML-escaped), and the
//! strict Content-Security-Policy the Worker sends with them. Their two small scripts and one
//! style sheet are static assets under content-hashed paths (named by build.rs, served by
//! Cloudflare from wrangler.toml's `[assets]` without running the Worker). Pure: the Worker glue
//! in `edge::pages` finds the application and writes the HTTP responses.

use crate::i18n::{Catalogue, Locale};
use crate::mail::html::escape;
use crate::tenancy::branding::{logo_origin, Branding};
use crate::tokens::hand_off::HandOff;

const SIGN_IN_HTML: &str = include_str!("assets/sign_in.html");
const ACCOUNT_HTML: &str = include_str!("assets/account.html");
const RECOVERY_CODES_HTML: &str = include_str!("assets/recovery_codes.html");

/// Where the script and the style sheet are served (see build.rs).
pub const COMMON_SCRIPT_PATH: &str = env!("AUTHAZ_COMMON_JS_PATH");
pub const SCRIPT_PATH: &str = env!("AUTHAZ_APP_JS_PATH");
pub const STYLE_PATH: &str = env!("AUTHAZ_STYLE_CSS_PATH");

/// Sent with every page: nothing but our own script and style sheet (and images from the
/// application's logo origin, see `content_security_policy`), requests only to ourselves, never
/// framed, forms only to ourselves.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// The policy of a page of `app`: `CONTENT_SECURITY_POLICY` with exactly the origin of its logo
/// (if any) added to `img-src`.
pub fn content_security_policy(app: Option<&PageApp>) -> String {
    match app.and_then(|a| a.branding.logo_url.as_deref()).and_then(logo_origin) {
        Some(origin) => CONTENT_SECURITY_POLICY.replacen("img-src 'self' data:", &format!("img-src 'self' data: {origin}"), 1),
        None => CONTENT_SECURITY_POLICY.to_owned(),
    }
}

/// Which page to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    SignIn,
    Account,
}

/// What a page needs to know about its application.
#[derive(Debug, Clone, Copy)]
pub struct PageApp<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// The WebAuthn RP ID (the hosted pages' WebAuthn Signal API calls name it).
    pub rp_id: &'a str,
    pub direct_signup: bool,
    pub branding: &'a Branding,
}

/// The language a page is written in and its words (`crate::i18n`).
#[derive(Clone, Copy)]
pub struct Words<'a> {
    pub locale: Locale,
    pub catalogue: &'a Catalogue,
}

/// The page's HTML. `hand_off` is a checked sign-in link (sign-in page only); `problem`, when
/// given, is shown instead of the page's forms (no application here, a refused return address,
/// passkeys turned off).
pub fn render(page: Page, app: Option<&PageApp>, hand_off: Option<&HandOff>, problem: Option<&str>, words: Words) -> String {
    render_page(page, app, hand_off, problem, None, words)
}

/// The sign-in page as the UI of an OpenID Connect authorization request named by `handle`.
pub fn render_for_authorization(app: &PageApp, handle: &str, words: Words) -> String {
    render_page(Page::SignIn, Some(app), None, None, Some(handle), words)
}

fn render_page(
    page: Page,
    app: Option<&PageApp>,
    hand_off: Option<&HandOff>,
    problem: Option<&str>,
    authorization: Option<&str>,
    words: Words,
) -> String {
    let template = match page {
        Page::SignIn => SIGN_IN_HTML,
        Page::Account => ACCOUNT_HTML,
    };
    let hidden = |yes: bool| if yes { "hidden" } else { "" };
    let branding = app.map(|a| a.branding);
    let value = |name: &str| match name {
        "app_id" => escape(app.map_or("", |a| a.id)),
        "app_name" => escape(app.map_or("Authaz", |a| a.name)),
        "rp_id" => escape(app.map_or("", |a| a.rp_id)),
        "direct_signup" => app.is_some_and(|a| a.direct_signup).to_string(),
        "redirect_uri" => escape(hand_off.map_or("", |h| h.redirect_uri.as_str())),
        "state" => escape(hand_off.and_then(|h| h.state.as_deref()).unwrap_or("")),
        "code_challenge" => escape(hand_off.and_then(|h| h.code_challenge.as_deref()).unwrap_or("")),
        "oidc_request" => escape(authorization.unwrap_or("")),
        "problem" => escape(problem.unwrap_or("")),
        "problem_hidden" => hidden(problem.is_none()).to_owned(),
        "main_hidden" => hidden(problem.is_some()).to_owned(),
        "common_src" => COMMON_SCRIPT_PATH.to_owned(),
        "script_src" => SCRIPT_PATH.to_owned(),
        "style_href" => STYLE_PATH.to_owned(),
        "lang" => words.locale.tag().to_owned(),
        // The catalogue for the scripts, as JSON that no `</script>` can end early (`replacen`:
        // the same code as the policy's, where `replace` would be one more copy in the wasm).
        "strings" => {
            format!(
                "<script type=\"application/json\" id=\"authaz-strings\">{}</script>",
                words.catalogue.source.trim().replacen("<", "\\u003c", usize::MAX)
            )
        }
        "primary_color" => escape(branding.and_then(|b| b.primary_color.as_deref()).unwrap_or("")),
        "logo" => match (app, branding.and_then(|b| b.logo_url.as_deref())) {
            (Some(app), Some(url)) => format!("<img class=\"logo\" src=\"{}\" alt=\"{}\">", escape(url), escape(app.name)),
            _ => String::new(),
        },
        "support" => match branding.and_then(|b| b.support_url.as_deref()) {
            Some(url) => {
                format!("<p class=\"support\"><a href=\"{}\" rel=\"noopener\">{}</a></p>", escape(url), escape(words.catalogue.text("support.link")))
            }
            None => String::new(),
        },
        _ => match name.strip_prefix("t:") {
            Some(key) => escape(words.catalogue.text(key)),
            None => String::new(),
        },
    };
    let panel = fill(RECOVERY_CODES_HTML, value);
    fill(template, |name| if name == "recovery_codes_panel" { panel.clone() } else { value(name) })
}

/// Replaces every `{{name}}` in one pass, so filled-in values are never read as placeholders.
fn fill(template: &str, value: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len() + 256);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else { break };
        out.push_str(&rest[..start]);
        out.push_str(&value(&rest[start + 2..start + 2 + len]));
        rest = &rest[start + 2 + len + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    static NO_BRANDING: Branding = Branding { logo_url: None, primary_color: None, support_url: None };

    fn app() -> PageApp<'static> {
        PageApp { id: "app_1", name: "Acme <Shop> & \"Co\"", rp_id: "example.com", direct_signup: true, branding: &NO_BRANDING }
    }

    fn catalogue(locale: Locale) -> Catalogue {
        let path = format!("{}/src/i18n/catalogues/pages/{}.json", env!("CARGO_MANIFEST_DIR"), locale.tag());
        Catalogue::parse(std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn english() -> Catalogue {
        catalogue(Locale::En)
    }

    fn en(c: &Catalogue) -> Words<'_> {
        Words { locale: Locale::En, catalogue: c }
    }

    #[test]
    fn assets_are_named_by_their_content_hash() {
        use sha2::{Digest, Sha256};
        let named = |stem: &str, ext: &str, body: &str| {
            let hash = crate::tokens::secrets::hex(&Sha256::digest(body.as_bytes()));
            format!("/pages/{stem}.{}.{ext}", &hash[..16])
        };
        assert_eq!(COMMON_SCRIPT_PATH, named("common", "js", include_str!("assets/common.js")));
        assert_eq!(SCRIPT_PATH, named("app", "js", include_str!("assets/app.js")));
        assert_eq!(STYLE_PATH, named("style", "css", include_str!("assets/style.css")));
    }

    #[test]
    fn every_placeholder_is_filled_and_values_are_escaped() {
        let c = english();
        let hand_off = HandOff {
            redirect_uri: "https://app.example/cb?a=1&b=\"2\"".to_owned(),
            state: Some("<script>alert(1)</script>".to_owned()),
            code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".to_owned()),
        };
        for page in [Page::SignIn, Page::Account] {
            let html = render(page, Some(&app()), Some(&hand_off), None, en(&c));
            assert!(!html.contains("{{") && !html.contains("}}"), "{page:?}");
            assert!(html.contains("Acme &lt;Shop&gt; &amp; &quot;Co&quot;"));
            assert!(!html.contains("<Shop>"));
            assert!(html.contains(&format!("<script src=\"{}\" defer></script>", SCRIPT_PATH)));
            assert!(html.contains(&format!("<link rel=\"stylesheet\" href=\"{}\">", STYLE_PATH)));
            assert!(html.contains("data-app-id=\"app_1\""));
        }
        let html = render(Page::SignIn, Some(&app()), Some(&hand_off), None, en(&c));
        assert!(html.contains("data-redirect-uri=\"https://app.example/cb?a=1&amp;b=&quot;2&quot;\""));
        assert!(html.contains("data-state=\"&lt;script&gt;alert(1)&lt;/script&gt;\""));
        assert!(html.contains("data-direct-signup=\"true\""));
        let html = render_for_authorization(&app(), "oar_<1>", en(&c));
        assert!(html.contains("data-oidc-request=\"oar_&lt;1&gt;\"") && !html.contains("{{"));
        assert!(render(Page::SignIn, Some(&app()), None, None, en(&c)).contains("data-oidc-request=\"\""));
    }

    /// In every language: `<html lang>`, no placeholder left, no key shown instead of its text,
    /// every text of the templates from that language's catalogue.
    #[test]
    fn every_language_fills_every_text() {
        let english = english();
        for locale in Locale::ALL {
            let c = catalogue(locale);
            let words = Words { locale, catalogue: &c };
            for page in [Page::SignIn, Page::Account] {
                let html = render(page, Some(&app()), None, None, words);
                assert!(html.contains(&format!("<html lang=\"{}\">", locale.tag())), "{locale:?} {page:?}");
                assert!(!html.contains("{{") && !html.contains("}}"), "{locale:?} {page:?}");
                let template = [SIGN_IN_HTML, ACCOUNT_HTML, RECOVERY_CODES_HTML].concat();
                let body = html.split("</script>\n</head>").nth(1).unwrap();
                let body = body.split("id=\"authaz-strings\">").next().unwrap().to_owned() + body.split("}</script>").nth(1).unwrap_or("");
                for key in template.split("{{t:").skip(1).filter_map(|s| s.split_once("}}").map(|(k, _)| k)) {
                    assert_ne!(c.text(key), key, "{locale:?}: {key} missing");
                    assert!(!body.contains(&format!(">{key}<")) && !body.contains(&format!("\"{key}\"")), "{locale:?}: {key} echoed");
                    if locale != Locale::En && english.text(key) != c.text(key) {
                        assert!(!body.contains(&format!(">{}<", escape(english.text(key)))), "{locale:?}: English {key}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_catalogue_is_embedded_as_inert_json() {
        let c = Catalogue::parse(r#"{"x": "</script><script>alert(1)</script>"}"#.to_owned()).unwrap();
        let html = render(Page::SignIn, Some(&app()), None, None, en(&c));
        assert!(html
            .contains(r#"<script type="application/json" id="authaz-strings">{"x": "\u003c/script>\u003cscript>alert(1)\u003c/script>"}</script>"#));
        assert_eq!(html.matches("</script>").count(), 3);
    }

    #[test]
    fn branding_shows_logo_colour_and_support_link_and_the_csp_allows_only_the_logo_origin() {
        let c = english();
        let branding = Branding {
            logo_url: Some("https://CDN.example.net:8443/logo.png?a=1&b=2".into()),
            primary_color: Some("#ff8800".into()),
            support_url: Some("mailto:help@example.com".into()),
        };
        let branded = PageApp { branding: &branding, ..app() };
        for page in [Page::SignIn, Page::Account] {
            let html = render(page, Some(&branded), None, None, en(&c));
            assert!(
                html.contains(
                    r#"<img class="logo" src="https://CDN.example.net:8443/logo.png?a=1&amp;b=2" alt="Acme &lt;Shop&gt; &amp; &quot;Co&quot;">"#
                ),
                "{page:?}"
            );
            assert!(html.contains(r##"data-primary-color="#ff8800""##), "{page:?}");
            assert!(html.contains(r#"<p class="support"><a href="mailto:help@example.com" rel="noopener">Need help?</a></p>"#), "{page:?}");
        }
        assert_eq!(
            content_security_policy(Some(&branded)),
            CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", "img-src 'self' data: https://cdn.example.net:8443")
        );
        assert_eq!(content_security_policy(Some(&app())), CONTENT_SECURITY_POLICY);
        assert_eq!(content_security_policy(None), CONTENT_SECURITY_POLICY);
        let html = render(Page::SignIn, Some(&app()), None, None, en(&c));
        assert!(!html.contains("class=\"logo\"") && !html.contains("class=\"support\"") && html.contains("data-primary-color=\"\""));
    }

    #[test]
    fn pages_hold_no_inline_script_or_style() {
        let c = english();
        for page in [Page::SignIn, Page::Account] {
            let html = render(page, Some(&app()), None, None, en(&c));
            assert_eq!(html.matches("<script").count(), 3, "{page:?}");
            assert_eq!(html.matches("<script src=\"/pages/").count(), 2, "{page:?}: only the two static scripts");
            assert_eq!(html.matches("<script type=\"application/json\"").count(), 1, "{page:?}: and the data block");
            assert!(!html.contains("<style") && !html.contains(" style="), "{page:?}");
            assert!(!has_event_handler_attribute(&html), "{page:?}");
        }
    }

    /// ` onclick=`, ` onload=`, ...: inline handlers, which the CSP would block anyway.
    fn has_event_handler_attribute(html: &str) -> bool {
        let html = html.split("id=\"authaz-strings\">").next().unwrap_or(html).to_owned() + html.split("}</script>").nth(1).unwrap_or("");
        html.match_indices(" on").any(|(i, _)| {
            let rest = &html[i + 3..];
            let letters = rest.bytes().take_while(u8::is_ascii_lowercase).count();
            letters > 0 && rest[letters..].starts_with('=')
        })
    }

    #[test]
    fn a_problem_replaces_the_forms() {
        let c = english();
        let html = render(Page::SignIn, None, None, Some("No application <here>"), en(&c));
        assert!(html.contains("No application &lt;here&gt;"));
        assert!(html.contains("id=\"page-problem\" role=\"alert\" >"));
        assert!(html.contains("id=\"page-main\" hidden>"));
        let html = render(Page::SignIn, Some(&app()), None, None, en(&c));
        assert!(html.contains("id=\"page-problem\" role=\"alert\" hidden>"));
        assert!(html.contains("id=\"page-main\" >"));
    }

    #[test]
    fn fill_is_single_pass_and_tolerates_unclosed_braces() {
        assert_eq!(fill("a {{x}} b {{y", |n| format!("[{{{{{n}}}}}]")), "a [{{x}}] b {{y");
    }
}
