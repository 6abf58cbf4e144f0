DROP TABLE invoices;
ALTER TABLE orders DROP CONSTRAINT orders_shop_fk;
DROP INDEX CONCURRENTLY orders_created_at_idx;
ALTER TABLE orders DROP COLUMN coupon_id, DROP COLUMN channel;
ALTER TABLE orders ALTER COLUMN customer_id DROP NOT NULL;
