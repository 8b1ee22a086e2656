//! One language's words for one audience (the pages or the mail): a flat JSON object of
//! `"key": "text"`, where a text may name values in braces (`"{app} verification code"`), filled
//! in by `fill`. A key a catalogue lacks reads as the key itself (a native test keeps every
//! catalogue complete, so that only shows a mistake).

pub struct Catalogue {
    /// The catalogue as shipped (the pages embed it for their script).
    pub source: String,
    /// In the source's order; looked up one by one (a catalogue holds a few dozen texts, and a
    /// map would bring its own code into the wasm).
    texts: Vec<(String, String)>,
}

impl Catalogue {
    /// Parses a catalogue; `None` unless it is a JSON object of strings.
    pub fn parse(source: String) -> Option<Catalogue> {
        let texts: std::collections::BTreeMap<String, String> = serde_json::from_str(&source).ok()?;
        Some(Catalogue { source, texts: texts.into_iter().collect() })
    }

    /// A catalogue whose `source` was parsed elsewhere (the Worker uses the JS engine's parser).
    pub fn from_entries(source: String, texts: Vec<(String, String)>) -> Catalogue {
        Catalogue { source, texts }
    }

    pub fn text<'a>(&'a self, key: &'a str) -> &'a str {
        self.texts.iter().find(|(k, _)| k == key).map_or(key, |(_, text)| text.as_str())
    }

    /// The text of `key` with each `{name}` replaced by its value (values are not read again).
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        fill(self.text(key), values)
    }

    /// The keys, in the source's order (for the completeness checks).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.texts.iter().map(|(k, _)| k.as_str())
    }
}

/// `template` with each `{name}` of `values` replaced in one pass; other braces stay as they are.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}').and_then(|end| values.iter().find(|(name, _)| *name == &after[..end]).map(|(_, v)| (end, v))) {
            Some((end, value)) => {
                out.push_str(value);
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn fills_named_values_once() {
        assert_eq!(fill("{code} is your {app} code", &[("app", "{code}"), ("code", "1")]), "1 is your {code} code");
        assert_eq!(fill("{unknown} {app", &[("app", "x")]), "{unknown} {app");
        assert_eq!(fill("", &[]), "");
    }

    #[test]
    fn parses_only_objects_of_strings() {
        let c = Catalogue::parse(r#"{"a": "A {x}"}"#.to_owned()).unwrap();
        assert_eq!(c.fill("a", &[("x", "1")]), "A 1");
        assert_eq!(c.text("missing"), "missing");
        assert!(Catalogue::parse(r#"{"a": 1}"#.to_owned()).is_none());
        assert!(Catalogue::parse("[]".to_owned()).is_none());
        assert!(Catalogue::parse("{".to_owned()).is_none());
    }

    /// Every shipped catalogue parses, has exactly English's keys, and names the same values.
    #[test]
    fn catalogues_are_complete() {
        for audience in ["pages", "mail"] {
            let read = |l: Locale| {
                let path = format!("{}/src/i18n/catalogues/{audience}/{}.json", env!("CARGO_MANIFEST_DIR"), l.tag());
                let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
                Catalogue::parse(source).unwrap_or_else(|| panic!("{path}: not a JSON object of strings"))
            };
            let english = read(Locale::En);
            for locale in Locale::ALL {
                let other = read(locale);
                assert_eq!(other.keys().collect::<Vec<_>>(), english.keys().collect::<Vec<_>>(), "{audience}/{}.json keys", locale.tag());
                for key in english.keys() {
                    assert_eq!(names(other.text(key)), names(english.text(key)), "{audience}/{}.json {key}: named values", locale.tag());
                }
            }
        }
    }

    fn names(text: &str) -> Vec<&str> {
        let mut names: Vec<&str> = text.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(n, _)| n)).collect();
        names.sort_unstable();
        names
    }
}
