//! The authorization request (OIDC Core 3.1.2.1, RFC 6749 4.1.1, RFC 7636): its checks in the
//! order RFC 6749 4.1.2.1 asks for. While the client or its redirect URI is not established the
//! request is refused on a page and never redirected; after that every error goes back to the
//! redirect URI as `error=...` with the client's `state` (and `iss`, RFC 9207).

use crate::oidc::client::{ClientType, OAuthClient};
use crate::oidc::error::{OAuthError, OAuthErrorCode};
pub use crate::tokens::hand_off::with_query;
use crate::tokens::hand_off::{challenge_well_formed, CHALLENGE_METHOD_S256};

/// `state` and `nonce` are the client's values, echoed back; this bounds what we store.
pub const MAX_ECHOED_LEN: usize = 1024;
/// The scopes the provider knows; others are ignored (RFC 6749 3.3 lets the server narrow them).
pub const SUPPORTED_SCOPES: &[&str] = &["openid", "email", "profile"];

/// Why an authorization request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The client or the redirect URI is unknown or missing: shown on a page, never redirected.
    Page(String),
    /// Sent back to the (checked) redirect URI.
    Redirect { redirect_uri: String, error: OAuthError, state: Option<String> },
}

/// A checked authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeRequest {
    pub client_id: String,
    pub redirect_uri: String,
    /// The granted scopes, space separated, `openid` first.
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    /// `prompt=login`: a sign-in that happened before this request does not count.
    pub force_login: bool,
    /// `max_age` in seconds.
    pub max_age: Option<u64>,
}

/// The single value of `name`, or why there is none to use (repeated parameters are refused,
/// RFC 6749 3.1). Empty values count as absent.
fn single<'a>(pairs: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, String> {
    let mut values = pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let first = values.next();
    if values.next().is_some() {
        return Err(format!("the parameter {name} is repeated"));
    }
    Ok(first.filter(|v| !v.is_empty()))
}

/// The `client_id` of the request, to look the client up; else the page's message.
pub fn client_id(pairs: &[(String, String)]) -> Result<String, Refusal> {
    match single(pairs, "client_id").map_err(Refusal::Page)? {
        Some(id) if id.len() <= 64 => Ok(id.to_owned()),
        Some(_) => Err(Refusal::Page("the client_id is not one of this application's clients".into())),
        None => Err(Refusal::Page("the request has no client_id".into())),
    }
}

/// Checks the request of `client` (found by [`client_id`]; `None` when there is no such client).
pub fn check(pairs: &[(String, String)], client: Option<&OAuthClient>) -> Result<AuthorizeRequest, Refusal> {
    let client = client.ok_or_else(|| Refusal::Page("the client_id is not one of this application's clients".into()))?;
    let redirect_uri = match single(pairs, "redirect_uri").map_err(Refusal::Page)? {
        Some(uri) if client.redirect_uris.iter().any(|allowed| allowed == uri) => uri.to_owned(),
        Some(_) => return Err(Refusal::Page("the redirect_uri is not registered for this client".into())),
        None => return Err(Refusal::Page("the request has no redirect_uri".into())),
    };
    // From here on errors go back to the client. Its state is echoed when it is usable.
    let state = single(pairs, "state").ok().flatten().filter(|s| s.len() <= MAX_ECHOED_LEN).map(str::to_owned);
    let refuse = |code: OAuthErrorCode, description: &str| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        error: OAuthError::new(code, description),
        state: state.clone(),
    };
    let value = |name: &str| single(pairs, name).map_err(|why| refuse(OAuthErrorCode::InvalidRequest, &why));
    use OAuthErrorCode::*;

    if single(pairs, "state").map_err(|why| refuse(InvalidRequest, &why))?.is_some_and(|s| s.len() > MAX_ECHOED_LEN) {
        return Err(refuse(InvalidRequest, "state is longer than 1024 characters"));
    }
    if value("request")?.is_some() {
        return Err(refuse(InvalidRequest, "request objects are not supported (request_not_supported)"));
    }
    if value("request_uri")?.is_some() {
        return Err(refuse(InvalidRequest, "request_uri is not supported (request_uri_not_supported)"));
    }
    match value("response_type")? {
        Some("code") => {}
        Some(_) => return Err(refuse(UnsupportedResponseType, "only response_type=code is supported")),
        None => return Err(refuse(InvalidRequest, "response_type is missing")),
    }
    match value("response_mode")? {
        None | Some("query") => {}
        Some(_) => return Err(refuse(InvalidRequest, "only response_mode=query is supported")),
    }
    let requested = value("scope")?.unwrap_or_default();
    let requested: Vec<&str> = requested.split(' ').filter(|s| !s.is_empty()).collect();
    if !requested.contains(&"openid") {
        return Err(refuse(InvalidScope, "scope must include openid"));
    }
    let scope: Vec<&str> = SUPPORTED_SCOPES.iter().copied().filter(|s| requested.contains(s)).collect();
    let nonce = value("nonce")?;
    if nonce.is_some_and(|n| n.len() > MAX_ECHOED_LEN) {
        return Err(refuse(InvalidRequest, "nonce is longer than 1024 characters"));
    }
    let code_challenge = value("code_challenge")?;
    match (code_challenge, value("code_challenge_method")?) {
        (None, None) if client.client_type == ClientType::Public => {
            return Err(refuse(InvalidRequest, "a public client must use PKCE: send code_challenge with code_challenge_method=S256"))
        }
        (None, None) => {}
        (Some(c), Some(CHALLENGE_METHOD_S256)) if challenge_well_formed(c) => {}
        (Some(_), Some(CHALLENGE_METHOD_S256)) => {
            return Err(refuse(InvalidRequest, "code_challenge must be the base64url SHA-256 of the code verifier (43 characters)"))
        }
        (None, Some(_)) => return Err(refuse(InvalidRequest, "code_challenge_method needs a code_challenge")),
        (Some(_), _) => return Err(refuse(InvalidRequest, "code_challenge_method must be S256 (plain is not supported)")),
    }
    let max_age = match value("max_age")? {
        None => None,
        Some(v) => Some(
            v.parse::<u64>()
                .ok()
                .filter(|_| v.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| refuse(InvalidRequest, "max_age must be a number of seconds"))?,
        ),
    };
    let prompt: Vec<&str> = value("prompt")?.unwrap_or_default().split(' ').filter(|s| !s.is_empty()).collect();
    if let Some(unknown) = prompt.iter().find(|p| !["none", "login", "consent", "select_account"].contains(p)) {
        return Err(refuse(InvalidRequest, &format!("unknown prompt value {}", unknown.chars().take(40).collect::<String>())));
    }
    if prompt.contains(&"none") {
        if prompt.len() > 1 {
            return Err(refuse(InvalidRequest, "prompt=none cannot be combined with other values"));
        }
        // The provider keeps no sign-in of its own between requests (no cookies): every
        // authorization needs the person, which prompt=none forbids.
        return Err(refuse(LoginRequired, "the person must sign in; prompt=none cannot be answered without a sign-in"));
    }
    Ok(AuthorizeRequest {
        client_id: client.id.clone(),
        redirect_uri,
        scope: scope.join(" "),
        state,
        nonce: nonce.map(str::to_owned),
        code_challenge: code_challenge.map(str::to_owned),
        force_login: prompt.contains(&"login"),
        max_age,
    })
}

/// Whether a sign-in at `auth_time_ms` satisfies a request made at `requested_at_ms`, now. A
/// sign-in made after the request satisfies `prompt=login` and any `max_age` (0 included: it is
/// the fresh authentication the client asked for); an older one must be within `max_age`.
pub fn sign_in_counts(request: &AuthorizeRequest, requested_at_ms: i64, auth_time_ms: i64, now_ms: i64) -> bool {
    if auth_time_ms >= requested_at_ms {
        return true;
    }
    if request.force_login {
        return false;
    }
    match request.max_age {
        Some(max_age) => now_ms.saturating_sub(auth_time_ms) <= i64::try_from(max_age.saturating_mul(1000)).unwrap_or(i64::MAX),
        None => true,
    }
}

/// Where a refused request is sent: the redirect URI with `error`, `error_description`, `state`, `iss`.
pub fn error_redirect(redirect_uri: &str, error: &OAuthError, state: Option<&str>, issuer: &str) -> String {
    let mut params = vec![("error", error.code.as_str()), ("error_description", error.description.as_str())];
    if let Some(state) = state {
        params.push(("state", state));
    }
    params.push(("iss", issuer));
    with_query(redirect_uri, &params)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    const CB: &str = "https://app.example/cb";

    fn client(client_type: ClientType) -> OAuthClient {
        OAuthClient {
            id: "cli_1".into(),
            app_id: "app_1".into(),
            name: "Web".into(),
            client_type,
            redirect_uris: vec![CB.into()],
            post_logout_redirect_uris: vec![],
            secret_prefix: None,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn good() -> Vec<(&'static str, &'static str)> {
        vec![
            ("client_id", "cli_1"),
            ("redirect_uri", CB),
            ("response_type", "code"),
            ("scope", "openid email offline_access"),
            ("state", "s1"),
            ("nonce", "n1"),
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
        ]
    }

    fn with(name: &str, value: &str) -> Vec<(String, String)> {
        let mut list: Vec<(String, String)> = pairs(&good()).into_iter().filter(|(k, _)| k != name).collect();
        list.push((name.into(), value.into()));
        list
    }

    fn redirect_error(result: Result<AuthorizeRequest, Refusal>) -> (OAuthErrorCode, Option<String>) {
        match result {
            Err(Refusal::Redirect { error, state, redirect_uri }) => {
                assert_eq!(redirect_uri, CB);
                (error.code, state)
            }
            other => panic!("expected a redirect error, got {other:?}"),
        }
    }

    #[test]
    fn a_good_request_passes() {
        let r = check(&pairs(&good()), Some(&client(ClientType::Public))).unwrap();
        assert_eq!((r.scope.as_str(), r.state.as_deref(), r.nonce.as_deref()), ("openid email", Some("s1"), Some("n1")));
        assert_eq!(r.code_challenge.as_deref(), Some(CHALLENGE));
        assert!(!r.force_login && r.max_age.is_none());
        assert_eq!(client_id(&pairs(&good())).unwrap(), "cli_1");
    }

    #[test]
    fn unknown_client_or_redirect_uri_never_redirects() {
        assert!(matches!(check(&pairs(&good()), None), Err(Refusal::Page(_))));
        assert!(matches!(client_id(&pairs(&[("redirect_uri", CB)])), Err(Refusal::Page(_))));
        assert!(matches!(client_id(&pairs(&[("client_id", "a"), ("client_id", "b")])), Err(Refusal::Page(_))));
        for uri in ["https://app.example/cb/", "https://evil.example/cb", ""] {
            assert!(matches!(check(&with("redirect_uri", uri), Some(&client(ClientType::Public))), Err(Refusal::Page(_))), "{uri}");
        }
        let mut twice = pairs(&good());
        twice.push(("redirect_uri".into(), CB.into()));
        assert!(matches!(check(&twice, Some(&client(ClientType::Public))), Err(Refusal::Page(_))));
    }

    #[test]
    fn other_errors_go_back_with_state() {
        let public = client(ClientType::Public);
        use OAuthErrorCode::*;
        assert_eq!(redirect_error(check(&with("response_type", "token"), Some(&public))), (UnsupportedResponseType, Some("s1".into())));
        assert_eq!(redirect_error(check(&with("response_type", ""), Some(&public))).0, InvalidRequest);
        assert_eq!(redirect_error(check(&with("scope", "email"), Some(&public))).0, InvalidScope);
        assert_eq!(redirect_error(check(&with("code_challenge_method", "plain"), Some(&public))).0, InvalidRequest);
        assert_eq!(redirect_error(check(&with("code_challenge", "short"), Some(&public))).0, InvalidRequest);
        assert_eq!(redirect_error(check(&with("max_age", "-1"), Some(&public))).0, InvalidRequest);
        assert_eq!(redirect_error(check(&with("prompt", "none"), Some(&public))).0, LoginRequired);
        assert_eq!(redirect_error(check(&with("prompt", "none login"), Some(&public))).0, InvalidRequest);
        assert_eq!(redirect_error(check(&with("request", "eyJ"), Some(&public))).0, InvalidRequest);
        assert_eq!(redirect_error(check(&with("response_mode", "fragment"), Some(&public))).0, InvalidRequest);
        let long = "n".repeat(MAX_ECHOED_LEN + 1);
        assert_eq!(redirect_error(check(&with("nonce", &long), Some(&public))).0, InvalidRequest);
        assert_eq!(redirect_error(check(&with("state", &long), Some(&public))), (InvalidRequest, None));
    }

    #[test]
    fn pkce_is_required_of_public_clients_only() {
        let without: Vec<(String, String)> = pairs(&good()).into_iter().filter(|(k, _)| !k.starts_with("code_challenge")).collect();
        assert_eq!(redirect_error(check(&without, Some(&client(ClientType::Public)))).0, OAuthErrorCode::InvalidRequest);
        let r = check(&without, Some(&client(ClientType::Confidential))).unwrap();
        assert_eq!(r.code_challenge, None);
    }

    #[test]
    fn prompt_login_and_max_age() {
        let mut r = check(&with("prompt", "login consent"), Some(&client(ClientType::Public))).unwrap();
        assert!(r.force_login);
        assert!(!sign_in_counts(&r, 1_000, 999, 2_000));
        assert!(sign_in_counts(&r, 1_000, 1_000, 2_000));
        r.force_login = false;
        r.max_age = Some(60);
        assert!(sign_in_counts(&r, 20_000, 10_000, 70_000));
        assert!(!sign_in_counts(&r, 20_000, 10_000, 70_001));
        // A sign-in after the request is fresh enough for any max_age, 0 included.
        r.max_age = Some(0);
        assert!(sign_in_counts(&r, 1_000, 1_500, 9_000));
        assert!(!sign_in_counts(&r, 1_000, 999, 1_000));
        r.max_age = Some(u64::MAX);
        assert!(sign_in_counts(&r, 1, 0, i64::MAX));
    }

    #[test]
    fn redirects_encode_their_parameters() {
        assert_eq!(with_query("https://a.example/cb", &[("code", "K"), ("state", "a b&")]), "https://a.example/cb?code=K&state=a%20b%26");
        assert_eq!(with_query("https://a.example/cb?x=1", &[("code", "K")]), "https://a.example/cb?x=1&code=K");
        assert_eq!(with_query("https://a.example/cb?", &[("code", "K")]), "https://a.example/cb?code=K");
        let e = OAuthError::new(OAuthErrorCode::LoginRequired, "sign in");
        assert_eq!(
            error_redirect(CB, &e, Some("s"), "https://id.example"),
            "https://app.example/cb?error=login_required&error_description=sign%20in&state=s&iss=https%3A%2F%2Fid.example"
        );
    }
}
