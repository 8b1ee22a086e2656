//! The audit trail: security-relevant events, each written to D1 in the same batch as the change
//! it records (`record`), and handed on once that batch committed (`committed`: webhooks).

pub mod record;

pub use record::{committed, Actor, Client, NewEvent, Recorded};
