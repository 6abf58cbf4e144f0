-- nothing to undo: the up is empty too
SELECT 1;
