//! The mail the service sends: the words of each message and the checked, single-line fields
//! the `send_email` binding's structured form takes; and the HTML escaping that mail and the
//! hosted pages share.

pub mod email_changed;
pub mod html;
pub mod message;
pub mod verification;
