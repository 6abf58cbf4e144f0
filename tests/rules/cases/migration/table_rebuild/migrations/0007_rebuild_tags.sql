-- rebuilt the SQLite way: renamed aside, created again, rows copied back
ALTER TABLE tags RENAME TO tags_old;
CREATE TABLE tags (id bigint PRIMARY KEY, name text NOT NULL);
INSERT INTO tags (id, name) SELECT id, name FROM tags_old;
DROP TABLE tags_old;
