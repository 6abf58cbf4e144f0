ALTER TABLE accounts ADD COLUMN note text
ALTER TABLE accounts DROP COLUMN nickname;
