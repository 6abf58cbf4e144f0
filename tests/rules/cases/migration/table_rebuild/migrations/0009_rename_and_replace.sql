-- renamed and a new empty table made under the old name: the rows are gone from running code
ALTER TABLE notes RENAME TO notes_archive;
CREATE TABLE notes (id bigint PRIMARY KEY, body text);
-- a plain rename and a plain drop
ALTER TABLE topics RENAME TO subjects;
DROP TABLE drafts;
