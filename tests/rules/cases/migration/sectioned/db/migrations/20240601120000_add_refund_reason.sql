-- migrate:up
ALTER TABLE refunds ADD COLUMN reason text;
ALTER TABLE refunds ADD CONSTRAINT refunds_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) NOT VALID;
ALTER TABLE refunds VALIDATE CONSTRAINT refunds_order_fk;

-- migrate:down
