//! OAuth clients of an application (`/api/v1/applications/{appId}/clients`): their JSON shape,
//! the strict checks of the create and patch bodies, and which token endpoint authentication
//! each type uses. A confidential client holds a secret (shown once, stored as a keyed hash);
//! a public client (a browser or native app) holds none and must use PKCE.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::contract::error::ApiError;
use crate::contract::time_format::rfc3339_utc;
use crate::tenancy::web_address::redirect_uri;

const MAX_NAME_CHARS: usize = 100;
const MAX_URIS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientType {
    Confidential,
    Public,
}

impl ClientType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confidential => "confidential",
            Self::Public => "public",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "confidential" => Some(Self::Confidential),
            "public" => Some(Self::Public),
            _ => None,
        }
    }
}

/// A client as stored and shown (never its secret; `secret_prefix` tells secrets apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    pub id: String,
    pub app_id: String,
    pub name: String,
    pub client_type: ClientType,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub secret_prefix: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Serialize for OAuthClient {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct View<'a> {
            id: &'a str,
            application_id: &'a str,
            name: &'a str,
            #[serde(rename = "type")]
            client_type: &'a str,
            redirect_uris: &'a [String],
            post_logout_redirect_uris: &'a [String],
            token_endpoint_auth_methods: &'a [&'a str],
            secret_prefix: Option<&'a str>,
            created_at: String,
            updated_at: String,
        }
        View {
            id: &self.id,
            application_id: &self.app_id,
            name: &self.name,
            client_type: self.client_type.as_str(),
            redirect_uris: &self.redirect_uris,
            post_logout_redirect_uris: &self.post_logout_redirect_uris,
            token_endpoint_auth_methods: auth_methods(self.client_type),
            secret_prefix: self.secret_prefix.as_deref(),
            created_at: rfc3339_utc(self.created_at),
            updated_at: rfc3339_utc(self.updated_at),
        }
        .serialize(serializer)
    }
}

/// How a client of `client_type` authenticates at the token endpoint.
pub fn auth_methods(client_type: ClientType) -> &'static [&'static str] {
    match client_type {
        ClientType::Confidential => &["client_secret_basic", "client_secret_post"],
        ClientType::Public => &["none"],
    }
}

/// The body of `POST .../clients`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClient {
    pub name: String,
    pub client_type: ClientType,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
}

impl NewClient {
    pub fn from_json(body: &Value) -> Result<Self, ApiError> {
        let fields = object(body)?;
        refuse_unknown(fields, &["name", "type", "redirectUris", "postLogoutRedirectUris"])?;
        let name = name_field(fields)?.ok_or_else(|| missing("name"))?;
        let client_type = match fields.get("type") {
            Some(Value::String(s)) => {
                ClientType::parse(s).ok_or_else(|| ApiError::invalid_request("`type` must be \"confidential\" or \"public\""))?
            }
            Some(_) => return Err(ApiError::invalid_request("`type` must be \"confidential\" or \"public\"")),
            None => return Err(missing("type")),
        };
        let redirect_uris = uris_field(fields, "redirectUris")?.ok_or_else(|| missing("redirectUris"))?;
        if redirect_uris.is_empty() {
            return Err(ApiError::invalid_request("`redirectUris` needs at least one URI"));
        }
        let post_logout_redirect_uris = uris_field(fields, "postLogoutRedirectUris")?.unwrap_or_default();
        Ok(Self { name, client_type, redirect_uris, post_logout_redirect_uris })
    }
}

/// The body of `PATCH .../clients/{clientId}`: the fields given replace the current ones (a
/// client's `type` never changes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientPatch {
    pub name: Option<String>,
    pub redirect_uris: Option<Vec<String>>,
    pub post_logout_redirect_uris: Option<Vec<String>>,
}

impl ClientPatch {
    pub fn from_json(body: &Value) -> Result<Self, ApiError> {
        let fields = object(body)?;
        if fields.contains_key("type") {
            return Err(ApiError::invalid_request("a client's `type` cannot change: create another client"));
        }
        refuse_unknown(fields, &["name", "redirectUris", "postLogoutRedirectUris"])?;
        let patch = Self {
            name: name_field(fields)?,
            redirect_uris: uris_field(fields, "redirectUris")?,
            post_logout_redirect_uris: uris_field(fields, "postLogoutRedirectUris")?,
        };
        if patch.redirect_uris.as_ref().is_some_and(Vec::is_empty) {
            return Err(ApiError::invalid_request("`redirectUris` needs at least one URI"));
        }
        Ok(patch)
    }

    pub fn apply(&self, current: &OAuthClient, now_ms: i64) -> OAuthClient {
        OAuthClient {
            name: self.name.clone().unwrap_or_else(|| current.name.clone()),
            redirect_uris: self.redirect_uris.clone().unwrap_or_else(|| current.redirect_uris.clone()),
            post_logout_redirect_uris: self.post_logout_redirect_uris.clone().unwrap_or_else(|| current.post_logout_redirect_uris.clone()),
            updated_at: now_ms,
            ..current.clone()
        }
    }
}

fn object(body: &Value) -> Result<&Map<String, Value>, ApiError> {
    body.as_object().ok_or_else(|| ApiError::invalid_request("the body must be a JSON object"))
}

fn missing(key: &str) -> ApiError {
    ApiError::invalid_request(format!("`{key}` is required"))
}

fn refuse_unknown(fields: &Map<String, Value>, allowed: &[&str]) -> Result<(), ApiError> {
    match fields.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(unknown) => Err(ApiError::invalid_request(format!(
            "unknown field `{}` (allowed: {})",
            unknown.chars().take(40).collect::<String>(),
            allowed.join(", ")
        ))),
        None => Ok(()),
    }
}

fn name_field(fields: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    match fields.get("name") {
        None => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() && s.trim().chars().count() <= MAX_NAME_CHARS => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(ApiError::invalid_request(format!("`name` must be a text of 1 to {MAX_NAME_CHARS} characters"))),
    }
}

fn uris_field(fields: &Map<String, Value>, key: &str) -> Result<Option<Vec<String>>, ApiError> {
    let Some(value) = fields.get(key) else { return Ok(None) };
    let list = value.as_array().ok_or_else(|| ApiError::invalid_request(format!("`{key}` must be an array of URIs")))?;
    if list.len() > MAX_URIS {
        return Err(ApiError::invalid_request(format!("`{key}` holds at most {MAX_URIS} URIs")));
    }
    let mut uris: Vec<String> = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let uri = item.as_str().ok_or_else(|| ApiError::invalid_request(format!("`{key}[{i}]` must be a string")))?;
        redirect_uri(uri).map_err(|why| ApiError::invalid_request(format!("`{key}[{i}]`: {why}")))?;
        if !uris.iter().any(|u| u == uri) {
            uris.push(uri.to_owned());
        }
    }
    Ok(Some(uris))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn new_client_takes_both_types() {
        let c = NewClient::from_json(&json!({"name": " Web ", "type": "confidential", "redirectUris": ["https://app.example/cb"]})).unwrap();
        assert_eq!((c.name.as_str(), c.client_type, c.post_logout_redirect_uris.len()), ("Web", ClientType::Confidential, 0));
        let c = NewClient::from_json(&json!({"name": "SPA", "type": "public", "redirectUris": ["http://localhost:3000/cb", "http://localhost:3000/cb"], "postLogoutRedirectUris": ["http://localhost:3000/"]})).unwrap();
        assert_eq!(c.client_type, ClientType::Public);
        assert_eq!(c.redirect_uris, vec!["http://localhost:3000/cb"]);
    }

    #[test]
    fn new_client_refuses_bad_bodies() {
        for bad in [
            json!([]),
            json!({"type": "public", "redirectUris": ["https://a.example/cb"]}),
            json!({"name": "x", "redirectUris": ["https://a.example/cb"]}),
            json!({"name": "x", "type": "spa", "redirectUris": ["https://a.example/cb"]}),
            json!({"name": "x", "type": "public"}),
            json!({"name": "x", "type": "public", "redirectUris": []}),
            json!({"name": "x", "type": "public", "redirectUris": ["http://evil.example/cb"]}),
            json!({"name": "x", "type": "public", "redirectUris": ["https://a.example/cb#frag"]}),
            json!({"name": "x", "type": "public", "redirectUris": [7]}),
            json!({"name": "", "type": "public", "redirectUris": ["https://a.example/cb"]}),
            json!({"name": "x", "type": "public", "redirectUris": ["https://a.example/cb"], "secret": "mine"}),
        ] {
            assert!(NewClient::from_json(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn patch_merges_and_never_changes_the_type() {
        let current = OAuthClient {
            id: "cli_1".into(),
            app_id: "app_1".into(),
            name: "Web".into(),
            client_type: ClientType::Confidential,
            redirect_uris: vec!["https://a.example/cb".into()],
            post_logout_redirect_uris: vec![],
            secret_prefix: Some("cs_abcd".into()),
            created_at: 1,
            updated_at: 1,
        };
        let patch = ClientPatch::from_json(&json!({"postLogoutRedirectUris": ["https://a.example/"]})).unwrap();
        let next = patch.apply(&current, 5);
        assert_eq!((next.name.as_str(), next.redirect_uris.len(), next.post_logout_redirect_uris.len(), next.updated_at), ("Web", 1, 1, 5));
        assert!(ClientPatch::from_json(&json!({"type": "public"})).is_err());
        assert!(ClientPatch::from_json(&json!({"redirectUris": []})).is_err());
        let shown = serde_json::to_value(&next).unwrap();
        assert_eq!(shown["type"], "confidential");
        assert_eq!(shown["tokenEndpointAuthMethods"], json!(["client_secret_basic", "client_secret_post"]));
        assert!(shown.get("secretHash").is_none());
    }
}
