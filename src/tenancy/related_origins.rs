//! Where an application's passkeys may be used beyond its own `origins`, and the files that say
//! so to browsers and phones: other web origins (WebAuthn Related Origin Requests:
//! `relatedOrigins`, listed by `/.well-known/webauthn` on the rpId's host), Android apps
//! (`androidApps`: each signing certificate's `android:apk-key-hash:` origin, and the Digital
//! Asset Links file `/.well-known/assetlinks.json`) and Apple apps (`appleAppIds`, the
//! `webcredentials` of `/.well-known/apple-app-site-association`; their ceremonies carry the
//! rpId's own https origin). Parsed from `PUT .../auth/passkey`, kept in the passkey config.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::contract::error::ApiError;
use crate::contract::json_fields::{list_field, quoted, FieldResult, Fields};
use crate::tenancy::web_address::any_origin;
use crate::webauthn::base64url;

/// Most related origins, Android apps and Apple apps an application may list.
pub const MAX_RELATED_ORIGINS: usize = 20;
pub const MAX_NATIVE_APPS: usize = 10;

/// An Android app allowed to use the application's passkeys: its package and the SHA-256
/// fingerprint of one signing certificate (`AB:CD:...`, 32 bytes, upper case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AndroidApp {
    pub package_name: String,
    pub sha256_cert_fingerprint: String,
}

impl AndroidApp {
    /// The origin its passkey ceremonies carry (`clientDataJSON.origin`).
    pub fn origin(&self) -> String {
        let bytes: Vec<u8> = self.sha256_cert_fingerprint.split(':').filter_map(|b| u8::from_str_radix(b, 16).ok()).collect();
        format!("android:apk-key-hash:{}", base64url::encode(&bytes))
    }
}

// What the rest of the Worker asks of an application's origins (kept here, beside the rules).
impl crate::tenancy::application::Application {
    /// Every origin its ceremonies may come from: `origins`, related origins, Android apps.
    pub fn accepted_origins(&self) -> Vec<String> {
        accepted_origins(&self.origins, &self.passkey.related_origins, &self.passkey.android_apps)
    }

    /// Whether pages of web origin `origin` may call its API (CORS): its own or a related one.
    pub fn allows_web_origin(&self, origin: &str) -> bool {
        self.origins.iter().chain(&self.passkey.related_origins).any(|o| o == origin)
    }
}

/// Every origin a ceremony of the application may come from: its `origins`, its related
/// origins and its Android apps' origins.
pub fn accepted_origins(origins: &[String], related: &[String], android: &[AndroidApp]) -> Vec<String> {
    origins.iter().chain(related).cloned().chain(android.iter().map(AndroidApp::origin)).collect()
}

/// `/.well-known/webauthn` of the rpId's host: the web origins that may use its passkeys.
pub fn webauthn_document(origins: &[String], related: &[String]) -> Value {
    let mut all: Vec<&String> = origins.iter().collect();
    all.extend(related.iter().filter(|o| !origins.contains(o)));
    json!({ "origins": all })
}

/// `/.well-known/assetlinks.json`: the Android apps that may use the rpId's credentials.
pub fn asset_links(apps: &[AndroidApp]) -> Value {
    let statements: Vec<Value> = apps
        .iter()
        .map(|app| {
            json!({
                "relation": ["delegate_permission/common.handle_all_urls", "delegate_permission/common.get_login_creds"],
                "target": {"namespace": "android_app", "package_name": app.package_name, "sha256_cert_fingerprints": [app.sha256_cert_fingerprint]},
            })
        })
        .collect();
    Value::Array(statements)
}

/// `/.well-known/apple-app-site-association`: the Apple apps (`TEAMID.bundle.id`) that may use
/// the rpId's passkeys.
pub fn apple_app_site_association(app_ids: &[String]) -> Value {
    json!({ "webcredentials": { "apps": app_ids } })
}

/// `relatedOrigins`: web origins of other sites (https, or http for localhost).
pub fn related_origins_field(fields: &Fields) -> FieldResult<Option<Vec<String>>> {
    list_field(fields, "relatedOrigins", MAX_RELATED_ORIGINS, any_origin)
}

/// `appleAppIds`: `TEAMID.bundle.id`, a 10-character team id (upper-case letters and digits).
pub fn apple_app_ids_field(fields: &Fields) -> FieldResult<Option<Vec<String>>> {
    list_field(fields, "appleAppIds", MAX_NATIVE_APPS, |id| {
        let (team, bundle) = id.split_once('.').ok_or("must be TEAMID.bundle.id")?;
        let team_ok = team.len() == 10 && team.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        let bundle_ok = !bundle.is_empty() && bundle.len() <= 155 && bundle.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if team_ok && bundle_ok {
            Ok(id.to_owned())
        } else {
            Err("must be TEAMID.bundle.id: a 10-character team id (A-Z, 0-9), a dot, a bundle id (letters, digits, . and -)".into())
        }
    })
}

/// `androidApps`: `[{packageName, sha256CertFingerprint}]`.
pub fn android_apps_field(fields: &Fields) -> FieldResult<Option<Vec<AndroidApp>>> {
    let Some(given) = fields.get("androidApps") else { return Ok(None) };
    let bad = |why: String| ApiError::invalid_request(format!("`androidApps`: {why}"));
    let items = given.as_array().ok_or_else(|| bad("must be an array of {packageName, sha256CertFingerprint}".into()))?;
    if items.len() > MAX_NATIVE_APPS {
        return Err(bad(format!("may list at most {MAX_NATIVE_APPS} apps")));
    }
    let mut apps: Vec<AndroidApp> = Vec::with_capacity(items.len());
    for item in items {
        let text = |key: &str| item.get(key).and_then(Value::as_str);
        let (Some(package), Some(fingerprint)) = (text("packageName"), text("sha256CertFingerprint")) else {
            return Err(bad("each app is {packageName, sha256CertFingerprint}, both strings".into()));
        };
        if item.as_object().is_some_and(|o| o.len() != 2) {
            return Err(bad("each app has exactly the fields packageName and sha256CertFingerprint".into()));
        }
        let app = AndroidApp {
            package_name: package_name(package).map_err(|why| bad(format!("{}: {why}", quoted(package))))?,
            sha256_cert_fingerprint: fingerprint_field(fingerprint)
                .ok_or_else(|| bad(format!("{}: a SHA-256 fingerprint is 32 bytes in hex, colon separated (AB:CD:...)", quoted(fingerprint))))?,
        };
        if !apps.contains(&app) {
            apps.push(app);
        }
    }
    Ok(Some(apps))
}

/// An Android application id: two or more dot-separated segments, each a letter then letters,
/// digits or underscores.
fn package_name(name: &str) -> Result<String, String> {
    let segment_ok = |s: &str| s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if name.len() <= 255 && name.split('.').count() >= 2 && name.split('.').all(segment_ok) {
        Ok(name.to_owned())
    } else {
        Err("must be an Android package name such as com.example.app".into())
    }
}

/// 32 bytes of hex, with or without colons, in the upper-case colon form.
fn fingerprint_field(given: &str) -> Option<String> {
    let hex: String = given.chars().filter(|&c| c != ':').collect();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) || (given.contains(':') && given.len() != 95) {
        return None;
    }
    let upper = hex.to_ascii_uppercase();
    Some(upper.as_bytes().chunks(2).map(|pair| String::from_utf8_lossy(pair).into_owned()).collect::<Vec<_>>().join(":"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::json_fields::into_object;

    const PRINT: &str = "FA:C6:17:45:DC:09:03:78:6F:B9:ED:E6:2A:96:2B:39:9F:73:48:F0:BB:6F:89:9B:83:32:66:75:91:03:3B:9C";

    fn fields(v: Value) -> Fields {
        into_object(v).unwrap()
    }

    #[test]
    fn android_origin_is_the_base64url_of_the_certificate_digest() {
        let app = AndroidApp { package_name: "com.example.app".into(), sha256_cert_fingerprint: PRINT.into() };
        // The digest's bytes, base64url without padding (as Android's Credential Manager sends it).
        assert_eq!(app.origin(), "android:apk-key-hash:-sYXRdwJA3hvue3mKpYrOZ9zSPC7b4mbgzJmdZEDO5w");
    }

    #[test]
    fn android_apps_are_checked_and_normalized() {
        let lower = PRINT.to_ascii_lowercase().replace(':', "");
        let apps = android_apps_field(&fields(json!({"androidApps": [{"packageName": "com.example.app", "sha256CertFingerprint": lower}]})))
            .unwrap()
            .unwrap();
        assert_eq!(apps[0].sha256_cert_fingerprint, PRINT);
        for bad in [
            json!("com.example.app"),
            json!([{"packageName": "com.example.app"}]),
            json!([{"packageName": "example", "sha256CertFingerprint": PRINT}]),
            json!([{"packageName": "com.1x.app", "sha256CertFingerprint": PRINT}]),
            json!([{"packageName": "com.example.app", "sha256CertFingerprint": "AB:CD"}]),
            json!([{"packageName": "com.example.app", "sha256CertFingerprint": PRINT.replacen(':', "", 3)}]),
            json!([{"packageName": "com.example.app", "sha256CertFingerprint": PRINT, "extra": 1}]),
        ] {
            assert!(android_apps_field(&fields(json!({ "androidApps": bad }))).is_err(), "{bad}");
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
        assert_eq!(webauthn_document(&origins, &related), json!({"origins": ["https://example.com", "https://example.de"]}));
        let app = AndroidApp { package_name: "com.example.app".into(), sha256_cert_fingerprint: PRINT.into() };
        assert_eq!(asset_links(std::slice::from_ref(&app))[0]["target"]["sha256_cert_fingerprints"][0], PRINT);
        assert_eq!(apple_app_site_association(&["ABCDE12345.com.example.app".into()])["webcredentials"]["apps"][0], "ABCDE12345.com.example.app");
        let accepted = accepted_origins(&origins, &related[..1], &[app]);
        assert_eq!(accepted.len(), 3);
        assert!(accepted[2].starts_with("android:apk-key-hash:"));
    }
}
