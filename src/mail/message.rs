//! A complete mail message (RFC 5322 + MIME) with a plain-text and an HTML part, as the raw
//! text the `send_email` binding takes.
//!
//! Nothing a user or operator typed can add a header: addresses with whitespace, control or
//! delimiter characters are refused, display names and subjects lose their control characters
//! and are written as quoted strings or RFC 2047 encoded-words, and both bodies are
//! quoted-printable (whose `=XX` escapes can never spell the `=_` that starts the boundary).

use base64::{engine::general_purpose::STANDARD, Engine};

use crate::contract::time_format::rfc5322_utc;
use crate::tokens::secrets::{hex, RandomSource, RandomUnavailable};

const CRLF: &str = "\r\n";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailError {
    /// The sender address (a setting) cannot be written safely into a header.
    InvalidSender,
    /// The recipient address cannot be written safely into a header.
    InvalidRecipient,
    Random(RandomUnavailable),
}

impl From<RandomUnavailable> for MailError {
    fn from(e: RandomUnavailable) -> Self {
        Self::Random(e)
    }
}

/// What goes into one message.
pub struct Mail<'a> {
    pub from_name: &'a str,
    pub from_address: &'a str,
    pub to_address: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
    pub date_unix_ms: i64,
}

/// A built message: its `Message-ID` (without angle brackets) and its raw text.
pub struct BuiltMail {
    pub message_id: String,
    pub raw: String,
}

/// The raw message, CRLF line ends throughout. `rng` makes the Message-ID and the boundary.
pub fn build(mail: &Mail, rng: &mut impl RandomSource) -> Result<BuiltMail, MailError> {
    check_address(mail.from_address).map_err(|()| MailError::InvalidSender)?;
    check_address(mail.to_address).map_err(|()| MailError::InvalidRecipient)?;
    let from_domain = mail.from_address.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
    let message_id = format!("{}@{}", random_hex(rng, 16)?, from_domain);
    let boundary = format!("=_authaz_{}", random_hex(rng, 12)?);

    let from = match display_name(mail.from_name, "From: ".len()) {
        Some(name) => {
            let last_line = name.rsplit(CRLF).next().unwrap_or_default().len();
            let separator = if last_line + mail.from_address.len() + 3 > 78 { format!("{CRLF} ") } else { " ".to_owned() };
            format!("{name}{separator}<{}>", mail.from_address)
        }
        None => mail.from_address.to_owned(),
    };
    let headers = [
        format!("From: {from}"),
        format!("To: {}", mail.to_address),
        format!("Subject: {}", header_text(mail.subject, "Subject: ".len())),
        format!("Date: {}", rfc5322_utc(mail.date_unix_ms)),
        format!("Message-ID: <{message_id}>"),
        "MIME-Version: 1.0".to_owned(),
        "Auto-Submitted: auto-generated".to_owned(),
        format!("Content-Type: multipart/alternative;{CRLF} boundary=\"{boundary}\""),
    ];
    let mut raw = headers.join(CRLF);
    raw.push_str(CRLF);
    raw.push_str(CRLF);
    for (content_type, body) in [("text/plain", mail.text), ("text/html", mail.html)] {
        raw.push_str(&format!("--{boundary}{CRLF}"));
        raw.push_str(&format!("Content-Type: {content_type}; charset=utf-8{CRLF}"));
        raw.push_str(&format!("Content-Transfer-Encoding: quoted-printable{CRLF}{CRLF}"));
        raw.push_str(&quoted_printable(body));
        raw.push_str(CRLF);
    }
    raw.push_str(&format!("--{boundary}--{CRLF}"));
    Ok(BuiltMail { message_id, raw })
}

fn random_hex(rng: &mut impl RandomSource, n: usize) -> Result<String, RandomUnavailable> {
    let mut bytes = vec![0u8; n];
    rng.fill(&mut bytes)?;
    Ok(hex(&bytes))
}

/// An address that can stand alone in a header: `local@domain`, one `@`, nothing that could end
/// or restructure the header (whitespace, controls, `<>()[]\",;:`). UTF-8 is allowed (RFC 6532).
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

/// The From display name: a quoted string for short plain ASCII, encoded-words otherwise; `None`
/// when nothing printable is left. `offset` is the length of the header name before it.
fn display_name(name: &str, offset: usize) -> Option<String> {
    let name = printable(name);
    if name.is_empty() {
        return None;
    }
    if name.is_ascii() && offset + name.len() + 2 <= 78 {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        Some(format!("\"{escaped}\""))
    } else {
        Some(encoded_words(&name))
    }
}

/// Header text (the subject): as is when it is short printable ASCII, else RFC 2047 encoded-words
/// folded onto continuation lines. `offset` is the length of the header name before it.
fn header_text(text: &str, offset: usize) -> String {
    let text = printable(text);
    if text.is_ascii() && offset + text.len() <= 78 && !text.contains("=?") {
        text
    } else {
        encoded_words(&text)
    }
}

/// Control characters (line breaks included) become spaces; ends are trimmed.
fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_owned()
}

/// `=?UTF-8?B?...?=` words of at most 64 characters (39 bytes of text each, never splitting a
/// character), separated by folding whitespace: each line of the header, its name included,
/// stays within 78 characters.
fn encoded_words(text: &str) -> String {
    const MAX_CHUNK_BYTES: usize = 39;
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > MAX_CHUNK_BYTES {
            words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(chunk.as_bytes())));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", STANDARD.encode(chunk.as_bytes())));
    }
    words.join(&format!("{CRLF} "))
}

/// Quoted-printable (RFC 2045 §6.7) of UTF-8 text: line breaks become CRLF, lines stay within
/// 76 characters through soft breaks, `=`, non-ASCII and controls are escaped, as are spaces at
/// a line's end and a `.` or `F` at its start (so no line reads "." or "From ").
fn quoted_printable(text: &str) -> String {
    const MAX_LINE: usize = 76;
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::with_capacity(normalized.len() + normalized.len() / 8);
    for (i, line) in normalized.split('\n').enumerate() {
        if i > 0 {
            out.push_str(CRLF);
        }
        let bytes = line.as_bytes();
        let mut width = 0;
        for (j, &b) in bytes.iter().enumerate() {
            let at_end = j + 1 == bytes.len();
            let literal = match b {
                b'=' => false,
                b' ' | b'\t' => !at_end,
                b'.' | b'F' => width != 0,
                33..=126 => true,
                _ => false,
            };
            let piece = if literal { (b as char).to_string() } else { format!("={b:02X}") };
            // Keep room for the soft break's "=" (and for the last piece of the line, none needed).
            let room = if at_end { MAX_LINE } else { MAX_LINE - 1 };
            if width + piece.len() > room {
                out.push('=');
                out.push_str(CRLF);
                width = 0;
                // A piece at the start of a new line follows the start-of-line rules.
                let piece = if (b == b'.' || b == b'F') && literal { format!("={b:02X}") } else { piece };
                width += piece.len();
                out.push_str(&piece);
            } else {
                width += piece.len();
                out.push_str(&piece);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counter(u8);
    impl RandomSource for Counter {
        fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomUnavailable> {
            for b in buf {
                *b = self.0;
                self.0 = self.0.wrapping_add(1);
            }
            Ok(())
        }
    }

    fn mail<'a>(from_name: &'a str, to: &'a str, subject: &'a str, text: &'a str, html: &'a str) -> Mail<'a> {
        Mail { from_name, from_address: "no-reply@authaz.example", to_address: to, subject, text, html, date_unix_ms: 1_700_000_000_000 }
    }

    fn headers(raw: &str) -> &str {
        raw.split("\r\n\r\n").next().unwrap()
    }

    /// The decoding a mail reader does, to check the round trip.
    fn decode_qp(body: &str) -> String {
        let joined = body.replace("=\r\n", "");
        let mut out = Vec::new();
        let bytes = joined.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'=' {
                out.push(u8::from_str_radix(&joined[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap().replace("\r\n", "\n")
    }

    fn decode_words(value: &str) -> String {
        value
            .split("\r\n ")
            .map(|w| {
                let b64 = w.strip_prefix("=?UTF-8?B?").unwrap().strip_suffix("?=").unwrap();
                String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap()
            })
            .collect()
    }

    #[test]
    fn a_plain_message_has_every_header_and_both_parts() {
        let built = build(&mail("Shop", "ada@example.com", "Your code", "Code: 123456\n", "<p>123456</p>"), &mut Counter(0)).unwrap();
        let raw = &built.raw;
        assert_eq!(built.message_id, "000102030405060708090a0b0c0d0e0f@authaz.example");
        let h = headers(raw);
        assert!(h.starts_with("From: \"Shop\" <no-reply@authaz.example>\r\n"));
        assert!(h.contains("\r\nTo: ada@example.com\r\n"));
        assert!(h.contains("\r\nSubject: Your code\r\n"));
        assert!(h.contains("\r\nDate: Tue, 14 Nov 2023 22:13:20 +0000\r\n"));
        assert!(h.contains("\r\nMessage-ID: <000102030405060708090a0b0c0d0e0f@authaz.example>\r\n"));
        assert!(h.contains("\r\nMIME-Version: 1.0\r\n"));
        assert!(h.contains("\r\nContent-Type: multipart/alternative;\r\n boundary=\"=_authaz_101112131415161718191a1b\""));
        assert!(raw.contains("--=_authaz_101112131415161718191a1b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCode: 123456\r\n"));
        assert!(raw.contains("Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>123456</p>\r\n"));
        assert!(raw.ends_with("--=_authaz_101112131415161718191a1b--\r\n"));
        // No bare LF anywhere.
        assert!(!raw.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn no_header_injection_through_names_or_subjects() {
        let built = build(&mail("Evil\r\nBcc: victim@example.com", "ada@example.com", "Hi\r\nBcc: x@example.com\n\nbody", "t", "h"), &mut Counter(0))
            .unwrap();
        let h = headers(&built.raw);
        assert!(!h.lines().any(|l| l.starts_with("Bcc")), "{h}");
        assert!(h.contains("From: \"Evil  Bcc: victim@example.com\" <no-reply@authaz.example>"));
        // Quotes and backslashes in a name stay inside the quoted string.
        let built = build(&mail("A \"B\" \\C", "ada@example.com", "s", "t", "h"), &mut Counter(0)).unwrap();
        assert!(built.raw.starts_with("From: \"A \\\"B\\\" \\\\C\" <no-reply@authaz.example>\r\n"));
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
            assert_eq!(build(&mail("S", to, "s", "t", "h"), &mut Counter(0)).err(), Some(MailError::InvalidRecipient), "{to:?}");
        }
        let mut bad_from = mail("S", "ada@example.com", "s", "t", "h");
        bad_from.from_address = "no-reply";
        assert_eq!(build(&bad_from, &mut Counter(0)).err(), Some(MailError::InvalidSender));
        assert!(build(&mail("S", "jürgen@bücher.de", "s", "t", "h"), &mut Counter(0)).is_ok());
    }

    #[test]
    fn non_ascii_names_and_subjects_are_encoded_words() {
        let subject = "Votre code de vérification pour Café Ünïcødé — 一二三四五六七八九十 ".repeat(3);
        let built = build(&mail("Café ☕", "ada@example.com", &subject, "t", "h"), &mut Counter(0)).unwrap();
        let h = headers(&built.raw);
        let from = h.lines().next().unwrap();
        assert_eq!(from, "From: =?UTF-8?B?Q2Fmw6kg4piV?= <no-reply@authaz.example>");
        let start = h.find("Subject: ").unwrap() + "Subject: ".len();
        let end = h[start..].find("\r\nDate:").unwrap() + start;
        let value = &h[start..end];
        assert_eq!(decode_words(value), subject.trim());
        for line in h.split("\r\n") {
            assert!(line.len() <= 78, "{line}");
            assert!(line.is_ascii());
        }
        // A long ASCII subject and a long name are folded the same way.
        let long = "x".repeat(100);
        let built = build(&mail(&long, "ada@example.com", &long, "t", "h"), &mut Counter(0)).unwrap();
        let h = headers(&built.raw);
        assert!(h.split("\r\n").all(|l| l.len() <= 78), "{h}");
        assert!(h.contains(" <no-reply@authaz.example>\r\nTo: "), "{h}");
        let built = build(&mail(&"y".repeat(117), "ada@example.com", "s", "t", "h"), &mut Counter(0)).unwrap();
        let h = headers(&built.raw);
        assert!(h.split("\r\n").all(|l| l.len() <= 78), "{h}");
        assert!(h.contains("?=\r\n <no-reply@authaz.example>\r\nTo: "), "{h}");
    }

    #[test]
    fn quoted_printable_round_trips_and_keeps_lines_short() {
        let samples = [
            "plain",
            "a = b\nsecond line \nthird\ttab\t",
            "Ünïcødé ☕ and emoji 🎉",
            ".\nFrom the start\n. dot",
            &"0123456789".repeat(30),
            &"é".repeat(100),
            &format!("{}=", "a".repeat(74)),
            "windows\r\nline\rends",
            "",
        ];
        for text in samples {
            let qp = quoted_printable(text);
            assert!(qp.is_ascii());
            for line in qp.split("\r\n") {
                assert!(line.len() <= 76, "{line:?}");
                assert!(!line.ends_with(' ') && !line.ends_with('\t'), "{line:?}");
                assert!(line != "." && !line.starts_with("From "), "{line:?}");
            }
            assert!(!qp.contains("=_"));
            let expected = text.replace("\r\n", "\n").replace('\r', "\n");
            assert_eq!(decode_qp(&qp), expected, "{text:?}");
        }
    }

    #[test]
    fn random_failure_is_reported() {
        struct Broken;
        impl RandomSource for Broken {
            fn fill(&mut self, _: &mut [u8]) -> Result<(), RandomUnavailable> {
                Err(RandomUnavailable)
            }
        }
        assert_eq!(build(&mail("S", "ada@example.com", "s", "t", "h"), &mut Broken).err(), Some(MailError::Random(RandomUnavailable)));
    }
}
