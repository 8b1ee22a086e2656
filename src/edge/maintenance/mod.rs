//! Scheduled upkeep (the Cron Trigger in wrangler.toml, `[triggers] crons`): the sweep of rows
//! that can never be used again.

pub mod sweep;
