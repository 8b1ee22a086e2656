//! The security notices mailed to a user when something happens to their sign-in (NIST SP
//! 800-63B asks for one when an authenticator is bound): a passkey added, a recovery code used,
//! their passkeys reset by support, their email changed (to the old address). Each says what happened, when (UTC) and from which device,
//! in the language of the mail catalogue given.

use super::device::browser_and_os;
use super::html::escape;
use super::MailContent;
use crate::contract::time_format::rfc3339_utc;
use crate::i18n::Catalogue;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    PasskeyAdded,
    RecoveryCodeUsed,
    PasskeysReset,
    /// Sent to the old address.
    EmailChanged,
}

impl NoticeKind {
    fn key(self) -> &'static str {
        match self {
            NoticeKind::PasskeyAdded => "notice.passkey_added",
            NoticeKind::RecoveryCodeUsed => "notice.recovery_code_used",
            NoticeKind::PasskeysReset => "notice.passkeys_reset",
            NoticeKind::EmailChanged => "notice.email_changed",
        }
    }
}

/// What one notice tells.
pub struct Notice<'a> {
    pub kind: NoticeKind,
    pub app_name: &'a str,
    /// The passkey's name (added, or created with the recovery code).
    pub passkey: &'a str,
    pub at_ms: i64,
    /// The `User-Agent` of the request that did it (support's, for a reset: not shown then).
    pub user_agent: Option<&'a str>,
}

pub fn notice_mail(words: &Catalogue, notice: &Notice) -> MailContent {
    let app = ("app", notice.app_name);
    let key = notice.kind.key();
    let subject = words.fill(&format!("{key}.subject"), &[app]);
    let body = words.fill(&format!("{key}.body"), &[app, ("passkey", notice.passkey)]);
    // "2026-12-03T17:05:09Z" as "2026-12-03 17:05 UTC".
    let stamp = rfc3339_utc(notice.at_ms);
    let time = format!("{} {} UTC", &stamp[..10], &stamp[11..16]);
    let mut facts = vec![words.fill("notice.when", &[("time", &time)])];
    if notice.kind != NoticeKind::PasskeysReset {
        let device = match notice.user_agent.and_then(browser_and_os) {
            Some((browser, os)) => words.fill("notice.device_of", &[("browser", browser), ("os", os)]),
            None => words.text("notice.device_unknown").to_owned(),
        };
        facts.push(words.fill("notice.device", &[("device", &device)]));
    }
    let not_you = words.fill("notice.not_you", &[app]);
    let why = words.fill("notice.why", &[app]);
    let text = format!("{body}\n\n{}\n\n{not_you}\n\n{why}\n", facts.join("\n"));
    let html = format!(
        "<!DOCTYPE html>\n<html><body style=\"font-family: system-ui, sans-serif; line-height: 1.5\">\n\
         <p>{}</p>\n<p>{}</p>\n<p><strong>{}</strong></p>\n<p style=\"color: #666\">{}</p>\n</body></html>\n",
        escape(&body),
        facts.iter().map(|f| escape(f)).collect::<Vec<_>>().join("<br>\n"),
        escape(&not_you),
        escape(&why)
    );
    MailContent { subject, text, html }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::test_words;

    const CHROME_MAC: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    // 2026-12-03T17:05:09Z
    const AT: i64 = 1_796_317_509_000;

    fn notice(kind: NoticeKind) -> Notice<'static> {
        Notice { kind, app_name: "Shop", passkey: "iCloud Keychain", at_ms: AT, user_agent: Some(CHROME_MAC) }
    }

    #[test]
    fn passkey_added_says_what_when_and_where() {
        let mail = notice_mail(&test_words("en"), &notice(NoticeKind::PasskeyAdded));
        assert_eq!(mail.subject, "A new passkey was added to your Shop account");
        assert!(mail.text.starts_with("A new passkey, “iCloud Keychain”, was added to your Shop account.\n"), "{}", mail.text);
        assert!(mail.text.contains("When: 2026-12-03 17:05 UTC\nDevice: Chrome on macOS\n"), "{}", mail.text);
        assert!(mail.html.contains("Chrome on macOS") && mail.html.contains("2026-12-03 17:05 UTC"));
    }

    #[test]
    fn every_kind_in_every_language() {
        for lang in ["en", "de", "fr", "es", "ja"] {
            let words = test_words(lang);
            for kind in [NoticeKind::PasskeyAdded, NoticeKind::RecoveryCodeUsed, NoticeKind::PasskeysReset, NoticeKind::EmailChanged] {
                let mail = notice_mail(&words, &notice(kind));
                assert!(mail.subject.contains("Shop") && !mail.subject.contains('{'), "{lang} {kind:?}: {}", mail.subject);
                assert!(!mail.text.contains('{') && !mail.text.contains("notice."), "{lang} {kind:?}: {}", mail.text);
                assert!(mail.text.contains("2026-12-03 17:05 UTC"));
                // A reset is done by support: their browser is not the user's device.
                assert_eq!(mail.text.contains("macOS"), kind != NoticeKind::PasskeysReset, "{lang} {kind:?}");
            }
        }
        let de = notice_mail(&test_words("de"), &notice(NoticeKind::RecoveryCodeUsed));
        assert!(de.text.contains("Gerät: Chrome unter macOS"), "{}", de.text);
    }

    #[test]
    fn unknown_devices_and_hostile_names() {
        let mut n = notice(NoticeKind::PasskeyAdded);
        n.user_agent = Some("curl/8");
        n.passkey = "<img src=x onerror=alert(1)>";
        let mail = notice_mail(&test_words("en"), &n);
        assert!(mail.text.contains("Device: unknown"));
        assert!(!mail.html.contains("<img") && mail.html.contains("&lt;img"));
        n.user_agent = None;
        assert!(notice_mail(&test_words("en"), &n).text.contains("Device: unknown"));
    }
}
