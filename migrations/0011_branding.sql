-- Each application's branding of its hosted pages (docs/API.md, "Branding"): a logo URL (https),
-- a primary colour (#rrggbb) and a support link (https or mailto:). NULL: not set.
ALTER TABLE applications ADD COLUMN logo_url TEXT;
ALTER TABLE applications ADD COLUMN primary_color TEXT;
ALTER TABLE applications ADD COLUMN support_url TEXT;
