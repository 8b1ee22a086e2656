//! Webhooks, the pure part: how a delivery is signed (the Standard Webhooks format,
//! `signature`), what an endpoint may be (`endpoint`: its URL and event filter), the delivery
//! log's query (`delivery_query`) and when a failed delivery is tried again (`retry`). The
//! Worker glue (admin API, queue producer and consumer) is `edge::webhooks`.

pub mod delivery_query;
pub mod endpoint;
pub mod retry;
pub mod signature;
