//! The mail the service sends: the words of each message and the RFC 5322 + MIME text the
//! `send_email` binding takes.

pub mod message;
pub mod verification;
