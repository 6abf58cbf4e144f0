UPDATE users SET email = concat('unknown+', id, '@example.invalid') WHERE email IS NULL;
ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;
