-- Audit events (src/edge/events) and what the session list shows (src/edge/users). Times are
-- unix milliseconds.

-- One row per security-relevant event, written in the same D1 batch as the change it records.
-- No secrets and no email addresses: users, passkeys and sessions are named by their ids, which
-- stay meaningful after a user is deleted (the trail outlives them until its retention ends).
CREATE TABLE events (
  id          TEXT PRIMARY KEY,            -- evt_ + random; ties in `at` are ordered by it
  app_id      TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  type        TEXT NOT NULL,               -- e.g. passkey.added (docs/API.md, "Audit events")
  user_id     TEXT,
  passkey_id  TEXT,
  session_id  TEXT,
  actor       TEXT NOT NULL,               -- user | operator | key:<api key id> | system
  ip          TEXT,                        -- CF-Connecting-IP of the request
  user_agent  TEXT,                        -- its User-Agent, at most 256 characters
  detail      TEXT NOT NULL DEFAULT '{}',  -- JSON object, type-specific, never a secret
  at          INTEGER NOT NULL
);
CREATE INDEX events_app_at ON events(app_id, at, id);
CREATE INDEX events_app_user_at ON events(app_id, user_id, at, id);
CREATE INDEX events_app_type_at ON events(app_id, type, at, id);
CREATE INDEX events_at ON events(at);

-- Where a session was signed in from, and when it last refreshed its tokens.
ALTER TABLE sessions ADD COLUMN ip TEXT;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN last_refreshed_at INTEGER;
