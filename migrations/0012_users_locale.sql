-- The language of a user's mail (security notices): a tag of src/i18n (en, de, fr, es, ja), set
-- at sign-up from the request's language and kept up to date by each passkey sign-in that names one.
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'en';
