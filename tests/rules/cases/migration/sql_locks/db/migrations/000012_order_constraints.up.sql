CREATE INDEX orders_customer_id_idx ON orders (customer_id);
ALTER TABLE orders ADD CONSTRAINT orders_number_key UNIQUE (number);
ALTER TABLE orders
    ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total_cents >= 0);
ALTER TABLE orders ALTER COLUMN total_cents TYPE bigint;
ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
ALTER TABLE orders ADD COLUMN coupon_id bigint REFERENCES coupons (id);

-- near misses
CREATE INDEX CONCURRENTLY orders_created_at_idx ON orders (created_at);
ALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE USING INDEX orders_ref_idx;
ALTER TABLE orders ADD CONSTRAINT orders_shop_fk FOREIGN KEY (shop_id) REFERENCES shops (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_shop_fk;
ALTER TABLE orders ADD COLUMN channel text DEFAULT 'web';
ALTER TABLE orders ALTER COLUMN channel SET NOT NULL;
CREATE TABLE invoices (id bigint PRIMARY KEY, order_id bigint, total numeric(12, 2));
CREATE INDEX invoices_order_id_idx ON invoices (order_id);
ALTER TABLE invoices ADD CONSTRAINT invoices_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
ALTER TABLE invoices ALTER COLUMN total TYPE numeric(14, 2);
ALTER TABLE invoices ALTER COLUMN order_id SET NOT NULL;
