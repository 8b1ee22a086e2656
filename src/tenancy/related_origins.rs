//! Where an application's passkeys may be used beyond its own `origins`, and the files that say
//! so: other web origins (WebAuthn Related Origin Requests: `relatedOrigins`, listed by
//! `/.well-known/webauthn` on the rpId's host), Android apps (`nativeOrigins`: their
//! `android:apk-key-hash:` origins) and Apple apps (`appleAppIds`, the `webcredentials` of
//! `/.well-known/apple-app-site-association`; their ceremonies carry the rpId's own https
//! origin). Parsed from `PUT .../auth/passkey`, kept in the passkey config. Lists of strings
//! only, read with the config's other lists: an object per app would cost the Worker about
//! 3 KiB of deserializing code.

use serde::Serialize;

use crate::contract::json_fields::{list_field, FieldResult, Fields};
use crate::tenancy::web_address::any_origin;

/// Most related origins, Android origins and Apple apps an application may list.
pub const MAX_RELATED_ORIGINS: usize = 20;
pub const MAX_NATIVE_APPS: usize = 10;

const ANDROID_PREFIX: &str = "android:apk-key-hash:";

// What the rest of the Worker asks of an application's origins (kept here, beside the rules).
impl crate::tenancy::application::Application {
    /// Every origin its ceremonies may come from: `origins`, related origins, Android apps.
    pub fn accepted_origins(&self) -> Vec<String> {
        let config = &self.passkey;
        [&self.origins, &config.related_origins, &config.native_origins].into_iter().flatten().cloned().collect()
    }

    /// Whether pages of web origin `origin` may call its API (CORS): its own or a related one.
    pub fn allows_web_origin(&self, origin: &str) -> bool {
        self.origins.iter().chain(&self.passkey.related_origins).any(|o| o == origin)
    }
}

/// `/.well-known/webauthn` of the rpId's host: the web origins that may use its passkeys.
#[derive(Serialize)]
pub struct WebauthnFile<'a> {
    pub origins: Vec<&'a String>,
}

impl<'a> WebauthnFile<'a> {
    pub fn of(origins: &'a [String], related: &'a [String]) -> Self {
        let mut all: Vec<&String> = origins.iter().collect();
        all.extend(related.iter().filter(|o| !origins.contains(o)));
        Self { origins: all }
    }
}

/// `/.well-known/apple-app-site-association`: `{"webcredentials": {"apps": [...]}}`.
#[derive(Serialize)]
pub struct AppleAppSiteAssociation<'a> {
    pub webcredentials: AppleApps<'a>,
}

#[derive(Serialize)]
pub struct AppleApps<'a> {
    pub apps: &'a [String],
}

/// `relatedOrigins`: web origins of other sites (https, or http for localhost).
pub fn related_origins_field(fields: &Fields) -> FieldResult<Option<Vec<String>>> {
    list_field(fields, "relatedOrigins", MAX_RELATED_ORIGINS, any_origin)
}

/// `nativeOrigins`: `android:apk-key-hash:` and the base64url (no padding) of the SHA-256
/// digest of an Android app's signing certificate, as Android's Credential Manager sends it.
pub fn native_origins_field(fields: &Fields) -> FieldResult<Option<Vec<String>>> {
    list_field(fields, "nativeOrigins", MAX_NATIVE_APPS, |origin| {
        let hash = origin.strip_prefix(ANDROID_PREFIX).unwrap_or_default();
        if hash.len() == 43 && hash.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            Ok(origin.to_owned())
        } else {
            Err("must be android:apk-key-hash: and the base64url (no padding) of the SHA-256 of the app's signing certificate".into())
        }
    })
}

/// `appleAppIds`: `TEAMID.bundle.id`, a 10-character team id (upper-case letters and digits).
pub fn apple_app_ids_field(fields: &Fields) -> FieldResult<Option<Vec<String>>> {
    list_field(fields, "appleAppIds", MAX_NATIVE_APPS, |id| {
        let (team, bundle) = id.split_once('.').unwrap_or_default();
        let team_ok = team.len() == 10 && team.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        let bundle_ok = !bundle.is_empty() && bundle.len() <= 155 && bundle.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if team_ok && bundle_ok {
            Ok(id.to_owned())
        } else {
            Err("must be TEAMID.bundle.id: a 10-character team id (A-Z, 0-9), a dot, a bundle id (letters, digits, . and -)".into())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::json_fields::into_object;
    use serde_json::{json, Value};

    fn fields(v: Value) -> Fields {
        into_object(v).unwrap()
    }

    #[test]
    fn native_origins_are_android_key_hashes() {
        let origin = "android:apk-key-hash:-sYXRdwJA3hvue3mKpYrOZ9zSPC7b4mbgzJmdZEDO5w";
        assert_eq!(native_origins_field(&fields(json!({ "nativeOrigins": [origin] }))).unwrap().unwrap(), vec![origin]);
        for bad in [
            "android:apk-key-hash:abc",
            "android:apk-key-hash:-sYXRdwJA3hvue3mKpYrOZ9zSPC7b4mbgzJmdZEDO5w=",
            "https://example.com",
            "ios:bundle-id:x",
            "",
        ] {
            assert!(native_origins_field(&fields(json!({ "nativeOrigins": [bad] }))).is_err(), "{bad}");
        }
    }

    #[test]
    fn related_origins_are_web_origins_of_any_site() {
        let got = related_origins_field(&fields(json!({"relatedOrigins": ["https://Shop.Example.DE:443", "http://localhost:8787"]}))).unwrap();
        assert_eq!(got.unwrap(), vec!["https://shop.example.de", "http://localhost:8787"]);
        for bad in ["http://shop.example", "https://shop.example/", "android:apk-key-hash:abc", "https://10.0.0.1"] {
            assert!(related_origins_field(&fields(json!({ "relatedOrigins": [bad] }))).is_err(), "{bad}");
        }
    }

    #[test]
    fn apple_app_ids() {
        assert!(apple_app_ids_field(&fields(json!({"appleAppIds": ["ABCDE12345.com.example.app"]}))).is_ok());
        for bad in ["com.example.app", "abcde12345.com.example.app", "ABCDE1234.x", "ABCDE12345.", "ABCDE12345.a b"] {
            assert!(apple_app_ids_field(&fields(json!({ "appleAppIds": [bad] }))).is_err(), "{bad}");
        }
    }

    #[test]
    fn documents() {
        let origins = vec!["https://example.com".to_owned()];
        let related = vec!["https://example.de".to_owned(), "https://example.com".to_owned()];
        assert_eq!(
            serde_json::to_value(WebauthnFile::of(&origins, &related)).unwrap(),
            json!({"origins": ["https://example.com", "https://example.de"]})
        );
        let apps = ["ABCDE12345.com.example.app".to_owned()];
        let aasa = AppleAppSiteAssociation { webcredentials: AppleApps { apps: &apps } };
        assert_eq!(serde_json::to_value(aasa).unwrap(), json!({"webcredentials": {"apps": ["ABCDE12345.com.example.app"]}}));
    }
}
