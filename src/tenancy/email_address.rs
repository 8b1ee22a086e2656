//! Email addresses as users type them: the one canonical form the service stores and compares
//! (trimmed, lowercased), and the plausibility check that refuses what cannot be an address
//! before a code is mailed to it.

/// Longest address accepted (RFC 5321's limit on a forward path).
pub const MAX_EMAIL_LEN: usize = 254;
const MAX_LOCAL_PART_LEN: usize = 64;

/// The canonical form of `input`, or `None` when it cannot be a mail address: `local@domain`
/// with exactly one `@`, no whitespace or control characters, a local part of 1 to 64 bytes, and
/// a domain of dot-separated labels (letters, digits, hyphens; not starting or ending with a
/// hyphen) with at least one dot.
pub fn normalize_email(input: &str) -> Option<String> {
    let email = input.trim().to_lowercase();
    if email.len() > MAX_EMAIL_LEN || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    let (local, domain) = email.split_once('@')?;
    if local.is_empty() || local.len() > MAX_LOCAL_PART_LEN || domain.contains('@') || local.contains(['<', '>', '"', ',', ';']) {
        return None;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok =
        |l: &&str| !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-') && l.chars().all(|c| c.is_alphanumeric() || c == '-');
    if labels.len() < 2 || !labels.iter().all(label_ok) {
        return None;
    }
    Some(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_is_trimmed_and_lowercased() {
        assert_eq!(normalize_email("  Ada.Lovelace+x@Example.COM ").as_deref(), Some("ada.lovelace+x@example.com"));
        assert_eq!(normalize_email("a@b.co").as_deref(), Some("a@b.co"));
        assert_eq!(normalize_email("jürgen@bücher.de").as_deref(), Some("jürgen@bücher.de"));
    }

    #[test]
    fn refuses_what_cannot_be_an_address() {
        for bad in [
            "",
            "   ",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a@@b.com",
            "a@b@c.com",
            "a b@c.com",
            "a@b .com",
            "a@-b.com",
            "a@b-.com",
            "a@b..com",
            "a@.b.com",
            "a@b.com.",
            "a\n@b.com",
            "a@b.com\r\nBcc: x@y.com",
            "<a@b.com>",
            "a,b@c.com",
            "a@b_c.com",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad:?}");
        }
        let long_local = format!("{}@b.com", "a".repeat(65));
        assert_eq!(normalize_email(&long_local), None);
        let long = format!("a@{}.com", "b.".repeat(130));
        assert_eq!(normalize_email(&long), None);
    }
}
