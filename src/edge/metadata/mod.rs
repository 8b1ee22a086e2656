//! Authenticator metadata from the FIDO Metadata Service in the Worker: the D1 tables, the
//! daily refresh, and what registration asks of them (one read by AAGUID; login asks nothing).

pub mod refresh;
pub mod store;
