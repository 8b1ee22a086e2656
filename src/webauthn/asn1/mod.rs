//! A small strict DER reader, hand-written to fit the Worker's 400 KiB gzip budget (it replaces
//! the `der`, `x509-cert`, `spki` and `const-oid` crates, 25-30 KiB gzipped, in the build).
//! It accepts strict DER only: definite lengths in minimal form (never indefinite), minimal
//! tags (single-octet tag numbers below 31, long form only for numbers of 31 and more, as
//! Android's key description needs), known universal tags in their right form, no trailing
//! bytes, nesting bounded by [`reader::MAX_DEPTH`]. Every parser returns an error on bad
//! input; none panics or unwraps on it.
//!
//! [`reader`] frames values (tag, length, content); [`values`] holds the content rules of the
//! primitive types; [`oid`] the object identifiers; [`time`] UTCTime and GeneralizedTime.
//! X.509 itself is in `certificate`.

pub mod oid;
pub mod reader;
pub mod time;
pub mod values;

pub use oid::Oid;
pub use reader::{single, Error, Reader, Result, Tag, Tlv};
pub use values::BitString;

#[cfg(test)]
mod tests;
