//! The mail the service sends: the words of each message and the RFC 5322 + MIME text the
//! `send_email` binding takes; and the HTML escaping that mail and the hosted pages share.

pub mod html;
pub mod message;
pub mod verification;
