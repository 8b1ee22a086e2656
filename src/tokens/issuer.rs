//! The `iss` of an application's access tokens: one issuer per application, minted into every
//! token and required of every token verified for it.
//!
//! The application's first hostname as `https://host`; else the Worker's configured public URL
//! (`AUTHAZ_ISSUER`); else, as a last resort for local development only, the origin the request
//! came to, with every loopback name (`localhost`, `127.0.0.1`, `[::1]`) written `localhost`, so
//! that a token minted through one of them verifies through another.

/// The issuer of an application whose hostnames are `hostnames`.
pub fn issuer(hostnames: &[String], public_url: Option<&str>, request_origin: Option<&str>) -> String {
    if let Some(host) = hostnames.first() {
        return format!("https://{host}");
    }
    if let Some(url) = public_url.map(|u| u.trim().trim_end_matches('/')).filter(|u| !u.is_empty()) {
        return url.to_owned();
    }
    request_origin.map(loopback_as_localhost).unwrap_or_default()
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
    let ipv4_loopback = host.starts_with("127.") && host.split('.').count() == 4 && host.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
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
        assert_eq!(issuer(&hosts(&["auth.shop.example", "b.shop.example"]), Some("https://authaz.example"), Some("https://x")), "https://auth.shop.example");
    }

    #[test]
    fn then_the_public_url_then_the_request() {
        assert_eq!(issuer(&[], Some("https://authaz.example/"), Some("https://x.workers.dev")), "https://authaz.example");
        assert_eq!(issuer(&[], Some("  "), Some("https://x.workers.dev")), "https://x.workers.dev");
        assert_eq!(issuer(&[], None, None), "");
    }

    #[test]
    fn loopback_names_are_one_issuer() {
        for origin in ["http://127.0.0.1:8787", "http://localhost:8787", "http://[::1]:8787"] {
            assert_eq!(issuer(&[], None, Some(origin)), "http://localhost:8787", "{origin}");
        }
        assert_eq!(issuer(&[], None, Some("http://localhost")), "http://localhost");
        assert_eq!(issuer(&[], None, Some("https://127.example.com")), "https://127.example.com");
    }

    #[test]
    fn two_applications_have_two_issuers() {
        assert_ne!(issuer(&hosts(&["a.example.com"]), None, None), issuer(&hosts(&["b.example.com"]), None, None));
    }
}
