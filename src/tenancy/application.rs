//! Applications (tenants) and their passkey configuration: the contract's JSON shape and
//! defaults, strict validation of every field an operator sends, and the merge rules of
//! `PATCH /api/v1/applications/{id}` and `PUT .../auth/passkey`.
//!
//! Request bodies are read field by field from a `serde_json::Value`, so that every mistake gets
//! a message naming the field, `null` is told apart from "left out", and unknown fields are
//! refused (a misspelt `redirectURIs` would otherwise be dropped without a word).

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::contract::error::ApiError;
use crate::contract::time_format::rfc3339_utc;
use crate::webauthn::options::{AttestationConveyance, AuthenticatorAttachment, ResidentKey, UserVerification};

type Fields = Map<String, Value>;
type FieldResult<T> = Result<T, ApiError>;

const MAX_TEXT_CHARS: usize = 100;
const MAX_LIST_LEN: usize = 20;
const MAX_URI_LEN: usize = 2048;
pub const MIN_TIMEOUT_MS: u64 = 10_000;
pub const MAX_TIMEOUT_MS: u64 = 600_000;

/// An application as the API shows it; times are unix milliseconds, shown as RFC 3339.
#[derive(Debug, Clone, PartialEq)]
pub struct Application {
    pub id: String,
    pub name: String,
    pub rp_id: String,
    pub rp_name: String,
    pub origins: Vec<String>,
    pub hostnames: Vec<String>,
    pub redirect_uris: Vec<String>,
    pub passkey: PasskeyConfig,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Serialize for Application {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct View<'a> {
            id: &'a str,
            name: &'a str,
            rp_id: &'a str,
            rp_name: &'a str,
            origins: &'a [String],
            hostnames: &'a [String],
            redirect_uris: &'a [String],
            passkey: &'a PasskeyConfig,
            created_at: String,
            updated_at: String,
        }
        View {
            id: &self.id,
            name: &self.name,
            rp_id: &self.rp_id,
            rp_name: &self.rp_name,
            origins: &self.origins,
            hostnames: &self.hostnames,
            redirect_uris: &self.redirect_uris,
            passkey: &self.passkey,
            created_at: rfc3339_utc(self.created_at),
            updated_at: rfc3339_utc(self.updated_at),
        }
        .serialize(serializer)
    }
}

/// An application's passkey configuration. Stored as this same JSON; fields missing from a
/// stored value take their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PasskeyConfig {
    pub enabled: bool,
    pub user_verification: UserVerification,
    pub resident_key: ResidentKey,
    /// `None`: platform and roaming authenticators both.
    pub authenticator_attachment: Option<AuthenticatorAttachment>,
    pub attestation: AttestationConveyance,
    pub direct_signup: bool,
    pub timeout_ms: u64,
}

impl Default for PasskeyConfig {
    /// The contract's defaults.
    fn default() -> Self {
        Self {
            enabled: false,
            user_verification: UserVerification::Required,
            resident_key: ResidentKey::Required,
            authenticator_attachment: None,
            attestation: AttestationConveyance::None,
            direct_signup: false,
            timeout_ms: 300_000,
        }
    }
}

/// The body of `PUT .../auth/passkey`: the fields given replace the current ones, the others
/// keep their values (`authenticatorAttachment: null` means "both").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PasskeyConfigPatch {
    pub enabled: Option<bool>,
    pub user_verification: Option<UserVerification>,
    pub resident_key: Option<ResidentKey>,
    pub authenticator_attachment: Option<Option<AuthenticatorAttachment>>,
    pub attestation: Option<AttestationConveyance>,
    pub direct_signup: Option<bool>,
    pub timeout_ms: Option<u64>,
}

impl PasskeyConfigPatch {
    const FIELDS: &'static [&'static str] = &[
        "enabled",
        "userVerification",
        "residentKey",
        "authenticatorAttachment",
        "attestation",
        "directSignup",
        "timeoutMs",
    ];

    pub fn from_json(body: &Value) -> FieldResult<Self> {
        let fields = object(body)?;
        refuse_unknown(fields, Self::FIELDS, |_| None)?;
        let authenticator_attachment = match fields.get("authenticatorAttachment") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(_) => enum_field(fields, "authenticatorAttachment", &[
                ("platform", AuthenticatorAttachment::Platform),
                ("cross-platform", AuthenticatorAttachment::CrossPlatform),
            ])?
            .map(Some),
        };
        let timeout_ms = match fields.get("timeoutMs") {
            None => None,
            Some(v) => match v.as_u64() {
                Some(ms) if (MIN_TIMEOUT_MS..=MAX_TIMEOUT_MS).contains(&ms) => Some(ms),
                _ => {
                    return Err(ApiError::invalid_request(format!(
                        "`timeoutMs` must be a whole number of milliseconds from {MIN_TIMEOUT_MS} to {MAX_TIMEOUT_MS}"
                    )))
                }
            },
        };
        Ok(Self {
            enabled: bool_field(fields, "enabled")?,
            user_verification: enum_field(fields, "userVerification", &[
                ("required", UserVerification::Required),
                ("preferred", UserVerification::Preferred),
                ("discouraged", UserVerification::Discouraged),
            ])?,
            resident_key: enum_field(fields, "residentKey", &[
                ("required", ResidentKey::Required),
                ("preferred", ResidentKey::Preferred),
                ("discouraged", ResidentKey::Discouraged),
            ])?,
            authenticator_attachment,
            attestation: enum_field(fields, "attestation", &[
                ("none", AttestationConveyance::None),
                ("indirect", AttestationConveyance::Indirect),
                ("direct", AttestationConveyance::Direct),
                ("enterprise", AttestationConveyance::Enterprise),
            ])?,
            direct_signup: bool_field(fields, "directSignup")?,
            timeout_ms,
        })
    }

    /// `current` with the fields of this patch put in.
    pub fn apply(&self, current: &PasskeyConfig) -> PasskeyConfig {
        PasskeyConfig {
            enabled: self.enabled.unwrap_or(current.enabled),
            user_verification: self.user_verification.unwrap_or(current.user_verification),
            resident_key: self.resident_key.unwrap_or(current.resident_key),
            authenticator_attachment: self.authenticator_attachment.unwrap_or(current.authenticator_attachment),
            attestation: self.attestation.unwrap_or(current.attestation),
            direct_signup: self.direct_signup.unwrap_or(current.direct_signup),
            timeout_ms: self.timeout_ms.unwrap_or(current.timeout_ms),
        }
    }
}

/// The body of `POST /api/v1/applications`, validated and normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    pub name: String,
    pub rp_id: String,
    pub rp_name: String,
    pub origins: Vec<String>,
    pub hostnames: Vec<String>,
    pub redirect_uris: Vec<String>,
}

impl NewApplication {
    const FIELDS: &'static [&'static str] = &["name", "rpId", "rpName", "origins", "hostnames", "redirectUris"];

    pub fn from_json(body: &Value) -> FieldResult<Self> {
        let fields = object(body)?;
        refuse_unknown(fields, Self::FIELDS, |key| {
            (key == "passkey").then(|| "set the passkey config with PUT /api/v1/applications/{appId}/auth/passkey".to_owned())
        })?;
        let name = text_field(fields, "name")?.ok_or_else(|| missing("name"))?;
        let rp_id = rp_id(&string_field(fields, "rpId")?.ok_or_else(|| missing("rpId"))?)?;
        let rp_name = text_field(fields, "rpName")?.unwrap_or_else(|| name.clone());
        let origins = origins_field(fields, &rp_id)?.ok_or_else(|| missing("origins"))?;
        Ok(Self {
            name,
            rp_name,
            origins,
            hostnames: hostnames_field(fields)?.unwrap_or_default(),
            redirect_uris: redirect_uris_field(fields)?.unwrap_or_default(),
            rp_id,
        })
    }
}

/// The body of `PATCH /api/v1/applications/{id}`: each field given replaces the stored one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationPatch {
    pub name: Option<String>,
    pub rp_name: Option<String>,
    pub origins: Option<Vec<String>>,
    pub hostnames: Option<Vec<String>>,
    pub redirect_uris: Option<Vec<String>>,
}

impl ApplicationPatch {
    const FIELDS: &'static [&'static str] = &["name", "rpName", "origins", "hostnames", "redirectUris"];

    /// Origins are checked against the application's `rp_id`, which never changes.
    pub fn from_json(body: &Value, rp_id: &str) -> FieldResult<Self> {
        let fields = object(body)?;
        refuse_unknown(fields, Self::FIELDS, |key| match key {
            "rpId" => Some("`rpId` cannot be changed: registered passkeys are bound to it; create a new application instead".to_owned()),
            "passkey" => Some("set the passkey config with PUT /api/v1/applications/{appId}/auth/passkey".to_owned()),
            "id" | "createdAt" | "updatedAt" => Some(format!("`{key}` is read-only")),
            _ => None,
        })?;
        Ok(Self {
            name: text_field(fields, "name")?,
            rp_name: text_field(fields, "rpName")?,
            origins: origins_field(fields, rp_id)?,
            hostnames: hostnames_field(fields)?,
            redirect_uris: redirect_uris_field(fields)?,
        })
    }

    /// `current` with the fields of this patch put in (not `updated_at`).
    pub fn apply(&self, current: &Application) -> Application {
        let pick = |new: &Option<Vec<String>>, old: &Vec<String>| new.clone().unwrap_or_else(|| old.clone());
        Application {
            name: self.name.clone().unwrap_or_else(|| current.name.clone()),
            rp_name: self.rp_name.clone().unwrap_or_else(|| current.rp_name.clone()),
            origins: pick(&self.origins, &current.origins),
            hostnames: pick(&self.hostnames, &current.hostnames),
            redirect_uris: pick(&self.redirect_uris, &current.redirect_uris),
            ..current.clone()
        }
    }
}

// ---- fields ----

fn object(body: &Value) -> FieldResult<&Fields> {
    body.as_object().ok_or_else(|| ApiError::invalid_request("the request body must be a JSON object"))
}

fn missing(key: &str) -> ApiError {
    ApiError::invalid_request(format!("`{key}` is required"))
}

fn refuse_unknown(fields: &Fields, allowed: &[&str], hint: impl Fn(&str) -> Option<String>) -> FieldResult<()> {
    match fields.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(key) => Err(ApiError::invalid_request(hint(key).unwrap_or_else(|| {
            format!("unknown field `{key}`; the fields are {}", allowed.join(", "))
        }))),
    }
}

fn string_field(fields: &Fields, key: &str) -> FieldResult<Option<String>> {
    match fields.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid_request(format!("`{key}` must be a string"))),
    }
}

fn bool_field(fields: &Fields, key: &str) -> FieldResult<Option<bool>> {
    match fields.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::invalid_request(format!("`{key}` must be true or false"))),
    }
}

fn enum_field<T: Copy>(fields: &Fields, key: &str, values: &[(&str, T)]) -> FieldResult<Option<T>> {
    let Some(given) = fields.get(key) else { return Ok(None) };
    let found = given.as_str().and_then(|s| values.iter().find(|(name, _)| *name == s));
    match found {
        Some((_, value)) => Ok(Some(*value)),
        None => {
            let names: Vec<String> = values.iter().map(|(name, _)| format!("\"{name}\"")).collect();
            Err(ApiError::invalid_request(format!("`{key}` must be one of {}", names.join(", "))))
        }
    }
}

/// A display text (name, rpName): trimmed, 1 to 100 characters, no control characters.
fn text_field(fields: &Fields, key: &str) -> FieldResult<Option<String>> {
    let Some(raw) = string_field(fields, key)? else { return Ok(None) };
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::invalid_request(format!("`{key}` must be 1 to {MAX_TEXT_CHARS} characters")));
    }
    if text.chars().any(char::is_control) {
        return Err(ApiError::invalid_request(format!("`{key}` must not contain control characters (such as line breaks)")));
    }
    Ok(Some(text.to_owned()))
}

/// A list of strings, each checked (and normalized) by `check`; duplicates after normalization
/// are dropped, order kept.
fn list_field(
    fields: &Fields,
    key: &str,
    check: impl Fn(&str) -> Result<String, String>,
) -> FieldResult<Option<Vec<String>>> {
    let Some(given) = fields.get(key) else { return Ok(None) };
    let Some(items) = given.as_array() else {
        return Err(ApiError::invalid_request(format!("`{key}` must be an array of strings")));
    };
    if items.len() > MAX_LIST_LEN {
        return Err(ApiError::invalid_request(format!("`{key}` may list at most {MAX_LIST_LEN} entries")));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let Some(s) = item.as_str() else {
            return Err(ApiError::invalid_request(format!("`{key}` must be an array of strings")));
        };
        let value = check(s).map_err(|why| ApiError::invalid_request(format!("`{key}`: {}: {why}", quoted(s))))?;
        if !out.contains(&value) {
            out.push(value);
        }
    }
    Ok(Some(out))
}

fn origins_field(fields: &Fields, rp_id: &str) -> FieldResult<Option<Vec<String>>> {
    let origins = list_field(fields, "origins", |s| origin(s, rp_id))?;
    if origins.as_ref().is_some_and(Vec::is_empty) {
        return Err(ApiError::invalid_request("`origins` must list at least one origin"));
    }
    Ok(origins)
}

fn hostnames_field(fields: &Fields) -> FieldResult<Option<Vec<String>>> {
    list_field(fields, "hostnames", |s| {
        let host = s.to_ascii_lowercase();
        check_site_name(&host)?;
        Ok(host)
    })
}

fn redirect_uris_field(fields: &Fields) -> FieldResult<Option<Vec<String>>> {
    list_field(fields, "redirectUris", |s| redirect_uri(s).map(|()| s.to_owned()))
}

/// A value quoted for an error message, shortened and without control characters.
fn quoted(s: &str) -> String {
    let shown: String = s.chars().take(80).map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect();
    let ellipsis = if s.chars().count() > 80 { "…" } else { "" };
    format!("\"{shown}{ellipsis}\"")
}

// ---- names, origins, URIs ----

/// The relying party id: "localhost" or a domain name of two or more labels, never an IP address.
/// Lowercased (domain names are case-insensitive and browsers compare the lowercase form).
fn rp_id(given: &str) -> FieldResult<String> {
    let id = given.to_ascii_lowercase();
    check_site_name(&id).map_err(|why| ApiError::invalid_request(format!("`rpId`: {}: {why}", quoted(given))))?;
    Ok(id)
}

/// "localhost", or a domain name of two or more labels (letters, digits, hyphens; the punycode
/// form for international names) whose last label is not numeric (so no IPv4 address passes;
/// IPv6 has colons, which no label allows). Public suffixes such as "co.uk" are not detected.
fn check_site_name(host: &str) -> Result<(), String> {
    if host == "localhost" {
        return Ok(());
    }
    if host.is_empty() || host.len() > 253 {
        return Err("must be a domain name of at most 253 characters".into());
    }
    if !host.is_ascii() {
        return Err("international domain names must be given in their punycode (xn--) form".into());
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return Err("must be \"localhost\" or a domain name with at least two labels, such as example.com".into());
    }
    for label in &labels {
        let ok_chars = label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if label.is_empty() || label.len() > 63 || !ok_chars || label.starts_with('-') || label.ends_with('-') {
            return Err("is not a valid domain name (labels of 1 to 63 letters, digits or inner hyphens, no scheme, port or path)".into());
        }
    }
    if labels.last().is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit())) {
        return Err("IP addresses are not allowed; use a domain name".into());
    }
    Ok(())
}

fn is_localhost(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost")
}

/// An exact origin `scheme://host[:port]` under `rp_id` (the rpId itself or a subdomain of it),
/// https, or http for localhost only. Returned in the form browsers serialize: lowercase, without
/// the scheme's default port.
fn origin(given: &str, rp_id: &str) -> Result<String, String> {
    let lower = given.to_ascii_lowercase();
    let Some((scheme, rest)) = lower.split_once("://") else {
        return Err("must be an origin such as https://example.com".into());
    };
    if rest.contains('/') || rest.contains('?') || rest.contains('#') {
        return Err("an origin has no path, query or fragment (not even a trailing /)".into());
    }
    if rest.contains('@') {
        return Err("an origin has no user name or password".into());
    }
    if rest.starts_with('[') {
        return Err("IP addresses are not allowed; use a domain name".into());
    }
    let (host, port) = match rest.split_once(':') {
        Some((host, port)) => (host, Some(parse_port(port)?)),
        None => (rest, None),
    };
    check_site_name(host).or_else(|why| if host.is_empty() { Err("the host is missing".into()) } else { Err(why) })?;
    let default_port = match scheme {
        "https" => 443,
        "http" if is_localhost(host) => 80,
        "http" => return Err("http is allowed for localhost only; use https".into()),
        _ => return Err("the scheme must be https (or http for localhost)".into()),
    };
    if host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
        return Err(format!("the host must be the rpId \"{rp_id}\" or a subdomain of it"));
    }
    Ok(match port {
        Some(p) if p != default_port => format!("{scheme}://{host}:{p}"),
        _ => format!("{scheme}://{host}"),
    })
}

fn parse_port(port: &str) -> Result<u16, String> {
    let valid = !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
    match port.parse::<u16>() {
        Ok(p) if valid && p > 0 => Ok(p),
        _ => Err("the port must be a number from 1 to 65535".into()),
    }
}

/// An absolute redirect URI: `https://host[:port]/...`; `http://` only to localhost or a loopback
/// address; or a private-use scheme with a dot (`com.example.app:/callback`, RFC 8252) for native
/// apps. No fragment, no spaces, at most 2048 characters. Kept exactly as given: the hosted page
/// compares redirect URIs by exact string. Also the check of OAuth clients' redirect URIs.
pub fn redirect_uri(uri: &str) -> Result<(), String> {
    if uri.len() > MAX_URI_LEN {
        return Err(format!("must be at most {MAX_URI_LEN} characters"));
    }
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) || !uri.is_ascii() {
        return Err("must be an ASCII URI without spaces (percent-encode other characters)".into());
    }
    if uri.contains('#') {
        return Err("a redirect URI has no fragment (#)".into());
    }
    let Some((scheme, rest)) = uri.split_once(':') else {
        return Err("must be an absolute URI such as https://app.example.com/callback".into());
    };
    let scheme_ok = scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.');
    if !scheme_ok {
        return Err("must be an absolute URI such as https://app.example.com/callback".into());
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" | "http" => {
            let Some(after) = rest.strip_prefix("//") else {
                return Err("must be an absolute URI such as https://app.example.com/callback".into());
            };
            let authority = after.split(['/', '?']).next().unwrap_or_default();
            if authority.contains('@') {
                return Err("a redirect URI has no user name or password".into());
            }
            // host, then what follows it: "" or ":port"
            let (host, after_host) = match authority.strip_prefix('[') {
                Some(v6) => match v6.split_once(']') {
                    Some((addr, after)) => (format!("[{addr}]"), after),
                    None => return Err("the host is not valid".into()),
                },
                None => {
                    let end = authority.find(':').unwrap_or(authority.len());
                    let (host, after) = authority.split_at(end);
                    (host.to_ascii_lowercase(), after)
                }
            };
            match after_host.strip_prefix(':') {
                Some(port) => {
                    parse_port(port)?;
                }
                None if after_host.is_empty() => {}
                None => return Err("the host is not valid".into()),
            }
            let loopback = is_localhost(&host) || host == "127.0.0.1" || host == "[::1]";
            if scheme.eq_ignore_ascii_case("http") && !loopback {
                return Err("http is allowed for localhost and loopback addresses only; use https".into());
            }
            if !loopback {
                check_site_name(&host).map_err(|why| format!("the host {why}"))?;
            }
            Ok(())
        }
        other if other.contains('.') => {
            if rest.is_empty() {
                return Err("the URI is missing its path".into());
            }
            Ok(())
        }
        _ => Err("the scheme must be https, http (localhost only) or a private-use scheme such as com.example.app".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn new_app(body: Value) -> Result<NewApplication, String> {
        NewApplication::from_json(&body).map_err(|e| e.message)
    }

    fn minimal() -> Value {
        json!({"name": "Shop", "rpId": "example.com", "origins": ["https://example.com"]})
    }

    fn with(mut body: Value, key: &str, value: Value) -> Value {
        body[key] = value;
        body
    }

    #[test]
    fn passkey_defaults_are_the_contracts() {
        assert_eq!(
            serde_json::to_value(PasskeyConfig::default()).unwrap(),
            json!({
                "enabled": false, "userVerification": "required", "residentKey": "required",
                "authenticatorAttachment": null, "attestation": "none", "directSignup": false,
                "timeoutMs": 300000
            })
        );
        // A stored value with fields missing takes the defaults for them.
        let stored: PasskeyConfig = serde_json::from_value(json!({"enabled": true})).unwrap();
        assert_eq!(stored, PasskeyConfig { enabled: true, ..PasskeyConfig::default() });
    }

    #[test]
    fn passkey_patch_merges() {
        let current = PasskeyConfig {
            enabled: true,
            authenticator_attachment: Some(AuthenticatorAttachment::Platform),
            ..PasskeyConfig::default()
        };
        let patch = PasskeyConfigPatch::from_json(&json!({"directSignup": true, "timeoutMs": 60000})).unwrap();
        let merged = patch.apply(&current);
        assert_eq!(merged, PasskeyConfig { direct_signup: true, timeout_ms: 60_000, ..current.clone() });
        // `{}` changes nothing.
        assert_eq!(PasskeyConfigPatch::from_json(&json!({})).unwrap().apply(&current), current);
        // null attachment means both; left out keeps it.
        let both = PasskeyConfigPatch::from_json(&json!({"authenticatorAttachment": null})).unwrap();
        assert_eq!(both.apply(&current).authenticator_attachment, None);
        let roaming = PasskeyConfigPatch::from_json(&json!({"authenticatorAttachment": "cross-platform"})).unwrap();
        assert_eq!(roaming.apply(&current).authenticator_attachment, Some(AuthenticatorAttachment::CrossPlatform));
    }

    #[test]
    fn passkey_patch_takes_every_field() {
        let body = json!({
            "enabled": true, "userVerification": "preferred", "residentKey": "discouraged",
            "authenticatorAttachment": "platform", "attestation": "direct", "directSignup": true,
            "timeoutMs": 120000
        });
        let config = PasskeyConfigPatch::from_json(&body).unwrap().apply(&PasskeyConfig::default());
        assert_eq!(serde_json::to_value(&config).unwrap(), body);
    }

    #[test]
    fn passkey_patch_refuses_bad_values() {
        let bad = |body: Value| PasskeyConfigPatch::from_json(&body).unwrap_err().message;
        assert!(bad(json!({"enabled": "yes"})).contains("`enabled` must be true or false"));
        assert!(bad(json!({"enabled": null})).contains("`enabled`"));
        assert!(bad(json!({"userVerification": "always"})).contains("\"required\", \"preferred\", \"discouraged\""));
        assert!(bad(json!({"residentKey": null})).contains("`residentKey`"));
        assert!(bad(json!({"authenticatorAttachment": "usb"})).contains("`authenticatorAttachment`"));
        assert!(bad(json!({"attestation": "full"})).contains("`attestation`"));
        assert!(bad(json!({"directSignup": 1})).contains("`directSignup`"));
        for t in [json!(9999), json!(600001), json!(30000.5), json!(-1), json!("60000"), json!(null)] {
            assert!(bad(json!({"timeoutMs": t})).contains("`timeoutMs`"), "{t}");
        }
        assert!(bad(json!({"enabeld": true})).contains("unknown field `enabeld`"));
        assert!(bad(json!([1])).contains("JSON object"));
        assert!(PasskeyConfigPatch::from_json(&json!({"timeoutMs": 10000})).is_ok());
        assert!(PasskeyConfigPatch::from_json(&json!({"timeoutMs": 600000})).is_ok());
    }

    #[test]
    fn new_application_minimal_takes_defaults() {
        let app = new_app(minimal()).unwrap();
        assert_eq!(app.name, "Shop");
        assert_eq!(app.rp_name, "Shop");
        assert_eq!(app.rp_id, "example.com");
        assert_eq!(app.origins, vec!["https://example.com"]);
        assert!(app.hostnames.is_empty() && app.redirect_uris.is_empty());
    }

    #[test]
    fn new_application_full() {
        let app = new_app(json!({
            "name": "  Shop  ", "rpId": "Example.COM", "rpName": "Shop Inc.",
            "origins": ["https://example.com", "https://Login.Example.com:443", "https://a.example.com:8443", "https://example.com"],
            "hostnames": ["Login.example.com", "auth.shop.test"],
            "redirectUris": ["https://app.example.com/cb?x=1", "http://localhost:3000/cb", "com.example.app:/oauth"]
        }))
        .unwrap();
        assert_eq!(app.name, "Shop");
        assert_eq!(app.rp_id, "example.com");
        assert_eq!(app.rp_name, "Shop Inc.");
        assert_eq!(app.origins, vec!["https://example.com", "https://login.example.com", "https://a.example.com:8443"]);
        assert_eq!(app.hostnames, vec!["login.example.com", "auth.shop.test"]);
        assert_eq!(app.redirect_uris.len(), 3);
    }

    #[test]
    fn new_application_requires_fields() {
        assert!(new_app(json!({"rpId": "example.com", "origins": ["https://example.com"]})).unwrap_err().contains("`name` is required"));
        assert!(new_app(json!({"name": "x", "origins": ["https://example.com"]})).unwrap_err().contains("`rpId` is required"));
        assert!(new_app(json!({"name": "x", "rpId": "example.com"})).unwrap_err().contains("`origins` is required"));
        assert!(new_app(with(minimal(), "origins", json!([]))).unwrap_err().contains("at least one origin"));
        assert!(new_app(json!("x")).unwrap_err().contains("JSON object"));
    }

    #[test]
    fn new_application_refuses_unknown_fields() {
        assert!(new_app(with(minimal(), "redirectURIs", json!([]))).unwrap_err().contains("unknown field `redirectURIs`"));
        assert!(new_app(with(minimal(), "passkey", json!({}))).unwrap_err().contains("PUT"));
    }

    #[test]
    fn names_are_checked() {
        for bad in [json!(""), json!("   "), json!("a\nb"), json!("x".repeat(101)), json!(5), json!(null)] {
            assert!(new_app(with(minimal(), "name", bad.clone())).unwrap_err().contains("`name`"), "{bad}");
            assert!(new_app(with(minimal(), "rpName", bad.clone())).unwrap_err().contains("`rpName`"), "{bad}");
        }
        assert!(new_app(with(minimal(), "name", json!("Café ☕ ".repeat(10).trim()))).is_ok());
    }

    #[test]
    fn rp_ids() {
        let rp = |id: &str| {
            let origin = if id == "localhost" { "http://localhost:8787".to_owned() } else { format!("https://{}", id.to_ascii_lowercase()) };
            new_app(json!({"name": "x", "rpId": id, "origins": [origin]}))
        };
        for good in ["localhost", "example.com", "login.example.co.uk", "xn--bcher-kva.example", "a-b.c1", "app.localhost"] {
            assert!(rp(good).is_ok(), "{good}: {:?}", rp(good));
        }
        for bad in ["", "com", "127.0.0.1", "[::1]", "::1", "example.com.", ".example.com", "-a.com", "a-.com", "ex ample.com",
            "bücher.example", "example.com:443", "https://example.com", "example.com/x", "a..com", "under_score.com"] {
            assert!(rp(bad).unwrap_err().contains("`rpId`"), "{bad}");
        }
        assert!(rp(&format!("{}.com", "a".repeat(64))).is_err());
        assert!(rp(&format!("{}.com", "a".repeat(63))).is_ok());
    }

    #[test]
    fn origins() {
        let check = |o: &str| origin(o, "example.com");
        assert_eq!(check("https://example.com").unwrap(), "https://example.com");
        assert_eq!(check("HTTPS://EXAMPLE.COM:443").unwrap(), "https://example.com");
        assert_eq!(check("https://a.b.example.com:8443").unwrap(), "https://a.b.example.com:8443");
        for bad in ["http://example.com", "https://example.com/", "https://example.com/x", "https://example.com?x",
            "https://example.com#x", "https://u@example.com", "https://example.com:0", "https://example.com:65536",
            "https://example.com:+1", "https://example.com:", "ftp://example.com", "example.com", "https://",
            "https://notexample.com", "https://example.com.evil.com", "https://com", "https://[::1]", "https://1.2.3.4"] {
            assert!(check(bad).is_err(), "{bad}");
        }
        let local = |o: &str| origin(o, "localhost");
        assert_eq!(local("http://localhost:8787").unwrap(), "http://localhost:8787");
        assert_eq!(local("http://localhost:80").unwrap(), "http://localhost");
        assert_eq!(local("https://app.localhost").unwrap(), "https://app.localhost");
        assert!(local("http://127.0.0.1:8787").is_err());
        let msg = new_app(with(minimal(), "origins", json!(["https://other.com"]))).unwrap_err();
        assert!(msg.contains("`origins`") && msg.contains("https://other.com") && msg.contains("rpId"), "{msg}");
        assert!(new_app(with(minimal(), "origins", json!("https://example.com"))).unwrap_err().contains("array of strings"));
        assert!(new_app(with(minimal(), "origins", json!([1]))).unwrap_err().contains("array of strings"));
        let many: Vec<String> = (0..21).map(|i| format!("https://a{i}.example.com")).collect();
        assert!(new_app(with(minimal(), "origins", json!(many))).unwrap_err().contains("at most 20"));
    }

    #[test]
    fn hostnames() {
        let hosts = |h: Value| new_app(with(minimal(), "hostnames", h));
        assert_eq!(hosts(json!(["localhost", "Auth.Example.com"])).unwrap().hostnames, vec!["localhost", "auth.example.com"]);
        for bad in ["auth.example.com:443", "https://auth.example.com", "127.0.0.1", "auth", "", "a b.com", "auth.example.com/"] {
            assert!(hosts(json!([bad])).unwrap_err().contains("`hostnames`"), "{bad}");
        }
    }

    #[test]
    fn redirect_uris() {
        for good in ["https://app.example.com/cb", "https://app.example.com", "https://app.example.com:8443/cb?x=1&y=2",
            "http://localhost:3000/callback", "http://127.0.0.1:5000/cb", "http://[::1]:5000/cb", "http://app.localhost/cb",
            "com.example.app:/oauth2redirect", "com.example.app://callback"] {
            assert!(redirect_uri(good).is_ok(), "{good}: {:?}", redirect_uri(good));
        }
        for bad in ["/callback", "app.example.com/cb", "http://app.example.com/cb", "https://app.example.com/cb#frag",
            "https://user@app.example.com/", "https:///cb", "https://app.example.com:99999/", "javascript:alert(1)",
            "data:text/html,x", "file:///etc/passwd", "https://app.example.com/a b", "https://app.example.com/\u{e9}",
            "https//app.example.com", "1https://x.com", "com.example.app:", "https://1.2.3.4/cb", "https://[::1/cb"] {
            assert!(redirect_uri(bad).is_err(), "{bad}");
        }
        assert!(redirect_uri(&format!("https://app.example.com/{}", "a".repeat(2048))).is_err());
        // Kept exactly as given.
        let app = new_app(with(minimal(), "redirectUris", json!(["https://App.example.com/CB"]))).unwrap();
        assert_eq!(app.redirect_uris, vec!["https://App.example.com/CB"]);
    }

    #[test]
    fn application_patch() {
        let current = Application {
            id: "app_1".into(),
            name: "Shop".into(),
            rp_id: "example.com".into(),
            rp_name: "Shop".into(),
            origins: vec!["https://example.com".into()],
            hostnames: vec!["auth.example.com".into()],
            redirect_uris: vec![],
            passkey: PasskeyConfig::default(),
            created_at: 1,
            updated_at: 2,
        };
        let patch = ApplicationPatch::from_json(&json!({"rpName": "Shop Inc.", "redirectUris": ["https://example.com/cb"]}), "example.com").unwrap();
        let next = patch.apply(&current);
        assert_eq!(next.rp_name, "Shop Inc.");
        assert_eq!(next.redirect_uris, vec!["https://example.com/cb"]);
        assert_eq!((next.name.as_str(), &next.origins, &next.hostnames), (current.name.as_str(), &current.origins, &current.hostnames));
        assert_eq!(ApplicationPatch::from_json(&json!({}), "example.com").unwrap().apply(&current), current);
        let cleared = ApplicationPatch::from_json(&json!({"hostnames": []}), "example.com").unwrap();
        assert!(cleared.apply(&current).hostnames.is_empty());

        let bad = |body: Value| ApplicationPatch::from_json(&body, "example.com").unwrap_err().message;
        assert!(bad(json!({"rpId": "other.com"})).contains("cannot be changed"));
        assert!(bad(json!({"id": "x"})).contains("read-only"));
        assert!(bad(json!({"passkey": {}})).contains("PUT"));
        assert!(bad(json!({"origins": ["https://other.com"]})).contains("rpId"));
        assert!(bad(json!({"origins": []})).contains("at least one"));
        assert!(bad(json!({"name": ""})).contains("`name`"));
        assert!(bad(json!({"redirectUris": null})).contains("`redirectUris`"));
        assert!(bad(json!(null)).contains("JSON object"));
    }

    #[test]
    fn application_json_shape() {
        let app = Application {
            id: "app_1".into(),
            name: "Shop".into(),
            rp_id: "example.com".into(),
            rp_name: "Shop".into(),
            origins: vec!["https://example.com".into()],
            hostnames: vec![],
            redirect_uris: vec![],
            passkey: PasskeyConfig::default(),
            created_at: 0,
            updated_at: 1_700_000_000_123,
        };
        let v = serde_json::to_value(&app).unwrap();
        assert_eq!(v["rpId"], "example.com");
        assert_eq!(v["rpName"], "Shop");
        assert_eq!(v["redirectUris"], json!([]));
        assert_eq!(v["passkey"]["timeoutMs"], 300000);
        assert_eq!(v["createdAt"], "1970-01-01T00:00:00.000Z");
        assert_eq!(v["updatedAt"], "2023-11-14T22:13:20.123Z");
        assert_eq!(v.as_object().unwrap().len(), 10);
    }

    #[test]
    fn error_messages_quote_safely() {
        let msg = new_app(with(minimal(), "origins", json!(["https://exa\nmple.com"]))).unwrap_err();
        assert!(!msg.contains('\n'));
        let long = format!("https://{}.com", "a".repeat(300));
        assert!(new_app(with(minimal(), "origins", json!([long]))).unwrap_err().contains('…'));
    }
}
