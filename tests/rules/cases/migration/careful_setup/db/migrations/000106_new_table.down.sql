ALTER TABLE users DROP COLUMN plan;
DROP TABLE user_sessions;
