//! The names of passkey providers by AAGUID ("iCloud Keychain", "Google Password Manager", ...),
//! from `data/passkey-provider-aaguids.json` (the community list kept by passkeydeveloper),
//! compiled into the binary and parsed once on first use.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

const AAGUID_LIST: &str = include_str!("../../data/passkey-provider-aaguids.json");

#[derive(Deserialize)]
struct Provider {
    name: String,
}

fn providers() -> &'static HashMap<String, String> {
    static PROVIDERS: OnceLock<HashMap<String, String>> = OnceLock::new();
    PROVIDERS.get_or_init(|| {
        // The list is part of the source tree; a unit test proves it parses. Were it ever broken,
        // names would fall back to "Passkey" rather than fail requests.
        serde_json::from_str::<HashMap<String, Provider>>(AAGUID_LIST)
            .map(|list| list.into_iter().map(|(aaguid, p)| (aaguid.to_ascii_lowercase(), p.name)).collect())
            .unwrap_or_default()
    })
}

/// The provider's name for an AAGUID in its hyphenated form (any case), if the list knows it.
pub fn provider_name(aaguid: &str) -> Option<&'static str> {
    providers().get(&aaguid.to_ascii_lowercase()).map(String::as_str)
}

/// An AAGUID's hyphenated lowercase form, as the API shows it and the list keys it.
pub fn aaguid_string(aaguid: &[u8; 16]) -> String {
    uuid::Uuid::from_bytes(*aaguid).hyphenated().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_parses_completely() {
        let raw: serde_json::Map<String, serde_json::Value> = serde_json::from_str(AAGUID_LIST).unwrap();
        assert!(raw.len() > 10);
        assert_eq!(providers().len(), raw.len());
    }

    #[test]
    fn known_providers_are_named() {
        assert_eq!(provider_name("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4"), Some("Google Password Manager"));
        assert_eq!(provider_name("EA9B8D66-4D01-1D21-3CE4-B6B48CB575D4"), Some("Google Password Manager"));
        assert_eq!(provider_name("08987058-cadc-4b81-b6e1-30de50dcbe96"), Some("Windows Hello"));
        assert_eq!(provider_name("891494da-2c90-4d31-a9cd-4eab0aed1309"), Some("Sésame"));
    }

    #[test]
    fn unknown_and_zero_aaguids_have_no_name() {
        assert_eq!(provider_name(&aaguid_string(&[0u8; 16])), None);
        assert_eq!(provider_name("not an aaguid"), None);
        assert_eq!(provider_name(""), None);
    }

    #[test]
    fn aaguids_print_hyphenated_lowercase() {
        let bytes = [0xea, 0x9b, 0x8d, 0x66, 0x4d, 0x01, 0x1d, 0x21, 0x3c, 0xe4, 0xb6, 0xb4, 0x8c, 0xb5, 0x75, 0xd4];
        assert_eq!(aaguid_string(&bytes), "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4");
        assert_eq!(aaguid_string(&[0u8; 16]), "00000000-0000-0000-0000-000000000000");
    }
}
