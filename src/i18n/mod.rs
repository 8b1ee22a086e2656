//! The languages the hosted pages and the mail speak: which one a request gets (`locale`), and
//! the catalogues of their words (`catalogue`). The words themselves are not in the wasm: each
//! language has one JSON catalogue per audience under `src/i18n/catalogues/{pages,mail}/`, a flat
//! object of `"key": "text"` a translator edits; `scripts/build.sh` ships them as static assets
//! and the Worker reads them through its `ASSETS` binding (`edge::i18n`).

pub mod catalogue;
pub mod locale;

pub use catalogue::Catalogue;
pub use locale::Locale;
