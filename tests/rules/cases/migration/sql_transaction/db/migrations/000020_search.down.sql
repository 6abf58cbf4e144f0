DROP INDEX CONCURRENTLY products_sku_idx;
DROP INDEX CONCURRENTLY products_name_idx;
ALTER TABLE products DROP CONSTRAINT products_vendor_fk, DROP CONSTRAINT products_price_positive;
