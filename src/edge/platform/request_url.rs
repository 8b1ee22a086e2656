//! The parts of a request's URL the Worker needs (its origin, host, query), read from the URL as
//! the runtime serialized it (WHATWG: scheme and host lowercased, default port dropped, no user
//! info on a request), so that no URL parser ships in the Worker.

use worker::Request;

/// `scheme://host[:port]` of the request's URL.
pub fn origin(req: &Request) -> Option<String> {
    let url = req.inner().url();
    let (scheme, rest) = url.split_once("://")?;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    (!authority.is_empty()).then(|| format!("{scheme}://{authority}"))
}

/// The host of the request's URL, without port.
pub fn host(req: &Request) -> Option<String> {
    let origin = origin(req)?;
    let authority = origin.split_once("://")?.1;
    let host = if authority.starts_with('[') {
        authority.split_inclusive(']').next().unwrap_or(authority)
    } else {
        authority.split(':').next().unwrap_or(authority)
    };
    (!host.is_empty()).then(|| host.to_owned())
}

/// The decoded `name=value` pairs of the query (`application/x-www-form-urlencoded`).
pub fn query_pairs(req: &Request) -> Vec<(String, String)> {
    let url = req.inner().url();
    let Some((_, query)) = url.split_once('?') else { return Vec::new() };
    let query = query.split('#').next().unwrap_or(query);
    form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}
