//! The audit trail: security-relevant events, each written to D1 in the same batch as the change
//! it records (`record`), handed on once that batch committed (`committed`), and read
//! back by the events API (`endpoints`, `queries`).

pub mod endpoints;
pub mod queries;
pub mod record;

pub use record::{committed, detail_count_stmt, record, record_if_changed, write_alone, Actor, Client, Detail, NewEvent, Recorded};
