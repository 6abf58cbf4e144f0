-- Order confirmation e-mails are sent by the worker, which needs the address on the order.
ALTER TABLE orders ADD COLUMN customer_email text NOT NULL;
CREATE INDEX orders_customer_email_idx ON orders (customer_email);
