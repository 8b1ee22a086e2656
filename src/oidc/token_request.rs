//! The token request (RFC 6749 3.2, 4.1.3, 6): who the client is (`client_secret_basic`,
//! `client_secret_post` or `none` with PKCE) and which grant it asks for. The form is parsed by
//! the Worker glue; this checks its fields.

use base64::{engine::general_purpose::STANDARD, Engine};

use crate::oidc::client::ClientType;
use crate::oidc::error::{OAuthError, OAuthErrorCode};

/// Values longer than this cannot be ours and are not even hashed.
const MAX_VALUE_LEN: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// `Authorization: Basic` with the client id and secret.
    Basic,
    /// `client_id` and `client_secret` in the form.
    Post,
    /// `client_id` only: a public client.
    None,
}

/// The client's credentials as presented (checked against the stored client by the glue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCredentials {
    pub client_id: String,
    pub secret: Option<String>,
    pub method: AuthMethod,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    AuthorizationCode { code: String, redirect_uri: Option<String>, code_verifier: Option<String> },
    RefreshToken { refresh_token: String },
}

/// The single value of `name` in the form; repeated parameters are refused (RFC 6749 3.2).
pub fn form_value<'a>(form: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, OAuthError> {
    let mut values = form.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let first = values.next();
    if values.next().is_some() {
        return Err(OAuthError::invalid_request(format!("the parameter {name} is repeated")));
    }
    if first.is_some_and(|v| v.len() > MAX_VALUE_LEN) {
        return Err(OAuthError::invalid_request(format!("the parameter {name} is too long")));
    }
    Ok(first.filter(|v| !v.is_empty()))
}

/// The client's credentials from the `Authorization` header and the form. Using two methods at
/// once is refused (RFC 6749 2.3).
pub fn client_credentials(authorization: Option<&str>, form: &[(String, String)]) -> Result<ClientCredentials, OAuthError> {
    let form_id = form_value(form, "client_id")?;
    let form_secret = form_value(form, "client_secret")?;
    if let Some(header) = authorization.map(str::trim).filter(|h| !h.is_empty()) {
        let (scheme, value) = header.split_once(' ').unwrap_or((header, ""));
        if !scheme.eq_ignore_ascii_case("basic") {
            return Err(OAuthError::invalid_client("only the Basic scheme authenticates clients here"));
        }
        if form_secret.is_some() {
            return Err(OAuthError::invalid_request("send the client secret once: in the Authorization header or in the form"));
        }
        let (id, secret) = decode_basic(value.trim()).ok_or_else(|| OAuthError::invalid_client("malformed Basic credentials"))?;
        if form_id.is_some_and(|form_id| form_id != id) {
            return Err(OAuthError::invalid_request("client_id differs from the Authorization header's"));
        }
        return Ok(ClientCredentials { client_id: id, secret: Some(secret), method: AuthMethod::Basic });
    }
    let client_id = form_id.ok_or_else(|| OAuthError::invalid_client("the client is not authenticated: send client_id (and its secret)"))?;
    Ok(match form_secret {
        Some(secret) => ClientCredentials { client_id: client_id.to_owned(), secret: Some(secret.to_owned()), method: AuthMethod::Post },
        None => ClientCredentials { client_id: client_id.to_owned(), secret: None, method: AuthMethod::None },
    })
}

/// Whether a client of `client_type` may authenticate with `method`: confidential clients with
/// their secret (basic or post), public clients with none.
pub fn method_allowed(client_type: ClientType, method: AuthMethod) -> Result<(), OAuthError> {
    match (client_type, method) {
        (ClientType::Confidential, AuthMethod::Basic | AuthMethod::Post) | (ClientType::Public, AuthMethod::None) => Ok(()),
        (ClientType::Confidential, AuthMethod::None) => Err(OAuthError::invalid_client("this confidential client must authenticate with its secret")),
        (ClientType::Public, _) => Err(OAuthError::invalid_client("this public client has no secret: authenticate with client_id only, and PKCE")),
    }
}

/// The grant the form asks for.
pub fn grant(form: &[(String, String)]) -> Result<Grant, OAuthError> {
    let owned = |name: &str| form_value(form, name).map(|v| v.map(str::to_owned));
    match form_value(form, "grant_type")? {
        Some("authorization_code") => Ok(Grant::AuthorizationCode {
            code: owned("code")?.ok_or_else(|| OAuthError::invalid_request("code is missing"))?,
            redirect_uri: owned("redirect_uri")?,
            code_verifier: owned("code_verifier")?,
        }),
        Some("refresh_token") => {
            Ok(Grant::RefreshToken { refresh_token: owned("refresh_token")?.ok_or_else(|| OAuthError::invalid_request("refresh_token is missing"))? })
        }
        Some(_) => Err(OAuthError::new(OAuthErrorCode::UnsupportedGrantType, "grant_type must be authorization_code or refresh_token")),
        None => Err(OAuthError::invalid_request("grant_type is missing")),
    }
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))` decoded (RFC 6749 2.3.1).
fn decode_basic(value: &str) -> Option<(String, String)> {
    if value.len() > MAX_VALUE_LEN {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(value).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let (id, secret) = (form_decode(id)?, form_decode(secret)?);
    (!id.is_empty() && !secret.is_empty()).then_some((id, secret))
}

/// `application/x-www-form-urlencoded` decoding of one value: `+` is a space, `%XX` a byte.
fn form_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn basic(id: &str, secret: &str) -> String {
        format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
    }

    #[test]
    fn the_three_methods() {
        let c = client_credentials(Some(&basic("cli_1", "cs_a%2Bb")), &form(&[])).unwrap();
        assert_eq!((c.client_id.as_str(), c.secret.as_deref(), c.method), ("cli_1", Some("cs_a+b"), AuthMethod::Basic));
        let c = client_credentials(None, &form(&[("client_id", "cli_1"), ("client_secret", "s")])).unwrap();
        assert_eq!(c.method, AuthMethod::Post);
        let c = client_credentials(None, &form(&[("client_id", "cli_1")])).unwrap();
        assert_eq!((c.secret, c.method), (None, AuthMethod::None));
    }

    #[test]
    fn bad_credentials_are_refused() {
        assert_eq!(client_credentials(None, &form(&[])).unwrap_err().code, OAuthErrorCode::InvalidClient);
        assert_eq!(client_credentials(Some("Bearer x"), &form(&[])).unwrap_err().code, OAuthErrorCode::InvalidClient);
        assert_eq!(client_credentials(Some("Basic !!!"), &form(&[])).unwrap_err().code, OAuthErrorCode::InvalidClient);
        assert_eq!(client_credentials(Some(&basic("cli_1", "")), &form(&[])).unwrap_err().code, OAuthErrorCode::InvalidClient);
        assert_eq!(client_credentials(Some(&basic("cli_1", "%zz")), &form(&[])).unwrap_err().code, OAuthErrorCode::InvalidClient);
        let both = form(&[("client_secret", "s")]);
        assert_eq!(client_credentials(Some(&basic("cli_1", "s")), &both).unwrap_err().code, OAuthErrorCode::InvalidRequest);
        let other = form(&[("client_id", "cli_2")]);
        assert_eq!(client_credentials(Some(&basic("cli_1", "s")), &other).unwrap_err().code, OAuthErrorCode::InvalidRequest);
        let twice = form(&[("client_id", "a"), ("client_id", "a")]);
        assert_eq!(client_credentials(None, &twice).unwrap_err().code, OAuthErrorCode::InvalidRequest);
    }

    #[test]
    fn methods_per_client_type() {
        assert!(method_allowed(ClientType::Confidential, AuthMethod::Basic).is_ok());
        assert!(method_allowed(ClientType::Confidential, AuthMethod::Post).is_ok());
        assert!(method_allowed(ClientType::Confidential, AuthMethod::None).is_err());
        assert!(method_allowed(ClientType::Public, AuthMethod::None).is_ok());
        assert!(method_allowed(ClientType::Public, AuthMethod::Post).is_err());
    }

    #[test]
    fn grants() {
        let g =
            grant(&form(&[("grant_type", "authorization_code"), ("code", "oc_1"), ("redirect_uri", "https://a.example/cb"), ("code_verifier", "v")]))
                .unwrap();
        assert_eq!(
            g,
            Grant::AuthorizationCode { code: "oc_1".into(), redirect_uri: Some("https://a.example/cb".into()), code_verifier: Some("v".into()) }
        );
        assert_eq!(
            grant(&form(&[("grant_type", "refresh_token"), ("refresh_token", "rt_1")])).unwrap(),
            Grant::RefreshToken { refresh_token: "rt_1".into() }
        );
        assert_eq!(grant(&form(&[("grant_type", "password")])).unwrap_err().code, OAuthErrorCode::UnsupportedGrantType);
        assert_eq!(grant(&form(&[("grant_type", "authorization_code")])).unwrap_err().code, OAuthErrorCode::InvalidRequest);
        assert_eq!(grant(&form(&[])).unwrap_err().code, OAuthErrorCode::InvalidRequest);
        let long = "c".repeat(MAX_VALUE_LEN + 1);
        assert_eq!(grant(&form(&[("grant_type", "authorization_code"), ("code", &long)])).unwrap_err().code, OAuthErrorCode::InvalidRequest);
    }
}
