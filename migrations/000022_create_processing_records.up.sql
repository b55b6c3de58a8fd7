-- The record of processing activities (GDPR art. 30(1)): each save of the company's texts (purpose, legal
-- basis, recipients, transfers per category of data subjects) is a new version; earlier ones stay readable.
-- No personal data of customers: the texts describe the processing, not a person.
CREATE TABLE processing_records (
    version  integer PRIMARY KEY CHECK (version > 0),
    saved_at timestamptz NOT NULL,
    saved_by bigint REFERENCES users (id) ON DELETE SET NULL,
    entries  jsonb NOT NULL
);
