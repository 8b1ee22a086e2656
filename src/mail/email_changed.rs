//! The words of the notice mailed to a user's old address once their email was changed.

use super::html::escape;
use super::verification::VerificationMail;

/// Subject, text and HTML of the notice, for the application `app_name`. It names neither
/// address: the old one is where it goes, the new one is not this mailbox's business.
pub fn email_changed_mail(app_name: &str) -> VerificationMail {
    let subject = format!("The email of your {app_name} account was changed");
    let body = "The email address of your {app} account was changed: this address no longer signs in or gets its mail.";
    let warning = "If you did not change it, contact {app}'s support at once.";
    let text = format!("{}\n\n{}\n", body.replace("{app}", app_name), warning.replace("{app}", app_name));
    let app = escape(app_name);
    let html = format!(
        "<!DOCTYPE html>\n<html><body style=\"font-family: system-ui, sans-serif; line-height: 1.5\">\n<p>{}</p>\n<p><strong>{}</strong></p>\n</body></html>\n",
        body.replace("{app}", &app),
        warning.replace("{app}", &app)
    );
    VerificationMail { subject, text, html }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_application_escaped_in_html() {
        let mail = email_changed_mail("<b>Shop</b>");
        assert_eq!(mail.subject, "The email of your <b>Shop</b> account was changed");
        assert!(mail.text.contains("your <b>Shop</b> account was changed") && mail.text.contains("did not change it"));
        assert!(mail.html.contains("your &lt;b&gt;Shop&lt;/b&gt; account") && !mail.html.contains("<b>Shop"));
    }
}
