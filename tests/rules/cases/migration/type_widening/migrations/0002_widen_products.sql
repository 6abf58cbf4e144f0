ALTER TABLE products ALTER COLUMN name TYPE varchar(120);
ALTER TABLE products ALTER COLUMN code TYPE text;
ALTER TABLE products ALTER COLUMN stock TYPE bigint;
