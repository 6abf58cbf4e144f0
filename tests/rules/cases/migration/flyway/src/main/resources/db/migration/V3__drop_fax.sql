ALTER TABLE ${schema}.customers DROP COLUMN fax;
