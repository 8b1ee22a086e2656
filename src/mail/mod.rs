//! The mail the service sends: the words of each message (in the language of a mail catalogue,
//! `crate::i18n`) and the checked, single-line fields the `send_email` binding's structured form
//! takes; and the HTML escaping that mail and the hosted pages share.

pub mod device;
pub mod html;
pub mod message;
pub mod notice;
pub mod verification;

/// Subject, plain text and HTML of one message.
pub struct MailContent {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The shipped mail catalogue of `lang`, for tests.
#[cfg(test)]
pub(crate) fn test_words(lang: &str) -> crate::i18n::Catalogue {
    let path = format!("{}/src/i18n/catalogues/mail/{lang}.json", env!("CARGO_MANIFEST_DIR"));
    crate::i18n::Catalogue::parse(std::fs::read_to_string(path).unwrap()).unwrap()
}
