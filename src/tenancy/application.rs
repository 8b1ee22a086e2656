//! Applications (tenants): the contract's JSON shape and defaults (their passkey configuration
//! is `tenancy::passkey_config`), strict validation of every field an operator sends, and the merge rules of
//! `PATCH /api/v1/applications/{id}` and `PUT .../auth/passkey`.
//!
//! Request bodies are read field by field (`contract::json_fields`), so that every mistake gets a
//! message naming the field; the web addresses an application owns are checked by
//! `tenancy::web_address`.

use serde::{Serialize, Serializer};
use serde_json::Value;

use super::branding::{Branding, BrandingPatch};
pub use super::passkey_config::{PasskeyConfig, PasskeyConfigPatch, MAX_TIMEOUT_MS, MIN_TIMEOUT_MS};
use super::web_address::{check_site_name, origin, redirect_uri};
use crate::contract::error::ApiError;
use crate::contract::json_fields::{list_field, missing, object, quoted, refuse_unknown, str_field, FieldResult, Fields};
use crate::contract::time_format::rfc3339_utc;

const MAX_TEXT_CHARS: usize = 100;
const MAX_LIST_LEN: usize = 20;
/// `eventRetentionDays`: how long audit events are kept (default, bounds).
pub const DEFAULT_EVENT_RETENTION_DAYS: u32 = 90;
pub const MAX_EVENT_RETENTION_DAYS: u32 = 3650;

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
    /// Days audit events are kept (the hourly sweep deletes older ones).
    pub event_retention_days: u32,
    /// The hosted pages' logo, colour and support link.
    pub branding: Branding,
    /// Whether it has an enabled webhook endpoint (read with it, not part of its API view): its
    /// events are announced to the webhooks queue only then.
    pub webhooks: bool,
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
            event_retention_days: u32,
            branding: &'a Branding,
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
            event_retention_days: self.event_retention_days,
            branding: &self.branding,
            created_at: rfc3339_utc(self.created_at),
            updated_at: rfc3339_utc(self.updated_at),
        }
        .serialize(serializer)
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
    pub event_retention_days: u32,
    pub branding: Branding,
}

impl NewApplication {
    const FIELDS: &'static [&'static str] = &["name", "rpId", "rpName", "origins", "hostnames", "redirectUris", "eventRetentionDays", "branding"];

    pub fn from_json(body: &Value) -> FieldResult<Self> {
        let fields = object(body)?;
        refuse_unknown(fields, Self::FIELDS, |key| {
            (key == "passkey").then(|| "set the passkey config with PUT /api/v1/applications/{appId}/auth/passkey".to_owned())
        })?;
        let name = text_field(fields, "name")?.ok_or_else(|| missing("name"))?;
        let rp_id = rp_id(str_field(fields, "rpId")?.ok_or_else(|| missing("rpId"))?)?;
        let rp_name = text_field(fields, "rpName")?.unwrap_or_else(|| name.clone());
        let origins = origins_field(fields, &rp_id)?.ok_or_else(|| missing("origins"))?;
        Ok(Self {
            name,
            rp_name,
            origins,
            hostnames: hostnames_field(fields, &rp_id)?.unwrap_or_default(),
            redirect_uris: redirect_uris_field(fields)?.unwrap_or_default(),
            event_retention_days: retention_field(fields)?.unwrap_or(DEFAULT_EVENT_RETENTION_DAYS),
            branding: branding_field(fields)?.map(|p| p.apply(&Branding::default())).unwrap_or_default(),
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
    pub event_retention_days: Option<u32>,
    pub branding: Option<BrandingPatch>,
}

impl ApplicationPatch {
    const FIELDS: &'static [&'static str] = &["name", "rpName", "origins", "hostnames", "redirectUris", "eventRetentionDays", "branding"];

    /// Origins and hostnames are checked against the application's `rp_id`, which never changes.
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
            hostnames: hostnames_field(fields, rp_id)?,
            redirect_uris: redirect_uris_field(fields)?,
            event_retention_days: retention_field(fields)?,
            branding: branding_field(fields)?,
        })
    }

    /// The API names of the fields this patch changes in `current` (given and different), for
    /// the `application.updated` event.
    pub fn changed_fields(&self, current: &Application) -> Vec<&'static str> {
        fn differs<T: PartialEq>(new: &Option<T>, old: &T) -> bool {
            new.as_ref().is_some_and(|n| n != old)
        }
        [
            ("name", differs(&self.name, &current.name)),
            ("rpName", differs(&self.rp_name, &current.rp_name)),
            ("origins", differs(&self.origins, &current.origins)),
            ("hostnames", differs(&self.hostnames, &current.hostnames)),
            ("redirectUris", differs(&self.redirect_uris, &current.redirect_uris)),
            ("eventRetentionDays", differs(&self.event_retention_days, &current.event_retention_days)),
            ("branding", self.branding.as_ref().is_some_and(|b| b.apply(&current.branding) != current.branding)),
        ]
        .into_iter()
        .filter_map(|(name, changed)| changed.then_some(name))
        .collect()
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
            event_retention_days: self.event_retention_days.unwrap_or(current.event_retention_days),
            branding: self.branding.as_ref().map_or_else(|| current.branding.clone(), |b| b.apply(&current.branding)),
            ..current.clone()
        }
    }
}

// ---- fields ----

/// A display text (name, rpName): trimmed, 1 to 100 characters, no control characters.
fn text_field(fields: &Fields, key: &str) -> FieldResult<Option<String>> {
    let Some(raw) = str_field(fields, key)? else { return Ok(None) };
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::invalid_request(format!("`{key}` must be 1 to {MAX_TEXT_CHARS} characters")));
    }
    if text.chars().any(char::is_control) {
        return Err(ApiError::invalid_request(format!("`{key}` must not contain control characters (such as line breaks)")));
    }
    Ok(Some(text.to_owned()))
}

/// `branding` (`tenancy::branding`).
fn branding_field(fields: &Fields) -> FieldResult<Option<BrandingPatch>> {
    fields.get("branding").map(BrandingPatch::from_json).transpose()
}

/// `eventRetentionDays`: a whole number of days from 1 to 3650.
fn retention_field(fields: &Fields) -> FieldResult<Option<u32>> {
    match fields.get("eventRetentionDays") {
        None => Ok(None),
        Some(value) => match value.as_u64() {
            Some(days) if (1..=u64::from(MAX_EVENT_RETENTION_DAYS)).contains(&days) => Ok(Some(days as u32)),
            _ => Err(ApiError::invalid_request(format!("`eventRetentionDays` must be a whole number of days from 1 to {MAX_EVENT_RETENTION_DAYS}"))),
        },
    }
}

/// The top-level fields whose values differ between two passkey configs (API names), for the
/// `application.updated` event of `PUT .../auth/passkey`.
pub fn changed_config_fields(before: &PasskeyConfig, after: &PasskeyConfig) -> Vec<String> {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) = (serde_json::to_value(before), serde_json::to_value(after)) else { return Vec::new() };
    b.iter().filter(|(k, v)| a.get(*k) != Some(*v)).map(|(k, _)| k.clone()).collect()
}

fn origins_field(fields: &Fields, rp_id: &str) -> FieldResult<Option<Vec<String>>> {
    let origins = list_field(fields, "origins", MAX_LIST_LEN, |s| origin(s, rp_id))?;
    if origins.as_ref().is_some_and(Vec::is_empty) {
        return Err(ApiError::invalid_request("`origins` must list at least one origin"));
    }
    Ok(origins)
}

/// Hostnames: each the rpId itself or a name under it (a hostname outside the rpId could never
/// serve the application's passkeys, and would only take a host from someone else).
fn hostnames_field(fields: &Fields, rp_id: &str) -> FieldResult<Option<Vec<String>>> {
    list_field(fields, "hostnames", MAX_LIST_LEN, |s| {
        let host = s.to_ascii_lowercase();
        check_site_name(&host)?;
        if host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
            return Err(format!("must be the rpId \"{rp_id}\" or a name under it"));
        }
        Ok(host)
    })
}

fn redirect_uris_field(fields: &Fields) -> FieldResult<Option<Vec<String>>> {
    list_field(fields, "redirectUris", MAX_LIST_LEN, |s| redirect_uri(s).map(|()| s.to_owned()))
}

/// The relying party id: "localhost" or a domain name of two or more labels, never an IP address.
/// Lowercased (domain names are case-insensitive and browsers compare the lowercase form).
fn rp_id(given: &str) -> FieldResult<String> {
    let id = given.to_ascii_lowercase();
    check_site_name(&id).map_err(|why| ApiError::invalid_request(format!("`rpId`: {}: {why}", quoted(given))))?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn new_app(body: Value) -> Result<NewApplication, String> {
        NewApplication::from_json(&body).map_err(|e| e.message)
    }

    /// The application "Shop" of example.com, with the defaults.
    fn shop() -> Application {
        Application {
            id: "app_1".into(),
            name: "Shop".into(),
            rp_id: "example.com".into(),
            rp_name: "Shop".into(),
            origins: vec!["https://example.com".into()],
            hostnames: vec![],
            redirect_uris: vec![],
            passkey: PasskeyConfig::default(),
            event_retention_days: 90,
            branding: Branding::default(),
            webhooks: false,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn minimal() -> Value {
        json!({"name": "Shop", "rpId": "example.com", "origins": ["https://example.com"]})
    }

    fn with(mut body: Value, key: &str, value: Value) -> Value {
        body[key] = value;
        body
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
            "hostnames": ["Login.example.com", "auth.example.com"],
            "redirectUris": ["https://app.example.com/cb?x=1", "http://localhost:3000/cb", "com.example.app:/oauth"]
        }))
        .unwrap();
        assert_eq!(app.name, "Shop");
        assert_eq!(app.rp_id, "example.com");
        assert_eq!(app.rp_name, "Shop Inc.");
        assert_eq!(app.origins, vec!["https://example.com", "https://login.example.com", "https://a.example.com:8443"]);
        assert_eq!(app.hostnames, vec!["login.example.com", "auth.example.com"]);
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
        for bad in [
            "",
            "com",
            "127.0.0.1",
            "[::1]",
            "::1",
            "example.com.",
            ".example.com",
            "-a.com",
            "a-.com",
            "ex ample.com",
            "bücher.example",
            "example.com:443",
            "https://example.com",
            "example.com/x",
            "a..com",
            "under_score.com",
        ] {
            assert!(rp(bad).unwrap_err().contains("`rpId`"), "{bad}");
        }
        assert!(rp(&format!("{}.com", "a".repeat(64))).is_err());
        assert!(rp(&format!("{}.com", "a".repeat(63))).is_ok());
    }

    #[test]
    fn origins() {
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
        assert_eq!(hosts(json!(["example.com", "Auth.Example.com"])).unwrap().hostnames, vec!["example.com", "auth.example.com"]);
        for bad in ["auth.example.com:443", "https://auth.example.com", "127.0.0.1", "auth", "", "a b.com", "auth.example.com/"] {
            assert!(hosts(json!([bad])).unwrap_err().contains("`hostnames`"), "{bad}");
        }
        // Only the rpId and names under it.
        for outside in ["localhost", "other.com", "notexample.com", "example.com.evil.com", "x.workers.dev"] {
            let msg = hosts(json!([outside])).unwrap_err();
            assert!(msg.contains("`hostnames`") && msg.contains("rpId"), "{outside}: {msg}");
        }
        let local =
            new_app(json!({"name": "x", "rpId": "localhost", "origins": ["http://localhost:8787"], "hostnames": ["localhost", "shop.localhost"]}));
        assert_eq!(local.unwrap().hostnames, vec!["localhost", "shop.localhost"]);
        let patch = ApplicationPatch::from_json(&json!({"hostnames": ["auth.other.com"]}), "example.com").unwrap_err().message;
        assert!(patch.contains("rpId"), "{patch}");
    }

    #[test]
    fn redirect_uris() {
        // Kept exactly as given.
        let app = new_app(with(minimal(), "redirectUris", json!(["https://App.example.com/CB"]))).unwrap();
        assert_eq!(app.redirect_uris, vec!["https://App.example.com/CB"]);
        assert!(new_app(with(minimal(), "redirectUris", json!(["javascript:alert(1)"]))).unwrap_err().contains("`redirectUris`"));
    }

    #[test]
    fn application_patch() {
        let current = Application { hostnames: vec!["auth.example.com".into()], created_at: 1, updated_at: 2, ..shop() };
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
        let app = Application { updated_at: 1_700_000_000_123, ..shop() };
        let v = serde_json::to_value(&app).unwrap();
        assert_eq!(v["rpId"], "example.com");
        assert_eq!(v["rpName"], "Shop");
        assert_eq!(v["redirectUris"], json!([]));
        assert_eq!(v["passkey"]["timeoutMs"], 300000);
        assert_eq!(v["createdAt"], "1970-01-01T00:00:00.000Z");
        assert_eq!(v["updatedAt"], "2023-11-14T22:13:20.123Z");
        assert_eq!(v["eventRetentionDays"], 90);
        assert_eq!(v["branding"], json!({"logoUrl": null, "primaryColor": null, "supportUrl": null}));
        assert_eq!(v.as_object().unwrap().len(), 12);
    }

    #[test]
    fn branding_on_create_and_patch() {
        let app = new_app(with(minimal(), "branding", json!({"primaryColor": "#00AA00"}))).unwrap();
        assert_eq!(app.branding, Branding { primary_color: Some("#00aa00".into()), ..Branding::default() });
        assert_eq!(new_app(minimal()).unwrap().branding, Branding::default());
        assert!(new_app(with(minimal(), "branding", json!({"logoUrl": "http://x.example/l.png"}))).unwrap_err().contains("`branding.logoUrl`"));
        let current = Application { branding: Branding { support_url: Some("https://help.example.com".into()), ..Branding::default() }, ..shop() };
        let patch =
            ApplicationPatch::from_json(&json!({"branding": {"supportUrl": null, "logoUrl": "https://cdn.example.com/l.png"}}), "example.com")
                .unwrap();
        assert_eq!(patch.changed_fields(&current), vec!["branding"]);
        assert_eq!(patch.apply(&current).branding, Branding { logo_url: Some("https://cdn.example.com/l.png".into()), ..Branding::default() });
        let same = ApplicationPatch::from_json(&json!({"branding": {"supportUrl": "https://help.example.com"}}), "example.com").unwrap();
        assert!(same.changed_fields(&current).is_empty());
        let bad = ApplicationPatch::from_json(&json!({"branding": {"primaryColor": "blue"}}), "example.com").unwrap_err();
        assert!(bad.message.contains("`branding.primaryColor`"));
    }

    #[test]
    fn event_retention_days_defaults_bounds_and_changes() {
        assert_eq!(new_app(minimal()).unwrap().event_retention_days, DEFAULT_EVENT_RETENTION_DAYS);
        assert_eq!(new_app(with(minimal(), "eventRetentionDays", json!(1))).unwrap().event_retention_days, 1);
        assert_eq!(new_app(with(minimal(), "eventRetentionDays", json!(3650))).unwrap().event_retention_days, 3650);
        for bad in [json!(0), json!(3651), json!(-1), json!(1.5), json!("90"), json!(null), json!(true), json!(u64::MAX)] {
            assert!(new_app(with(minimal(), "eventRetentionDays", bad.clone())).unwrap_err().contains("`eventRetentionDays`"), "{bad}");
            let patched = ApplicationPatch::from_json(&json!({ "eventRetentionDays": bad }), "example.com");
            assert!(patched.unwrap_err().message.contains("`eventRetentionDays`"));
        }
        let current = shop();
        let patch = ApplicationPatch::from_json(&json!({"eventRetentionDays": 30, "name": "Shop", "rpName": "New"}), "example.com").unwrap();
        assert_eq!(patch.apply(&current).event_retention_days, 30);
        assert_eq!(patch.changed_fields(&current), vec!["rpName", "eventRetentionDays"]);
        assert!(ApplicationPatch::from_json(&json!({}), "example.com").unwrap().changed_fields(&current).is_empty());
        let mut after = PasskeyConfig::default();
        after.enabled = !after.enabled;
        assert_eq!(changed_config_fields(&PasskeyConfig::default(), &after), vec!["enabled".to_owned()]);
        assert!(changed_config_fields(&after, &after).is_empty());
    }

    #[test]
    fn error_messages_quote_safely() {
        let msg = new_app(with(minimal(), "origins", json!(["https://exa\nmple.com"]))).unwrap_err();
        assert!(!msg.contains('\n'));
        let long = format!("https://{}.com", "a".repeat(300));
        assert!(new_app(with(minimal(), "origins", json!([long]))).unwrap_err().contains('…'));
    }
}
