//! The applications an isolate has just looked up, kept for half a minute: a public request
//! whose host and `X-Authaz-App` were answered a moment ago is answered again without the D1
//! query (one round trip less on almost every request). Pure: time comes in as milliseconds.
//!
//! Staleness is bounded twice: an entry lives at most [`TTL_MS`], and [`AppCache::clear`] (called
//! by every change of an application or of its webhook endpoints in this isolate) empties the
//! cache and bumps a generation, so that a lookup that read D1 before the change cannot store
//! its old answer after it. For [`TTL_MS`] after a clear, [`AppCache::recently_cleared`] tells
//! the lookup to read the primary, not a read replica that may not have the change yet (whose
//! answer would otherwise be kept). Other isolates see a change within [`TTL_MS`] (plus the
//! replica's lag), the same kind of moment-old read the D1 replica already serves. Only found
//! applications are kept, at most [`MAX_ENTRIES`], so made-up hosts or ids cannot grow it.

/// How long a looked-up application is served from the cache.
pub const TTL_MS: f64 = 30_000.0;
/// Most lookups kept (an isolate usually serves one application or a few).
pub const MAX_ENTRIES: usize = 16;

/// Where the cache stood when a lookup began: hand it back to [`AppCache::put`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Generation(u64);

struct Entry<T> {
    host: Option<String>,
    named: Option<String>,
    value: T,
    stored_at_ms: f64,
}

/// Recent lookups, keyed by the request's host and the application it names.
pub struct AppCache<T> {
    entries: Vec<Entry<T>>,
    generation: u64,
    cleared_at_ms: f64,
}

impl<T: Clone> AppCache<T> {
    pub const fn new() -> Self {
        AppCache { entries: Vec::new(), generation: 0, cleared_at_ms: f64::NEG_INFINITY }
    }

    /// The value stored for exactly this `host` and `named` less than [`TTL_MS`] ago (a clock
    /// that went back counts as expired).
    pub fn get(&self, host: Option<&str>, named: Option<&str>, now_ms: f64) -> Option<T> {
        let entry = self.entries.iter().find(|e| e.host.as_deref() == host && e.named.as_deref() == named)?;
        let age = now_ms - entry.stored_at_ms;
        (0.0..TTL_MS).contains(&age).then(|| entry.value.clone())
    }

    /// The generation to hand to [`AppCache::put`] once the lookup has its answer.
    pub fn generation(&self) -> Generation {
        Generation(self.generation)
    }

    /// Keeps `value` for this `host` and `named`, unless the cache was cleared since `began`
    /// (the answer may predate a change). The oldest entry makes room when the cache is full.
    pub fn put(&mut self, host: Option<&str>, named: Option<&str>, value: T, now_ms: f64, began: Generation) {
        if began.0 != self.generation {
            return;
        }
        self.entries.retain(|e| !(e.host.as_deref() == host && e.named.as_deref() == named) && now_ms - e.stored_at_ms < TTL_MS);
        if self.entries.len() >= MAX_ENTRIES {
            if let Some(oldest) = self.entries.iter().enumerate().min_by(|a, b| a.1.stored_at_ms.total_cmp(&b.1.stored_at_ms)).map(|(i, _)| i) {
                self.entries.swap_remove(oldest);
            }
        }
        self.entries.push(Entry { host: host.map(str::to_owned), named: named.map(str::to_owned), value, stored_at_ms: now_ms });
    }

    /// Forgets every entry (an application or its webhook endpoints changed at `now_ms`).
    pub fn clear(&mut self, now_ms: f64) {
        self.entries.clear();
        self.generation = self.generation.wrapping_add(1);
        self.cleared_at_ms = now_ms;
    }

    /// Whether this isolate changed an application less than [`TTL_MS`] ago: its lookups then
    /// read the primary, which has the change, and not a replica, which may lag behind it.
    pub fn recently_cleared(&self, now_ms: f64) -> bool {
        let since = now_ms - self.cleared_at_ms;
        // A clock that went back counts as recent.
        since < TTL_MS
    }
}

impl<T: Clone> Default for AppCache<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_with(host: Option<&str>, named: Option<&str>, value: &str, at: f64) -> AppCache<String> {
        let mut cache = AppCache::new();
        let began = cache.generation();
        cache.put(host, named, value.to_owned(), at, began);
        cache
    }

    #[test]
    fn answers_the_same_lookup_within_the_ttl_only() {
        let cache = cache_with(Some("login.example.com"), None, "app_1", 1_000.0);
        assert_eq!(cache.get(Some("login.example.com"), None, 1_000.0).as_deref(), Some("app_1"));
        assert_eq!(cache.get(Some("login.example.com"), None, 1_000.0 + TTL_MS - 1.0).as_deref(), Some("app_1"));
        assert_eq!(cache.get(Some("login.example.com"), None, 1_000.0 + TTL_MS), None);
        // A clock that went back does not make an entry young.
        assert_eq!(cache.get(Some("login.example.com"), None, 999.0), None);
    }

    #[test]
    fn the_key_is_host_and_named_application_together() {
        let cache = cache_with(Some("localhost"), Some("app_1"), "app_1", 0.0);
        assert_eq!(cache.get(Some("localhost"), Some("app_1"), 1.0).as_deref(), Some("app_1"));
        assert_eq!(cache.get(Some("localhost"), Some("app_2"), 1.0), None);
        assert_eq!(cache.get(Some("localhost"), None, 1.0), None);
        assert_eq!(cache.get(None, Some("app_1"), 1.0), None);
        assert_eq!(cache.get(Some("LOCALHOST"), Some("app_1"), 1.0), None);
    }

    #[test]
    fn clear_forgets_and_refuses_answers_read_before_it() {
        let mut cache = cache_with(Some("a.example"), None, "old", 0.0);
        let began = cache.generation();
        cache.clear(1.0);
        assert_eq!(cache.get(Some("a.example"), None, 1.0), None);
        // A lookup that began before the change must not store what it read.
        cache.put(Some("a.example"), None, "old".to_owned(), 2.0, began);
        assert_eq!(cache.get(Some("a.example"), None, 3.0), None);
        let now = cache.generation();
        cache.put(Some("a.example"), None, "new".to_owned(), 4.0, now);
        assert_eq!(cache.get(Some("a.example"), None, 5.0).as_deref(), Some("new"));
    }

    #[test]
    fn lookups_read_the_primary_for_a_ttl_after_a_clear() {
        let mut cache: AppCache<String> = AppCache::new();
        assert!(!cache.recently_cleared(0.0), "a new cache was never cleared");
        assert!(!cache.recently_cleared(1e12));
        cache.clear(10_000.0);
        assert!(cache.recently_cleared(10_000.0));
        assert!(cache.recently_cleared(10_000.0 + TTL_MS - 1.0));
        assert!(!cache.recently_cleared(10_000.0 + TTL_MS));
        assert!(cache.recently_cleared(9_000.0), "a clock that went back counts as recent");
    }

    #[test]
    fn a_new_answer_replaces_the_old_one_for_its_key() {
        let mut cache = cache_with(Some("a.example"), None, "first", 0.0);
        let began = cache.generation();
        cache.put(Some("a.example"), None, "second".to_owned(), TTL_MS + 1.0, began);
        assert_eq!(cache.get(Some("a.example"), None, TTL_MS + 2.0).as_deref(), Some("second"));
        assert_eq!(cache.entries.len(), 1);
    }

    #[test]
    fn stays_bounded_and_evicts_the_oldest() {
        let mut cache = AppCache::new();
        for i in 0..(MAX_ENTRIES + 10) {
            let began = cache.generation();
            cache.put(Some(&format!("h{i}.example")), None, i, i as f64, began);
        }
        assert_eq!(cache.entries.len(), MAX_ENTRIES);
        assert_eq!(cache.get(Some("h0.example"), None, 30.0), None);
        let last = MAX_ENTRIES + 9;
        assert_eq!(cache.get(Some(&format!("h{last}.example")), None, 30.0), Some(last));
    }
}
