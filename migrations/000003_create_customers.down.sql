DROP TABLE credit_reports;
DROP TABLE customer_consents;
DROP TABLE customer_contacts;
DROP TABLE customers;
