ALTER TABLE credit_reports DROP COLUMN need, DROP COLUMN reference;
