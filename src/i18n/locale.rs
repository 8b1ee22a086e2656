//! Which supported language a request gets: an explicit choice (OpenID Connect's `ui_locales`, a
//! space-separated list in order of preference, or the pages' `lang`) first, then the browser's
//! `Accept-Language` by its weights, then English. Tags match by their primary subtag
//! (`de-CH` is German), case-insensitively.

/// A language the pages and the mail are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locale {
    En,
    De,
    Fr,
    Es,
    Ja,
}

impl Locale {
    pub const ALL: [Locale; 5] = [Locale::En, Locale::De, Locale::Fr, Locale::Es, Locale::Ja];

    /// The BCP 47 tag (`<html lang>`, the catalogue's file name, `users.locale`).
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::De => "de",
            Locale::Fr => "fr",
            Locale::Es => "es",
            Locale::Ja => "ja",
        }
    }

    /// The supported language of a BCP 47 tag (`fr`, `fr-CA`, `FR_ca`), if any.
    pub fn of_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Locale::ALL.into_iter().find(|l| primary.eq_ignore_ascii_case(l.tag()))
    }

    /// The language for an explicit choice (`ui_locales` or `lang`, either may list several
    /// tags) or else an `Accept-Language` header; English when neither names a supported one.
    pub fn negotiate(explicit: Option<&str>, accept_language: Option<&str>) -> Locale {
        Locale::requested(explicit, accept_language).unwrap_or(Locale::En)
    }

    /// The supported language the choice or the header names, `None` when they name none (a
    /// request without a language preference, e.g. a server's `Accept-Language: *`).
    pub fn requested(explicit: Option<&str>, accept_language: Option<&str>) -> Option<Locale> {
        explicit.and_then(|list| list.split([' ', ',']).find_map(Locale::of_tag)).or_else(|| accept_language.and_then(from_accept_language))
    }
}

/// The best supported language of an `Accept-Language` value (RFC 9110 12.5.4): highest weight
/// first, the header's order among equal weights, `q=0` meaning "not this one".
fn from_accept_language(header: &str) -> Option<Locale> {
    let mut best: Option<(u16, Locale)> = None;
    for item in header.split(',').take(32) {
        let mut parts = item.split(';');
        let Some(locale) = parts.next().and_then(Locale::of_tag) else { continue };
        let weight = parts.find_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q="))).map_or(Some(1000), weight);
        let Some(weight) = weight else { continue };
        if weight > 0 && best.is_none_or(|(w, _)| weight > w) {
            best = Some((weight, locale));
        }
    }
    best.map(|(_, locale)| locale)
}

/// A quality value in thousandths ("1", "0.8", "0.125"); `None` when malformed.
fn weight(q: &str) -> Option<u16> {
    let (int, frac) = q.trim().split_once('.').unwrap_or((q.trim(), ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = frac.bytes().chain(std::iter::repeat(b'0')).take(3).fold(0u16, |n, b| n * 10 + u16::from(b - b'0'));
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_choice_wins_over_the_browser() {
        assert_eq!(Locale::negotiate(Some("ja"), Some("de")), Locale::Ja);
        assert_eq!(Locale::negotiate(Some("zh-Hant fr-CA de"), Some("es")), Locale::Fr);
        // Nothing supported in the explicit list: the browser's languages decide.
        assert_eq!(Locale::negotiate(Some("zh ko"), Some("es-MX,es;q=0.9")), Locale::Es);
        assert_eq!(Locale::negotiate(Some(""), None), Locale::En);
    }

    #[test]
    fn accept_language_by_weight_then_order() {
        assert_eq!(Locale::negotiate(None, Some("de-CH, fr;q=0.9, en;q=0.8")), Locale::De);
        assert_eq!(Locale::negotiate(None, Some("en;q=0.5, ja;q=0.8")), Locale::Ja);
        assert_eq!(Locale::negotiate(None, Some("zh-CN,zh;q=0.9,fr;q=0.4,es;q=0.4")), Locale::Fr);
        assert_eq!(Locale::negotiate(None, Some("FR-be")), Locale::Fr);
        assert_eq!(Locale::negotiate(None, Some("es_ES")), Locale::Es);
    }

    #[test]
    fn refused_malformed_and_unknown_languages_fall_back_to_english() {
        assert_eq!(Locale::negotiate(None, Some("de;q=0, *;q=0.1")), Locale::En);
        assert_eq!(Locale::negotiate(None, Some("de;q=2, fr;q=abc, ja;q=0.0001")), Locale::En);
        assert_eq!(Locale::negotiate(None, Some("pt-BR, ko")), Locale::En);
        assert_eq!(Locale::negotiate(None, Some(";;;,,,")), Locale::En);
        assert_eq!(Locale::negotiate(None, None), Locale::En);
        assert_eq!(Locale::requested(None, Some("*")), None);
        assert_eq!(Locale::requested(None, Some("pt, de;q=0.5")), Some(Locale::De));
        assert_eq!(Locale::of_tag("deutsch"), None);
    }

    #[test]
    fn weights() {
        assert_eq!(weight("1"), Some(1000));
        assert_eq!(weight("1.000"), Some(1000));
        assert_eq!(weight("0.125"), Some(125));
        assert_eq!(weight("0.8"), Some(800));
        assert_eq!(weight("0"), Some(0));
        assert_eq!(weight("1.5"), None);
        assert_eq!(weight("-0.5"), None);
    }
}
