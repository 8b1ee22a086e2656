-- Security hardening (issue 10). Times are unix milliseconds.

-- The passkey ceremony behind a session: when it happened (access tokens carry it as auth_time;
-- adding a passkey, new recovery codes and hand-off codes need a recent one) and with which
-- passkey (removing that passkey ends the session). NULL on sessions made before this migration:
-- their auth_time counts as their created_at, and no passkey is known.
ALTER TABLE sessions ADD COLUMN auth_time INTEGER;
ALTER TABLE sessions ADD COLUMN credential_id TEXT;
CREATE INDEX sessions_credential ON sessions(credential_id);
CREATE INDEX sessions_expires ON sessions(expires_at);
CREATE INDEX refresh_tokens_expires ON refresh_tokens(expires_at);

-- A hand-off code passes its session's ceremony on to the session it is exchanged for.
ALTER TABLE authorization_codes ADD COLUMN auth_time INTEGER;
ALTER TABLE authorization_codes ADD COLUMN credential_id TEXT;
CREATE INDEX authorization_codes_user ON authorization_codes(user_id);
CREATE INDEX authorization_codes_expires ON authorization_codes(expires_at);
CREATE INDEX email_verifications_expires ON email_verifications(expires_at);

-- API keys get a public id (to name one in rotation and revocation) and an end of validity: a
-- rotated key stays valid until expires_at (the grace period its rotation gave it).
ALTER TABLE api_keys ADD COLUMN id TEXT;
ALTER TABLE api_keys ADD COLUMN expires_at INTEGER;
UPDATE api_keys SET id = 'key_' || lower(hex(randomblob(12))) WHERE id IS NULL;
CREATE UNIQUE INDEX api_keys_id ON api_keys(id);

-- Who did what to an application's API keys, and when (creation, rotation, revocation).
CREATE TABLE api_key_events (
  id          TEXT PRIMARY KEY,
  app_id      TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  key_id      TEXT NOT NULL,                  -- the key acted on
  action      TEXT NOT NULL,                  -- 'created', 'rotated' (key_id: the new key), 'revoked'
  actor       TEXT NOT NULL,                  -- 'operator', or 'key:<id>' of the application key used
  detail      TEXT,                           -- JSON: e.g. the keys a rotation retired and until when
  at          INTEGER NOT NULL
);
CREATE INDEX api_key_events_app ON api_key_events(app_id, at);
