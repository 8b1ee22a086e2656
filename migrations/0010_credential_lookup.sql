-- login/complete refusing a passkey the application does not know asks whether another
-- application with the same rpId holds it (then the page must not tell the browser to forget
-- it): a lookup by WebAuthn credential id across applications.
CREATE INDEX IF NOT EXISTS credentials_credential_id ON credentials(credential_id);
