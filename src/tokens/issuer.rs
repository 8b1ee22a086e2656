//! The `iss` of an application's access tokens: one issuer per application, minted into every
//! token and required of every token verified for it.
//!
//! The application's first hostname as `https://host`; else the Worker's configured public URL
//! (`AUTHAZ_ISSUER`); else, as a last resort for local development only, the origin the request
//! came to. Issuers are compared with [`same_issuer`], which takes the loopback names
//! (`localhost`, `127.0.0.1`, `[::1]`) of one port as one, so that a token minted through one of
//! them verifies through another.

/// The issuer of an application whose hostnames are `hostnames`.
pub fn issuer(hostnames: &[String], public_url: Option<&str>, request_origin: Option<&str>) -> String {
    if let Some(host) = hostnames.first() {
        return format!("https://{host}");
    }
    if let Some(url) = public_url.map(|u| u.trim().trim_end_matches('/')).filter(|u| !u.is_empty()) {
        return url.to_owned();
    }
    request_origin.unwrap_or_default().to_owned()
}

/// Whether a token's `iss` names the issuer `expected`: equal, loopback names of one port alike.
pub fn same_issuer(iss: &str, expected: &str) -> bool {
    iss == expected || loopback_as_localhost(iss) == loopback_as_localhost(expected)
}

/// `http://127.0.0.1:8787` → `http://localhost:8787`; other origins unchanged.
fn loopback_as_localhost(origin: &str) -> String {
    let Some((scheme, authority)) = origin.split_once("://") else { return origin.to_owned() };
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((addr, rest)) => (format!("[{addr}]"), rest),
            None => return origin.to_owned(),
        },
        None => match authority.find(':') {
            Some(i) => (authority[..i].to_owned(), &authority[i..]),
            None => (authority.to_owned(), ""),
        },
    };
    let ipv4_loopback =
        host.starts_with("127.") && host.split('.').count() == 4 && host.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let loopback = host == "localhost" || host == "[::1]" || ipv4_loopback;
    if loopback {
        format!("{scheme}://localhost{port}")
    } else {
        origin.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(list: &[&str]) -> Vec<String> {
        list.iter().map(|h| h.to_string()).collect()
    }

    #[test]
    fn the_first_hostname_wins() {
        assert_eq!(
            issuer(&hosts(&["auth.shop.example", "b.shop.example"]), Some("https://authaz.example"), Some("https://x")),
            "https://auth.shop.example"
        );
    }

    #[test]
    fn then_the_public_url_then_the_request() {
        assert_eq!(issuer(&[], Some("https://authaz.example/"), Some("https://x.workers.dev")), "https://authaz.example");
        assert_eq!(issuer(&[], Some("  "), Some("https://x.workers.dev")), "https://x.workers.dev");
        assert_eq!(issuer(&[], None, None), "");
    }

    #[test]
    fn loopback_names_are_one_issuer() {
        assert_eq!(issuer(&[], None, Some("http://127.0.0.1:8787")), "http://127.0.0.1:8787");
        for origin in ["http://127.0.0.1:8787", "http://localhost:8787", "http://[::1]:8787"] {
            assert!(same_issuer(origin, "http://localhost:8787"), "{origin}");
            assert!(same_issuer("http://127.0.0.1:8787", origin), "{origin}");
        }
        assert!(!same_issuer("http://127.0.0.1:8787", "http://localhost:8788"));
        assert!(!same_issuer("https://127.example.com", "https://localhost"));
        assert!(!same_issuer("https://a.example.com", "https://b.example.com"));
        assert!(same_issuer("https://a.example.com", "https://a.example.com"));
    }

    #[test]
    fn two_applications_have_two_issuers() {
        assert_ne!(issuer(&hosts(&["a.example.com"]), None, None), issuer(&hosts(&["b.example.com"]), None, None));
    }
}
