-- missing semicolon after the first statement
ALTER TABLE orders ADD COLUMN note text
ALTER TABLE orders DROP COLUMN legacy;
