ALTER TABLE products ALTER COLUMN name TYPE varchar(60);
ALTER TABLE products ALTER COLUMN sku TYPE varchar(80);
