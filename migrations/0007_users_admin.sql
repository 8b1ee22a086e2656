-- User administration and account self-service (src/edge/users). Times are unix milliseconds.

-- The admin user list pages through an application's users in the order (created_at, id).
CREATE INDEX users_app_created ON users(app_id, created_at, id);

-- Why a session was signed in: NULL for a sign-in, 'reauth' for a login/start with
-- `"purpose": "reauth"` (the fresh passkey ceremony that DELETE /api/v1/users/me needs).
ALTER TABLE sessions ADD COLUMN purpose TEXT;

-- A pending change of a user's email: one row per code mailed to the new address; the
-- address is replaced only when the code is confirmed. Codes are stored as keyed hashes (bound
-- to their row); five wrong tries burn one. A new request consumes the user's older rows.
CREATE TABLE email_changes (
  id           TEXT PRIMARY KEY,
  app_id       TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  email        TEXT NOT NULL,                -- the new address, lowercased
  code_hash    TEXT NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  expires_at   INTEGER NOT NULL,
  consumed_at  INTEGER,                      -- confirmed, burned by 5 wrong tries, or replaced
  created_at   INTEGER NOT NULL
);
CREATE INDEX email_changes_user ON email_changes(user_id, created_at);
CREATE INDEX email_changes_expires ON email_changes(expires_at);
