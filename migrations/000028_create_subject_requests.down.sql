ALTER TABLE settings DROP COLUMN request_retention_days;
DROP TABLE subject_request_actions;
DROP TABLE subject_request_customers;
DROP TABLE subject_requests;
