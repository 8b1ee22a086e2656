//! The HTTP contract's pure vocabulary (docs/API.md): its error model, its route table and the
//! text forms of its values. The Worker answers through these; the native tests check them.

pub mod error;
pub mod json_fields;
pub mod routes;
pub mod time_format;
pub mod user_list;
