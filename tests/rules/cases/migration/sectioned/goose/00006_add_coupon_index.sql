-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY orders_coupon_idx ON orders (coupon_id);

-- +goose Down
DROP INDEX CONCURRENTLY orders_coupon_idx;
