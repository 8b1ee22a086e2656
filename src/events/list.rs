//! The query of `GET /api/v1/applications/{appId}/events` (docs/API.md, "Audit events"): its
//! filters (`user`, `type`, `since`), its page size (`limit`) and its opaque keyset cursor.
//! Events are listed newest first; a cursor names the last event of a page (its time and id),
//! and the next page starts right after it.

use crate::contract::error::ApiError;
use crate::contract::time_format::parse_rfc3339;
use crate::events::EventType;
use crate::webauthn::base64url;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;
/// Longest `user` id and cursor looked at (ids are ~30 characters).
const MAX_PARAM_LEN: usize = 128;

/// Where a page starts: after the event at `at_ms` with id `id` (newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub at_ms: i64,
    pub id: String,
}

impl Cursor {
    /// The opaque form: base64url of `<at>.<id>`.
    pub fn encode(&self) -> String {
        base64url::encode(format!("{}.{}", self.at_ms, self.id).as_bytes())
    }

    pub fn decode(text: &str) -> Option<Self> {
        let bytes = base64url::decode(text, MAX_PARAM_LEN, "cursor").ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (at, id) = text.split_once('.')?;
        let id_ok = id.starts_with("evt_") && id.len() <= 64 && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
        // A time D1 can bind (JavaScript's safe integers), else no cursor of ours.
        let at_ms: i64 = at.parse().ok().filter(|at| (0..=(1i64 << 53) - 1).contains(at))?;
        Some(Self { at_ms, id: id.to_owned() }).filter(|_| id_ok)
    }
}

/// The `cursor` of a keyset list (this one, the webhook delivery log): `400` when it is not one
/// of ours.
pub fn cursor_param(key: &str, value: &str) -> Result<Cursor, ApiError> {
    Cursor::decode(value).ok_or_else(|| ApiError::invalid_request(format!("`{key}` is not a cursor of this list (use nextCursor as given)")))
}

/// The `limit` of a keyset list: 1 to 200, else `400`.
pub fn limit_param(key: &str, value: &str) -> Result<u32, ApiError> {
    let limit = value.parse().ok().filter(|n| (1..=MAX_LIMIT).contains(n));
    limit.ok_or_else(|| ApiError::invalid_request(format!("`{key}` must be a whole number from 1 to {MAX_LIMIT}")))
}

/// A validated events query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    pub user_id: Option<String>,
    pub kind: Option<EventType>,
    /// Only events at or after this time (unix milliseconds).
    pub since_ms: Option<i64>,
    pub cursor: Option<Cursor>,
    pub limit: u32,
}

impl EventQuery {
    /// From the URL's query pairs; an unknown parameter, an unknown type, a bad time, cursor or
    /// limit answers 400 `invalid_request` naming it. An empty value counts as left out.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, ApiError> {
        let mut query = Self { user_id: None, kind: None, since_ms: None, cursor: None, limit: DEFAULT_LIMIT };
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let bad = |what: &str| ApiError::invalid_request(format!("`{key}` {what}"));
            match key.as_str() {
                "user" if value.len() <= MAX_PARAM_LEN => query.user_id = Some(value.to_owned()),
                "user" => return Err(bad("is not a user id")),
                "type" => query.kind = Some(EventType::parse(value).ok_or_else(|| bad("is not an event type (docs/API.md, \"Audit events\")"))?),
                "since" => query.since_ms = Some(parse_rfc3339(value).ok_or_else(|| bad("must be an RFC 3339 time, e.g. 2026-01-31T00:00:00Z"))?),
                "cursor" => query.cursor = Some(cursor_param(key, value)?),
                "limit" => query.limit = limit_param(key, value)?,
                _ => {
                    return Err(ApiError::invalid_request(format!(
                        "unknown query parameter `{key}`; the parameters are user, type, since, cursor, limit"
                    )))
                }
            }
        }
        Ok(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Result<EventQuery, String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        EventQuery::from_pairs(&pairs).map_err(|e| e.message)
    }

    #[test]
    fn defaults_and_filters() {
        let d = q(&[]).unwrap();
        assert_eq!((d.limit, d.user_id, d.kind, d.since_ms, d.cursor), (50, None, None, None, None));
        let f = q(&[("user", "usr_1"), ("type", "passkey.added"), ("since", "1970-01-01T00:00:01Z"), ("limit", "200")]).unwrap();
        assert_eq!(f.user_id.as_deref(), Some("usr_1"));
        assert_eq!(f.kind, Some(EventType::PasskeyAdded));
        assert_eq!(f.since_ms, Some(1000));
        assert_eq!(f.limit, 200);
        assert_eq!(q(&[("type", "")]).unwrap().kind, None);
    }

    #[test]
    fn bad_values_name_the_parameter() {
        assert!(q(&[("type", "passkey.exploded")]).unwrap_err().contains("`type`"));
        assert!(q(&[("since", "yesterday")]).unwrap_err().contains("`since`"));
        for limit in ["0", "201", "-1", "ten", "1.5"] {
            assert!(q(&[("limit", limit)]).unwrap_err().contains("`limit`"), "{limit}");
        }
        assert!(q(&[("cursor", "not a cursor")]).unwrap_err().contains("`cursor`"));
        assert!(q(&[("cursor", &base64url::encode(b"12.usr_1"))]).unwrap_err().contains("`cursor`"));
        assert!(q(&[("user", &"u".repeat(129))]).unwrap_err().contains("`user`"));
        assert!(q(&[("page", "2")]).unwrap_err().contains("unknown query parameter `page`"));
    }

    #[test]
    fn cursor_round_trips() {
        let c = Cursor { at_ms: 1_700_000_000_123, id: "evt_AbC-_1".into() };
        assert_eq!(Cursor::decode(&c.encode()), Some(c.clone()));
        assert_eq!(q(&[("cursor", &c.encode())]).unwrap().cursor, Some(c));
        assert_eq!(Cursor::decode(&base64url::encode(b"x.evt_1")), None);
        assert_eq!(Cursor::decode(&base64url::encode(b"99999999999999999.evt_1")), None);
        assert_eq!(Cursor::decode(&base64url::encode(b"-1.evt_1")), None);
    }
}
