-- +migrate Up
ALTER TABLE carts RENAME COLUMN owner TO customer_id;
-- +migrate Down
ALTER TABLE carts RENAME COLUMN customer_id TO owner;
