//! The plumbing every capability shares: bindings and settings, D1 helpers, HTTP and CORS, the
//! Durable Object classes (challenges, rate limits), WebCrypto, outgoing mail, queues and the log.

pub mod challenge_store;
pub mod config;
pub mod cors;
pub mod db;
pub mod http;
pub mod mail_sender;
pub mod outcome_log;
pub mod outgoing;
pub mod queue;
pub mod rate_limiter;
pub mod rate_limits;
pub mod request_url;
pub mod web_crypto;
