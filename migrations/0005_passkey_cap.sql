-- The application's cap on passkeys per user (passkey config `maxPasskeysPerUser`, default 10).
-- register/start refuses a user at the cap; this trigger makes the cap hold when two ceremonies
-- started under it complete together: the insert that would go past it aborts its whole batch
-- (the Worker answers 409 passkey_limit_reached and stores nothing).
CREATE INDEX IF NOT EXISTS credentials_app_user ON credentials(app_id, user_id);

CREATE TRIGGER credentials_per_user_cap
BEFORE INSERT ON credentials
WHEN (SELECT COUNT(*) FROM credentials WHERE app_id = NEW.app_id AND user_id = NEW.user_id)
     >= COALESCE((SELECT json_extract(passkey_config, '$.maxPasskeysPerUser') FROM applications WHERE id = NEW.app_id), 10)
BEGIN
  SELECT RAISE(ABORT, 'passkey_limit_reached');
END;
