//! Webhooks in the Worker (docs/API.md, "Webhooks"): an application's endpoints and delivery log
//! (`endpoints`, the admin API), the queue producer that announces committed events
//! (`announce`), and the queue consumer that signs and delivers them, with retries and a
//! dead-letter queue (`consumer`). Which endpoints an event goes to is decided in D1, by the
//! trigger that writes an event's deliveries in the same transaction as the event
//! (migrations/0009_webhooks.sql).

pub mod announce;
pub mod consumer;
pub mod endpoints;
