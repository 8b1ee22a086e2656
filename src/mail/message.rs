//! One outgoing mail as the `send_email` binding's structured form takes it (sender with a
//! display name, recipient, subject, plain text and HTML); the binding writes the MIME message,
//! its `Date` and `Message-ID`.
//!
//! Nothing a user or operator typed can add a header or a recipient: addresses with whitespace,
//! control or delimiter characters are refused, and display names and subjects lose their
//! control characters (line breaks included) before they reach the binding.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailError {
    /// The sender address (a setting) is not a plain `local@domain`.
    InvalidSender,
    /// The recipient address is not a plain `local@domain`.
    InvalidRecipient,
}

/// What goes into one message, as given.
pub struct Mail<'a> {
    pub from_name: &'a str,
    pub from_address: &'a str,
    pub to_address: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
}

/// A message checked and cleaned for the binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The sender's display name; `None` when nothing printable is left of it.
    pub from_name: Option<String>,
    pub from_address: String,
    pub to_address: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// `mail` with both addresses checked and the header texts made single-line.
pub fn prepare(mail: &Mail) -> Result<OutgoingMail, MailError> {
    check_address(mail.from_address).map_err(|()| MailError::InvalidSender)?;
    check_address(mail.to_address).map_err(|()| MailError::InvalidRecipient)?;
    let from_name = printable(mail.from_name);
    Ok(OutgoingMail {
        from_name: (!from_name.is_empty()).then_some(from_name),
        from_address: mail.from_address.to_owned(),
        to_address: mail.to_address.to_owned(),
        subject: printable(mail.subject),
        text: mail.text.to_owned(),
        html: mail.html.to_owned(),
    })
}

/// An address that can stand alone in a header: `local@domain`, one `@`, nothing that could end
/// or restructure the header or name a second recipient (whitespace, controls, `<>()[]\",;:`).
/// UTF-8 is allowed (RFC 6532).
fn check_address(address: &str) -> Result<(), ()> {
    let forbidden = |c: char| c.is_whitespace() || c.is_control() || "<>()[]\\\",;:".contains(c);
    match address.split_once('@') {
        Some((local, domain))
            if !local.is_empty() && !domain.is_empty() && !domain.contains('@') && address.len() <= 254 && !address.chars().any(forbidden) =>
        {
            Ok(())
        }
        _ => Err(()),
    }
}

/// Control characters (line breaks included) become spaces; ends are trimmed.
fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail<'a>(from_name: &'a str, to: &'a str, subject: &'a str) -> Mail<'a> {
        Mail { from_name, from_address: "no-reply@authaz.example", to_address: to, subject, text: "Code: 123456\n", html: "<p>123456</p>" }
    }

    #[test]
    fn a_plain_message_keeps_every_part() {
        let out = prepare(&mail("Shop", "ada@example.com", "Your code")).unwrap();
        assert_eq!(
            out,
            OutgoingMail {
                from_name: Some("Shop".into()),
                from_address: "no-reply@authaz.example".into(),
                to_address: "ada@example.com".into(),
                subject: "Your code".into(),
                text: "Code: 123456\n".into(),
                html: "<p>123456</p>".into(),
            }
        );
    }

    #[test]
    fn no_header_injection_through_names_or_subjects() {
        let out = prepare(&mail("Evil\r\nBcc: victim@example.com", "ada@example.com", "Hi\r\nBcc: x@example.com\n\nbody")).unwrap();
        assert_eq!(out.from_name.as_deref(), Some("Evil  Bcc: victim@example.com"));
        assert_eq!(out.subject, "Hi  Bcc: x@example.com  body");
        assert!(!out.subject.contains(['\r', '\n']));
        assert_eq!(prepare(&mail(" \r\n\t", "ada@example.com", "s")).unwrap().from_name, None);
        // Non-ASCII names and subjects pass as they are: the binding encodes them.
        let out = prepare(&mail("Café ☕", "ada@example.com", "Votre code — 一二三")).unwrap();
        assert_eq!((out.from_name.as_deref(), out.subject.as_str()), (Some("Café ☕"), "Votre code — 一二三"));
    }

    #[test]
    fn unsafe_addresses_are_refused() {
        for to in [
            "ada@example.com\r\nBcc: x@y.com",
            "ada@example.com>",
            "<ada@example.com",
            "a da@example.com",
            "ada",
            "@example.com",
            "ada@",
            "a@b@c.com",
            "ada@example.com,eve@example.com",
            "ada@example.com;",
            "\"a\"@b.com",
        ] {
            assert_eq!(prepare(&mail("S", to, "s")).err(), Some(MailError::InvalidRecipient), "{to:?}");
        }
        let mut bad_from = mail("S", "ada@example.com", "s");
        bad_from.from_address = "no-reply";
        assert_eq!(prepare(&bad_from).err(), Some(MailError::InvalidSender));
        assert!(prepare(&mail("S", "jürgen@bücher.de", "s")).is_ok());
    }
}
