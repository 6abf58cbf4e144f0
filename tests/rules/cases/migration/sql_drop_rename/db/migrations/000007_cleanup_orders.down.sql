-- undo: dropping what the up created is expected here
DROP TABLE refunds;
ALTER TABLE order_comments RENAME TO order_notes;
ALTER TABLE orders RENAME COLUMN total_cents TO amount;
ALTER TABLE orders ADD COLUMN legacy_status text;
CREATE TABLE order_audit_v1 (id bigint PRIMARY KEY, changed_at timestamptz);
