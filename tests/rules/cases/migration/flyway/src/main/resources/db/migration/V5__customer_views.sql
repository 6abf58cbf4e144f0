CREATE TABLE customer_tiers (id bigint PRIMARY KEY, name text NOT NULL);
ALTER TABLE customers ADD CONSTRAINT customers_tier_fk FOREIGN KEY (tier_id) REFERENCES customer_tiers (id) NOT VALID;
ALTER TABLE customers VALIDATE CONSTRAINT customers_tier_fk;
