//! The web addresses an application owns, checked as the contract says: its relying party id
//! and hostnames (site names), the exact origins of its pages, and the redirect URIs of the hosted
//! sign-in page. Hand-written rather than through the `url` crate, whose IDNA tables would cost the
//! Worker about 70 KiB gzipped; `tests/web_addresses.rs` holds them against `url` over generated
//! and hostile inputs.

/// Longest redirect URI, in bytes.
pub const MAX_URI_LEN: usize = 2048;

/// "localhost", or a domain name of two or more labels (letters, digits, hyphens; the punycode
/// form for international names) whose last label is not numeric (so no IPv4 address passes;
/// IPv6 has colons, which no label allows). Public suffixes such as "co.uk" are not detected.
pub fn check_site_name(host: &str) -> Result<(), String> {
    if host == "localhost" {
        return Ok(());
    }
    if host.is_empty() || host.len() > 253 {
        return Err("must be a domain name of at most 253 characters".into());
    }
    if !host.is_ascii() {
        return Err("international domain names must be given in their punycode (xn--) form".into());
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return Err("must be \"localhost\" or a domain name with at least two labels, such as example.com".into());
    }
    for label in &labels {
        let ok_chars = label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if label.is_empty() || label.len() > 63 || !ok_chars || label.starts_with('-') || label.ends_with('-') {
            return Err("is not a valid domain name (labels of 1 to 63 letters, digits or inner hyphens, no scheme, port or path)".into());
        }
        if let Some(encoded) = label.strip_prefix("xn--") {
            if !is_punycode_label(encoded) {
                return Err("has an xn-- label that is not a valid international name (punycode)".into());
            }
        }
    }
    if labels.last().is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit())) {
        return Err("IP addresses are not allowed; use a domain name".into());
    }
    Ok(())
}

/// Whether `encoded` (an `xn--` label without its prefix) decodes as RFC 3492 punycode to a
/// label of letters, digits and hyphens that holds at least one non-ASCII character and is
/// already in lower case (what browsers' IDNA processing keeps as it is).
fn is_punycode_label(encoded: &str) -> bool {
    const BASE: u32 = 36;
    const TMIN: u32 = 1;
    const TMAX: u32 = 26;
    const SKEW: u32 = 38;
    const DAMP: u32 = 700;
    fn adapt(delta: u32, points: u32, first: bool) -> u32 {
        let mut delta = if first { delta / DAMP } else { delta / 2 };
        delta += delta / points;
        let mut k = 0;
        while delta > ((BASE - TMIN) * TMAX) / 2 {
            delta /= BASE - TMIN;
            k += BASE;
        }
        k + (BASE - TMIN + 1) * delta / (delta + SKEW)
    }
    let (basic, extended) = match encoded.rfind('-') {
        Some(at) => (&encoded[..at], &encoded[at + 1..]),
        None => ("", encoded),
    };
    let mut out: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (128u32, 0u32, 72u32);
    let mut digits = extended.bytes().peekable();
    while digits.peek().is_some() {
        let (old_i, mut w, mut k) = (i, 1u32, BASE);
        loop {
            let digit = match digits.next() {
                Some(b @ b'a'..=b'z') => u32::from(b - b'a'),
                Some(b @ b'0'..=b'9') => u32::from(b - b'0') + 26,
                _ => return false,
            };
            let Some(next) = digit.checked_mul(w).and_then(|d| i.checked_add(d)) else { return false };
            i = next;
            let t = if k <= bias {
                TMIN
            } else if k >= bias + TMAX {
                TMAX
            } else {
                k - bias
            };
            if digit < t {
                break;
            }
            let Some(next_w) = w.checked_mul(BASE - t) else { return false };
            w = next_w;
            k += BASE;
        }
        let points = out.len() as u32 + 1;
        bias = adapt(i - old_i, points, old_i == 0);
        let Some(next_n) = n.checked_add(i / points) else { return false };
        n = next_n;
        i %= points;
        match char::from_u32(n) {
            Some(c) if !c.is_ascii() => out.insert(i as usize, c),
            _ => return false,
        }
        i += 1;
    }
    !out.is_empty()
        && out.iter().any(|c| !c.is_ascii())
        && out.iter().all(|&c| (c.is_alphanumeric() || c == '-') && c.to_lowercase().eq(std::iter::once(c)))
}

pub fn is_localhost(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost")
}

/// An exact origin `scheme://host[:port]` under `rp_id` (the rpId itself or a subdomain of it),
/// https, or http for localhost only. Returned in the form browsers serialize: lowercase, without
/// the scheme's default port.
pub fn origin(given: &str, rp_id: &str) -> Result<String, String> {
    let (origin, host) = parse_origin(given)?;
    if host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
        return Err(format!("the host must be the rpId \"{rp_id}\" or a subdomain of it"));
    }
    Ok(origin)
}

/// An exact origin `scheme://host[:port]` of any site (a WebAuthn related origin): https, or
/// http for localhost only; in the form browsers serialize it.
pub fn any_origin(given: &str) -> Result<String, String> {
    parse_origin(given).map(|(origin, _)| origin)
}

/// The origin in its serialized form, and its host.
fn parse_origin(given: &str) -> Result<(String, String), String> {
    let lower = given.to_ascii_lowercase();
    let Some((scheme, rest)) = lower.split_once("://") else {
        return Err("must be an origin such as https://example.com".into());
    };
    if rest.contains('/') || rest.contains('?') || rest.contains('#') {
        return Err("an origin has no path, query or fragment (not even a trailing /)".into());
    }
    if rest.contains('@') {
        return Err("an origin has no user name or password".into());
    }
    if rest.starts_with('[') {
        return Err("IP addresses are not allowed; use a domain name".into());
    }
    let (host, port) = match rest.split_once(':') {
        Some((host, port)) => (host, Some(parse_port(port)?)),
        None => (rest, None),
    };
    check_site_name(host).map_err(|why| if host.is_empty() { "the host is missing".into() } else { why })?;
    let default_port = match scheme {
        "https" => 443,
        "http" if is_localhost(host) => 80,
        "http" => return Err("http is allowed for localhost only; use https".into()),
        _ => return Err("the scheme must be https (or http for localhost)".into()),
    };
    let origin = match port {
        Some(p) if p != default_port => format!("{scheme}://{host}:{p}"),
        _ => format!("{scheme}://{host}"),
    };
    Ok((origin, host.to_owned()))
}

pub fn parse_port(port: &str) -> Result<u16, String> {
    let valid = !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
    match port.parse::<u16>() {
        Ok(p) if valid && p > 0 => Ok(p),
        _ => Err("the port must be a number from 1 to 65535".into()),
    }
}

/// An absolute redirect URI: `https://host[:port]/...`; `http://` only to localhost or a loopback
/// address; or a private-use scheme with a dot (`com.example.app:/callback`, RFC 8252) for native
/// apps. No fragment, no spaces, at most 2048 characters. Kept exactly as given: the hosted page
/// compares redirect URIs by exact string.
pub fn redirect_uri(uri: &str) -> Result<(), String> {
    if uri.len() > MAX_URI_LEN {
        return Err(format!("must be at most {MAX_URI_LEN} characters"));
    }
    if uri.chars().any(|c| c.is_whitespace() || c.is_control()) || !uri.is_ascii() {
        return Err("must be an ASCII URI without spaces (percent-encode other characters)".into());
    }
    if uri.contains('#') {
        return Err("a redirect URI has no fragment (#)".into());
    }
    let Some((scheme, rest)) = uri.split_once(':') else {
        return Err("must be an absolute URI such as https://app.example.com/callback".into());
    };
    let scheme_ok = scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.');
    if !scheme_ok {
        return Err("must be an absolute URI such as https://app.example.com/callback".into());
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" | "http" => {
            let Some(after) = rest.strip_prefix("//") else {
                return Err("must be an absolute URI such as https://app.example.com/callback".into());
            };
            let authority = after.split(['/', '?']).next().unwrap_or_default();
            if authority.contains('@') {
                return Err("a redirect URI has no user name or password".into());
            }
            // host, then what follows it: "" or ":port"
            let (host, after_host) = match authority.strip_prefix('[') {
                Some(v6) => match v6.split_once(']') {
                    Some((addr, after)) => (format!("[{addr}]"), after),
                    None => return Err("the host is not valid".into()),
                },
                None => {
                    let end = authority.find(':').unwrap_or(authority.len());
                    let (host, after) = authority.split_at(end);
                    (host.to_ascii_lowercase(), after)
                }
            };
            match after_host.strip_prefix(':') {
                Some(port) => {
                    parse_port(port)?;
                }
                None if after_host.is_empty() => {}
                None => return Err("the host is not valid".into()),
            }
            let loopback = is_localhost(&host) || host == "127.0.0.1" || host == "[::1]";
            if scheme.eq_ignore_ascii_case("http") && !loopback {
                return Err("http is allowed for localhost and loopback addresses only; use https".into());
            }
            if host != "127.0.0.1" && host != "[::1]" {
                check_site_name(&host).map_err(|why| format!("the host {why}"))?;
            }
            Ok(())
        }
        other if other.contains('.') => {
            if rest.is_empty() {
                return Err("the URI is missing its path".into());
            }
            // `scheme://name/...`: a plain host name at most (no user, port or odd characters).
            if let Some(after) = rest.strip_prefix("//") {
                let authority = after.split(['/', '?']).next().unwrap_or_default();
                if !authority.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') {
                    return Err("a private-use redirect URI names no user or port (use com.example.app:/path)".into());
                }
            }
            Ok(())
        }
        _ => Err("the scheme must be https, http (localhost only) or a private-use scheme such as com.example.app".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punycode_labels() {
        for good in ["bcher-kva", "80ak6aa92e", "wgv71a119e", "mnchen-3ya"] {
            assert!(is_punycode_label(good), "{good}");
        }
        for bad in ["", "login", "a-", "zzzzzzzzzzzzzzzzzzzzzzz", "-", "99999999999"] {
            assert!(!is_punycode_label(bad), "{bad}");
        }
        assert!(check_site_name("xn--bcher-kva.example").is_ok());
        assert!(check_site_name("xn--login.example.com").is_err());
    }

    #[test]
    fn origins() {
        let check = |o: &str| origin(o, "example.com");
        assert_eq!(check("https://example.com").unwrap(), "https://example.com");
        assert_eq!(check("HTTPS://EXAMPLE.COM:443").unwrap(), "https://example.com");
        assert_eq!(check("https://a.b.example.com:8443").unwrap(), "https://a.b.example.com:8443");
        for bad in [
            "http://example.com",
            "https://example.com/",
            "https://example.com/x",
            "https://example.com?x",
            "https://example.com#x",
            "https://u@example.com",
            "https://example.com:0",
            "https://example.com:65536",
            "https://example.com:+1",
            "https://example.com:",
            "ftp://example.com",
            "example.com",
            "https://",
            "https://notexample.com",
            "https://example.com.evil.com",
            "https://com",
            "https://[::1]",
            "https://1.2.3.4",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
        let local = |o: &str| origin(o, "localhost");
        assert_eq!(local("http://localhost:8787").unwrap(), "http://localhost:8787");
        assert_eq!(local("http://localhost:80").unwrap(), "http://localhost");
        assert_eq!(local("https://app.localhost").unwrap(), "https://app.localhost");
        assert!(local("http://127.0.0.1:8787").is_err());
    }

    #[test]
    fn redirect_uris() {
        for good in [
            "https://app.example.com/cb",
            "https://app.example.com",
            "https://app.example.com:8443/cb?x=1&y=2",
            "http://localhost:3000/callback",
            "http://127.0.0.1:5000/cb",
            "http://[::1]:5000/cb",
            "http://app.localhost/cb",
            "com.example.app:/oauth2redirect",
            "com.example.app://callback",
        ] {
            assert!(redirect_uri(good).is_ok(), "{good}: {:?}", redirect_uri(good));
        }
        for bad in [
            "/callback",
            "app.example.com/cb",
            "http://app.example.com/cb",
            "https://app.example.com/cb#frag",
            "https://user@app.example.com/",
            "https:///cb",
            "https://app.example.com:99999/",
            "javascript:alert(1)",
            "data:text/html,x",
            "file:///etc/passwd",
            "https://app.example.com/a b",
            "https://app.example.com/\u{e9}",
            "https//app.example.com",
            "1https://x.com",
            "com.example.app:",
            "https://1.2.3.4/cb",
            "https://[::1/cb",
        ] {
            assert!(redirect_uri(bad).is_err(), "{bad}");
        }
        assert!(redirect_uri(&format!("https://app.example.com/{}", "a".repeat(2048))).is_err());
    }
}
