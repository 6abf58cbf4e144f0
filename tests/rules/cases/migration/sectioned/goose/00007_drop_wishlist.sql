-- +goose Up
-- +goose StatementBegin
ALTER TABLE customers DROP COLUMN wishlist;
-- +goose StatementEnd
