-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY refunds_created_idx ON refunds (created_at);

-- migrate:down
DROP INDEX CONCURRENTLY refunds_created_idx;
DROP TABLE refunds;
