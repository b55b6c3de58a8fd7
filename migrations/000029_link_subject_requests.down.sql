DROP TABLE subject_request_letters;
ALTER TABLE marketing_objections DROP CONSTRAINT marketing_objections_request_fk;
ALTER TABLE customers DROP CONSTRAINT customers_restriction_request_fk;
ALTER TABLE erasures DROP COLUMN request_id;
