CREATE TABLE products (
  id bigint PRIMARY KEY,
  name varchar(40) NOT NULL,
  code varchar(12),
  stock integer
);
