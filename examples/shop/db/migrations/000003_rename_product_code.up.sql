-- The catalogue team calls it SKU everywhere now.
ALTER TABLE products RENAME COLUMN code TO sku;
