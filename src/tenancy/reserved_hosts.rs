//! Hosts no application may claim as a hostname: the Worker's own. An application serving one
//! of them would take over every request that reaches the Worker there (Host lookup wins over
//! `X-Authaz-App`), breaking every other application.
//!
//! The list is configured (`AUTHAZ_RESERVED_HOSTS`: comma-separated host names, `*.suffix` for
//! a suffix and everything under it); unset, it is `*.workers.dev` and the host of the issuer
//! (`AUTHAZ_ISSUER`).

/// The default list: every `workers.dev` name, and the issuer's host when one is configured.
pub fn default_patterns(issuer: Option<&str>) -> Vec<String> {
    let mut patterns = vec!["*.workers.dev".to_owned()];
    if let Some(host) = issuer.and_then(host_of_url) {
        patterns.push(host);
    }
    patterns
}

/// A configured list: comma-separated, lowercased, blanks dropped.
pub fn parse_patterns(configured: &str) -> Vec<String> {
    configured.split(',').map(|p| p.trim().trim_end_matches('.').to_ascii_lowercase()).filter(|p| !p.is_empty()).collect()
}

/// Whether `host` (lowercase) is reserved by `patterns`.
pub fn is_reserved(host: &str, patterns: &[String]) -> bool {
    patterns.iter().any(|pattern| match pattern.strip_prefix("*.") {
        Some(suffix) => host == suffix || host.ends_with(&format!(".{suffix}")),
        None => host == pattern,
    })
}

/// The host of `scheme://host[:port][/...]`, lowercase.
fn host_of_url(url: &str) -> Option<String> {
    let rest = url.trim().split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.starts_with('[') { host } else { host.split(':').next()? };
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_reserve_workers_dev_and_the_issuer() {
        let patterns = default_patterns(Some("https://Auth.Example.com:8443/x"));
        assert_eq!(patterns, vec!["*.workers.dev", "auth.example.com"]);
        assert!(is_reserved("authaz.someone.workers.dev", &patterns));
        assert!(is_reserved("workers.dev", &patterns));
        assert!(is_reserved("auth.example.com", &patterns));
        assert!(!is_reserved("login.example.com", &patterns));
        assert!(!is_reserved("notworkers.dev", &patterns));
        assert_eq!(default_patterns(None), vec!["*.workers.dev"]);
        assert_eq!(default_patterns(Some("")), vec!["*.workers.dev"]);
    }

    #[test]
    fn configured_lists() {
        let patterns = parse_patterns(" Authaz.Example , *.internal.example,, ");
        assert_eq!(patterns, vec!["authaz.example", "*.internal.example"]);
        assert!(is_reserved("authaz.example", &patterns));
        assert!(is_reserved("a.b.internal.example", &patterns));
        assert!(!is_reserved("x.workers.dev", &patterns));
    }
}
