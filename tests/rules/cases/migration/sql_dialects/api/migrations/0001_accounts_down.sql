DROP INDEX accounts_owner_idx;
ALTER TABLE accounts ADD COLUMN legacy_plan text;
DROP TABLE account_notes;
