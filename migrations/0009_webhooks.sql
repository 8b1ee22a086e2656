-- Webhooks (docs/API.md, "Webhooks"; src/edge/webhooks). Times are unix milliseconds.

-- An application's endpoints. The signing secret is never stored: it is the HMAC of
-- `secret_salt` under the Worker's AUTHAZ_HMAC_KEY (src/webhooks/signature.rs).
CREATE TABLE webhook_endpoints (
  id           TEXT PRIMARY KEY,                -- whk_ + random
  app_id       TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  url          TEXT NOT NULL,
  event_types  TEXT CHECK (event_types IS NULL OR json_valid(event_types)),  -- JSON array of types; NULL: every type
  description  TEXT NOT NULL DEFAULT '',
  enabled      INTEGER NOT NULL DEFAULT 1,
  secret_salt  TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_app ON webhook_endpoints(app_id, created_at, id);

-- One row per (endpoint, event): the delivery log. Written by the trigger below in the same
-- transaction as the event (so a delivery exists exactly when its change committed), then updated
-- by the queue consumer after each attempt.
CREATE TABLE webhook_deliveries (
  endpoint_id  TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
  event_id     TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
  status       TEXT NOT NULL DEFAULT 'pending',  -- pending | delivered | failed
  attempts     INTEGER NOT NULL DEFAULT 0,
  last_status  INTEGER,                          -- the receiver's HTTP status of the last attempt
  last_error   TEXT,                             -- why the last attempt failed
  created_at   INTEGER NOT NULL,                 -- the event's time
  updated_at   INTEGER NOT NULL,                 -- the last attempt's time
  PRIMARY KEY (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries(endpoint_id, created_at, event_id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);
CREATE INDEX webhook_deliveries_waiting ON webhook_deliveries(status, attempts, created_at);

CREATE TRIGGER events_to_webhook_deliveries AFTER INSERT ON events
BEGIN
  INSERT INTO webhook_deliveries (endpoint_id, event_id, created_at, updated_at)
  SELECT w.id, NEW.id, NEW.at, NEW.at FROM webhook_endpoints w
  WHERE w.app_id = NEW.app_id AND w.enabled = 1
    AND (w.event_types IS NULL OR EXISTS (SELECT 1 FROM json_each(w.event_types) WHERE value = NEW.type));
END;
