ALTER TABLE events ON CLUSTER main ADD COLUMN region String DEFAULT '';
