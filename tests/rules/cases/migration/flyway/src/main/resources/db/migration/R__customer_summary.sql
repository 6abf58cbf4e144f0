DROP VIEW IF EXISTS customer_summary;
CREATE VIEW customer_summary AS SELECT id, email FROM customers;
