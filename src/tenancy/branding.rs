//! An application's branding on its hosted pages: a logo (an absolute https URL, whose origin the
//! pages' Content-Security-Policy then allows for images, nothing broader), a primary colour
//! (`#rrggbb`) and a support link (https or `mailto:`). Each is optional; in a request body
//! `branding` is an object whose fields replace the stored ones, `null` clearing one (or, for
//! `branding` itself, all three). Every bad value is refused naming its field.

use serde::Serialize;
use serde_json::Value;

use super::web_address::any_origin;
use crate::contract::error::ApiError;
use crate::contract::json_fields::{refuse_unknown, FieldResult};

const MAX_URL_LEN: usize = 2048;
const FIELDS: &[&str] = &["logoUrl", "primaryColor", "supportUrl"];

/// The branding an application shows; all `None` by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Branding {
    pub logo_url: Option<String>,
    pub primary_color: Option<String>,
    pub support_url: Option<String>,
}

/// A change of `branding`: per field, `None` keeps it, `Some(None)` clears it, `Some(Some(v))` sets it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrandingPatch {
    pub logo_url: Option<Option<String>>,
    pub primary_color: Option<Option<String>>,
    pub support_url: Option<Option<String>>,
}

impl BrandingPatch {
    /// The value of a body's `branding` field: an object of the three fields, or `null` (clears all).
    pub fn from_json(value: &Value) -> FieldResult<Self> {
        let fields = match value {
            Value::Null => return Ok(BrandingPatch { logo_url: Some(None), primary_color: Some(None), support_url: Some(None) }),
            Value::Object(fields) => fields,
            _ => return Err(ApiError::invalid_request("`branding` must be an object (logoUrl, primaryColor, supportUrl) or null")),
        };
        refuse_unknown(fields, FIELDS, |_| None).map_err(|e| ApiError::invalid_request(format!("`branding`: {}", e.message)))?;
        let field = |key: &str, check: fn(&str) -> Result<String, &'static str>| -> FieldResult<Option<Option<String>>> {
            match fields.get(key) {
                None => Ok(None),
                Some(Value::Null) => Ok(Some(None)),
                Some(Value::String(s)) => check(s).map(|v| Some(Some(v))).map_err(|why| ApiError::invalid_request(format!("`branding.{key}` {why}"))),
                Some(_) => Err(ApiError::invalid_request(format!("`branding.{key}` must be a string or null"))),
            }
        };
        Ok(BrandingPatch {
            logo_url: field("logoUrl", logo_url)?,
            primary_color: field("primaryColor", primary_color)?,
            support_url: field("supportUrl", support_url)?,
        })
    }

    /// `current` with this patch's fields put in.
    pub fn apply(&self, current: &Branding) -> Branding {
        let pick = |new: &Option<Option<String>>, old: &Option<String>| new.clone().unwrap_or_else(|| old.clone());
        Branding {
            logo_url: pick(&self.logo_url, &current.logo_url),
            primary_color: pick(&self.primary_color, &current.primary_color),
            support_url: pick(&self.support_url, &current.support_url),
        }
    }
}

/// `logoUrl`: an absolute `https://` URL, no user name or password, at most 2048 characters,
/// ASCII without spaces or characters that would need quoting. Kept as given.
pub fn logo_url(url: &str) -> Result<String, &'static str> {
    const WHY: &str =
        "must be an absolute https URL (such as https://cdn.example.com/logo.png) without user name or password, at most 2048 characters";
    if url.len() > MAX_URL_LEN || !plain_ascii(url) {
        return Err(WHY);
    }
    logo_origin(url).map(|_| url.to_owned()).ok_or(WHY)
}

/// The origin (`https://host[:port]`) of a valid logo URL: what the pages' CSP allows for images.
pub fn logo_origin(url: &str) -> Option<String> {
    let rest = url.get(..8).filter(|s| s.eq_ignore_ascii_case("https://")).map(|_| &url[8..])?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return None;
    }
    any_origin(&format!("https://{authority}")).ok().filter(|o| o.starts_with("https://"))
}

/// `primaryColor`: `#rrggbb` (hex digits), stored lowercase.
pub fn primary_color(color: &str) -> Result<String, &'static str> {
    let hex = color.strip_prefix('#').filter(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    hex.map(|_| color.to_ascii_lowercase()).ok_or("must be a colour written #rrggbb (such as #2450d6)")
}

/// `supportUrl`: an absolute https URL (as `logoUrl`) or `mailto:` and an email address.
pub fn support_url(url: &str) -> Result<String, &'static str> {
    const WHY: &str = "must be an absolute https URL or mailto: followed by an email address, at most 2048 characters";
    if url.len() > MAX_URL_LEN || !plain_ascii(url) {
        return Err(WHY);
    }
    if let Some(address) = url.get(..7).filter(|s| s.eq_ignore_ascii_case("mailto:")).map(|_| &url[7..]) {
        let (local, domain) = address.split_once('@').ok_or(WHY)?;
        let ok = !local.is_empty() && !domain.is_empty() && !domain.contains('@') && !address.contains(['?', '&', ',', '/']);
        return if ok { Ok(url.to_owned()) } else { Err(WHY) };
    }
    logo_origin(url).map(|_| url.to_owned()).ok_or(WHY)
}

/// Printable ASCII without space, quotes, angle brackets, backslash or backtick.
fn plain_ascii(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b'\'' | b'<' | b'>' | b'\\' | b'`'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(value: Value) -> Result<BrandingPatch, String> {
        BrandingPatch::from_json(&value).map_err(|e| e.message)
    }

    #[test]
    fn accepts_good_values() {
        let p = patch(
            json!({"logoUrl": "https://CDN.example.com:443/a/logo.png?v=2", "primaryColor": "#AbCdEf", "supportUrl": "mailto:help@example.com"}),
        )
        .unwrap();
        let b = p.apply(&Branding::default());
        assert_eq!(b.logo_url.as_deref(), Some("https://CDN.example.com:443/a/logo.png?v=2"));
        assert_eq!(b.primary_color.as_deref(), Some("#abcdef"));
        assert_eq!(b.support_url.as_deref(), Some("mailto:help@example.com"));
        assert_eq!(logo_origin("https://CDN.example.com:443/a/logo.png").as_deref(), Some("https://cdn.example.com"));
        assert_eq!(logo_origin("https://img.example.com:8443").as_deref(), Some("https://img.example.com:8443"));
        assert!(support_url("https://example.com/help").is_ok());
    }

    #[test]
    fn null_clears_and_absent_keeps() {
        let current = Branding { logo_url: Some("https://a.example/l.png".into()), primary_color: Some("#000000".into()), support_url: None };
        let b = patch(json!({"primaryColor": null})).unwrap().apply(&current);
        assert_eq!(b, Branding { primary_color: None, ..current.clone() });
        assert_eq!(patch(json!(null)).unwrap().apply(&current), Branding::default());
        assert_eq!(patch(json!({})).unwrap().apply(&current), current);
    }

    #[test]
    fn refuses_bad_values_naming_the_field() {
        let long = format!("https://example.com/{}", "a".repeat(2048));
        for (body, field) in [
            (json!({"logoUrl": "http://example.com/logo.png"}), "branding.logoUrl"),
            (json!({"logoUrl": "https://user:pw@example.com/logo.png"}), "branding.logoUrl"),
            (json!({"logoUrl": "//example.com/logo.png"}), "branding.logoUrl"),
            (json!({"logoUrl": "https://exa mple.com/"}), "branding.logoUrl"),
            (json!({"logoUrl": "https://example.com/\"onerror="}), "branding.logoUrl"),
            (json!({"logoUrl": "https://10.0.0.1/logo.png"}), "branding.logoUrl"),
            (json!({"logoUrl": "https://*.example.com/logo.png"}), "branding.logoUrl"),
            (json!({"logoUrl": "data:image/png;base64,AAAA"}), "branding.logoUrl"),
            (json!({"logoUrl": long}), "branding.logoUrl"),
            (json!({"logoUrl": 1}), "branding.logoUrl"),
            (json!({"primaryColor": "red"}), "branding.primaryColor"),
            (json!({"primaryColor": "#12345"}), "branding.primaryColor"),
            (json!({"primaryColor": "#12345g"}), "branding.primaryColor"),
            (json!({"primaryColor": "#1234567"}), "branding.primaryColor"),
            (json!({"supportUrl": "javascript:alert(1)"}), "branding.supportUrl"),
            (json!({"supportUrl": "http://example.com/help"}), "branding.supportUrl"),
            (json!({"supportUrl": "mailto:"}), "branding.supportUrl"),
            (json!({"supportUrl": "mailto:a@b.example?cc=x@y.example"}), "branding.supportUrl"),
            (json!({"logo": "https://example.com/logo.png"}), "branding"),
            (json!("https://example.com/logo.png"), "branding"),
        ] {
            let message = patch(body.clone()).unwrap_err();
            assert!(message.contains(&format!("`{field}")), "{body}: {message}");
        }
    }
}
