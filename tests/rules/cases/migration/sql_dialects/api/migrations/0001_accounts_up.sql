CREATE INDEX accounts_owner_idx ON accounts (owner_id);
ALTER TABLE accounts DROP COLUMN legacy_plan;
