ALTER TABLE ${schema}.customers ADD COLUMN fax text;
DROP TABLE IF EXISTS customers_fax_backup;
