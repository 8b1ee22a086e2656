//! The names of passkey providers by AAGUID ("iCloud Keychain", "Google Password Manager", ...),
//! from `data/passkey-provider-aaguids.json` (the community list kept by passkeydeveloper),
//! compiled into the binary and read where it lies: a lookup finds the AAGUID's key in the text
//! (no JSON parser, no map in the Worker). The unit tests prove the reading gives, for every entry,
//! what a JSON parser gives.

const AAGUID_LIST: &str = include_str!("../../data/passkey-provider-aaguids.json");

/// The provider's name for an AAGUID in its hyphenated form (any case), if the list knows it.
pub fn provider_name(aaguid: &str) -> Option<&'static str> {
    // Every key of the list is a hyphenated lowercase AAGUID (a test checks): anything else is
    // not in it. The check also keeps the key searched for free of quotes.
    if aaguid.len() != 36 || !aaguid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        return None;
    }
    let key = format!("\"{}\"", aaguid.to_ascii_lowercase());
    // Names hold no quote, backslash or brace (a test checks): the key's object ends at the next
    // `}`, and its name is the text between the quotes after `"name":`.
    let rest = &AAGUID_LIST[AAGUID_LIST.find(&key)? + key.len()..];
    let entry = &rest[..rest.find('}')?];
    let name = entry[entry.find("\"name\"")? + 6..].trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    Some(&name[..name.find('"')?])
}

/// An AAGUID's hyphenated lowercase form, as the API shows it and the list keys it.
pub fn aaguid_string(aaguid: &[u8; 16]) -> String {
    uuid::Uuid::from_bytes(*aaguid).hyphenated().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Provider {
        name: String,
    }

    /// What a JSON parser reads: every entry's name, by key.
    fn parsed() -> std::collections::HashMap<String, Provider> {
        serde_json::from_str(AAGUID_LIST).unwrap()
    }

    #[test]
    fn every_entry_reads_as_a_json_parser_reads_it() {
        let list = parsed();
        assert!(list.len() > 10);
        // No key twice (a parser keeps the last, the lookup the first).
        assert_eq!(AAGUID_LIST.matches("\"name\"").count(), list.len());
        for (aaguid, provider) in &list {
            assert_eq!(aaguid.len(), 36);
            assert!(aaguid.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f' | b'-')), "{aaguid}");
            assert!(!provider.name.contains(['"', '\\', '}']), "{}", provider.name);
            assert_eq!(provider_name(aaguid), Some(provider.name.as_str()));
            assert_eq!(provider_name(&aaguid.to_ascii_uppercase()), Some(provider.name.as_str()));
        }
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
