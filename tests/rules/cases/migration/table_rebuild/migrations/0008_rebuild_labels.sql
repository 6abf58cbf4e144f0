-- rebuilt aside and renamed over the original
CREATE TABLE labels_new (id bigint PRIMARY KEY, title text NOT NULL);
INSERT INTO labels_new (id, title) SELECT id, title FROM labels;
DROP TABLE labels;
ALTER TABLE labels_new RENAME TO labels;
