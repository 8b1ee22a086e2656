-- OpenID Connect provider (src/oidc, src/edge/oidc). Times are unix milliseconds; secrets
-- (client secrets, request handles, codes) are stored only as HMAC-SHA256 keyed hashes.

-- OAuth clients of an application (/api/v1/applications/{appId}/clients).
CREATE TABLE oidc_clients (
  id                         TEXT PRIMARY KEY,            -- client_id
  app_id                     TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  name                       TEXT NOT NULL,
  type                       TEXT NOT NULL,               -- confidential | public
  redirect_uris              TEXT NOT NULL,               -- JSON array of exact URIs
  post_logout_redirect_uris  TEXT NOT NULL DEFAULT '[]',  -- JSON array of exact URIs
  secret_hash                TEXT,                        -- confidential clients only
  secret_prefix              TEXT,
  created_at                 INTEGER NOT NULL,
  updated_at                 INTEGER NOT NULL
);
CREATE INDEX oidc_clients_app ON oidc_clients(app_id);

-- Checked authorization requests waiting for the hosted sign-in page (10 minutes, single use).
CREATE TABLE oidc_requests (
  handle_hash     TEXT PRIMARY KEY,
  app_id          TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  client_id       TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  issuer          TEXT NOT NULL,
  redirect_uri    TEXT NOT NULL,
  scope           TEXT NOT NULL,
  state           TEXT,
  nonce           TEXT,
  code_challenge  TEXT,
  force_login     INTEGER NOT NULL,
  max_age         INTEGER,
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL,
  used_at         INTEGER
);
CREATE INDEX oidc_requests_expiry ON oidc_requests(expires_at);

-- Authorization codes (60 seconds, single use); session_id is what the code was exchanged for,
-- revoked when the code is presented again (RFC 6749 4.1.2).
CREATE TABLE oidc_codes (
  code_hash       TEXT PRIMARY KEY,
  app_id          TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  client_id       TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  issuer          TEXT NOT NULL,
  redirect_uri    TEXT NOT NULL,
  scope           TEXT NOT NULL,
  nonce           TEXT,
  code_challenge  TEXT,
  auth_time       INTEGER NOT NULL,
  credential_id   TEXT,                         -- the passkey of the sign-in (sessions.credential_id)
  amr             TEXT NOT NULL,                -- JSON array (RFC 8176)
  expires_at      INTEGER NOT NULL,
  used_at         INTEGER,
  session_id      TEXT
);
CREATE INDEX oidc_codes_expiry ON oidc_codes(expires_at);

-- Sessions issued to an OAuth client (the session machinery's rows, bound to the client).
CREATE TABLE oidc_sessions (
  session_id  TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
  client_id   TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
  app_id      TEXT NOT NULL,
  issuer      TEXT NOT NULL,
  scope       TEXT NOT NULL,
  auth_time   INTEGER NOT NULL,
  amr         TEXT NOT NULL
);
CREATE INDEX oidc_sessions_client ON oidc_sessions(client_id);
