//! A webhook endpoint's settings as the admin API takes them (docs/API.md, "Webhooks"): the
//! URL deliveries are POSTed to (https; http to localhost or a loopback address only, for local
//! development), the event types it receives (`null`: every type), a description and whether it
//! is enabled. The create and patch bodies are checked strictly: an unknown field, a bad URL or an
//! unknown event type answers `400 invalid_request`.

use serde_json::Value;

use crate::contract::error::ApiError;
use crate::contract::json_fields::{bool_field, list_field, missing, object, refuse_unknown, str_field, FieldResult, Fields};
use crate::events::EventType;
use crate::tenancy::web_address::redirect_uri;

pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// Endpoints an application may have.
pub const MAX_ENDPOINTS_PER_APP: i64 = 20;

/// A delivery URL: an absolute `https://` URL (`http://` to localhost or a loopback address),
/// without user name, password or fragment, at most 2048 characters; kept exactly as given.
pub fn webhook_url(url: &str) -> Result<(), String> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if !lower.starts_with("https://") && !lower.starts_with("http://") {
        return Err("must be an https:// URL (http:// for localhost only)".into());
    }
    redirect_uri(url).map_err(|why| why.replace("redirect URI", "webhook URL"))
}

fn event_types_field(fields: &Fields) -> FieldResult<Option<Option<Vec<String>>>> {
    if matches!(fields.get("eventTypes"), Some(Value::Null)) {
        return Ok(Some(None));
    }
    let check = |t: &str| EventType::parse(t).map(|t| t.as_str().to_owned()).ok_or_else(|| "is not an event type".to_owned());
    let list = list_field(fields, "eventTypes", EventType::ALL.len(), check)?;
    if list.as_ref().is_some_and(Vec::is_empty) {
        return Err(ApiError::invalid_request("`eventTypes` lists at least one type (null: every type)"));
    }
    Ok(list.map(Some))
}

fn url_field(fields: &Fields) -> FieldResult<Option<String>> {
    let Some(url) = str_field(fields, "url")? else { return Ok(None) };
    webhook_url(url).map_err(|why| ApiError::invalid_request(format!("`url` {why}")))?;
    Ok(Some(url.to_owned()))
}

fn description_field(fields: &Fields) -> FieldResult<Option<String>> {
    let Some(text) = str_field(fields, "description")? else { return Ok(None) };
    if text.chars().count() > MAX_DESCRIPTION_CHARS || text.chars().any(char::is_control) {
        return Err(ApiError::invalid_request(format!("`description` is at most {MAX_DESCRIPTION_CHARS} characters, without control characters")));
    }
    Ok(Some(text.trim().to_owned()))
}

/// What a create or patch body sets; `None`: left out. `event_types: Some(None)` is every type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointFields {
    pub url: Option<String>,
    pub event_types: Option<Option<Vec<String>>>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

impl EndpointFields {
    /// `POST .../webhooks`: `url` required; `eventTypes`, `description`, `enabled` optional.
    pub fn create(body: &Value) -> FieldResult<Self> {
        let fields = Self::parse(body)?;
        if fields.url.is_none() {
            return Err(missing("url"));
        }
        Ok(fields)
    }

    /// `PATCH .../webhooks/{id}`: any of the fields, at least one.
    pub fn patch(body: &Value) -> FieldResult<Self> {
        let fields = Self::parse(body)?;
        if fields == Self::default() {
            return Err(ApiError::invalid_request("give at least one of url, eventTypes, description, enabled"));
        }
        Ok(fields)
    }

    fn parse(body: &Value) -> FieldResult<Self> {
        let fields = object(body)?;
        refuse_unknown(fields, &["url", "eventTypes", "description", "enabled"], |_| None)?;
        Ok(Self {
            url: url_field(fields)?,
            event_types: event_types_field(fields)?,
            description: description_field(fields)?,
            enabled: bool_field(fields, "enabled")?,
        })
    }

    /// The event filter as stored: a JSON array of types, or `None` for every type.
    pub fn event_types_json(types: &Option<Vec<String>>) -> Option<String> {
        types.as_ref().and_then(|t| serde_json::to_string(t).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn takes_https_urls_and_http_to_loopback_only() {
        for ok in [
            "https://hooks.example.com/authaz",
            "https://example.com:8443/a?b=c",
            "http://localhost:9000/h",
            "http://127.0.0.1:4000/",
            "http://[::1]/x",
        ] {
            assert_eq!(webhook_url(ok), Ok(()), "{ok}");
        }
        for bad in [
            "http://example.com/h",
            "ftp://example.com/",
            "com.example.app:/cb",
            "https://user:pw@example.com/",
            "https://example.com/#frag",
            "https://10.0.0.1/",
            "https://exa mple.com/",
            "example.com/hook",
            "",
        ] {
            assert!(webhook_url(bad).is_err(), "{bad}");
        }
        assert!(webhook_url(&format!("https://example.com/{}", "a".repeat(2100))).is_err());
    }

    #[test]
    fn create_needs_a_url_and_checks_every_field() {
        let made =
            EndpointFields::create(&json!({"url": "https://h.example.com/x", "eventTypes": ["login.succeeded", "login.succeeded", "user.created"]}))
                .unwrap();
        assert_eq!(made.event_types, Some(Some(vec!["login.succeeded".to_owned(), "user.created".to_owned()])));
        assert_eq!(EndpointFields::create(&json!({"url": "https://h.example.com/x", "eventTypes": null})).unwrap().event_types, Some(None));
        for bad in [
            json!({}),
            json!({"url": 5}),
            json!({"url": "https://h.example.com", "eventTypes": []}),
            json!({"url": "https://h.example.com", "eventTypes": ["nope"]}),
            json!({"url": "https://h.example.com", "eventTypes": "login.succeeded"}),
            json!({"url": "https://h.example.com", "enabled": "yes"}),
            json!({"url": "https://h.example.com", "description": "x".repeat(201)}),
            json!({"url": "https://h.example.com", "secret": "mine"}),
            json!([]),
        ] {
            assert!(EndpointFields::create(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_patch_changes_something() {
        assert!(EndpointFields::patch(&json!({})).is_err());
        assert_eq!(EndpointFields::patch(&json!({"enabled": false})).unwrap().enabled, Some(false));
        assert_eq!(EndpointFields::event_types_json(&Some(vec!["a".into()])).as_deref(), Some(r#"["a"]"#));
        assert_eq!(EndpointFields::event_types_json(&None), None);
    }
}
