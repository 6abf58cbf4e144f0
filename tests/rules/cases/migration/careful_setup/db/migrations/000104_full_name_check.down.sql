ALTER TABLE orders DROP CONSTRAINT orders_user_fk;
ALTER TABLE users DROP CONSTRAINT users_full_name_not_null;
