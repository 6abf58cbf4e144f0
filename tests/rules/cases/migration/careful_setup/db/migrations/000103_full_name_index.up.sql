CREATE INDEX CONCURRENTLY IF NOT EXISTS users_full_name_idx ON users (full_name);
