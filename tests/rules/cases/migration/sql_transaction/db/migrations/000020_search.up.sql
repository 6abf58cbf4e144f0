BEGIN;
CREATE INDEX CONCURRENTLY products_name_idx ON products (name);
ALTER TABLE products ADD CONSTRAINT products_price_positive CHECK (price_cents > 0) NOT VALID;
ALTER TABLE products VALIDATE CONSTRAINT products_price_positive;
COMMIT;

-- near misses: outside the block, each statement commits on its own
CREATE INDEX CONCURRENTLY products_sku_idx ON products (sku);
ALTER TABLE products ADD CONSTRAINT products_vendor_fk FOREIGN KEY (vendor_id) REFERENCES vendors (id) NOT VALID;
ALTER TABLE products VALIDATE CONSTRAINT products_vendor_fk;
