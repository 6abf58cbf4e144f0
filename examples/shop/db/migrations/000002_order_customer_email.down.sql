DROP INDEX orders_customer_email_idx;
ALTER TABLE orders DROP COLUMN customer_email;
