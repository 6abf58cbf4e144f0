-- Retire the v1 order columns and the old audit table.
ALTER TABLE orders DROP COLUMN legacy_status;
ALTER TABLE orders RENAME COLUMN amount TO total_cents;
ALTER TABLE order_notes RENAME TO order_comments;

DROP TABLE IF EXISTS order_audit_v1;

-- near misses: a scratch table created and dropped here, a new table renamed here
CREATE TABLE order_import_tmp (id bigint PRIMARY KEY, payload jsonb);
INSERT INTO order_import_tmp SELECT id, to_jsonb(o) FROM orders o;
DROP TABLE order_import_tmp;
CREATE TABLE refunds_new (id bigint PRIMARY KEY);
ALTER TABLE refunds_new RENAME TO refunds;
ALTER TABLE refunds RENAME COLUMN id TO refund_id;
ALTER TABLE orders ADD COLUMN scratch text;
ALTER TABLE orders DROP COLUMN scratch;
-- re-creating a table still loses its rows
DROP TABLE order_exports;
CREATE TABLE order_exports (id bigint PRIMARY KEY, exported_at timestamptz);
