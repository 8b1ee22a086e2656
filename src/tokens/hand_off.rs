//! The hosted sign-in page's hand-off to an application: the parameters of a sign-in link
//! (`redirect_uri`, `state`, PKCE `code_challenge`), the redirect that carries the one-time
//! authorization code, and the PKCE check (RFC 7636, method S256) when the code is exchanged.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sha2::{Digest, Sha256};

use crate::tokens::secrets::constant_time_eq;

/// How long an authorization code can be exchanged.
pub const CODE_TTL_MS: i64 = 60_000;
/// `state` is the application's own value, echoed back; this bounds what we store and echo.
pub const MAX_STATE_LEN: usize = 1024;
/// The only PKCE method accepted ("plain" would send the secret itself through the browser).
pub const CHALLENGE_METHOD_S256: &str = "S256";
/// base64url of a SHA-256 digest, without padding.
const CHALLENGE_LEN: usize = 43;
const VERIFIER_MIN_LEN: usize = 43;
const VERIFIER_MAX_LEN: usize = 128;

/// A checked sign-in link: where to return, what to echo, and the PKCE challenge if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandOff {
    pub redirect_uri: String,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
}

/// Why the parameters of a sign-in link were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOffError {
    RedirectUriNotAllowed,
    ChallengeMethodUnsupported,
    ChallengeMalformed,
    StateTooLong,
}

impl HandOffError {
    /// A sentence for the person looking at the sign-in page and for the API's error message.
    pub fn message(self) -> &'static str {
        match self {
            Self::RedirectUriNotAllowed => "the return address (redirect_uri) is not registered for this application",
            Self::ChallengeMethodUnsupported => "code_challenge_method must be S256 and needs a code_challenge",
            Self::ChallengeMalformed => "code_challenge must be the base64url SHA-256 of the code verifier (43 characters)",
            Self::StateTooLong => "state is longer than 1024 characters",
        }
    }
}

/// Checks the hand-off parameters against the application's registered `redirectUris`
/// (compared exactly). An empty `state` counts as absent.
pub fn check_hand_off(
    allowed_redirect_uris: &[String],
    redirect_uri: &str,
    state: Option<&str>,
    code_challenge: Option<&str>,
    code_challenge_method: Option<&str>,
) -> Result<HandOff, HandOffError> {
    if !allowed_redirect_uris.iter().any(|allowed| allowed == redirect_uri) {
        return Err(HandOffError::RedirectUriNotAllowed);
    }
    let state = state.filter(|s| !s.is_empty());
    if state.is_some_and(|s| s.len() > MAX_STATE_LEN) {
        return Err(HandOffError::StateTooLong);
    }
    let code_challenge = code_challenge.filter(|c| !c.is_empty());
    let method = code_challenge_method.filter(|m| !m.is_empty());
    match (code_challenge, method) {
        (None, None) => {}
        (Some(_), Some(CHALLENGE_METHOD_S256)) => {}
        _ => return Err(HandOffError::ChallengeMethodUnsupported),
    }
    if code_challenge.is_some_and(|c| !challenge_well_formed(c)) {
        return Err(HandOffError::ChallengeMalformed);
    }
    Ok(HandOff { redirect_uri: redirect_uri.to_owned(), state: state.map(str::to_owned), code_challenge: code_challenge.map(str::to_owned) })
}

/// The address the browser is sent to: `redirect_uri` with `code` and `state` added to its
/// query (before any fragment), both percent-encoded.
pub fn redirect_target(redirect_uri: &str, code: &str, state: Option<&str>) -> String {
    let mut params = vec![("code", code)];
    if let Some(state) = state {
        params.push(("state", state));
    }
    with_query(redirect_uri, &params)
}

/// `uri` with `params` added to its query, before any fragment, each value percent-encoded: the
/// one way redirects to an application's URIs are written (hand-off and OpenID Connect).
pub fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    let (base, fragment) = match uri.find('#') {
        Some(i) => uri.split_at(i),
        None => (uri, ""),
    };
    let mut out = base.to_owned();
    let mut separator = match base.find('?') {
        None => Some('?'),
        Some(i) if i + 1 == base.len() || base.ends_with('&') => None,
        Some(_) => Some('&'),
    };
    for (name, value) in params {
        if let Some(separator) = separator {
            out.push(separator);
        }
        separator = Some('&');
        out.push_str(name);
        out.push('=');
        out.push_str(&percent_encode(value));
    }
    out.push_str(fragment);
    out
}

/// Whether `challenge` has the shape of an S256 PKCE challenge: 43 base64url characters.
pub fn challenge_well_formed(challenge: &str) -> bool {
    challenge.len() == CHALLENGE_LEN && is_base64url(challenge)
}

/// Whether `verifier` is a well-formed PKCE code verifier whose S256 transform is `challenge`.
pub fn verifier_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (VERIFIER_MIN_LEN..=VERIFIER_MAX_LEN).contains(&verifier.len()) && verifier.bytes().all(is_unreserved);
    if !well_formed {
        return false;
    }
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    constant_time_eq(computed.as_bytes(), challenge.as_bytes())
}

fn is_base64url(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// RFC 3986 unreserved characters: the only ones left as they are in a query value.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

fn percent_encode(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if is_unreserved(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0x0f) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<String> {
        vec!["https://app.example/callback".to_owned(), "http://localhost:3000/cb?x=1".to_owned()]
    }

    // RFC 7636, appendix B.
    const RFC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const RFC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn only_registered_redirect_uris_pass_exactly() {
        let ok = check_hand_off(&allowed(), "https://app.example/callback", Some("s1"), None, None).unwrap();
        assert_eq!(ok.redirect_uri, "https://app.example/callback");
        assert_eq!(ok.state.as_deref(), Some("s1"));
        for bad in
            ["https://app.example/callback/", "https://app.example/Callback", "https://app.example/callback?x", "https://evil.example/callback", ""]
        {
            assert_eq!(check_hand_off(&allowed(), bad, None, None, None), Err(HandOffError::RedirectUriNotAllowed), "{bad}");
        }
        assert_eq!(check_hand_off(&[], "https://app.example/callback", None, None, None), Err(HandOffError::RedirectUriNotAllowed));
    }

    #[test]
    fn pkce_needs_s256_and_a_well_formed_challenge() {
        let uri = "https://app.example/callback";
        let ok = check_hand_off(&allowed(), uri, None, Some(RFC_CHALLENGE), Some("S256")).unwrap();
        assert_eq!(ok.code_challenge.as_deref(), Some(RFC_CHALLENGE));
        assert_eq!(check_hand_off(&allowed(), uri, None, Some(RFC_CHALLENGE), Some("plain")), Err(HandOffError::ChallengeMethodUnsupported));
        assert_eq!(check_hand_off(&allowed(), uri, None, Some(RFC_CHALLENGE), None), Err(HandOffError::ChallengeMethodUnsupported));
        assert_eq!(check_hand_off(&allowed(), uri, None, None, Some("S256")), Err(HandOffError::ChallengeMethodUnsupported));
        assert_eq!(check_hand_off(&allowed(), uri, None, Some("short"), Some("S256")), Err(HandOffError::ChallengeMalformed));
        let padded = format!("{}=", &RFC_CHALLENGE[..42]);
        assert_eq!(check_hand_off(&allowed(), uri, None, Some(&padded), Some("S256")), Err(HandOffError::ChallengeMalformed));
    }

    #[test]
    fn empty_values_count_as_absent_and_long_state_is_refused() {
        let uri = "https://app.example/callback";
        let ok = check_hand_off(&allowed(), uri, Some(""), Some(""), Some("")).unwrap();
        assert_eq!((ok.state, ok.code_challenge), (None, None));
        let long = "s".repeat(MAX_STATE_LEN + 1);
        assert_eq!(check_hand_off(&allowed(), uri, Some(&long), None, None), Err(HandOffError::StateTooLong));
        assert!(check_hand_off(&allowed(), uri, Some(&long[1..]), None, None).is_ok());
    }

    #[test]
    fn redirect_target_adds_code_and_encoded_state() {
        assert_eq!(
            redirect_target("https://app.example/callback", "K1", Some("a b&c=d/é")),
            "https://app.example/callback?code=K1&state=a%20b%26c%3Dd%2F%C3%A9"
        );
        assert_eq!(redirect_target("https://app.example/cb?x=1", "K1", None), "https://app.example/cb?x=1&code=K1");
        assert_eq!(redirect_target("https://app.example/cb?", "K1", None), "https://app.example/cb?code=K1");
        assert_eq!(redirect_target("https://app.example/cb#top", "K1", Some("s")), "https://app.example/cb?code=K1&state=s#top");
    }

    #[test]
    fn verifier_matches_the_rfc_example_only() {
        assert!(verifier_matches(RFC_VERIFIER, RFC_CHALLENGE));
        assert!(!verifier_matches(RFC_VERIFIER, &RFC_CHALLENGE.replace('E', "F")));
        assert!(!verifier_matches(&RFC_VERIFIER.replace('d', "e"), RFC_CHALLENGE));
        assert!(!verifier_matches("too-short", RFC_CHALLENGE));
        assert!(!verifier_matches(&"a".repeat(129), RFC_CHALLENGE));
        assert!(!verifier_matches(&format!("{} ", &RFC_VERIFIER[..42]), RFC_CHALLENGE));
        assert!(!verifier_matches("", ""));
    }
}
