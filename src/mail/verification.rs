//! The words of the email-verification mail: subject, plain text and HTML for a code, in the
//! language of the mail catalogue given.

use super::html::escape;
use super::MailContent;
use crate::i18n::Catalogue;

/// Subject, text and HTML of the mail that carries `code` for the application `app_name`.
pub fn verification_mail(words: &Catalogue, app_name: &str, code: &str, expires_minutes: i64) -> MailContent {
    let n = expires_minutes.to_string();
    let minutes = words.fill(if expires_minutes == 1 { "minutes.one" } else { "minutes.other" }, &[("n", &n)]);
    let subject = words.fill("verification.subject", &[("code", code), ("app", app_name)]);
    let intro = words.fill("verification.intro", &[("app", app_name)]);
    let usage = words.fill("verification.use", &[("minutes", &minutes)]);
    let ignore = words.text("verification.ignore");
    let text = format!("{intro}\n\n    {code}\n\n{usage}\n{ignore}\n");
    let html = format!(
        "<!DOCTYPE html>\n<html><body style=\"font-family: system-ui, sans-serif; line-height: 1.5\">\n\
         <p>{}</p>\n\
         <p style=\"font-size: 28px; font-weight: bold; letter-spacing: 4px\">{}</p>\n\
         <p>{}</p>\n\
         <p style=\"color: #666\">{}</p>\n\
         </body></html>\n",
        escape(&intro),
        escape(code),
        escape(&usage),
        escape(ignore)
    );
    MailContent { subject, text, html }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::test_words;

    #[test]
    fn carries_the_code_in_every_part() {
        let en = test_words("en");
        let mail = verification_mail(&en, "Shop", "012345", 10);
        assert_eq!(mail.subject, "012345 is your Shop verification code");
        assert_eq!(
            mail.text,
            "Your Shop verification code is:\n\n    012345\n\nEnter it where you asked for it. It works once and expires in 10 minutes.\n\
             If you did not ask for a code, you can ignore this message.\n"
        );
        assert!(mail.html.contains(">012345</p>") && mail.html.contains("10 minutes"));
        assert!(verification_mail(&en, "Shop", "012345", 1).text.contains("expires in 1 minute."));
    }

    #[test]
    fn speaks_the_catalogue_language() {
        let mail = verification_mail(&test_words("de"), "Shop", "012345", 10);
        assert_eq!(mail.subject, "012345 ist Ihr Bestätigungscode für Shop");
        assert!(mail.text.contains("läuft in 10 Minuten ab") && mail.html.contains("Minuten"));
        let ja = verification_mail(&test_words("ja"), "Shop", "012345", 10);
        assert!(ja.subject.contains("012345") && ja.text.contains("10 分"));
    }

    #[test]
    fn app_names_are_escaped_in_html() {
        let mail = verification_mail(&test_words("en"), "<script>alert('x')</script> & \"co\"", "1", 10);
        assert!(mail.html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;"), "{}", mail.html);
        assert!(!mail.html.contains("<script>"));
        // The text part is plain text: shown as typed.
        assert!(mail.text.contains("<script>"));
    }
}
