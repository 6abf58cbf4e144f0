ALTER TABLE orders ADD COLUMN currency char(3) NOT NULL;
ALTER TABLE orders
    ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid(),
    ADD COLUMN seq bigserial;
ALTER TABLE orders ADD COLUMN row_no integer GENERATED ALWAYS AS IDENTITY;

-- near misses: PostgreSQL 11+ stores constant and stable defaults without a rewrite
ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';
ALTER TABLE orders ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE orders ADD COLUMN note text;
ALTER TABLE orders ADD COLUMN priority int DEFAULT NULL;
CREATE TABLE shipments (id bigint PRIMARY KEY);
ALTER TABLE shipments ADD COLUMN carrier text NOT NULL;
ALTER TABLE shipments ADD COLUMN tracking uuid DEFAULT gen_random_uuid();
