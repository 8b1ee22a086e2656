-- How long each application keeps its audit events (docs/API.md, "Audit events"): the hourly
-- sweep deletes events older than this many days (1..3650, default 90).
ALTER TABLE applications ADD COLUMN event_retention_days INTEGER NOT NULL DEFAULT 90;
