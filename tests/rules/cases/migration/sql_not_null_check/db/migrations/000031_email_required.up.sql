ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_email_not_null;

-- validating some other constraint proves nothing about display_name
ALTER TABLE users VALIDATE CONSTRAINT users_team_fk;
ALTER TABLE users ALTER COLUMN display_name SET NOT NULL;
-- a SET NOT NULL before the check is validated still scans
ALTER TABLE users ALTER COLUMN locale SET NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_locale_not_null CHECK (locale IS NOT NULL) NOT VALID;
