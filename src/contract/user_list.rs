//! The query of the admin user list (`GET /api/v1/applications/{appId}/users`): the email filter
//! (exact, or a prefix with a trailing `*`), the page size and the opaque keyset cursor, which
//! names the last user of the previous page by its place in the list's order, `(createdAt, id)`.

use crate::contract::error::ApiError;
use crate::webauthn::base64url;

/// Users per page when `limit` is left out.
pub const DEFAULT_LIMIT: u32 = 50;
/// The largest `limit`.
pub const MAX_LIMIT: u32 = 200;
/// Longest `email` parameter, in bytes.
const MAX_EMAIL_LEN: usize = 320;
/// Longest cursor accepted (ours are far shorter).
const MAX_CURSOR_LEN: usize = 200;

/// Which emails the list keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailFilter {
    /// This email (lowercased).
    Exact(String),
    /// Emails starting with this (lowercased, not empty).
    Prefix(String),
}

/// Where a page starts: after the user created at `created_at` with id `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After {
    pub created_at: i64,
    pub id: String,
}

/// A checked list query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub email: Option<EmailFilter>,
    pub after: Option<After>,
    pub limit: u32,
}

/// Reads the query's `email`, `cursor` and `limit` (other parameters are ignored; an empty
/// `email` or `cursor` counts as left out). A bad value is `400 invalid_request`.
pub fn parse(pairs: &[(String, String)]) -> Result<ListQuery, ApiError> {
    let mut query = ListQuery { email: None, after: None, limit: DEFAULT_LIMIT };
    for (name, value) in pairs {
        match name.as_str() {
            "email" if !value.trim().is_empty() => query.email = Some(email_filter(value)?),
            "cursor" if !value.is_empty() => query.after = Some(decode_cursor(value)?),
            "limit" => {
                query.limit = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| ApiError::invalid_request(format!("`limit` must be a whole number from 1 to {MAX_LIMIT}")))?
            }
            _ => {}
        }
    }
    Ok(query)
}

fn email_filter(raw: &str) -> Result<EmailFilter, ApiError> {
    let email = raw.trim().to_lowercase();
    if email.len() > MAX_EMAIL_LEN || email.chars().any(char::is_control) {
        return Err(ApiError::invalid_request(format!("`email` must be at most {MAX_EMAIL_LEN} bytes without control characters")));
    }
    match email.strip_suffix('*') {
        Some("") => Err(ApiError::invalid_request("`email` as a prefix (`ali*`) needs at least one character before the `*`")),
        Some(prefix) => Ok(EmailFilter::Prefix(prefix.to_owned())),
        None => Ok(EmailFilter::Exact(email)),
    }
}

/// The cursor after the user created at `created_at` with id `id`.
pub fn encode_cursor(created_at: i64, id: &str) -> String {
    base64url::encode(format!("{created_at}:{id}").as_bytes())
}

fn decode_cursor(cursor: &str) -> Result<After, ApiError> {
    let bad = || ApiError::invalid_request("`cursor` is not a cursor this list answered (`nextCursor`)");
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(bad());
    }
    let bytes = base64url::decode(cursor, MAX_CURSOR_LEN, "cursor").map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let (created_at, id) = text.split_once(':').ok_or_else(bad)?;
    let created_at = created_at.parse().map_err(|_| bad())?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return Err(bad());
    }
    Ok(After { created_at, id: id.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Result<ListQuery, ApiError> {
        parse(&pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>())
    }

    #[test]
    fn defaults_when_nothing_is_given() {
        assert_eq!(query(&[]).unwrap(), ListQuery { email: None, after: None, limit: DEFAULT_LIMIT });
        assert_eq!(query(&[("email", " "), ("cursor", ""), ("other", "x")]).unwrap().email, None);
    }

    #[test]
    fn exact_and_prefix_email_filters_are_lowercased() {
        assert_eq!(query(&[("email", " Ada@Example.com ")]).unwrap().email, Some(EmailFilter::Exact("ada@example.com".into())));
        assert_eq!(query(&[("email", "ALI*")]).unwrap().email, Some(EmailFilter::Prefix("ali".into())));
        // Only a trailing star makes a prefix; LIKE's wildcards are plain characters.
        assert_eq!(query(&[("email", "a%_*b")]).unwrap().email, Some(EmailFilter::Exact("a%_*b".into())));
        assert_eq!(query(&[("email", "a%_*")]).unwrap().email, Some(EmailFilter::Prefix("a%_".into())));
        assert!(query(&[("email", "*")]).is_err());
        assert!(query(&[("email", "a\u{7}b")]).is_err());
        assert!(query(&[("email", &"a".repeat(321))]).is_err());
    }

    #[test]
    fn limit_is_a_whole_number_from_1_to_200() {
        assert_eq!(query(&[("limit", "1")]).unwrap().limit, 1);
        assert_eq!(query(&[("limit", "200")]).unwrap().limit, 200);
        for bad in ["0", "201", "-1", "", "ten", "1.5", " 5"] {
            let err = query(&[("limit", bad)]).unwrap_err();
            assert_eq!(err.code.as_str(), "invalid_request", "{bad}");
        }
    }

    #[test]
    fn cursors_round_trip_and_forged_ones_are_refused() {
        let cursor = encode_cursor(1_700_000_000_123, "usr_abc-DEF");
        assert_eq!(query(&[("cursor", &cursor)]).unwrap().after, Some(After { created_at: 1_700_000_000_123, id: "usr_abc-DEF".into() }));
        let forged = |text: &str| base64url::encode(text.as_bytes());
        for bad in ["!!!".to_owned(), forged("123"), forged("x:usr_1"), forged("1:"), forged("1:usr 1"), forged("1:a'--"), "A".repeat(201)] {
            assert!(query(&[("cursor", &bad)]).is_err(), "{bad}");
        }
    }
}
