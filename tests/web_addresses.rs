//! Differential test of the hand-written web-address checks (`tenancy::web_address`, kept for
//! size) against the `url` crate (WHATWG URL): over generated and hostile inputs, whatever ours
//! accepts, `url` parses to the same thing; and well-formed addresses ours must accept, it does.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed test

use authaz::tenancy::web_address::{origin, redirect_uri};
use url::Url;

/// A small deterministic generator (xorshift64*), so a failure is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const SCHEMES: &[&str] =
    &["https://", "http://", "HTTPS://", "HtTp://", "https:", "https:/", "https:///", "ftp://", "com.example.app:/", "javascript:", ""];
const PIECES: &[&str] = &[
    "example.com",
    "EXAMPLE.com",
    "a.example.com",
    "login.example.com",
    "localhost",
    "app.localhost",
    "127.0.0.1",
    "[::1]",
    "xn--bcher-kva.example",
    "bücher.example",
    "evil.com",
    "example.com.evil.com",
    "a",
    "-",
    ".",
    "..",
    ":",
    ":443",
    ":8443",
    ":0",
    ":65536",
    ":99999",
    ":+1",
    ":",
    "/",
    "/cb",
    "?x=1",
    "#frag",
    "@",
    "user@",
    "user:pw@",
    "%41",
    "%2e",
    " ",
    "\t",
    "\\",
    "\u{0}",
    "\u{202e}",
    "ß",
    "ＥＸＡＭＰＬＥ",
    "_",
    "[",
    "]",
    "0x7f.1",
    "1.2.3.4",
    "999",
    "com",
    "co.uk",
    "xn--",
    "a-b",
    "a--b",
];

fn generated(rng: &mut Rng) -> String {
    let mut s = rng.pick(SCHEMES).to_owned();
    for _ in 0..1 + rng.below(5) {
        s.push_str(rng.pick(PIECES));
    }
    s
}

#[test]
fn an_origin_we_accept_is_the_origin_url_parses() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut accepted = 0;
    for _ in 0..50_000 {
        let given = generated(&mut rng);
        for rp_id in ["example.com", "localhost"] {
            let Ok(ours) = origin(&given, rp_id) else { continue };
            accepted += 1;
            let parsed = Url::parse(&given).unwrap_or_else(|e| panic!("{given:?}: we accept {ours:?}, url refuses: {e}"));
            assert_eq!(parsed.origin().ascii_serialization(), ours, "{given:?}");
            assert!(parsed.username().is_empty() && parsed.password().is_none(), "{given:?}");
            assert!(matches!(parsed.path(), "" | "/") && parsed.query().is_none() && parsed.fragment().is_none(), "{given:?}");
            let host = parsed.host_str().unwrap_or_default();
            assert!(host == rp_id || host.ends_with(&format!(".{rp_id}")), "{given:?}: host {host} outside {rp_id}");
        }
    }
    assert!(accepted > 200, "the generator should produce acceptable origins too ({accepted})");
}

#[test]
fn well_formed_origins_are_accepted_as_url_serializes_them() {
    let mut rng = Rng(42);
    let subs = ["", "a.", "login.", "a-b.c1.", "xn--80ak6aa92e."];
    for _ in 0..5_000 {
        let sub = rng.pick(&subs);
        let port = match rng.below(4) {
            0 => String::new(),
            1 => ":443".to_owned(),
            _ => format!(":{}", 1 + rng.below(65_535)),
        };
        let host: String = format!("{sub}example.com").chars().map(|c| if rng.below(2) == 0 { c.to_ascii_uppercase() } else { c }).collect();
        let given = format!("{}{host}{port}", if rng.below(2) == 0 { "https://" } else { "HTTPS://" });
        let ours = origin(&given, "example.com").unwrap_or_else(|e| panic!("{given:?} refused: {e}"));
        assert_eq!(ours, Url::parse(&given).unwrap().origin().ascii_serialization(), "{given:?}");
    }
}

#[test]
fn a_redirect_uri_we_accept_parses_with_url_as_we_read_it() {
    let mut rng = Rng(7);
    let mut accepted = 0;
    for _ in 0..50_000 {
        let given = generated(&mut rng);
        if redirect_uri(&given).is_err() {
            continue;
        }
        accepted += 1;
        let parsed = Url::parse(&given).unwrap_or_else(|e| panic!("{given:?}: we accept it, url refuses: {e}"));
        assert!(parsed.fragment().is_none(), "{given:?}");
        match parsed.scheme() {
            "https" | "http" => {
                assert!(parsed.username().is_empty() && parsed.password().is_none(), "{given:?}: user info");
                let host = parsed.host_str().unwrap_or_else(|| panic!("{given:?}: no host"));
                assert!(!host.is_empty(), "{given:?}");
                if parsed.scheme() == "http" {
                    let loopback = host == "localhost" || host.ends_with(".localhost") || host == "127.0.0.1" || host == "[::1]";
                    assert!(loopback, "{given:?}: http to {host}");
                }
            }
            scheme => assert!(scheme.contains('.'), "{given:?}: scheme {scheme}"),
        }
    }
    assert!(accepted > 100, "the generator should produce acceptable redirect URIs too ({accepted})");
}

#[test]
fn hostile_redirect_uris_are_refused() {
    for bad in [
        "https://app.example.com@evil.com/cb",
        "https://evil.com\\@app.example.com/",
        "https://app.example.com/cb#x",
        "http://evil.com/cb",
        "javascript:alert(1)",
        "data:text/html,x",
        "https://app.example.com/\u{202e}",
        "https:/\\evil.com",
        "//evil.com/cb",
        "https://[::1/cb",
    ] {
        assert!(redirect_uri(bad).is_err(), "{bad:?}");
    }
}
