--liquibase formatted sql

--changeset shop:orders-1
CREATE TABLE order_tags (order_id bigint NOT NULL, tag text NOT NULL);
--rollback DROP TABLE order_tags;

--changeset shop:orders-2
ALTER TABLE orders DROP COLUMN gift_wrap;

--changeset shop:orders-3 runInTransaction:false
CREATE INDEX CONCURRENTLY order_tags_tag_idx ON order_tags (tag);
--rollback DROP INDEX CONCURRENTLY order_tags_tag_idx;

--changeset shop:orders-4
CREATE INDEX CONCURRENTLY orders_placed_idx ON orders (placed_at);
--rollback DROP INDEX orders_placed_idx;

--changeset shop:orders-5
--comment: nothing to undo for a data fix
UPDATE orders SET status = 'cancelled' WHERE status = 'canceled';
--rollback empty
