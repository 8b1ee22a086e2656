//! The words of the email-verification mail: subject, plain text and HTML for a code.

use super::html::escape;

/// Subject, text and HTML of the mail that carries `code` for the application `app_name`.
pub struct VerificationMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub fn verification_mail(app_name: &str, code: &str, expires_minutes: i64) -> VerificationMail {
    let minutes = if expires_minutes == 1 { "1 minute".to_owned() } else { format!("{expires_minutes} minutes") };
    let subject = format!("{code} is your {app_name} verification code");
    let text = format!(
        "Your {app_name} verification code is:\n\n    {code}\n\n\
         Enter it where you asked for it. It works once and expires in {minutes}.\n\
         If you did not ask for a code, you can ignore this message.\n"
    );
    let (app, code_html) = (escape(app_name), escape(code));
    let html = format!(
        "<!DOCTYPE html>\n<html><body style=\"font-family: system-ui, sans-serif; line-height: 1.5\">\n\
         <p>Your {app} verification code is:</p>\n\
         <p style=\"font-size: 28px; font-weight: bold; letter-spacing: 4px\">{code_html}</p>\n\
         <p>Enter it where you asked for it. It works once and expires in {minutes}.</p>\n\
         <p style=\"color: #666\">If you did not ask for a code, you can ignore this message.</p>\n\
         </body></html>\n"
    );
    VerificationMail { subject, text, html }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_the_code_in_every_part() {
        let mail = verification_mail("Shop", "012345", 10);
        assert_eq!(mail.subject, "012345 is your Shop verification code");
        assert!(mail.text.contains("    012345\n") && mail.text.contains("expires in 10 minutes"));
        assert!(mail.html.contains(">012345</p>") && mail.html.contains("10 minutes"));
        assert!(verification_mail("Shop", "012345", 1).text.contains("expires in 1 minute."));
    }

    #[test]
    fn app_names_are_escaped_in_html() {
        let mail = verification_mail("<script>alert('x')</script> & \"co\"", "1", 10);
        assert!(mail.html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;"));
        assert!(!mail.html.contains("<script>"));
        // The text part is plain text: shown as typed.
        assert!(mail.text.contains("<script>"));
    }
}
