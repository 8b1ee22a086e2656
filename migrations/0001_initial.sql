-- Authaz Edge schema. Times are unix milliseconds (INTEGER); the API renders them as RFC 3339.
-- Secrets (API keys, codes, tokens) are stored only as HMAC-SHA256 hex digests keyed by the
-- Worker secret AUTHAZ_HMAC_KEY.

CREATE TABLE applications (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  rp_id           TEXT NOT NULL,
  rp_name         TEXT NOT NULL,
  origins         TEXT NOT NULL DEFAULT '[]',   -- JSON array of exact origins
  hostnames       TEXT NOT NULL DEFAULT '[]',   -- JSON array, mirrored in application_hostnames
  redirect_uris   TEXT NOT NULL DEFAULT '[]',   -- JSON array of exact URIs
  passkey_config  TEXT NOT NULL,                -- JSON object, see the contract's defaults
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);

-- Host -> application lookup for the public endpoints; one application per hostname.
CREATE TABLE application_hostnames (
  hostname  TEXT PRIMARY KEY,
  app_id    TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE
);
CREATE INDEX application_hostnames_app ON application_hostnames(app_id);

CREATE TABLE api_keys (
  key_hash      TEXT PRIMARY KEY,
  app_id        TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  prefix        TEXT NOT NULL,                 -- first characters, to tell keys apart in logs/UI
  created_at    INTEGER NOT NULL,
  revoked_at    INTEGER
);
CREATE INDEX api_keys_app ON api_keys(app_id);

CREATE TABLE users (
  id              TEXT PRIMARY KEY,
  app_id          TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  email           TEXT NOT NULL,               -- lowercased
  email_verified  INTEGER NOT NULL,
  display_name    TEXT NOT NULL,
  user_handle     TEXT NOT NULL,               -- WebAuthn user.id, base64url of 32 random bytes
  created_at      INTEGER NOT NULL,
  UNIQUE (app_id, email),
  UNIQUE (app_id, user_handle)
);

CREATE TABLE credentials (
  id               TEXT PRIMARY KEY,           -- the passkey id of the API
  app_id           TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  credential_id    TEXT NOT NULL,              -- base64url
  public_key       TEXT NOT NULL,              -- COSE_Key, base64url
  alg              INTEGER NOT NULL,
  sign_count       INTEGER NOT NULL DEFAULT 0,
  transports       TEXT NOT NULL DEFAULT '[]',
  aaguid           TEXT NOT NULL,
  fmt              TEXT NOT NULL,
  attestation_type TEXT NOT NULL,
  user_verified    INTEGER NOT NULL,
  backup_eligible  INTEGER NOT NULL,
  backed_up        INTEGER NOT NULL,
  name             TEXT,                       -- the user's name for it, if given
  created_at       INTEGER NOT NULL,
  last_used_at     INTEGER,
  UNIQUE (app_id, credential_id)
);
CREATE INDEX credentials_user ON credentials(user_id);

CREATE TABLE recovery_codes (
  code_hash   TEXT PRIMARY KEY,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  used_at     INTEGER
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);

CREATE TABLE sessions (
  id             TEXT PRIMARY KEY,
  app_id         TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  user_id        TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at     INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL,
  revoked_at     INTEGER,
  revoked_reason TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE refresh_tokens (
  token_hash  TEXT PRIMARY KEY,
  session_id  TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  used_at     INTEGER
);
CREATE INDEX refresh_tokens_session ON refresh_tokens(session_id);

-- One row per code sent; the confirm step turns it into a verification token.
CREATE TABLE email_verifications (
  id                 TEXT PRIMARY KEY,
  app_id             TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  email              TEXT NOT NULL,
  code_hash          TEXT NOT NULL,
  attempts           INTEGER NOT NULL DEFAULT 0,
  expires_at         INTEGER NOT NULL,
  consumed_at        INTEGER,                  -- confirmed, burned by 5 wrong tries, or replaced
  token_hash         TEXT UNIQUE,              -- verificationToken, once confirmed
  token_expires_at   INTEGER,
  token_used_at      INTEGER,
  created_at         INTEGER NOT NULL
);
CREATE INDEX email_verifications_email ON email_verifications(app_id, email, created_at);

-- Hosted sign-in hand-off: one-time codes exchanged at POST /auth/token.
CREATE TABLE authorization_codes (
  code_hash       TEXT PRIMARY KEY,
  app_id          TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  user_id         TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  redirect_uri    TEXT NOT NULL,
  code_challenge  TEXT,
  expires_at      INTEGER NOT NULL,
  used_at         INTEGER
);
